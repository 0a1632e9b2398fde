"""The interface in four languages: gettext catalogues, read once at start-up.

Translations are plain `.po` files, `mapapp/translations/<lang>/LC_MESSAGES/messages.po`,
made from the template `mapapp/translations/messages.pot` (`babel.cfg` says where the
messages come from: the templates, the scripts, this package, and the vocabulary of the
built-in data). They are compiled in memory with Babel, so no binary file is committed
and nothing is built before the app starts. English is the source language: its
messages are the msgids themselves.

The scripts (mapapp*.js, reader.js) get their messages in the page's data block: every
message their source marks with `_("…")`, and the data's vocabulary (group names,
layer titles, kinds, statuses), each in the page's language.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from functools import cache
from gettext import NullTranslations
from io import BytesIO
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from mapapp.assets import MAP_SCRIPTS
from mapapp.catalogue import Catalogue
from mapapp.errors import N_
from mapapp.settings import PACKAGE_DIR

LANGUAGES = ("en", "ru", "kk", "zh")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "ru": "Русский", "kk": "Қазақша", "zh": "中文"}
# Babel locales for dates and lists: British English writes "2 July 2024".
BABEL_LOCALES = {"en": "en_GB", "ru": "ru", "kk": "kk", "zh": "zh_Hans"}
TRANSLATIONS_DIR = PACKAGE_DIR / "translations"
SCRIPTS_DIR = PACKAGE_DIR / "static"
SCRIPTS = (*MAP_SCRIPTS, "reader.js")


# The fixed vocabulary of the data (mapapp.validation.STATUSES), in the same order.
STATUSES = (N_("operating"), N_("under construction"), N_("planned"), N_("historical"),
            N_("event"))


def catalogue_path(lang: str) -> Any:
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalogue of `lang` (English: the messages themselves)."""
    if lang not in LANGUAGES:
        raise ValueError(f"no language {lang!r}; the languages are {', '.join(LANGUAGES)}")
    if lang == DEFAULT_LANGUAGE:
        return NullTranslations()
    with catalogue_path(lang).open("rb") as po:
        catalog = read_po(po, locale=BABEL_LOCALES[lang])
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def translate(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


def negotiate(accepted: Iterable[tuple[str, float]]) -> str:
    """The first of our languages in an Accept-Language list (best quality first):
    `ru-RU` counts as `ru`, `zh-Hans-CN` as `zh`; English when none is accepted."""
    for value, quality in accepted:
        if quality <= 0:
            continue
        primary = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
        if primary in LANGUAGES:
            return primary
    return DEFAULT_LANGUAGE


def long_date(iso_date: str, lang: str) -> str:
    """'2024-07-02' as the language writes it: '2 July 2024', '2 июля 2024 г.'…"""
    return format_date(date.fromisoformat(iso_date), "long", locale=BABEL_LOCALES[lang])


def join_names(names: Iterable[str], lang: str) -> str:
    """'A and B' in the language."""
    return format_list(list(names), locale=BABEL_LOCALES[lang])


def vocabulary(catalogue: Catalogue) -> list[str]:
    """The data's words that the interface shows: group names, layer titles, the
    values a layer is coloured by (oil, gas), kinds and statuses. Catalogues
    translate those of the built-in data; others stay as written."""
    words = [*catalogue.groups, *(c.title for c in catalogue.collections)]
    words += [value for c in catalogue.collections
              for value in c.style.get("color_by", {}).get("values", {})]
    words += {f["properties"]["kind"]: None for c in catalogue.collections for f in c.features}
    words += STATUSES
    return list(dict.fromkeys(words))


MARKED = re.compile(r'\b_\("((?:[^"\\]|\\.)*)"')
COMMENTS = re.compile(r"/\*.*?\*/|^\s*//.*?$", re.DOTALL | re.MULTILINE)


@cache
def script_msgids() -> tuple[str, ...]:
    """Every message the page scripts mark with `_("…")`, in source order: plain
    double-quoted strings, as Babel's extractor reads them too (a test holds the two
    together; this is quicker at start-up)."""
    found: list[str] = []
    for name in SCRIPTS:
        source = COMMENTS.sub("", (SCRIPTS_DIR / name).read_text(encoding="utf-8"))
        found += [json.loads(f'"{text}"') for text in MARKED.findall(source)]
    return tuple(dict.fromkeys(found))


def script_messages(lang: str, catalogue: Catalogue) -> dict[str, str]:
    """The translations the scripts need, msgid -> text, for the data block (empty
    for English, whose messages are the msgids)."""
    if lang == DEFAULT_LANGUAGE:
        return {}
    found = {}
    for msgid in (*script_msgids(), *vocabulary(catalogue)):
        text = translate(lang, msgid)
        if text != msgid:
            found[msgid] = text
    return found


def extract_vocabulary(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    """A Babel extractor (`babel.cfg`) for the built-in data: group names and layer
    titles from catalogue.json, kinds from the collection files."""
    document = json.load(fileobj)
    if "collections" in document:
        for entry in document["collections"]:
            yield 0, None, entry["group"], ["data: group"]
            yield 0, None, entry["title"], ["data: layer title"]
            for value in entry.get("style", {}).get("color_by", {}).get("values", {}):
                yield 0, None, value, ["data: a value the layer is coloured by"]
    for feature in document.get("features", []):
        yield 0, None, feature["properties"]["kind"], ["data: kind of place"]
