"""What the app built at start-up, reached from views as `current_state()`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from jinja2 import Environment

from mapapp.assets import Assets
from mapapp.catalogue import Catalogue
from mapapp.downloads import Downloads
from mapapp.mapbuild import Tiles
from mapapp.pages import Page
from mapapp.picturecache import PictureCache


@dataclass(frozen=True)
class AppState:
    catalogue: Catalogue
    assets: Assets
    pages: dict[str, Page]
    downloads: Downloads
    openapi: dict[str, Any]
    iframe_titles: dict[str, str]  # by language
    tiles: Tiles  # from the settings, which a data reload keeps
    error_pages: dict[str, Environment]  # by language: the templates of error pages
    pictures: PictureCache  # pictures of the map by PictureRequest
    # the assets' bodies compressed at start-up, by the fast path's digest of the body
    precompressed: dict[str, dict[str, bytes]]


def current_state() -> AppState:
    return current_app.extensions["mapapp"]
