"""The JSON API: the catalogue's collections and their features as GeoJSON.

Collection bodies are serialised once at start-up (`items_bodies`); views only look
them up, so every request for a collection gets the same bytes.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, request

from mapapp.catalogue import Catalogue, Collection
from mapapp.errors import BadParameter
from mapapp.state import current_state

GEOJSON = "application/geo+json"
bp = Blueprint("api", __name__, url_prefix="/api")


def dumps(document: Any) -> bytes:
    """Compact UTF-8 JSON, byte-faithful to the data's text."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def build_items_bodies(catalogue: Catalogue) -> dict[str, bytes]:
    return {c.id: dumps(c.as_feature_collection()) for c in catalogue.collections}


def reject_query_parameters(allowed: tuple[str, ...] = ()) -> None:
    """Unknown parameters are refused: a silently ignored typo hides a mistake."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        takes = f"it takes {', '.join(allowed)}" if allowed else "it takes none"
        raise BadParameter(f"unknown query parameter {unknown[0]!r} for {request.path}; {takes}")


def collection_summary(collection: Collection, base: str) -> dict[str, Any]:
    items = f"{base}api/collections/{collection.id}/items"
    return {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "group": collection.group,
        "links": [
            {"href": items, "rel": "items", "type": GEOJSON, "title": collection.title},
        ],
    }


def base_url() -> str:
    """The public URL of the site, ending in '/': the setting, else the request's."""
    configured = current_app.config["MAPAPP_PUBLIC_URL"]
    return configured.rstrip("/") + "/" if configured else request.host_url


@bp.get("/collections")
def collections() -> Response:
    reject_query_parameters()
    base = base_url()
    body = {"collections": [collection_summary(c, base)
                            for c in current_state().catalogue.collections]}
    return Response(dumps(body), mimetype="application/json")


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    reject_query_parameters()
    state = current_state()
    collection = state.catalogue.collection(collection_id)
    return Response(state.items_bodies[collection.id], mimetype=GEOJSON)


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    reject_query_parameters()
    feature = current_state().catalogue.collection(collection_id).feature(feature_id)
    return Response(dumps(feature), mimetype=GEOJSON)
