"""The JSON API under /api: OGC API – Features over the catalogue, and downloads.

Thin Flask views: the standard's logic is in mapapp.features, the definition in
mapapp.openapi, the files in mapapp.downloads. A feature is serialised when a page of
items first needs it and kept in a bounded cache (`feature_body`), so a page asked for
again is a join of ready bytes, and a large catalogue is not held twice, once as data
and once as JSON.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from cachetools import LRUCache
from flask import Blueprint, Response, current_app, g, redirect, request, send_file
from werkzeug.http import http_date

from mapapp.catalogue import Catalogue, Collection
from mapapp.crs import CRS84
from mapapp.dataschema import SCHEMAS, schema_bytes
from mapapp.downloads import Download
from mapapp.errors import NotFound, single_values
from mapapp.fastpath import REVALIDATE, ready
from mapapp.features import (
    F_JSON,
    GEOJSON,
    ITEM_PARAMETERS,
    JSON_SCHEMA,
    OPENAPI,
    check_crs,
    check_f,
    collection_document,
    collections_document,
    conformance_document,
    content_crs,
    data_dates,
    dumps,
    feature_collection_bytes,
    feature_schema,
    in_crs,
    item_document,
    items_envelope,
    landing_document,
    page_of,
    parse_items_query,
)
from mapapp.queryables import queryables_document
from mapapp.readyanswer import choose_encoding
from mapapp.state import current_state

__all__ = ["GEOJSON", "base_url", "bp", "dumps", "reject_query_parameters"]

bp = Blueprint("api", __name__, url_prefix="/api")


# Bytes of feature JSON a worker keeps: all of a catalogue of hundreds of features, the
# pages in use of a large one (a feature takes 20–100 µs to serialise, and a page of
# pipelines in another CRS 10–25 ms to transform).
BODY_CACHE_BYTES = 16 * 1024 * 1024
_BODIES: LRUCache[tuple[int, int, str], tuple[Collection, bytes]] = LRUCache(
    BODY_CACHE_BYTES, getsizeof=lambda kept: len(kept[1]) + 200)
_BODIES_LOCK = threading.Lock()


def feature_body(collection: Collection, index: int, crs: str = CRS84) -> bytes:
    """The JSON of the collection's feature at `index`, in `crs`."""
    key = (id(collection), index, crs)
    with _BODIES_LOCK:
        kept = _BODIES.get(key)
    if kept is not None and kept[0] is collection:  # not a collection gone by a reload
        return kept[1]
    body = dumps(in_crs(collection.features[index], crs))
    with _BODIES_LOCK:
        _BODIES[key] = (collection, body)
    return body


@bp.after_request
def last_modified(response: Response) -> Response:
    """The data's answers say when the data was last checked against its sources."""
    if response.status_code == 200:
        checked = date.fromisoformat(current_state().catalogue.checked_on)
        response.headers["Last-Modified"] = http_date(checked)
    return response


def reject_query_parameters(allowed: tuple[str, ...] = ()) -> dict[str, str]:
    """Unknown or repeated parameters are refused: a silently ignored typo hides a mistake."""
    return single_values(request.args.to_dict(flat=False), allowed, request.path)


def json_only() -> None:
    """The JSON documents take `f=json` (clients such as GDAL send it) and nothing else."""
    check_f(reject_query_parameters(F_JSON).get("f"), ("json",))


def base_url() -> str:
    """The public URL of the site, ending in '/': the setting, else the request's (then
    the answer depends on the Host, and the fast path keys it by the Host too)."""
    configured = current_app.config["MAPAPP_PUBLIC_URL"]
    if configured:
        return configured.rstrip("/") + "/"
    g.mapapp_uses_host = True
    return request.host_url


def _json(document: Any, media_type: str = "application/json") -> Response:
    return ready(Response(dumps(document), content_type=media_type), REVALIDATE)


