"""The rules a collection file must follow, as pure functions that return problems.

Each check says which file, feature and field it refuses, so a broken deploy names
its own fix. Nothing here reads files or knows about Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from mapapp.problems import Problem

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PRECISIONS = ("exact", "approximate", "schematic")
STATUSES = ("operating", "under construction", "planned", "historical", "event")
LANGUAGES = ("en", "ru", "kk", "zh")
GEOMETRY_TYPES = (
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
)
LON_RANGE = (40.0, 125.0)
LAT_RANGE = (25.0, 56.0)
YEAR_RANGE = (1, 2999)  # before the temporal extent's arithmetic would overflow
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")

CATALOGUE_FIELDS = ("id", "file", "title", "group", "description", "order", "style")
SOURCE_FIELDS = ("id", "title", "author", "publishers", "date", "language", "url", "citation")


def is_web_url(value: Any) -> bool:
    """Only http(s) URLs become links anywhere in the app."""
    return isinstance(value, str) and re.match(r"^https?://[^\s]+$", value) is not None


def _nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


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
        if not _nonempty_str(entry[name]):
            problems.append(Problem(file, f"{where}: must be a non-empty string", field=name))
    if not isinstance(entry["order"], int) or isinstance(entry["order"], bool):
        problems.append(Problem(file, f"{where}: must be an integer", field="order"))
    style = entry["style"]
    if not isinstance(style, dict) or not HEX_COLOUR.match(str(style.get("color", ""))):
        problems.append(Problem(file, f"{where}: style needs a #rrggbb color", field="style"))
    elif "color_by" in style:
        color_by = style["color_by"]
        values = color_by.get("values") if isinstance(color_by, dict) else None
        if not (isinstance(values, dict) and values and _nonempty_str(color_by.get("property"))
                and all(HEX_COLOUR.match(str(v)) for v in values.values())):
            problems.append(Problem(
                file, f"{where}: color_by needs a property and #rrggbb values",
                field="style.color_by"))
    return problems


def check_source(entry: Any, file: str, index: int) -> list[Problem]:
    """One cited document of sources.json."""
    if not isinstance(entry, dict):
        return [Problem(file, f"sources[{index}] is not an object")]
    problems = [
        Problem(file, f"sources[{index}] has no {name!r}", field=name)
        for name in SOURCE_FIELDS if name not in entry
    ]
    if not problems and not is_web_url(entry["url"]):
        problems.append(Problem(file, f"source {entry['id']!r}: url must be http(s)", field="url"))
    return problems


def check_feature_collection(
    document: Any, file: str, style: Mapping[str, Any], source_ids: set[str]
) -> list[Problem]:
    """A whole collection file: its envelope, then every feature."""
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
        problems += [
            Problem(file, message, label, field)
            for field, message in check_feature(feature, style, source_ids)
        ]
    return problems


def check_feature(
    feature: Any, style: Mapping[str, Any], source_ids: set[str]
) -> Iterator[tuple[str, str]]:
    """Yields (field, message) for everything wrong with one feature."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        yield "type", "not a GeoJSON Feature"
        return
    fid = feature.get("id")
    if fid is None:
        yield "id", "missing (every feature needs a stable id)"
    elif not (isinstance(fid, str) and ID_PATTERN.match(fid)):
        yield "id", f"{fid!r} is not lowercase-hyphenated"
    yield from check_geometry(feature.get("geometry"))
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        yield "properties", "missing or not an object"
        return
    geometry_type = (feature.get("geometry") or {}).get("type")
    yield from check_properties(properties, geometry_type, style, source_ids)


