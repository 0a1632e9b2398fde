"""The rules a collection file must follow, as pure functions that return problems.

Each check says which file, feature and field it refuses, so a broken deploy names
its own fix. Nothing here reads files or knows about Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from mapapp.fields import is_web_url, nonempty_str
from mapapp.precision import check_location, try_shape
from mapapp.problems import Problem
from mapapp.translated import (
    LANGUAGES,
    check_fact,
    check_name_sources,
    check_names,
    check_places,
    check_translations,
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
STATUSES = ("operating", "under construction", "planned", "historical", "event")
GEOMETRY_TYPES = (
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
)
LON_RANGE = (40.0, 125.0)
LAT_RANGE = (25.0, 56.0)
YEAR_RANGE = (1, 2999)  # before the temporal extent's arithmetic would overflow
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

CATALOGUE_FIELDS = ("id", "file", "title", "group", "description", "order", "style")
SOURCE_FIELDS = ("id", "title", "author", "publishers", "date", "language", "url", "citation")


def check_catalogue_dates(document: Any, file: str) -> list[Problem]:
    """The dates the data is true for: `data_as_of`, the day its statuses and facts
    describe (unless a fact has its own `as_of`), and `checked_on`, the day it was
    last checked against its sources."""
    if not isinstance(document, dict):
        return []
    problems = []
    for name in ("data_as_of", "checked_on"):
        if not is_iso_date(document.get(name)):
            problems.append(Problem(file, "must be a date, YYYY-MM-DD", field=name))
    if not problems and document["checked_on"] < document["data_as_of"]:
        problems.append(Problem(file, "the data cannot be checked before the date it "
                                      "describes", field="checked_on"))
    return problems


def check_catalogue_entry(entry: Any, file: str, index: int) -> list[Problem]:
    """One collection entry of catalogue.json."""
    if not isinstance(entry, dict):
        return [Problem(file, f"collections[{index}] is not an object")]
    problems = [
        Problem(file, f"collections[{index}] has no {name!r}", field=name)
        for name in CATALOGUE_FIELDS if name not in entry
    ]
    if problems:
        return problems
    where = f"collection {entry['id']!r}"
    if not (isinstance(entry["id"], str) and ID_PATTERN.match(entry["id"])):
        problems.append(Problem(file, f"{where}: id must be lowercase-hyphenated", field="id"))
    for name in ("file", "title", "group", "description"):
        if not nonempty_str(entry[name]):
            problems.append(Problem(file, f"{where}: must be a non-empty string", field=name))
    if not isinstance(entry["order"], int) or isinstance(entry["order"], bool):
        problems.append(Problem(file, f"{where}: must be an integer", field="order"))
    style = entry["style"]
    if not isinstance(style, dict) or not HEX_COLOUR.match(str(style.get("color", ""))):
        problems.append(Problem(file, f"{where}: style needs a #rrggbb color", field="style"))
    elif "color_by" in style:
        color_by = style["color_by"]
        values = color_by.get("values") if isinstance(color_by, dict) else None
        if not (isinstance(values, dict) and values and nonempty_str(color_by.get("property"))
                and all(HEX_COLOUR.match(str(v)) for v in values.values())):
            problems.append(Problem(
                file, f"{where}: color_by needs a property and #rrggbb values",
                field="style.color_by"))
    return problems


def check_source(entry: Any, file: str, index: int) -> list[Problem]:
    """One cited document of sources.json: what the citation line is made of, in
    every language, and where each publication of it is."""
    if not isinstance(entry, dict):
        return [Problem(file, f"sources[{index}] is not an object")]
    problems = [
        Problem(file, f"sources[{index}] has no {name!r}", field=name)
        for name in SOURCE_FIELDS if name not in entry
    ]
    if problems:
        return problems
    if not (isinstance(entry["id"], str) and ID_PATTERN.match(entry["id"])):
        return [Problem(file, f"sources[{index}]: id must be lowercase-hyphenated", field="id")]
    return [Problem(file, f"source {entry['id']!r}: {message}", field=field)
            for field, message in _check_source_fields(entry)]


def _check_source_fields(entry: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for name in ("title", "author", "citation"):
        if not nonempty_str(entry[name]):
            yield name, "must be a non-empty string"
    if not _is_text_list(entry["publishers"]):
        yield "publishers", "must be a list of non-empty strings"
    if not is_iso_date(entry["date"]):
        yield "date", "must be a date, YYYY-MM-DD"
    if entry["language"] not in LANGUAGES:
        yield "language", f"must be one of {', '.join(LANGUAGES)}"
    if not is_web_url(entry["url"]):
        yield "url", "must be http(s)"
    translations = entry.get("translations")
    for lang in LANGUAGES:
        if lang == "en":
            continue
        texts = translations.get(lang) if isinstance(translations, dict) else None
        if not isinstance(texts, dict):
            yield f"translations.{lang}", f"missing: title, author, publishers ({lang})"
            continue
        for name in ("title", "author"):
            if not nonempty_str(texts.get(name)):
                yield f"translations.{lang}.{name}", f"missing or empty ({lang})"
        if not _is_text_list(texts.get("publishers")):
            yield f"translations.{lang}.publishers", f"a list of non-empty strings ({lang})"
    publications = entry.get("publications", [])
    if not isinstance(publications, list):
        yield "publications", "must be a list of {language, url, title, publisher}"
        return
    for number, publication in enumerate(publications):
        field = f"publications[{number}]"
        if not (isinstance(publication, dict) and publication.get("language") in LANGUAGES
                and is_web_url(publication.get("url"))
                and all(nonempty_str(publication.get(name)) for name in ("title", "publisher"))):
            yield field, "needs language (en, ru, kk, zh), an http(s) url, title and publisher"
    quoted = [p for p in publications if isinstance(p, dict) and p.get("url") == entry["url"]]
    if publications and not any(p.get("language") == entry["language"] for p in quoted):
        yield "url", ("the quoted text (url) must be one of the publications, in the "
                      "source's language")


def _is_text_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(map(nonempty_str, value))


def is_iso_date(value: Any) -> bool:
    """YYYY-MM-DD, a real day."""
    if not (isinstance(value, str) and re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value)):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def check_feature_collection(
    document: Any, file: str, style: Mapping[str, Any], source_ids: set[str],
    shapes: list[BaseGeometry | Exception | None] | None = None,
) -> list[Problem]:
    """A whole collection file: its envelope, then every feature. `shapes`, if given,
    receives each feature's shape as the rules built it (`try_shape`; None for what is
    no object), so that the loader need not build it again."""
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return [Problem(file, "not a GeoJSON FeatureCollection", field="type")]
    problems: list[Problem] = []
    if "crs" in document:
        problems.append(Problem(file, "RFC 7946 has no 'crs' member; coordinates are WGS 84",
                                field="crs"))
    features = document.get("features")
    if not isinstance(features, list):
        return [*problems, Problem(file, "'features' must be a list", field="features")]
    if not features:
        problems.append(Problem(file, "the collection has no features", field="features"))
    seen: set[str] = set()
    for index, feature in enumerate(features):
        fid = feature.get("id") if isinstance(feature, dict) else None
        label = fid if isinstance(fid, str) else f"#{index}"
        if isinstance(fid, str) and fid in seen:
            problems.append(Problem(file, "duplicate id in this file", label, "id"))
        seen.add(label)
        shaped = try_shape(feature.get("geometry")) if isinstance(feature, dict) else None
        if shapes is not None:
            shapes.append(shaped)
        problems += [
            Problem(file, message, label, field)
            for field, message in check_feature(feature, style, source_ids, shaped)
        ]
    return problems


def check_feature(
    feature: Any, style: Mapping[str, Any], source_ids: set[str],
    shaped: BaseGeometry | Exception | None = None,
) -> Iterator[tuple[str, str]]:
    """Yields (field, message) for everything wrong with one feature. `shaped`:
    `try_shape` of its geometry if the caller has it already (else built here, once)."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        yield "type", "not a GeoJSON Feature"
        return
    fid = feature.get("id")
    if fid is None:
        yield "id", "missing (every feature needs a stable id)"
    elif not (isinstance(fid, str) and ID_PATTERN.match(fid)):
        yield "id", f"{fid!r} is not lowercase-hyphenated"
    if "previous_ids" in feature:
        yield from _check_previous_ids(feature["previous_ids"], fid)
    geometry = feature.get("geometry")
    if shaped is None:
        shaped = try_shape(geometry)
    yield from check_geometry(geometry, shaped)
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        yield "properties", "missing or not an object"
        return
    yield from check_properties(properties, geometry, style, source_ids, shaped)


