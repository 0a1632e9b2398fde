"""The settings registry: documented in the README, read from the environment, checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mapapp import create_app
from mapapp.mapbuild import Tiles
from mapapp.settings import SETTINGS, load_settings
from tests.conftest import FIXTURE_DATA

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_documents_every_setting():
    readme = README.read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, setting.name


def test_environment_then_overrides(monkeypatch):
    monkeypatch.setenv("MAPAPP_TILES", "CartoDB.Positron")
    assert load_settings()["MAPAPP_TILES"] == "CartoDB.Positron"
    assert load_settings({"MAPAPP_TILES": "OpenStreetMap.Mapnik"})["MAPAPP_TILES"] \
        == "OpenStreetMap.Mapnik"


def test_tiles_from_provider_name():
    tiles = Tiles.from_setting("OpenStreetMap.Mapnik")
    assert tiles.url == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert "OpenStreetMap" in tiles.attribution


def test_tiles_from_url_template_need_attribution():
    with pytest.raises(ValueError, match="set MAPAPP_TILES_ATTRIBUTION"):
        Tiles.from_setting("https://tiles.example.org/{z}/{x}/{y}.png")
    tiles = Tiles.from_setting("https://tiles.example.org/{z}/{x}/{y}.png", "© Example")
    assert tiles.attribution == "© Example"


@pytest.mark.parametrize(("template", "origins"), [
    ("https://tiles.example.org/{z}/{x}/{y}.png", ["https://tiles.example.org"]),
    ("https://{s}.tiles.example.org/{z}/{x}/{y}.png",
     ["https://a.tiles.example.org", "https://b.tiles.example.org"]),
])
def test_pages_connect_early_to_the_tile_server(template, origins):
    """The first view's tiles come from another server: the pages open the connection
    while the scripts load (a round trip or three on a phone's network)."""
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA), "MAPAPP_TILES": template,
                      "MAPAPP_TILES_ATTRIBUTION": "© Example"})
    for path in ("/", "/embed?lang=kk"):
        html = app.test_client().get(path).get_data(as_text=True)
        head = html[:html.index("</head>")]
        found = re.findall(r'<link rel="preconnect" href="([^"]+)">', head)
        assert found == origins
        assert head.index("preconnect") < head.index('rel="stylesheet"')


def test_unknown_tile_provider_refuses_to_start():
    with pytest.raises(ValueError, match=r"'Nowhere\.Tiles' is neither a URL template"):
        create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA), "MAPAPP_TILES": "Nowhere.Tiles"})
