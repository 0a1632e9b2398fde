"""The pages (`/`, `/embed`), their assets and the health check: bytes built at start-up."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from mapapp.api import reject_query_parameters
from mapapp.errors import NotFound
from mapapp.state import current_state

bp = Blueprint("web", __name__)


def _page(variant: str) -> Response:
    page = current_state().pages[variant]
    return Response(page.body, content_type=page.content_type)


@bp.get("/")
def index() -> Response:
    return _page("index")


@bp.get("/embed")
def embed() -> Response:
    return _page("embed")


@bp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    found = current_state().assets.by_path.get(f"assets/{name}")
    if found is None:
        raise NotFound(f"no asset {name!r}")
    response = Response(found.body, content_type=found.content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@bp.get("/healthz")
def healthz() -> Response:
    reject_query_parameters()
    catalogue = current_state().catalogue
    return jsonify(status="ok", collections=len(catalogue.collections),
                   features=catalogue.feature_count)
