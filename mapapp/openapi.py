"""The OpenAPI 3.0 definition of /api, built from the catalogue it describes.

Collection ids, source ids, parameter limits and patterns come from the same
constants the server checks with (mapapp.features, mapapp.validation), so the
document cannot promise what the server refuses. GDAL, OWSLib and schemathesis read it.

Paths are relative to the server `<site>/api`, as OGC API tools expect (`/`,
`/conformance`, `/collections/{collectionId}/items`…). Each operation writes its
parameters out in full rather than by `$ref`: OGC validators look for `limit` and
`filter` by name. Each collection also has its own items path, which lists the
properties it can be filtered by (`status=…`), found in its data (mapapp.queryables).
"""

from __future__ import annotations

from typing import Any

from mapapp.catalogue import Catalogue
from mapapp.crs import CRS84, SUPPORTED
from mapapp.dataschema import SCHEMAS
from mapapp.downloads import FORMATS
from mapapp.features import (
    DATETIME,
    GEOJSON,
    GEOPACKAGE,
    ITEMS_FORMATS,
    JSON,
    JSON_SCHEMA,
    LIMIT_DEFAULT,
    LIMIT_MAX,
    OFFSET_MAX,
    OPENAPI,
    items_parameters,
)
from mapapp.filtering import LANGUAGES as FILTER_LANGUAGES
from mapapp.precision import PRECISIONS
from mapapp.queryables import queryables
from mapapp.translated import LANGUAGES, TARGET_LANGUAGES
from mapapp.validation import GEOMETRY_TYPES, ID_PATTERN, STATUSES

REF = "#/components/"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"{REF}{kind}/{name}"}


def _array(items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "array", "items": items, **extra}


def _object(required: list[str], properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties, **extra}


STRING = {"type": "string"}
DATA_DATES = {
    "data_as_of": {"type": "string", "format": "date",
                   "description": "The day the statuses and facts describe (unless a fact "
                                  "gives its own as_of)"},
    "checked_on": {"type": "string", "format": "date",
                   "description": "The day the data was last checked against its sources; "
                                  "also the Last-Modified of every answer of the API"},
}


def query(name: str, description: str, schema: dict[str, Any], **extra: Any) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, **extra}


def parameters(catalogue: Catalogue) -> dict[str, Any]:
    """Every query and path parameter, with the limits the server enforces."""
    crs_values = list(SUPPORTED)

    first = catalogue.collections[0]
    return {
        "collectionId": {"name": "collectionId", "in": "path", "required": True,
                         "description": "A collection id.",
                         "schema": {"type": "string",
                                    "enum": [c.id for c in catalogue.collections]}},
        "schemaName": {"name": "schemaName", "in": "path", "required": True,
                       "description": "A data file's schema: a collection file, catalogue.json "
                                      "or sources.json.",
                       "schema": {"type": "string", "enum": list(SCHEMAS)}},
        "featureId": {"name": "featureId", "in": "path", "required": True,
                      "description": "A feature id (lowercase words joined by hyphens).",
                      "schema": {"type": "string", "pattern": ID_PATTERN.pattern},
                      "example": first.features[0]["id"]},
        "limit": query("limit", f"Features per page, 1 to {LIMIT_MAX}; {LIMIT_DEFAULT} when "
                       "absent. Follow the `next` link for the rest.",
                       {"type": "integer", "minimum": 1, "maximum": LIMIT_MAX,
                        "default": LIMIT_DEFAULT}),
        "offset": query("offset", "How many matching features to skip.",
                        {"type": "integer", "minimum": 0, "maximum": OFFSET_MAX, "default": 0}),
        "bbox": query("bbox", "minx,miny,maxx,maxy (six numbers add heights, ignored): "
                      "features whose geometry intersects it. In CRS84 longitude and "
                      "latitude unless bbox-crs says otherwise (EPSG:4326: minlat,minlon,"
                      "maxlat,maxlon). min must not exceed max; in CRS84 longitudes within "
                      "±180, latitudes ±90.",
                      _array({"type": "number"}, minItems=4, maxItems=6),
                      style="form", explode=False),
        "datetime": query("datetime", "An RFC 3339 date, date-time or interval (`..` for an "
                          "open end): features whose `year` overlaps it; features with no "
                          "year are left out.", {"type": "string", "pattern": f"^(?:{DATETIME})$"}),
        "crs": query("crs", "The CRS of the answer's geometries, in its own axis order "
                     "(EPSG:4326 is latitude, longitude); the answer says it in Content-Crs.",
                     {"type": "string", "enum": crs_values, "default": CRS84}),
        "bbox-crs": query("bbox-crs", "The CRS of bbox, in its own axis order.",
                          {"type": "string", "enum": crs_values, "default": CRS84}),
        "filter": query("filter", "A CQL2 filter (text or, with filter-lang=cql2-json, "
                        "JSON) over the collection's queryables and `geometry`: comparisons, "
                        "LIKE, BETWEEN, IN, IS NULL, AND/OR/NOT and the S_ spatial functions "
                        "(S_INTERSECTS(geometry, POLYGON((…))) or BBOX(…)).",
                        {"type": "string"}),
        "filter-lang": query("filter-lang", "The language of filter: cql2-text (default) or "
                             "cql2-json.", {"type": "string", "enum": list(FILTER_LANGUAGES),
                                            "default": FILTER_LANGUAGES[0]}),
        "filter-crs": query("filter-crs", "The CRS of filter's geometries.",
                            {"type": "string", "enum": crs_values, "default": CRS84}),
        "f": query("f", "The format: json (default).", {"type": "string", "enum": ["json"]}),
        "itemsFormat": query(
            "f", "json (default, paged GeoJSON) or a download of the whole collection: "
            "csv, kml, gpkg. A download cannot be combined with limit, offset, bbox, "
            "datetime, filter, crs or a property filter.",
            {"type": "string", "enum": list(ITEMS_FORMATS), "default": "json"}),
    }


