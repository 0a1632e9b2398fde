"""The language alternates of a page: `<link rel="alternate" hreflang>` for each language
and `x-default`, so a search engine offers a reader the page in their language.

Search engines require absolute URLs here, so the links are written per request (under
the public base URL) or, in the static export, only when its `--base-url` is known.
Each names the same page variant with the same state, only the language changed.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from mapapp.i18n import LANGUAGES

X_DEFAULT = "x-default"


def alternate_links(url_for: Callable[[str | None], str]) -> str:
    """The links for `url_for(lang)` in each language, and `url_for(None)` (the page
    that picks the reader's language) as x-default."""
    links = [(code, url_for(code)) for code in LANGUAGES] + [(X_DEFAULT, url_for(None))]
    return "\n".join(f'<link rel="alternate" hreflang="{code}" href="{escape(url)}">'
                     for code, url in links)
