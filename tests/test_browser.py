"""The map in a real headless Chromium against a real gunicorn, with no network but
loopback: tiles cannot load, and everything else must still work."""

from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser


def api_json(base: str, path: str) -> dict:
    with urllib.request.urlopen(base + path) as response:
        return json.load(response)


def drawn_ids(page, layer_id: str) -> set[str]:
    return set(page.eval_on_selector_all(
        f'[data-layer-id="{layer_id}"][data-feature-id]',
        "nodes => nodes.map(n => n.dataset.featureId)"))


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_every_layer_draws_exactly_the_api_features(site, live_server, visit, path):
    record = visit(site.url(path))
    collections = api_json(live_server, "/api/collections")["collections"]
    assert len(collections) == 10
    for collection in collections:
        items = api_json(live_server, f"/api/collections/{collection['id']}/items")
        expected = {feature["id"] for feature in items["features"]}
        assert drawn_ids(record.page, collection["id"]) == expected, collection["id"]


def test_unticking_a_layer_removes_exactly_its_features(site, live_server, visit):
    page = visit(site.url("/")).page
    before = {layer: drawn_ids(page, layer) for layer in ("pipelines", "rail-routes")}
    page.get_by_role("checkbox", name="Oil and gas pipelines").uncheck()
    assert drawn_ids(page, "pipelines") == set()
    assert drawn_ids(page, "rail-routes") == before["rail-routes"]
    page.get_by_role("checkbox", name="Oil and gas pipelines").check()
    assert drawn_ids(page, "pipelines") == before["pipelines"]


def test_layer_control_names_every_collection(site, live_server, visit):
    page = visit(site.url("/")).page
    for collection in api_json(live_server, "/api/collections")["collections"]:
        box = page.get_by_role("checkbox", name=collection["title"], exact=True)
        assert box.is_checked(), collection["title"]


def test_zhanatas_popup_quotes_the_article(site, live_server, visit):
    page = visit(site.url("/")).page
    feature = api_json(live_server, "/api/collections/zhanatas-wind-farm/items/zhanatas-wind-farm")
    quote = feature["properties"]["citations"][0]["quote"]
    page.locator('[data-feature-id="zhanatas-wind-farm"]').first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("blockquote").first.inner_text() == quote
    cite = popup.locator(".mapapp-cite a").first
    assert cite.get_attribute("rel") == "noopener noreferrer"
    assert cite.get_attribute("target") == "_blank"
    assert "¶8" in popup.locator(".mapapp-cite").first.inner_text()
    assert popup.locator("h2").inner_text() == feature["properties"]["name"]


def test_schematic_lines_are_dashed_and_approximate_points_differ(site, live_server, visit):
    page = visit(site.url("/")).page
    dash = page.eval_on_selector(
        '[data-layer-id="we-wc-highway"][data-feature-id]',
        "node => node.getAttribute('stroke-dasharray')")
    assert dash
    approximate = page.locator(".mapapp-approximate[data-feature-id]")
    exact = page.locator(".mapapp-exact[data-feature-id]")
    assert approximate.count() > 0 and exact.count() > 0
    assert page.locator("[data-halo-for]").count() == approximate.count()


def test_page_loads_only_from_the_app(site, visit):
    record = visit(site.url("/"))
    sources = record.page.eval_on_selector_all(
        "script[src], link[rel=stylesheet]", "nodes => nodes.map(n => n.src || n.href)")
    assert sources and all(urlsplit(s).hostname in ("127.0.0.1",) for s in sources)


def test_ready_is_marked_for_measurement(site, visit):
    page = visit(site.url("/embed")).page
    ready = page.evaluate("performance.getEntriesByName('mapapp:ready')[0].startTime")
    assert 0 < ready < 60000
