"""The pages (`/`, `/embed`), oEmbed, their assets and the health check.

Pages are bytes built at start-up; a view checks the URL's map state (so a wrong
value is answered 400, never ignored), picks the page of its language (`?lang=`, or
else the best of `Accept-Language`, and then the answer says `Vary: Accept-Language`)
and adds the oEmbed discovery link for its URL.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from html import escape
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, jsonify, redirect, request
from markupsafe import escape as text_escape
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from mapapp.alternates import alternate_links
from mapapp.api import base_url, dumps, reject_query_parameters
from mapapp.assets import Asset
from mapapp.cards import page_card
from mapapp.embedcode import (
    SITE_TITLE,
    oembed_response,
    parse_oembed_request,
    picture_query,
    state_query,
)
from mapapp.errors import N_, NotFound, error_body
from mapapp.fastpath import IMMUTABLE, REVALIDATE, ready, stored
from mapapp.i18n import LANGUAGES, negotiate, translate
from mapapp.pages import page_key, picture_element
from mapapp.state import current_state
from mapapp.viewstate import (
    EMBED_PARAMETERS,
    PAGE_PARAMETERS,
    THEMES,
    BadMapUrl,
    ViewState,
    parse_picture_request,
    parse_view_state,
    with_current_feature,
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


def former_feature_redirect(allowed: tuple[str, ...] | None) -> Response | None:
    """A 301 to the URL with the current id when `feature=` names a former one (listed
    in a feature's `previous_ids`): a page published before the id changed keeps working.
    For a page (`allowed`: its parameters) the new URL is the state's canonical query,
    every other parameter kept; if another value is wrong, and for a picture (`allowed`
    None), the query as it was with only the id replaced (to be checked there)."""
    catalogue = current_state().catalogue
    args = with_current_feature(request.args.to_dict(flat=False), catalogue)
    if args is None:
        return None
    query = "?" + urlencode([(name, value) for name, values in args.items()
                             for value in values], safe=",/")
    if allowed is not None:
        with contextlib.suppress(BadMapUrl):
            query = state_query(parse_view_state(args, catalogue, allowed, request.path))
    response = redirect(base_url() + request.path.lstrip("/") + query, 301)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


def language_alternates(view: ViewState) -> str:
    """The page's alternates in every language: its state with another `lang=`."""
    url = base_url() + request.path.lstrip("/")
    return alternate_links(lambda code: url + state_query(replace(view, lang=code)))


def _page(variant: str, allowed: tuple[str, ...]) -> Response:
    state = current_state()
    moved = former_feature_redirect(allowed)
    if moved is not None:
        return moved
    try:
        view = parse_view_state(request.args.to_dict(flat=False), state.catalogue, allowed,
                                request.path)
    except BadMapUrl as error:
        if variant != "embed":
            raise  # the page with the valid values (mapapp/__init__.py)
        return _embed_with_notice(error)
    lang = view.lang or negotiate(request.accept_languages)
    page = state.pages[page_key(variant, lang)]
    url = page_url()
    picture = "image.png" + picture_query(view, lang)
    alt = state.iframe_titles[lang]
    card = page_card(state.catalogue, view, lang, alt, url, base_url() + picture)
    head = "\n".join((discovery_link(url), card.tags(), language_alternates(view)))
    body = page.render(head, picture_element(picture, alt), theme=view.theme)
    response = Response(body, content_type=page.content_type)
    response.headers["Content-Language"] = lang
    if view.lang is None:
        response.headers["Vary"] = "Accept-Language"
    return ready(response, REVALIDATE)


def _embed_with_notice(error: BadMapUrl) -> Response:
    """A published embed whose URL has a wrong value still shows the map: status 400,
    and the map page with a notice naming the value. The page's script reads the URL
    itself and keeps its valid values (all layers for a wrong `layers=`, no filter for
    a wrong `groups=`, no popup for a wrong `feature=`)."""
    state = current_state()
    asked = request.args.get("lang")
    lang = asked if asked in LANGUAGES else negotiate(request.accept_languages)
    theme = request.args.get("theme")
    page = state.pages[page_key("embed", lang)]
    picture = picture_element("image.png" + picture_query(ViewState(), lang),
                              state.iframe_titles[lang])
    body = page.render('<meta name="robots" content="noindex">', picture,
                       url_notice(translate(lang, error.template).format(**error.values), lang,
                                  state.assets.url("notice.js")),
                       theme=theme if theme in THEMES else None)
    response = Response(body, status=error.code, content_type=page.content_type)
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = "no-store"
    if asked not in LANGUAGES:
        response.headers["Vary"] = "Accept-Language"
    return response


NOTICE_HEADING = N_("This map URL has a wrong value:")
NOTICE_LEFT_OUT = N_("The map leaves that value out.")
NOTICE_CLOSE = N_("Close the notice")


def url_notice(message: str, lang: str, script: str) -> str:
    """The notice over the map: what is wrong in the URL, and that the map leaves it
    out; its `script` (notice.js, loaded only with a notice) lets the reader close it."""
    heading, left_out, close = (text_escape(translate(lang, text))
                                for text in (NOTICE_HEADING, NOTICE_LEFT_OUT, NOTICE_CLOSE))
    return (
        f'<div class="mapapp-url-notice" role="alert" data-url-notice>'
        f'<p><strong>{heading}</strong> '
        f'<span class="mapapp-url-notice-problem">{text_escape(message)}</span></p>'
        f'<p>{left_out}</p>'
        f'<button type="button" class="mapapp-url-notice-close" aria-label="{close}">×</button>'
        f'</div><script src="{text_escape(script)}" defer></script>')


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
    moved = former_feature_redirect(None)
    if moved is not None:
        return moved
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


FAVICON_CACHE = "public, max-age=2592000"  # 30 days: a stable URL, but a long-lived icon


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The icon at the name browsers and tools ask for (pages link the SVG too)."""
    reject_query_parameters()
    found = current_state().assets.by_name["favicon.ico"]
    return ready(Response(found.body, content_type="image/x-icon"), FAVICON_CACHE)


@bp.get("/assets/<path:name>")
def asset(name: str) -> Response:
    found = current_state().assets.by_path.get(f"assets/{name}")
    if found is None:
        raise NotFound(f"no asset {name!r}")
    if found.name.endswith(RANGED_SUFFIX):
        return ranged(found)
    if found.packed:  # held only compressed: the fast path answers from those bytes
        return ready(stored(Response(b"", content_type=found.content_type), found.digest),
                     IMMUTABLE)
    return ready(Response(found.body, content_type=found.content_type), IMMUTABLE)


RANGED_SUFFIX = ".pmtiles"


def ranged(found: Asset) -> Response:
    """The vector-tile archive, read by the map in HTTP Range requests (mapapp/vectortiles.py):
    werkzeug answers a range 206 with Content-Range, an unsatisfiable one 416, several
    ranges at once with the whole body (200), If-Range and If-None-Match by the ETag.
    Not ready bytes: the fast path keeps whole 200 answers only, so every request comes
    here (a range is a slice of bytes held already). Never compressed: its tiles are
    gzip inside, and a range is of the bytes as stored."""
    response = Response(found.body, content_type=found.content_type)
    response.headers["Cache-Control"] = IMMUTABLE
    response.headers["Accept-Ranges"] = "bytes"  # werkzeug names it only in a 206
    response.set_etag(found.digest)  # body_digest, computed once at start-up
    try:
        return response.make_conditional(request, accept_ranges=True,
                                         complete_length=len(found.body))
    except RequestedRangeNotSatisfiable:
        refused = Response(error_body(416, "the range is outside the file, or names several "
                                      "ranges; ask for one range within it"),
                           status=416, mimetype="application/json")
        refused.headers["Content-Range"] = f"bytes */{len(found.body)}"
        refused.headers["Accept-Ranges"] = "bytes"
        return refused


@bp.get("/features/<feature_id>")
def feature_item(feature_id: str) -> Response:
    """A feature's API item, found by its id alone: a map drawn from vector tiles reads
    the feature a URL names (?feature=id, no collection) through it."""
    reject_query_parameters()
    collection, _ = current_state().catalogue.find_feature(feature_id)
    return redirect(f"{base_url()}api/collections/{collection.id}/items/{feature_id}", 302)


@bp.get("/healthz")
def healthz() -> Response:
    reject_query_parameters()
    catalogue = current_state().catalogue
    return jsonify(status="ok", collections=len(catalogue.collections),
                   features=catalogue.feature_count)
