"""Content in four languages: the rules for names, translations and place names.

English is the reference text of the data (`name`, `summary`, `location_note`, a
fact's `label` and `value`); the other languages are the project's translation of
it, kept beside it in the same feature:

- `names`: the name in every language;
- `translations`: {lang: {"summary", "location_note"}} for every language but English;
- a fact's `translations`: {lang: {"label", "value"}};
- `places`: the towns, regions and countries the location mentions, each in every
  language (search finds a place by them).

A missing or empty text is a problem naming its file, feature, field and language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from mapapp.fields import nonempty_str
from mapapp.problems import Problem

LANGUAGES = ("en", "ru", "kk", "zh")
SOURCE_LANGUAGE = "en"
TARGET_LANGUAGES = tuple(lang for lang in LANGUAGES if lang != SOURCE_LANGUAGE)
FEATURE_TEXTS = ("summary", "location_note")  # translated when the English exists
FACT_TEXTS = ("label", "value")
AS_OF = re.compile(r"^[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?$")


def check_names(names: Any) -> Iterator[tuple[str, str]]:
    """`names` holds a non-empty name in each language, and nothing else."""
    if not isinstance(names, dict):
        yield "names", f"must be an object with a name in each of {', '.join(LANGUAGES)}"
        return
    for lang in LANGUAGES:
        if not nonempty_str(names.get(lang)):
            yield f"names.{lang}", f"missing or empty name ({lang})"
    for lang in names:
        if lang not in LANGUAGES:
            yield f"names.{lang}", f"unknown language; use {', '.join(LANGUAGES)}"


def check_name_sources(value: Any) -> Iterator[tuple[str, str]]:
    """Optional: where a name in some language comes from, when it is not obvious."""
    if value is None:
        return
    if not isinstance(value, dict) or not all(
            lang in LANGUAGES and nonempty_str(text) for lang, text in value.items()):
        yield "name_sources", f"must map languages ({', '.join(LANGUAGES)}) to a source"


def _translated(value: Any, field: str, english: Mapping[str, Any],
                texts: Iterable[str]) -> Iterator[tuple[str, str]]:
    """`value` translates each English text of `texts` that `english` has."""
    wanted = [name for name in texts if name in english]
    if not isinstance(value, dict):
        yield field, f"missing: translations into {', '.join(TARGET_LANGUAGES)}"
        return
    for lang in value:
        if lang not in TARGET_LANGUAGES:
            yield f"{field}.{lang}", (f"unknown language; translate into "
                                      f"{', '.join(TARGET_LANGUAGES)}")
    for lang in TARGET_LANGUAGES:
        texts_of = value.get(lang)
        if not isinstance(texts_of, dict):
            yield f"{field}.{lang}", f"missing translation ({lang})"
            continue
        for name in wanted:
            if not nonempty_str(texts_of.get(name)):
                yield f"{field}.{lang}.{name}", f"missing or empty translation ({lang})"
        for name in texts_of:
            if name not in wanted:
                yield f"{field}.{lang}.{name}", (
                    f"translates nothing: the English has no {name!r}")


def check_translations(props: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """The feature's own texts in every language."""
    yield from _translated(props.get("translations"), "translations", props, FEATURE_TEXTS)


def check_fact(fact: Mapping[str, Any], field: str) -> Iterator[tuple[str, str]]:
    """A fact's label and value in every language, and the date it is true for."""
    yield from _translated(fact.get("translations"), f"{field}.translations", fact, FACT_TEXTS)
    if "as_of" in fact and not _is_as_of(fact["as_of"]):
        yield f"{field}.as_of", "the date the fact is true for: YYYY, YYYY-MM or YYYY-MM-DD"


def _is_as_of(value: Any) -> bool:
    if not (isinstance(value, str) and AS_OF.match(value)):
        return False
    parts = [int(part) for part in value.split("-")] + [1, 1]
    try:
        date(*parts[:3])
    except ValueError:
        return False
    return True


def check_places(places: Any) -> Iterator[tuple[str, str]]:
    """The towns, regions and countries of the location, each in every language."""
    if not isinstance(places, list) or not places:
        yield "places", ("list the towns, regions and countries the location mentions, "
                         "each as {\"en\", \"ru\", \"kk\", \"zh\"}")
        return
    for index, place in enumerate(places):
        if not isinstance(place, dict):
            yield f"places[{index}]", "must be an object with a name in each language"
            continue
        for lang in LANGUAGES:
            if not nonempty_str(place.get(lang)):
                yield f"places[{index}].{lang}", f"missing or empty place name ({lang})"


def shared_names(features: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Problem]:
    """Two features with one name in some language cannot be told apart in a list:
    every (file, feature) pair after the first that repeats a name is a problem."""
    first: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for file, feature in features:
        names = feature.get("properties", {}).get("names") or {}
        for lang in LANGUAGES:
            name = names.get(lang)
            if not isinstance(name, str):
                continue
            key = (lang, name.strip().casefold())
            if key in first:
                problems.append(Problem(file, f"the {lang} name {name!r} is also the name of "
                                              f"{first[key]!r}; names tell places apart",
                                        feature["id"], f"names.{lang}"))
            else:
                first[key] = feature["id"]
    return problems