def _attachment(download: Download) -> Response:
    """A download, streamed from its file, gzip for a client that accepts it (werkzeug
    answers If-None-Match with 304 and Range with 206), never held in memory."""
    packed = choose_encoding(request.headers.get("Accept-Encoding", ""),
                             ("gzip", "identity")) == "gzip"
    response = send_file(download.gzip_path if packed else download.path,
                         mimetype=download.media_type,
                         etag=download.gzip_etag if packed else download.etag,
                         conditional=True, max_age=60)
    if packed:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.headers["Content-Type"] = download.media_type  # as named: no charset added
    response.headers["Content-Disposition"] = f'attachment; filename="{download.filename}"'
    response.headers["Cache-Control"] = REVALIDATE
    return response


@bp.get("")
@bp.get("/")
def landing() -> Response:
    json_only()
    return _json(landing_document(current_state().catalogue, base_url()))


@bp.get("/conformance")
def conformance() -> Response:
    json_only()
    return _json(conformance_document())


@bp.get("/openapi")
def openapi() -> Response:
    json_only()
    servers = [{"url": f"{base_url()}api"}]  # the paths are relative to /api
    return _json({**current_state().openapi, "servers": servers}, OPENAPI)


@bp.get("/collections")
def collections() -> Response:
    json_only()
    return _json(collections_document(current_state().catalogue, base_url()))


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    json_only()
    catalogue = current_state().catalogue
    return _json(collection_document(catalogue.collection(collection_id), base_url(),
                                     data_dates(catalogue)))


@bp.get("/collections/<collection_id>/schema")
def schema(collection_id: str) -> Response:
    json_only()
    return _json(feature_schema(current_state().catalogue.collection(collection_id),
                                base_url()), JSON_SCHEMA)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str) -> Response:
    """What the items can be filtered by (Part 3): by `name=value` or in a CQL2 filter."""
    json_only()
    return _json(queryables_document(current_state().catalogue.collection(collection_id),
                                     base_url()), JSON_SCHEMA)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    state = current_state()
    collection = state.catalogue.collection(collection_id)
    query = parse_items_query(collection, request.args.to_dict(flat=False), request.path)
    if query.f != "json":
        return _attachment(state.downloads.collection(collection.id, query.f))
    matched, page = page_of(collection, query)
    items_url = f"{base_url()}api/collections/{collection.id}/items"
    envelope = items_envelope(collection, query, matched, len(page), items_url,
                              request.args.to_dict(), state.catalogue.loaded_at)
    bodies = [feature_body(collection, i, query.crs) for i in page]
    response = Response(feature_collection_bytes(bodies, envelope), content_type=GEOJSON)
    response.headers["Content-Crs"] = content_crs(query.crs)
    return ready(response, REVALIDATE)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    values = reject_query_parameters(ITEM_PARAMETERS)
    check_f(values.get("f"), ("json",))
    crs = check_crs(values)
    catalogue = current_state().catalogue
    if feature_id in catalogue.former_ids:
        return _moved_item(catalogue, catalogue.former_ids[feature_id])
    collection = catalogue.collection(collection_id)
    feature = in_crs(collection.feature(feature_id), crs)
    response = _json(item_document(collection, feature, base_url()), GEOJSON)
    response.headers["Content-Crs"] = content_crs(crs)
    return response


def _moved_item(catalogue: Catalogue, current_id: str) -> Response:
    """A former id (a feature's `previous_ids`) answers 301 to the feature's one URL
    now, with the query kept: clients (requests, OWSLib, GDAL's curl, browsers' fetch)
    follow it, learn the new id from the URL and cache one resource, also when the
    feature has moved to another collection."""
    collection, _ = catalogue.find_feature(current_id)
    query = request.query_string.decode("latin-1")
    location = (f"{base_url()}api/collections/{collection.id}/items/{current_id}"
                + (f"?{query}" if query else ""))
    response = redirect(location, 301)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.get("/schemas/<schema_name>")
def data_schema(schema_name: str) -> Response:
    """The schema of a data file as shipped: what a file must be before it is loaded."""
    json_only()
    if schema_name not in SCHEMAS:
        raise NotFound(f"no schema {schema_name!r}; valid names: {', '.join(SCHEMAS)}")
    return ready(Response(schema_bytes(schema_name), content_type=JSON_SCHEMA), REVALIDATE)


@bp.get("/download.gpkg")
def catalogue_geopackage() -> Response:
    reject_query_parameters()
    return _attachment(current_state().downloads.catalogue())