def _feature_properties(catalogue: Catalogue) -> dict[str, Any]:
    """The property schema of mapapp.validation, as JSON Schema: English texts, their
    translations beside them (`translations`), and where the position comes from."""
    position = _array({"type": "number"}, minItems=2, maxItems=2,
                      description="[lon, lat] in CRS84")
    every_language = _object(list(LANGUAGES), {language: STRING for language in LANGUAGES},
                             additionalProperties=False)

    def translated(texts: list[str], optional: tuple[str, ...] = ()) -> dict[str, Any]:
        one = _object(texts, {name: STRING for name in (*texts, *optional)},
                      additionalProperties=False)
        return _object(list(TARGET_LANGUAGES), {lang: one for lang in TARGET_LANGUAGES},
                       description="The project's translation of the English texts")

    fact = _object(["label", "value", "source", "translations"], {
        "label": STRING, "value": STRING, "source": {**STRING, "format": "uri"},
        "as_of": {**STRING, "pattern": r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$",
                  "description": "The date the fact is true for"},
        "translations": translated(["label", "value"])})
    citation = _object(["source", "paragraph", "quote"], {
        "source": {"type": "string", "enum": sorted(catalogue.sources)},
        "paragraph": {"type": "integer", "minimum": 0}, "quote": STRING,
        "offset": {"type": "integer", "minimum": 0}})
    location_source = _object(["name", "url", "gives"], {
        "name": STRING, "url": {**STRING, "format": "uri"}, "gives": STRING,
        "coordinates": position})
    via = _object(["name", "coordinates"], {"name": STRING, "coordinates": position})
    return _object(
        ["name", "names", "kind", "status", "summary", "facts", "citations", "precision",
         "location_sources", "places", "translations"],
        {"name": STRING, "names": every_language, "kind": STRING, "summary": STRING,
         "name_sources": {"type": "object", "additionalProperties": STRING},
         "status": {"type": "string", "enum": list(STATUSES)},
         "facts": _array(fact), "citations": _array(citation, minItems=1),
         "precision": {"type": "string", "enum": list(PRECISIONS)},
         "error_km": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
         "location_note": STRING, "location_sources": _array(location_source, minItems=1),
         "via": _array(via, minItems=2), "places": _array(every_language, minItems=1),
         "translations": translated(["summary"], ("location_note",)),
         "year": {"type": "integer"}, "context": {"type": "boolean"}})


