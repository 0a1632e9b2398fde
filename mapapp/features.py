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
from mapapp.crs import CRS84, SUPPORTED, bbox_to_crs84, parse_crs, transform_geojson
from mapapp.downloads import FORMATS
from mapapp.errors import BadParameter, single_values
from mapapp.filtering import CONFORMANCE as FILTER_CONFORMANCE
from mapapp.filtering import Predicate, parse_filter
from mapapp.queryables import property_filters, queryables

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
GEOPACKAGE = "application/geopackage+sqlite3"
JSON_SCHEMA = "application/schema+json"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
GREGORIAN = "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian"
CONFORMANCE = (
    *(f"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/{name}"
      for name in ("core", "geojson", "oas30")),
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    *(f"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/{name}"
      for name in ("queryables", "queryables-query-parameters", "filter", "features-filter")),
    *FILTER_CONFORMANCE,
)
LIMIT_DEFAULT = 100
LIMIT_MAX = 1000
# crs and bbox-crs come from Part 2, filter, filter-lang and filter-crs from Part 3;
# besides these, the items take one parameter per queryable property (`status=…`).
ITEMS_PARAMETERS = ("limit", "offset", "bbox", "datetime", "f", "crs", "bbox-crs", "filter",
                    "filter-lang", "filter-crs")
SELECTING = ("limit", "offset", "bbox", "datetime", "filter")
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


def check_crs(values: Mapping[str, str], name: str = "crs") -> str:
    """The URI of the CRS the parameter `name` asks for; CRS84 when absent."""
    return parse_crs(name, values[name]) if name in values else CRS84


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
    properties: tuple[tuple[str, Any], ...] = ()  # name=value filters, values typed
    predicate: Predicate | None = None  # the CQL2 filter
    crs: str = CRS84  # of the answer's geometries


def items_parameters(collection: Collection) -> tuple[str, ...]:
    """What the items of `collection` take: the standard's parameters, then one per
    queryable property (none of them shadows a standard one)."""
    return (*ITEMS_PARAMETERS, *(name for name in queryables(collection)
                                 if name not in ITEMS_PARAMETERS))


def parse_items_query(collection: Collection, args: Mapping[str, Sequence[str]],
                      path: str) -> ItemsQuery:
    """The items parameters, each checked; a download (f other than json) is always
    the whole collection, so it refuses the selecting parameters."""
    values = single_values(args, items_parameters(collection), path)
    f = check_f(values.get("f"), ITEMS_FORMATS)
    crs = check_crs(values)
    bbox_crs = check_crs(values, "bbox-crs")
    filter_crs = check_crs(values, "filter-crs")
    properties = property_filters(collection,
                                  {k: v for k, v in values.items() if k not in ITEMS_PARAMETERS})
    selecting = [name for name in SELECTING if name in values] + [n for n, _ in properties]
    if f != "json" and (selecting or crs != CRS84):
        raise BadParameter(f"f={f} downloads the whole collection; it cannot be combined "
                           f"with {', '.join(selecting or ['crs'])}")
    if "filter" not in values:
        for name in ("filter-lang", "filter-crs"):
            if name in values:
                raise BadParameter(f"{name} describes filter, which is not given")
    predicate = (parse_filter(values["filter"], values.get("filter-lang"), filter_crs,
                              queryables(collection)) if "filter" in values else None)
    return ItemsQuery(
        limit=_integer(values, "limit", LIMIT_DEFAULT, 1, LIMIT_MAX),
        offset=_integer(values, "offset", 0, 0, OFFSET_MAX),
        bbox=parse_bbox(values["bbox"], bbox_crs) if "bbox" in values else None,
        period=parse_datetime(values["datetime"]) if "datetime" in values else None,
        f=f,
        properties=properties,
        predicate=predicate,
        crs=crs,
    )


