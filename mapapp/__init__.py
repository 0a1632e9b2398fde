"""mapapp: an embeddable web map of the China–Kazakhstan cooperation projects named in
Xi Jinping's article of 2 July 2024, every feature citing the sentence that names it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from mapapp import api, web
from mapapp.assets import load_static_assets
from mapapp.catalogue import load_catalogue
from mapapp.downloads import Downloads
from mapapp.drawing import vector_tiles_from
from mapapp.errors import AppError, error_body
from mapapp.fastpath import READY_HEADER, USES_HOST, FastPath
from mapapp.i18n import LANGUAGES, negotiate, translate
from mapapp.mapbuild import Tiles
from mapapp.openapi import openapi_document
from mapapp.pages import build_pages, error_environments, iframe_titles, page_globals
from mapapp.picture import Renderer
from mapapp.picturecache import PictureCache
from mapapp.security import SecurityHeaders, parse_frame_ancestors, tile_source
from mapapp.settings import bundled_dir, load_settings
from mapapp.state import AppState
from mapapp.viewstate import BadMapUrl

__all__ = ["create_app", "reload_data"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: load and validate the data (refusing to start on any problem,
    with mapapp.problems.DataError), then render every page and body once."""
    settings = load_settings(config)
    tiles = Tiles.from_setting(settings["MAPAPP_TILES"], settings["MAPAPP_TILES_ATTRIBUTION"])
    security = SecurityHeaders(
        embed_ancestors=parse_frame_ancestors(settings["MAPAPP_FRAME_ANCESTORS"]),
        tile_source=tile_source(tiles.url),
        hsts=settings["MAPAPP_PUBLIC_URL"].startswith("https://"))

    app = Flask(__name__, static_folder=None, template_folder=str(bundled_dir("templates")))
    app.config.update(settings)
    app.extensions["mapapp"] = build_state(app, tiles)
    app.extensions["mapapp.security"] = security
    app.register_blueprint(web.bp)
    app.register_blueprint(api.bp)
    _register_error_handlers(app)
    app.wsgi_app = FastPath(  # type: ignore[method-assign]
        app.wsgi_app, generation=lambda: app.extensions["mapapp"].catalogue.version,
        precompressed=lambda: app.extensions["mapapp"].precompressed)

    @app.after_request
    def secure(response: Response) -> Response:
        for name, value in security.for_path(request.path):
            response.headers[name] = value
        if READY_HEADER in response.headers and g.get("mapapp_uses_host"):
            response.headers[READY_HEADER] = USES_HOST  # its links name the Host
        return response

    return app


def build_state(app: Flask, tiles: Tiles, previous: AppState | None = None) -> AppState:
    """Everything the app serves, built at once from the data folder. The asset URLs of
    `previous` keep resolving, so a page served just before a reload still loads."""
    catalogue = load_catalogue(app.config["MAPAPP_DATA_DIR"])
    # built here, before the workers fork, not on a request in each: reading every
    # feature in a worker would copy the memory pages it shares with the master
    catalogue.former_ids  # noqa: B018
    catalogue.feature_ids  # noqa: B018
    page_context = page_globals(catalogue)
    app.jinja_env.globals.update(page_context)
    assets = load_static_assets()
    pages = build_pages(catalogue, tiles, app.jinja_env, assets,
                        vector_from=vector_tiles_from(app.config["MAPAPP_VECTOR_TILES_FROM"]))
    if previous is not None:
        assets.keep(previous.assets)
    return AppState(
        catalogue=catalogue,
        assets=assets,
        pages=pages,
        downloads=Downloads(catalogue),
        openapi=openapi_document(catalogue),
        iframe_titles=iframe_titles(catalogue),
        tiles=tiles,
        error_pages=error_environments(catalogue, app.jinja_env),
        pictures=PictureCache(Renderer(catalogue).render),  # type: ignore[arg-type]
        precompressed=assets.precompressed(),
    )


def reload_data(app: Flask) -> AppState:
    """Load the data folder again and swap the new state in whole, in one assignment.
    On any failure (DataError for refused data, or anything else) raise and keep the
    old state whole, with the page globals the building had already replaced."""
    previous = app.extensions["mapapp"]
    saved_globals = dict(app.jinja_env.globals)
    try:
        state = build_state(app, previous.tiles, previous)
    except BaseException:
        app.jinja_env.globals.clear()
        app.jinja_env.globals.update(saved_globals)
        raise
    app.extensions["mapapp"] = state
    return state


def _error(code: int, description: str) -> Response:
    return Response(error_body(code, description), status=code, mimetype="application/json")


def _register_error_handlers(app: Flask) -> None:
    """Every error answers JSON `{"code", "description"}`; never an HTML trace."""

    @app.errorhandler(AppError)
    def app_error(error: AppError) -> Response:
        return _error(error.code, error.description)

    @app.errorhandler(BadMapUrl)
    def bad_map_url(error: BadMapUrl) -> Response:
        """A page URL with a wrong value: a short page an embedder sees in the frame,
        in the language of `lang=` (when that is valid) or else of Accept-Language."""
        asked = request.args.get("lang")
        lang = asked if asked in LANGUAGES else negotiate(request.accept_languages)
        message = translate(lang, error.template).format(**error.values)
        template = app.extensions["mapapp"].error_pages[lang].get_template("bad_url.html")
        html = template.render(message=message, valid=error.valid)
        response = Response(html, status=error.code, content_type="text/html; charset=utf-8")
        response.headers["Content-Language"] = lang
        if asked not in LANGUAGES:
            response.headers["Vary"] = "Accept-Language"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        response = _error(error.code or 500, error.description or error.name)
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        app.logger.exception("unexpected error")
        return _error(500, "internal error; it has been logged")