def schemas(catalogue: Catalogue) -> dict[str, Any]:
    links = _array(_ref("schemas", "link"))
    moment = {"type": "string", "format": "date-time", "nullable": True}
    return {
        "link": _object(["href", "rel"], {"href": STRING, "rel": STRING, "type": STRING,
                                          "title": STRING}),
        "exception": _object(["code", "description"], {"code": {"type": "integer"},
                                                       "description": STRING}),
        "landingPage": _object(["links"], {"title": STRING, "description": STRING,
                                           "links": links, **DATA_DATES}),
        "confClasses": _object(["conformsTo"], {"conformsTo": _array(STRING)}),
        "extent": _object(["spatial"], {
            "spatial": _object(["bbox"], {"bbox": _array(_array(
                {"type": "number"}, minItems=4, maxItems=6), minItems=1), "crs": STRING}),
            "temporal": _object(["interval"], {"interval": _array(_array(
                moment, minItems=2, maxItems=2), minItems=1), "trs": STRING})}),
        "collection": _object(["id", "links"], {
            "id": STRING, "title": STRING, "description": STRING, "group": STRING,
            **DATA_DATES, "links": links, "extent": _ref("schemas", "extent"),
            "itemType": STRING, "crs": _array(STRING), "storageCrs": STRING}),
        "collections": _object(["collections", "links"], {
            "collections": _array(_ref("schemas", "collection")), "links": links}),
        "geometry": _object(["type", "coordinates"], {
            "type": {"type": "string", "enum": list(GEOMETRY_TYPES)},
            "coordinates": {"type": "array"}}),
        "properties": _feature_properties(catalogue),
        "feature": _object(["type", "id", "geometry", "properties"], {
            "type": {"type": "string", "enum": ["Feature"]}, "id": STRING,
            "geometry": _ref("schemas", "geometry"),
            "properties": _ref("schemas", "properties"), "links": links}),
        "featureCollection": _object(["type", "features"], {
            "type": {"type": "string", "enum": ["FeatureCollection"]},
            "features": _array(_ref("schemas", "feature")),
            "numberMatched": {"type": "integer", "minimum": 0},
            "numberReturned": {"type": "integer", "minimum": 0},
            "timeStamp": {"type": "string", "format": "date-time"}, "links": links}),
    }


def _json(description: str, schema: str, media_type: str = JSON) -> dict[str, Any]:
    return {"description": description,
            "content": {media_type: {"schema": _ref("schemas", schema)}}}


def responses() -> dict[str, Any]:
    return {
        "BadRequest": _json("A query parameter is unknown, repeated or has a wrong value; "
                            "the description names it.", "exception"),
        "NotFound": _json("No such collection or feature (the description lists the valid "
                          "collection ids), or no such route.", "exception"),
        "URITooLong": {"description": "The request line is longer than the HTTP server takes "
                                      "(gunicorn's limit_request_line, 4094 bytes by default); "
                                      "answered by gunicorn itself, not as JSON."},
    }


def _operation(operation_id: str, summary: str, params: list[dict[str, Any]],
               ok: dict[str, Any], not_found: bool = False) -> dict[str, Any]:
    answers = {"200": ok, "400": _ref("responses", "BadRequest")}
    if not_found:
        answers["404"] = _ref("responses", "NotFound")
    answers["414"] = _ref("responses", "URITooLong")
    return {"get": {"operationId": operation_id, "summary": summary,
                    "parameters": params, "responses": answers}}


ITEMS = ["limit", "offset", "bbox", "bbox-crs", "datetime", "crs", "filter", "filter-lang",
         "filter-crs", "itemsFormat"]


def _moved(path: dict[str, Any]) -> dict[str, Any]:
    """The item route's 301: a former id of a feature (its `previous_ids`)."""
    path["get"]["responses"]["301"] = {
        "description": "A former id of a feature: the Location is the feature's URL now "
                       "(the query kept).",
        "headers": {"Location": {"description": "The feature's current URL.",
                                 "schema": {**STRING, "format": "uri"}}}}
    return path


def _items_ok() -> dict[str, Any]:
    """Paged GeoJSON by default; with f=csv|kml|gpkg the whole collection as a file."""
    binary = {"type": "string", "format": "binary"}
    content = {GEOJSON: {"schema": _ref("schemas", "featureCollection")}}
    content.update({fmt.media_type.split(";")[0]: {"schema": binary} for fmt in FORMATS.values()})
    return {"description": "The matching features, a page at a time (numberMatched, "
                           "numberReturned and next/prev links), or with `f` a download.",
            "headers": {"Content-Disposition": {
                "description": "With f=csv|kml|gpkg: attachment; filename=\"<id>.<ext>\".",
                "schema": STRING}},
            "content": content}


