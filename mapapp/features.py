"""OGC API – Features (Part 1: Core) over the catalogue, with no web framework.

Everything the standard decides lives here: which query parameters an endpoint
takes and how a wrong one is refused, how items are selected (bbox with shapely,
datetime against a feature's `year`) and paged, and the landing page, conformance,
collection documents and links. The Flask views in mapapp.api pass the request's
path and arguments in and send the bytes back.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import shapely

from mapapp.catalogue import Catalogue, Collection
from mapapp.downloads import FORMATS
from mapapp.errors import BadParameter, single_values

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
GEOPACKAGE = "application/geopackage+sqlite3"
JSON_SCHEMA = "application/schema+json"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian"
CONFORMANCE = tuple(
    f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}"
    for name in ("core", "geojson", "oas30")
)
LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
# crs and bbox-crs come from Part 2; GDAL sends crs once a collection lists its CRS.
# The only CRS served is CRS84, so it is the only value they take.
ITEMS_PARAMETERS = ("limit", "offset", "bbox", "datetime", "f", "crs", "bbox-crs")
ITEM_PARAMETERS = ("f", "crs")
F_JSON = ("f",)
ITEMS_FORMATS = ("json", *FORMATS)
CATALOGUE_DOWNLOAD = "download.gpkg"

OFFSET_MAX = 1_000_000_000

# The wire grammar of the parameters (whole-string matches); openapi.py publishes the
# same patterns, so the document and the server agree on what is well formed.
INTEGER = r"[0-9]{1,10}"
NUMBER = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_MOMENT = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
           r"(?:[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2}))?")
DATETIME = rf"{_MOMENT}|(?:{_MOMENT}|\.\.)?/(?:{_MOMENT}|\.\.)?"


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON, byte-faithful to the data's text."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def check_f(value: str | None, valid: Sequence[str]) -> str:
    if value is None:
        return valid[0]
    if value not in valid:
        raise BadParameter(f"f must be one of {', '.join(valid)}; got {value!r}")
    return value


def check_crs(values: Mapping[str, str]) -> None:
    for name in ("crs", "bbox-crs"):
        if name in values and values[name] != CRS84:
            raise BadParameter(f"{name} must be {CRS84}, the only CRS served; "
                               f"got {values[name]!r}")


@dataclass(frozen=True)
class Period:
    """A closed-open interval of time; None is an open end."""

    start: datetime | None
    end: datetime | None

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return (self.start is None or self.start < end) and (self.end is None or start < self.end)


@dataclass(frozen=True)
class ItemsQuery:
    limit: int = LIMIT_DEFAULT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    period: Period | None = None
    f: str = "json"


def parse_items_query(args: Mapping[str, Sequence[str]], path: str) -> ItemsQuery:
    """The items parameters, each checked; a download (f other than json) is always
    the whole collection, so it refuses the selecting parameters."""
    values = single_values(args, ITEMS_PARAMETERS, path)
    f = check_f(values.get("f"), ITEMS_FORMATS)
    check_crs(values)
    selecting = [name for name in ("limit", "offset", "bbox", "datetime") if name in values]
    if f != "json" and selecting:
        raise BadParameter(f"f={f} downloads the whole collection; it cannot be combined "
                           f"with {', '.join(selecting)}")
    return ItemsQuery(
        limit=_integer(values, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX),
        offset=_integer(values, "offset", 0, 0, OFFSET_MAX),
        bbox=parse_bbox(values["bbox"]) if "bbox" in values else None,
        period=parse_datetime(values["datetime"]) if "datetime" in values else None,
        f=f,
    )


def _integer(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    if name not in values:
        return default
    text = values[name]
    if not re.fullmatch(INTEGER, text) or not low <= int(text) <= high:
        raise BadParameter(f"{name} must be an integer from {low} to {high}; got {text!r}")
    return int(text)


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """minx,miny,maxx,maxy in CRS84 (six numbers add heights, which 2D data ignores)."""
    parts = text.split(",")
    if len(parts) not in (4, 6):
        raise BadParameter(f"bbox must be 4 numbers minx,miny,maxx,maxy (or 6 with heights); "
                           f"got {len(parts)} in {text!r}")
    for part in parts:
        if not re.fullmatch(NUMBER, part) or not math.isfinite(float(part)):
            raise BadParameter(f"bbox must be numbers; {part!r} in {text!r} is not")
    numbers = [float(part) for part in parts]
    minx, miny, maxx, maxy = numbers[:2] + numbers[-3:-1] if len(numbers) == 6 else numbers
    if len(numbers) == 6 and numbers[2] > numbers[5]:
        raise BadParameter(f"bbox minz {parts[2]} is greater than maxz {parts[5]}")
    for name, value, limit in (("minx", minx, 180), ("maxx", maxx, 180),
                               ("miny", miny, 90), ("maxy", maxy, 90)):
        if abs(value) > limit:
            raise BadParameter(f"bbox {name} {value:g} is outside -{limit}..{limit} "
                               "(CRS84 longitude, latitude)")
    if minx > maxx:
        raise BadParameter(f"bbox minx {minx:g} is greater than maxx {maxx:g} "
                           "(boxes across the antimeridian are not supported)")
    if miny > maxy:
        raise BadParameter(f"bbox miny {miny:g} is greater than maxy {maxy:g}")
    return minx, miny, maxx, maxy


def parse_datetime(text: str) -> Period:
    """An RFC 3339 instant or interval (`start/end`, `..` for an open end); a bare
    date means the whole day."""
    if not re.fullmatch(DATETIME, text):
        raise BadParameter(f"datetime must be an RFC 3339 date-time, date or interval "
                           f"such as 2013-01-01/2016-12-31 or 2013-09-07/..; got {text!r}")
    start_text, _, end_text = text.partition("/") if "/" in text else (text, "", text)
    start, end = _moment(start_text, text, False), _moment(end_text, text, True)
    if start is not None and end is not None and start >= end:
        raise BadParameter(f"datetime {text!r} ends before it starts")
    return Period(start, end)


def _moment(text: str, whole: str, is_end: bool) -> datetime | None:
    """One end of a datetime value; an end date includes its whole day."""
    if text in ("", ".."):
        return None
    try:
        moment = datetime.fromisoformat(text.upper())
        if len(text) == 10:
            return moment.replace(tzinfo=UTC) + timedelta(days=1 if is_end else 0)
        return moment + timedelta(microseconds=1 if is_end else 0)
    except (ValueError, OverflowError):
        raise BadParameter(f"datetime {whole!r}: {text!r} is not a valid date") from None


def year_span(year: int) -> tuple[datetime, datetime]:
    """A feature's `year` as its time: the whole year, in UTC."""
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


