"""The one registry of settings: defaults, environment variables, then the test dict.

Every setting is named here once, with a one-line help; the README lists them all
(a test holds the two together), and nothing reads the environment elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """A folder shipped with the app: inside the package when installed from a wheel,
    beside it in a source checkout."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("MAPAPP_DATA_DIR", str(bundled_dir("geodata")),
            "Folder holding catalogue.json, sources.json and the collection files; "
            "defaults to the built-in geodata/."),
    Setting("MAPAPP_TILES", "OpenStreetMap.Mapnik",
            "Basemap tiles: an xyzservices provider name or a URL template "
            "such as https://tile.example.org/{z}/{x}/{y}.png."),
    Setting("MAPAPP_TILES_ATTRIBUTION", "",
            "Attribution shown for the tiles; required with a URL template, "
            "taken from xyzservices for a provider name."),
    Setting("MAPAPP_PUBLIC_URL", "",
            "Public base URL of the site (e.g. https://map.example.org); "
            "empty means the URL of each request."),
    Setting("MAPAPP_FRAME_ANCESTORS", "",
            "Origins allowed to frame /embed, separated by spaces or commas "
            "(e.g. https://news.example.org); empty means any site."),
    # 2,000: measured (README "Vector tiles"), from there the data files' page takes a
    # second or more to be ready (the issue's 10,000-feature target), the tiles' half that
    Setting("MAPAPP_VECTOR_TILES_FROM", "2000",
            "Features from which the map draws from vector tiles (one PMTiles archive) "
            "instead of loading every feature into the page; 0 means never."),
)


def load_settings(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then the environment, then `overrides` (tests pass a dict here)."""
    values: dict[str, Any] = {s.name: os.environ.get(s.name, s.default) for s in SETTINGS}
    if overrides:
        values.update(overrides)
    return values
