"""The pages (`/`, `/embed`), oEmbed, their assets and the health check.

Pages are bytes built at start-up; a view checks the URL's map state (so a wrong
value is answered 400, never ignored), picks the page of its language (`?lang=`, or
else the best of `Accept-Language`, and then the answer says `Vary: Accept-Language`)
and adds the oEmbed discovery link for its URL.
"""

from __future__ import annotations

from html import escape
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from mapapp.api import base_url, dumps, reject_query_parameters
from mapapp.cards import page_card
from mapapp.embedcode import SITE_TITLE, oembed_response, parse_oembed_request, picture_query
from mapapp.errors import NotFound
from mapapp.fastpath import IMMUTABLE, REVALIDATE, ready
from mapapp.i18n import negotiate
from mapapp.pages import page_key, picture_element
from mapapp.state import current_state
from mapapp.viewstate import (
    EMBED_PARAMETERS,
    PAGE_PARAMETERS,
    parse_picture_request,
    parse_view_state,
)

bp = Blueprint("web", __name__)


def page_url() -> str:
    """This request's page URL under the public base URL."""
    query = request.query_string.decode("latin-1")
    return base_url() + request.path.lstrip("/") + (f"?{query}" if query else "")


def discovery_link(url: str) -> str:
    href = f"{base_url()}oembed?url={quote(url, safe='')}&format=json"
    return (f'<link rel="alternate" type="application/json+oembed" href="{escape(href)}" '
            f'title="{escape(SITE_TITLE)}">')


def _page(variant: str, allowed: tuple[str, ...]) -> Response:
    state = current_state()
    view = parse_view_state(request.args.to_dict(flat=False), state.catalogue, allowed,
                            request.path)
    lang = view.lang or negotiate(request.accept_languages)
    page = state.pages[page_key(variant, lang)]
    url = page_url()
    picture = "image.png" + picture_query(view, lang)
    alt = state.iframe_titles[lang]
    card = page_card(state.catalogue, view, lang, alt, url, base_url() + picture)
    body = page.render(discovery_link(url) + "\n" + card.tags(), picture_element(picture, alt))
    response = Response(body, content_type=page.content_type)
    response.headers["Content-Language"] = lang
    if view.lang is None:
        response.headers["Vary"] = "Accept-Language"
    return ready(response, REVALIDATE)


@bp.get("/")
def index() -> Response:
    return _page("index", PAGE_PARAMETERS)


@bp.get("/embed")
def embed() -> Response:
    return _page("embed", EMBED_PARAMETERS)


PICTURE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}


@bp.get("/image.<any(png, svg):picture_format>")
def picture(picture_format: str) -> Response:
    """A picture of the URL's view (English unless `lang=` says otherwise, so the bytes
    depend on the URL alone)."""
    state = current_state()
    asked = parse_picture_request(request.args.to_dict(flat=False), state.catalogue,
                                  picture_format, request.path)
    response = Response(state.pictures.get(asked), content_type=PICTURE_TYPES[picture_format])
    response.headers["Content-Language"] = asked.state.lang or "en"
    return ready(response, REVALIDATE)


@bp.get("/oembed")
def oembed() -> Response:
    state = current_state()
    answer = oembed_response(parse_oembed_request(request.args.to_dict(flat=False)),
                             base_url(), state.catalogue, state.iframe_titles)
    return Response(dumps(answer), mimetype="application/json")


@bp.get("/embed.js")
def embed_script() -> Response:
    """The host-page helper: a stable URL (not content-hashed), so a short cache."""
    reject_query_parameters()
    found = current_state().assets.by_name["embed.js"]
    return ready(Response(found.body, content_type=found.content_type), "public, max-age=3600")


@bp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    found = current_state().assets.by_path.get(f"assets/{name}")
    if found is None:
        raise NotFound(f"no asset {name!r}")
    return ready(Response(found.body, content_type=found.content_type), IMMUTABLE)


@bp.get("/healthz")
def healthz() -> Response:
    reject_query_parameters()
    catalogue = current_state().catalogue
    return jsonify(status="ok", collections=len(catalogue.collections),
                   features=catalogue.feature_count)