def _property_parameters(catalogue: Catalogue, collection_id: str) -> list[dict[str, Any]]:
    """One `name=value` filter per queryable property of the collection."""
    collection = catalogue.collection(collection_id)
    found = queryables(collection)
    return [query(name, f"Only the features whose `{name}` equals this value"
                  + (" (one of those listed)." if "enum" in found[name].schema() else "."),
                  {k: v for k, v in found[name].schema().items() if k != "title"})
            for name in items_parameters(collection) if name in found]


def paths(catalogue: Catalogue) -> dict[str, Any]:
    params = parameters(catalogue)

    def use(*names: str) -> list[dict[str, Any]]:
        return [params[name] for name in names]

    collection = "/collections/{collectionId}"
    schema_ok = {"description": "The JSON Schema (draft 2020-12).",
                 "content": {JSON_SCHEMA: {"schema": {"type": "object"}}}}
    found = {
        "/": _operation("getLandingPage", "The landing page, with links to the rest.",
                        use("f"), _json("The landing page.", "landingPage")),
        "/conformance": _operation(
            "getConformance", "The OGC API – Features conformance classes this API meets.",
            use("f"), _json("The conformance classes.", "confClasses")),
        "/openapi": _operation(
            "getOpenAPI", "This document.", use("f"),
            {"description": "The OpenAPI 3.0 definition.",
             "content": {OPENAPI: {"schema": {"type": "object"}}}}),
        "/collections": _operation(
            "getCollections", "Every collection, in display order, with extents and links.",
            use("f"), _json("The collections.", "collections")),
        collection: _operation(
            "describeCollection", "One collection.", use("collectionId", "f"),
            _json("The collection.", "collection"), not_found=True),
        f"{collection}/schema": _operation(
            "getCollectionSchema", "A JSON Schema of the collection's features, each "
            "property typed from the data.", use("collectionId", "f"), schema_ok,
            not_found=True),
        f"{collection}/queryables": _operation(
            "getQueryables", "What the collection's items can be filtered by (OGC API – "
            "Features Part 3): its geometry and its string, number and boolean properties.",
            use("collectionId", "f"), schema_ok, not_found=True),
        f"{collection}/items": _operation(
            "getFeatures", "The collection's features, paged; or the whole collection as a "
            "file. Each collection's own items path lists the properties it can be "
            "filtered by.", use("collectionId", *ITEMS), _items_ok(), not_found=True),
        f"{collection}/items/{{featureId}}": _moved(_operation(
            "getFeature", "One feature, with links to its collection.",
            use("collectionId", "featureId", "crs", "f"),
            _json("The feature.", "feature", GEOJSON), not_found=True)),
    }
    for item in catalogue.collections:
        found[f"/collections/{item.id}/items"] = _operation(
            f"getFeatures-{item.id}", f"{item.title}: the features, paged, filtered by "
            "bbox, datetime, CQL2 or their properties; or the whole collection as a file.",
            [*use(*ITEMS), *_property_parameters(catalogue, item.id)], _items_ok())
    found["/schemas/{schemaName}"] = _operation(
        "getDataSchema", "The JSON Schema (draft 2020-12) of a data file, which every "
        "load of the data checks before its rules.", use("schemaName", "f"),
        {"description": "The JSON Schema.",
         "content": {JSON_SCHEMA: {"schema": {"type": "object"}}}}, not_found=True)
    found["/download.gpkg"] = _operation(
        "getCatalogueGeoPackage", "Every collection as a layer of one GeoPackage.", [],
        {"description": "The GeoPackage (attachment).",
         "content": {GEOPACKAGE: {"schema": {"type": "string", "format": "binary"}}}})
    return found


def openapi_document(catalogue: Catalogue) -> dict[str, Any]:
    """The whole definition but `servers`, which the view adds for the request's URL."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "mapapp: OGC API – Features",
            "version": catalogue.version,
            "description": "China–Kazakhstan cooperation projects, each citing its sentence "
                           "of the article. GeoJSON in CRS84 (longitude, latitude), "
                           "EPSG:4326 or EPSG:3857 (`crs`). "
                           "`info.version` is the data version.",
            "license": {"name": "Data: ODbL (OpenStreetMap-derived geometry), CC BY 4.0 "
                                "(GeoNames), CC BY-SA 4.0 (Wikipedia); see geodata/README.md"},
        },
        "paths": paths(catalogue),
        "components": {"parameters": parameters(catalogue), "schemas": schemas(catalogue),
                       "responses": responses()},
    }