def select(collection: Collection, query: ItemsQuery) -> list[int]:
    """Indexes of the features matching bbox (geometry intersects) and datetime (the
    feature's year overlaps; a feature without a year has no time and does not)."""
    chosen = list(range(len(collection.features)))
    if query.bbox is not None:
        hits = shapely.intersects(collection.shapes, shapely.box(*query.bbox))
        chosen = [i for i in chosen if hits[i]]
    if query.period is not None:
        period = query.period
        chosen = [i for i in chosen
                  if isinstance(year := collection.features[i]["properties"].get("year"), int)
                  and period.overlaps(*year_span(year))]
    return chosen


def page_of(collection: Collection, query: ItemsQuery) -> tuple[int, list[int]]:
    """How many features match, and the indexes of those on the requested page."""
    chosen = select(collection, query)
    return len(chosen), chosen[query.offset:query.offset + query.limit]


def link(href: str, rel: str, media_type: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def with_query(url: str, values: Mapping[str, str]) -> str:
    return f"{url}?{urlencode(values, safe=',/:')}" if values else url


def items_links(items_url: str, values: Mapping[str, str], query: ItemsQuery,
                matched: int, title: str) -> list[dict[str, str]]:
    """self, next and prev keeping every other parameter, the downloads, the collection."""
    links = [link(with_query(items_url, values), "self", GEOJSON, "This page")]
    if query.offset + query.limit < matched:
        after = {**values, "offset": str(query.offset + query.limit)}
        links.append(link(with_query(items_url, after), "next", GEOJSON, "Next page"))
    if query.offset > 0:
        before = {**values, "offset": str(max(0, query.offset - query.limit))}
        links.append(link(with_query(items_url, before), "prev", GEOJSON, "Previous page"))
    links += download_links(items_url, title, "alternate")
    links.append(link(items_url.removesuffix("/items"), "collection", JSON, title))
    return links


def download_links(items_url: str, title: str, rel: str) -> list[dict[str, str]]:
    return [link(f"{items_url}?f={name}", rel, fmt.media_type,
                 f"{title}: the whole collection as {fmt.title}")
            for name, fmt in FORMATS.items()]


def items_envelope(collection: Collection, query: ItemsQuery, matched: int, returned: int,
                   items_url: str, values: Mapping[str, str],
                   time_stamp: str) -> dict[str, Any]:
    """The members after `features`: counts, the time of the answer (that of its data:
    the same in every worker, so is the body and its ETag), its links."""
    return {
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": time_stamp,
        "links": items_links(items_url, values, query, matched, collection.title),
    }


def feature_collection_bytes(feature_bodies: Sequence[bytes], envelope: dict[str, Any]) -> bytes:
    """A FeatureCollection from features serialised once at start-up, so a page costs
    a join, never a re-encoding of the data."""
    return (b'{"type":"FeatureCollection","features":[' + b",".join(feature_bodies) + b"],"
            + dumps(envelope)[1:])


def item_document(collection: Collection, feature: dict[str, Any], base: str) -> dict[str, Any]:
    url = f"{base}api/collections/{collection.id}"
    return {**feature, "links": [
        link(f"{url}/items/{feature['id']}", "self", GEOJSON, feature["properties"]["name"]),
        link(url, "collection", JSON, collection.title),
        link(f"{url}/items", "items", GEOJSON, collection.title),
    ]}


def extent(collection: Collection) -> dict[str, Any]:
    """The bbox of every geometry and, when features give years, the span of those years."""
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(collection.shapes))
    result: dict[str, Any] = {"spatial": {"bbox": [[minx, miny, maxx, maxy]], "crs": CRS84}}
    years = [f["properties"]["year"] for f in collection.features
             if isinstance(f["properties"].get("year"), int)]
    if years:
        start, end = year_span(min(years))[0], year_span(max(years))[1] - timedelta(seconds=1)
        result["temporal"] = {"interval": [[_iso(start), _iso(end)]], "trs": GREGORIAN}
    return result


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def data_dates(catalogue: Catalogue) -> dict[str, str]:
    """The day the statuses and facts describe, and the day they were last checked."""
    return {"data_as_of": catalogue.data_as_of, "checked_on": catalogue.checked_on}