def _check_previous_ids(previous: Any, fid: Any) -> Iterator[tuple[str, str]]:
    """`previous_ids`: the ids a feature had before, so that URLs naming them still
    lead to it (mapapp.catalogue resolves them); each a lowercase-hyphenated id, once."""
    if not isinstance(previous, list) or not previous:
        yield "previous_ids", "must be a non-empty list of former ids"
        return
    for index, former in enumerate(previous):
        if not (isinstance(former, str) and ID_PATTERN.match(former)):
            yield "previous_ids", f"{former!r} is not a lowercase-hyphenated id"
        elif former == fid:
            yield "previous_ids", f"{former!r} is the feature's own id"
        elif former in previous[:index]:
            yield "previous_ids", f"{former!r} is listed twice"


def check_previous_ids(features: Iterable[tuple[str, Mapping[str, Any]]]) -> list[Problem]:
    """Across the catalogue (`(file, feature)` pairs): a former id leads to one feature,
    so it is no current id and no two features list it."""
    features = list(features)
    current = {f.get("id"): file for file, f in features}
    listed: dict[str, str] = {}
    problems = []
    for file, feature in features:
        previous = feature.get("previous_ids")
        if not isinstance(previous, list):
            continue
        for former in previous:
            if not isinstance(former, str) or former == feature.get("id"):
                continue
            if former in current:
                problems.append(Problem(file, f"previous id {former!r} is the id of a current "
                                              f"feature in {current[former]}",
                                        feature.get("id"), "previous_ids"))
            elif listed.get(former, feature.get("id")) != feature.get("id"):
                problems.append(Problem(file, f"previous id {former!r} is also listed by "
                                              f"feature {listed[former]!r}",
                                        feature.get("id"), "previous_ids"))
            listed.setdefault(former, feature.get("id"))
    return problems


