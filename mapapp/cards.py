"""Preview cards: the Open Graph and Twitter tags that make a shared link show a picture.

A link pasted into a messenger or a social network is unfurled from these tags; the
picture is the PNG of the page's own view (`/image.png` with the page's state and its
language), so a card shows what the link opens. Card readers need absolute URLs, hence
`MAPAPP_PUBLIC_URL` behind a proxy and `--base-url` for the static export.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from mapapp.catalogue import Catalogue
from mapapp.embedcode import SITE_TITLE
from mapapp.i18n import N_, translate
from mapapp.pages import page_article
from mapapp.viewstate import PICTURE_WIDTH, PictureRequest, ViewState

# Open Graph locales are language_TERRITORY.
OG_LOCALES = {"en": "en_GB", "ru": "ru_RU", "kk": "kk_KZ", "zh": "zh_CN"}
# The pages' <meta name="description"> (templates/base.html): one message, one translation.
DESCRIPTION = N_("The China–Kazakhstan cooperation projects named in %(author)s's article of "
                 "%(date)s, each citing the sentence that names it.")


@dataclass(frozen=True)
class Card:
    """What a preview card shows; `page_url` and `image_url` are absolute or None."""

    title: str
    description: str
    lang: str
    image_alt: str
    page_url: str | None = None
    image_url: str | None = None

    def tags(self) -> str:
        """The <meta> tags, escaped; without an absolute picture URL, a plain card."""
        pairs = [("og:type", "website"), ("og:site_name", translate(self.lang, SITE_TITLE)),
                 ("og:title", self.title), ("og:description", self.description),
                 ("og:locale", OG_LOCALES[self.lang])]
        if self.page_url:
            pairs.append(("og:url", self.page_url))
        if self.image_url:
            request = PictureRequest(ViewState(), "png")
            pairs += [("og:image", self.image_url), ("og:image:type", "image/png"),
                      ("og:image:width", str(PICTURE_WIDTH)),
                      ("og:image:height", str(request.height)),
                      ("og:image:alt", self.image_alt)]
        lines = [f'<meta property="{name}" content="{escape(value)}">' for name, value in pairs]
        twitter = "summary_large_image" if self.image_url else "summary"
        lines.append(f'<meta name="twitter:card" content="{twitter}">')
        return "\n".join(lines)


def page_card(catalogue: Catalogue, state: ViewState, lang: str, alt: str,
              page_url: str | None, image_url: str | None) -> Card:
    """The card of a page: the open feature's name leads the title when there is one."""
    title = translate(lang, SITE_TITLE)
    if state.feature:
        _, feature = catalogue.find_feature(state.feature)
        props = feature["properties"]
        title = f"{(props.get('names') or {}).get(lang) or props['name']} · {title}"
    article = page_article(catalogue, lang)
    description = translate(lang, DESCRIPTION) % {"author": article["author"],
                                                  "date": article["date"]}
    return Card(title, description, lang, alt, page_url, image_url)
