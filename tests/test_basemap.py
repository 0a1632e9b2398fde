"""The built-in basemap: Natural Earth country outlines, drawn only when tiles fail."""

from __future__ import annotations

import base64
import json
import re

import pytest
import shapely
from shapely.geometry import shape

from mapapp.assets import STATIC_DIR
from tests.conftest import TILE_URL, is_loopback, wait_for
from tests.test_pages import parse

BASEMAP = STATIC_DIR / "basemap.json"
# a 1×1 transparent PNG, served as every tile when tiles are meant to load
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA"
                       "60e6kgAAAABJRU5ErkJggg==")


def test_the_extract_is_small_and_covers_the_region():
    assert BASEMAP.stat().st_size < 60_000
    document = json.loads(BASEMAP.read_text(encoding="utf-8"))
    assert "Natural Earth" in document["attribution"]
    names = {f["properties"]["name"] for f in document["features"]}
    assert {"Kazakhstan", "China", "Russia", "Mongolia", "Uzbekistan", "Kyrgyzstan"} <= names
    bounds = shapely.union_all([shape(f["geometry"]) for f in document["features"]]).bounds
    assert bounds[0] <= 35 and bounds[2] >= 130 and bounds[1] <= 20 and bounds[3] >= 60


def test_pages_name_the_basemap_asset(client):
    html = client.get("/embed").get_data(as_text=True)
    url = json.loads(parse(html).data_block)["basemap"]
    assert re.fullmatch(r"assets/basemap\.[0-9a-f]{12}\.json", url)
    response = client.get("/" + url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"].endswith("immutable")
    assert response.get_json()["type"] == "FeatureCollection"


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/embed"])
def test_without_tiles_the_outlines_are_drawn(site, visit, path):
    page = visit(site.url(path)).page  # every tile request is aborted
    wait_for(page, "document.documentElement.dataset.basemap === 'drawn'")
    assert page.locator(".leaflet-mapapp-basemap-pane path.mapapp-basemap-country").count() > 50
    panes = page.evaluate(
        "['.leaflet-mapapp-basemap-pane', '.leaflet-tile-pane', '.leaflet-overlay-pane']"
        ".map(s => Number(getComputedStyle(document.querySelector(s)).zIndex))")
    assert panes[0] == 150 and panes[0] < min(panes[1:])  # below the tiles and the layers
    assert "Natural Earth" in page.locator(".leaflet-control-attribution").inner_text()
    # the map's own features are still there, above it
    assert page.locator(".leaflet-overlay-pane [data-feature-id]").count() > 0


@pytest.mark.browser
def test_with_tiles_the_outlines_are_not_fetched(browser, live_server):
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    requested: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        requested.append(url)
        if TILE_URL.match(url):
            request_route.fulfill(status=200, content_type="image/png", body=PNG)
        elif is_loopback(url):
            request_route.continue_()
        else:
            request_route.abort()

    page.route("**/*", route)
    page.goto(f"{live_server}/embed")
    page.wait_for_selector("html[data-map-state=ready]")
    wait_for(page, "document.querySelectorAll('.leaflet-tile-loaded').length > 4")
    page.wait_for_timeout(1000)
    assert not [url for url in requested if "basemap" in url]
    assert page.evaluate("document.documentElement.dataset.basemap") is None
    context.close()