def check_geometry(geometry: Any, shaped: BaseGeometry | Exception | None = None,
                   ) -> Iterator[tuple[str, str]]:
    """`shaped`: `try_shape(geometry)` if the caller has it already."""
    if not isinstance(geometry, dict):
        yield "geometry", "missing (every mapped feature needs a geometry)"
        return
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        yield "geometry.type", f"{kind!r} is not one of {', '.join(GEOMETRY_TYPES)}"
        return
    geom = try_shape(geometry) if shaped is None else shaped
    if isinstance(geom, Exception):
        yield "geometry.coordinates", f"not a valid {kind}: {geom}"
        return
    if geom.is_empty:
        yield "geometry", "empty geometry"
        return
    if not geom.is_valid:
        yield "geometry", f"invalid geometry: {shapely.is_valid_reason(geom)}"
    yield from _check_coordinates(geom)
    yield from _check_parts(geom)


def _check_coordinates(geom: BaseGeometry) -> Iterator[tuple[str, str]]:
    for lon, lat in shapely.get_coordinates(geom):
        if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
            yield "geometry.coordinates", (
                f"[{lon}, {lat}] is outside longitude {LON_RANGE[0]:g}–{LON_RANGE[1]:g}, "
                f"latitude {LAT_RANGE[0]:g}–{LAT_RANGE[1]:g} (is it [lat, lon]?)"
            )
            return