def check_geometry(geometry: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(geometry, dict):
        yield "geometry", "missing (every mapped feature needs a geometry)"
        return
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        yield "geometry.type", f"{kind!r} is not one of {', '.join(GEOMETRY_TYPES)}"
        return
    try:
        geom = shape(geometry)
    except Exception as error:  # shapely raises several types for malformed input
        yield "geometry.coordinates", f"not a valid {kind}: {error}"
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
    props: Mapping[str, Any], geometry_type: str | None,
    style: Mapping[str, Any], source_ids: set[str],
) -> Iterator[tuple[str, str]]:
    for name in ("name", "kind", "summary"):
        if not _nonempty_str(props.get(name)):
            yield name, "missing or empty"
    yield from _check_names(props.get("names"))
    if props.get("status") not in STATUSES:
        yield "status", f"{props.get('status')!r} is not one of {', '.join(STATUSES)}"
    yield from _check_facts(props.get("facts"))
    yield from _check_citations(props.get("citations"), source_ids)
    yield from _check_location(props, geometry_type)
    color_by = style.get("color_by")
    if isinstance(color_by, dict):
        key, values = color_by.get("property"), color_by.get("values", {})
        if props.get(key) not in values:
            yield key, f"{props.get(key)!r} is not one of {', '.join(values)}"
    if "year" in props and not (isinstance(props["year"], int)
                                and not isinstance(props["year"], bool)
                                and YEAR_RANGE[0] <= props["year"] <= YEAR_RANGE[1]):
        yield "year", f"must be a year from {YEAR_RANGE[0]} to {YEAR_RANGE[1]}"
    if "context" in props and not isinstance(props["context"], bool):
        yield "context", "must be true or false"


def _check_names(names: Any) -> Iterator[tuple[str, str]]:
    if not isinstance(names, dict) or not _nonempty_str(names.get("en")):
        yield "names", "needs at least an 'en' name"
        return
    for language, value in names.items():
        if language not in LANGUAGES:
            yield f"names.{language}", f"unknown language; use {', '.join(LANGUAGES)}"
        elif not _nonempty_str(value):
            yield f"names.{language}", "empty name"


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
            if not _nonempty_str(fact.get(name)):
                yield f"{field}.{name}", "missing or empty"
        if not is_web_url(fact.get("source")):
            yield f"{field}.source", "every fact needs the http(s) URL it comes from"


def _check_citations(citations: Any, source_ids: set[str]) -> Iterator[tuple[str, str]]:
    if not isinstance(citations, list) or not citations:
        yield "citations", "missing: every feature cites the article sentence that names it"
        return
    for index, citation in enumerate(citations):
        field = f"citations[{index}]"
        if not isinstance(citation, dict):
            yield field, "not an object"
            continue
        if citation.get("source") not in source_ids:
            yield f"{field}.source", (
                f"{citation.get('source')!r} is not in sources.json "
                f"({', '.join(sorted(source_ids)) or 'none'})"
            )
        paragraph = citation.get("paragraph")
        if not isinstance(paragraph, int) or isinstance(paragraph, bool) or paragraph < 0:
            yield f"{field}.paragraph", "must be a paragraph index (an integer >= 0)"
        if not _nonempty_str(citation.get("quote")):
            yield f"{field}.quote", "missing or empty"
        offset = citation.get("offset")
        if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool)
                                   or offset < 0):
            yield f"{field}.offset", ("must be the quote's character offset in its paragraph "
                                      "(an integer >= 0)")


def _check_location(
    props: Mapping[str, Any], geometry_type: str | None
) -> Iterator[tuple[str, str]]:
    precision = props.get("precision")
    if precision not in PRECISIONS:
        yield "precision", f"{precision!r} is not one of {', '.join(PRECISIONS)}"
    elif precision != "exact" and not _nonempty_str(props.get("location_note")):
        yield "location_note", f"a {precision} location must say what it shows and its error"
    is_point = geometry_type in ("Point", "MultiPoint")
    error_km = props.get("error_km")
    if precision == "approximate" and is_point and error_km is None:
        yield "error_km", "an approximate point needs its error radius in km"
    if error_km is not None and not (
        isinstance(error_km, int | float) and not isinstance(error_km, bool) and error_km > 0
    ):
        yield "error_km", "must be a positive number of kilometres"
    sources = props.get("location_sources")
    if not (isinstance(sources, list) and sources and all(_nonempty_str(s) for s in sources)):
        yield "location_sources", "name at least one source of the geometry"
