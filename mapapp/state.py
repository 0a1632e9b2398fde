"""What the app built at start-up, reached from views as `current_state()`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from mapapp.assets import Assets
from mapapp.catalogue import Catalogue
from mapapp.pages import Page


@dataclass(frozen=True)
class AppState:
    catalogue: Catalogue
    assets: Assets
    pages: dict[str, Page]
    items_bodies: dict[str, bytes]


def current_state() -> AppState:
    return current_app.extensions["mapapp"]