def collection_document(collection: Collection, base: str,
                        dates: Mapping[str, str]) -> dict[str, Any]:
    """One collection: the app's members (group, the data's dates) and the OGC ones
    (extent, crs…)."""
    url = f"{base}api/collections/{collection.id}"
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "group": collection.group,
        **dates,
        "links": [
            link(f"{url}/items", "items", GEOJSON, collection.title),
            link(url, "self", JSON, collection.title),
            link(f"{url}/schema", "describedby", JSON_SCHEMA,
                 f"{collection.title}: the schema of its features"),
            *download_links(f"{url}/items", collection.title, "enclosure"),
        ],
        "extent": extent(collection),
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
    }


def _json_type(values: list[Any]) -> dict[str, Any]:
    """The JSON Schema type all `values` share (ints and floats together are numbers)."""
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string",
             dict: "object", list: "array"}
    found = {kinds.get(type(value), "null") for value in values}
    if found == {"integer", "number"}:
        found = {"number"}
    if len(found) != 1:
        return {}
    schema: dict[str, Any] = {"type": found.pop()}
    if schema["type"] == "array":
        schema["items"] = _json_type([item for value in values for item in value])
    return schema


def feature_schema(collection: Collection, base: str) -> dict[str, Any]:
    """A JSON Schema of the collection's features, each property typed from the data,
    so a client that reads one page (GDAL's OAPIF driver) still types every field right
    (error_km 10 on the first page and 1.5 on a later one is a number, not an integer)."""
    names = list(dict.fromkeys(n for f in collection.features for n in f["properties"]))
    values = {n: [f["properties"][n] for f in collection.features if n in f["properties"]]
              for n in names}
    geometry_types = sorted({shape.geom_type for shape in collection.shapes})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}api/collections/{collection.id}/schema",
        "title": collection.title,
        "type": "object",
        "required": ["type", "id", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": {"type": "object", "required": ["type", "coordinates"],
                         "properties": {"type": {"type": "string", "enum": geometry_types}}},
            "properties": {
                "type": "object",
                "required": [n for n in names if len(values[n]) == len(collection.features)],
                "properties": {n: _json_type(values[n]) for n in names},
            },
        },
    }


def collections_document(catalogue: Catalogue, base: str) -> dict[str, Any]:
    return {
        "collections": [collection_document(c, base, data_dates(catalogue))
                        for c in catalogue.collections],
        "links": [
            link(f"{base}api/collections", "self", JSON, "The collections"),
            link(f"{base}api/{CATALOGUE_DOWNLOAD}", "enclosure", GEOPACKAGE,
                 "Every collection as a layer of one GeoPackage"),
        ],
    }


def landing_document(catalogue: Catalogue, base: str) -> dict[str, Any]:
    article = next(iter(catalogue.sources.values()))
    api = f"{base}api"
    return {
        "title": f"Places cited from «{article['title']}»",
        "description": f"{len(catalogue.collections)} collections, {catalogue.feature_count} "
                       f"features, each quoting the sentence of {article['citation']} "
                       "that names it. OGC API – Features, GeoJSON in CRS84.",
        **data_dates(catalogue),
        "links": [
            link(api, "self", JSON, "This document"),
            link(f"{api}/openapi", "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            link(f"{api}/conformance", "conformance", JSON, "The conformance classes"),
            link(f"{api}/collections", "data", JSON, "The collections"),
            link(f"{api}/{CATALOGUE_DOWNLOAD}", "enclosure", GEOPACKAGE,
                 "Every collection as a layer of one GeoPackage"),
        ],
    }


def conformance_document() -> dict[str, Any]:
    return {"conformsTo": list(CONFORMANCE)}