def _integer(values: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    if name not in values:
        return default
    text = values[name]
    if not re.fullmatch(INTEGER, text) or not low <= int(text) <= high:
        raise BadParameter(f"{name} must be an integer from {low} to {high}; got {text!r}")
    return int(text)


def parse_bbox(text: str, crs: str = CRS84) -> tuple[float, float, float, float]:
    """minx,miny,maxx,maxy in `crs`, in its axis order (six numbers add heights, which
    2D data ignores), as a CRS84 box."""
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
    if crs != CRS84:
        for axis, low, high in ((1, minx, maxx), (2, miny, maxy)):
            if low > high:
                raise BadParameter(f"bbox: the minimum of axis {axis} ({low:g}) is greater "
                                   f"than its maximum ({high:g})")
        return bbox_to_crs84((minx, miny, maxx, maxy), crs)
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
    """Indexes of the features matching bbox (geometry intersects), datetime (the
    feature's year overlaps; a feature without a year has no time and does not), the
    property filters (equal) and the CQL2 filter."""
    chosen = list(range(len(collection.features)))
    for name, value in query.properties:
        chosen = [i for i in chosen if _equal(collection.features[i]["properties"].get(name),
                                              value)]
    if query.bbox is not None:
        hits = shapely.intersects(collection.shapes, shapely.box(*query.bbox))
        chosen = [i for i in chosen if hits[i]]
    if query.period is not None:
        period = query.period
        chosen = [i for i in chosen
                  if isinstance(year := collection.features[i]["properties"].get("year"), int)
                  and period.overlaps(*year_span(year))]
    if query.predicate is not None:
        predicate = query.predicate
        chosen = [i for i in chosen
                  if predicate((collection.features[i]["properties"], collection.shapes[i]))]
    return chosen


def _equal(found: Any, wanted: Any) -> bool:
    """A property filter's match: equal values of one type (1 is not true)."""
    return found is not None and isinstance(found, bool) == isinstance(wanted, bool) \
        and found == wanted


def in_crs(feature: dict[str, Any], crs: str) -> dict[str, Any]:
    """A feature with its geometry in `crs` (the data is CRS84)."""
    if crs == CRS84:
        return feature
    return {**feature, "geometry": transform_geojson(feature["geometry"], crs)}


def content_crs(crs: str) -> str:
    """The `Content-Crs` header of an answer in `crs` (Part 2)."""
    return f"<{crs}>"


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
            link(f"{url}/queryables", QUERYABLES_REL, JSON_SCHEMA,
                 f"{collection.title}: what its items can be filtered by"),
            *download_links(f"{url}/items", collection.title, "enclosure"),
        ],
        "extent": extent(collection),
        "itemType": "feature",
        "crs": list(SUPPORTED),
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


def _structured(schema: Mapping[str, Any]) -> bool:
    """Whether a property's values are JSON structures: objects, or arrays of anything
    but strings and numbers (a list of strings is a field of its own kind in GDAL)."""
    if schema.get("type") == "object":
        return True
    items = schema.get("items", {})
    return schema.get("type") == "array" and items.get("type") not in (
        "string", "integer", "number")


def feature_schema(collection: Collection, base: str) -> dict[str, Any]:
    """A JSON Schema of the collection's features, each property typed from the data,
    so a client that reads one page (GDAL's OAPIF driver) still types every field right
    (error_km 10 on the first page and 1.5 on a later one is a number, not an integer).

    The structured properties (names, facts, citations…) are described under
    `patternProperties`, each by its exact name: GDAL types every member of
    `properties` from the schema, where it has no JSON type and makes plain text of
    them; the others it types from the data, as JSON values (as it reads a server
    without a schema). The schema validates the same features either way."""
    names = list(dict.fromkeys(n for f in collection.features for n in f["properties"]))
    values = {n: [f["properties"][n] for f in collection.features if n in f["properties"]]
              for n in names}
    types = {n: _json_type(values[n]) for n in names}
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
                "properties": {n: t for n, t in types.items() if not _structured(t)},
                "patternProperties": {f"^{re.escape(n)}$": t for n, t in types.items()
                                      if _structured(t)},
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
