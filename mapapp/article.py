"""The cited article in the reader's language: its citation line, its publications.

Quotes are verbatim from the text named by the source's `url` (the English text the
paragraph numbers count), so a quote links there; the page adds a link to the
publication in its own language where one exists. Author, publishers and title come
from the source's `translations`, dates from Babel.
"""

from __future__ import annotations

from typing import Any

from mapapp.catalogue import Catalogue
from mapapp.i18n import N_, join_names, long_date, translate

CITATION_LINE = N_("{author}, «{title}», {publishers}, {date}")
TITLE_MARKS = N_("«{title}»")  # the quotation marks of a title: 《…》 in Chinese
DATA_AS_OF = N_("Data as of {date} · checked {checked}")
QUOTED_TEXT = N_("The English text the quotes come from")
READ_IN = {
    "en": N_("Read the article in English"),
    "ru": N_("Read the article in Russian"),
    "kk": N_("Read the article in Kazakh"),
    "zh": N_("Read the article in Chinese"),
}


def article_source(catalogue: Catalogue) -> dict[str, Any]:
    """The article the map is about: the first entry of sources.json."""
    return next(iter(catalogue.sources.values()))


def in_language(source: dict[str, Any], lang: str) -> dict[str, Any]:
    """Title, author and publishers as written in `lang` (English: the source's own)."""
    texts = source.get("translations", {}).get(lang) if lang != "en" else None
    texts = texts or {}
    return {"title": texts.get("title", source["title"]),
            "author": texts.get("author", source["author"]),
            "publishers": texts.get("publishers", source["publishers"])}


def publication(source: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """The publication of the article in `lang`, if the sources list one."""
    for entry in source.get("publications", []):
        if entry["language"] == lang:
            return entry
    return None


def localised_article(catalogue: Catalogue, lang: str) -> dict[str, Any]:
    """What a page in `lang` says about the article: the citation line, the link to
    the text quoted, and a link to the article in `lang` when it is another text."""
    source = article_source(catalogue)
    words = in_language(source, lang)
    date = long_date(source["date"], lang)
    separator = " / "
    citation = translate(lang, CITATION_LINE).format(
        author=words["author"], title=words["title"],
        publishers=separator.join(words["publishers"]), date=date)
    own = publication(source, lang)
    other = None
    if lang != source["language"] and own is not None and own["url"] != source["url"]:
        other = {"url": own["url"], "lang": lang, "label": translate(lang, READ_IN[lang])}
    return {
        "id": source["id"],
        "title": words["title"],
        "title_marked": translate(lang, TITLE_MARKS).format(title=words["title"]),
        "author": words["author"],
        "publishers": words["publishers"],
        "publishers_text": join_names(words["publishers"], lang),
        "date": date,
        "lang": lang,
        "citation": citation,
        "quoted": {"url": source["url"], "lang": source["language"],
                   "label": translate(lang, QUOTED_TEXT)},
        "in_language": other,
    }


def data_as_of(catalogue: Catalogue, lang: str) -> str:
    """"Data as of 2 July 2024 · checked 30 November 2026", in `lang`."""
    return translate(lang, DATA_AS_OF).format(
        date=long_date(catalogue.data_as_of, lang), checked=long_date(catalogue.checked_on, lang))