def _check_parts(geom: BaseGeometry) -> Iterator[tuple[str, str]]:
    parts = getattr(geom, "geoms", [geom])
    for part in parts:
        if part.geom_type == "LineString" and len(set(part.coords)) < 2:
            yield "geometry.coordinates", "a line needs at least two distinct points"
        if part.geom_type == "Polygon" and not part.exterior.is_ccw:
            yield "geometry.coordinates", "outer ring must be counter-clockwise (RFC 7946)"


def check_properties(
    props: Mapping[str, Any], geometry: Any,
    style: Mapping[str, Any], source_ids: set[str],
    shaped: BaseGeometry | Exception | None = None,
) -> Iterator[tuple[str, str]]:
    for name in ("name", "kind", "summary"):
        if not nonempty_str(props.get(name)):
            yield name, "missing or empty"
    if props.get("name") != (props.get("names") or {}).get("en"):
        yield "name", "must be the English name, names.en"
    yield from check_names(props.get("names"))
    yield from check_name_sources(props.get("name_sources"))
    yield from check_translations(props)
    yield from check_places(props.get("places"))
    if props.get("status") not in STATUSES:
        yield "status", f"{props.get('status')!r} is not one of {', '.join(STATUSES)}"
    yield from _check_facts(props.get("facts"))
    yield from _check_citations(props.get("citations"), source_ids)
    yield from check_location(props, geometry, shaped)
    color_by = style.get("color_by")
    if isinstance(color_by, dict):
        key, values = color_by.get("property"), color_by.get("values", {})
        if not (isinstance(props.get(key), str) and props[key] in values):
            yield key, f"{props.get(key)!r} is not one of {', '.join(values)}"
    if "year" in props and not (isinstance(props["year"], int)
                                and not isinstance(props["year"], bool)
                                and YEAR_RANGE[0] <= props["year"] <= YEAR_RANGE[1]):
        yield "year", f"must be a year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}"
    if "context" in props and not isinstance(props["context"], bool):
        yield "context", "must be true or false"



def _check_facts(facts: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(facts, list):
        yield "facts", "must be a list (may be empty)"
        return
    for index, fact in enumerate(facts):
        field = f"facts[{index}]"
        if not isinstance(fact, dict):
            yield field, "not an object"
            continue
        for name in ("label", "value"):
            if not nonempty_str(fact.get(name)):
                yield f"{field}.{name}", "missing or empty"
        if not is_web_url(fact.get("source")):
            yield f"{field}.source", "every fact needs the http(s) URL it comes from"
        yield from check_fact(fact, field)


def _check_citations(citations: Any, source_ids: set[str]) -> Iterator[tuple[str, str]]:
    if not isinstance(citations, list) or not citations:
        yield "citations", "missing: every feature cites the article sentence that names it"
        return
    for index, citation in enumerate(citations):
        field = f"citations[{index}]"
        if not isinstance(citation, dict):
            yield field, "not an object"
            continue
        if not isinstance(citation.get("source"), str) or citation["source"] not in source_ids:
            yield f"{field}.source", (
                f"{citation.get('source')!r} is not in sources.json "
                f"({', '.join(sorted(source_ids)) or 'none'})"
            )
        paragraph = citation.get("paragraph")
        if not isinstance(paragraph, int) or isinstance(paragraph, bool) or paragraph < 0:
            yield f"{field}.paragraph", "must be a paragraph index (an integer >= 0)"
        if not nonempty_str(citation.get("quote")):
            yield f"{field}.quote", "missing or empty"
        offset = citation.get("offset")
        if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool)
                                   or offset < 0):
            yield f"{field}.offset", ("must be the quote's character offset in its paragraph "
                                      "(an integer >= 0)")
