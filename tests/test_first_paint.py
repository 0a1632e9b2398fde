"""The first paint waits for no script: /embed's HTML holds its credit line (text: a
contentful paint), which the map's script later moves among its controls; the map's
scripts come as one asset, joined in their order."""

from __future__ import annotations

import pytest

from mapapp.assets import MAP_SCRIPTS, STATIC_DIR, map_bundle, minified
from tests.test_pages import parse


def test_embed_html_draws_the_credit_line_before_any_script(client):
    html = client.get("/embed?lang=ru").get_data(as_text=True)
    credit = html.index('id="mapapp-credit"')
    assert credit < html.index("<script src=")
    assert "Полная карта" in html[credit:credit + 400]


def test_the_map_scripts_are_one_asset_in_their_order(client):
    tags = parse(client.get("/").get_data(as_text=True)).tags
    scripts = [a["src"] for t, a in tags if t == "script" and a.get("src")]
    assert scripts[1].startswith("assets/mapapp.")
    body = client.get("/" + scripts[1]).get_data()
    assert body == map_bundle()
    at = 0
    for name in MAP_SCRIPTS:  # each file whole, in order
        part = minified(name, (STATIC_DIR / name).read_bytes()).strip()
        found = body.index(part, at)
        at = found + len(part)
    assert all(client.get(f"/assets/{name}").status_code == 404 for name in MAP_SCRIPTS)


@pytest.mark.browser
def test_without_scripts_the_frame_shows_the_credit_line(browser, live_server):
    context = browser.new_context(viewport={"width": 351, "height": 197}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/embed")
    credit = page.locator("#mapapp-credit")
    assert credit.is_visible()
    box = credit.bounding_box()
    assert box["y"] + box["height"] <= 197 and box["x"] + box["width"] <= 351
    context.close()


@pytest.mark.browser
def test_the_credit_line_shows_only_once_parsed_whole(browser, live_server):
    """A slow phone's parser paints part of the line, which would then grow from its
    corner: the page stopped just after the line's last word hides it; the page parsed
    past it shows it."""
    html = browser.new_context().request.get(f"{live_server}/embed?lang=ru").text()
    cut = html.index("<noscript>", html.index('id="mapapp-credit"'))
    context = browser.new_context(viewport={"width": 351, "height": 197}, java_script_enabled=False)
    page = context.new_page()
    def serve(body):
        return lambda route: route.fulfill(body=body, content_type="text/html; charset=utf-8")
    page.route(f"{live_server}/part", serve(html[:cut]))
    page.route(f"{live_server}/whole", serve(html))
    page.goto(f"{live_server}/part")
    assert "Статья" in page.locator("#mapapp-credit").text_content()
    assert not page.locator("#mapapp-credit").is_visible()
    page.goto(f"{live_server}/whole")
    assert page.locator("#mapapp-credit").is_visible()
    context.close()


@pytest.mark.browser
def test_the_map_moves_the_credit_line_among_its_controls(site, visit):
    page = visit(site.url("/embed")).page
    assert page.locator(".mapapp-credit").count() == 1
    assert page.locator(".leaflet-control-container .mapapp-credit.leaflet-control").count() == 1


# Counts, before the map says ready, every path Leaflet's SVG renderer draws or redraws.
COUNT_DRAWS = """
(() => {
  let leaflet;
  window.pathDraws = 0;
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      if (!value || !value.SVG || value.SVG.prototype.countedDraws) return;
      const setPath = value.SVG.prototype._setPath;
      value.SVG.prototype._setPath = function (layer, path) {
        if (document.documentElement.dataset.mapState !== "ready") window.pathDraws += 1;
        return setPath.call(this, layer, path);
      };
      value.SVG.prototype.countedDraws = true;
    },
  });
})();
"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/embed", "/"])
def test_the_first_view_draws_each_feature_once_and_fetches_its_own_tiles(browser, live_server,
                                                                         path):
    """The features and the tiles are added at the first view: not at folium's opening
    view first (a redraw of every feature and a screen of tiles fetched in vain)."""
    context = browser.new_context(viewport={"width": 375, "height": 667})
    page = context.new_page()
    tiles: list[str] = []

    def route(request_route) -> None:
        if "tile.openstreetmap.org" in request_route.request.url:
            tiles.append(request_route.request.url)
        request_route.abort()

    page.route("https://**/*", route)
    page.add_init_script(COUNT_DRAWS)
    page.goto(f"{live_server}{path}")
    page.wait_for_selector("html[data-map-state=ready]", timeout=15000)
    drawn = page.locator(".leaflet-overlay-pane path").count()
    assert drawn >= 43
    assert page.evaluate("window.pathDraws") == drawn
    zoom = page.evaluate("Math.round(mapapp.state.map.getZoom())")
    assert tiles
    assert {url.split("/")[3] for url in tiles} == {str(zoom)}, sorted(tiles)
    context.close()


RECORD_SHIFTS = """
window.layoutShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.layoutShifts.push([entry.startTime, entry.value]);
}).observe({ type: "layout-shift", buffered: true });
"""


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/embed?lang=ru", "/?lang=kk"])
@pytest.mark.parametrize("viewport", [(375, 667), (351, 197)])
def test_the_controls_appear_where_they_stay(browser, live_server, path, viewport):
    """The map's controls are built, moved and grouped over several tasks: they show
    only once placed, so nothing on the page shifts before the map is ready, on a phone's
    slower CPU (4x) too, where the parser paints part of the page, and the tiles fail
    before the map is ready (the outlines' credit is there from the start)."""
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 4})
    page.route("https://**/*", lambda request_route: request_route.abort())
    page.add_init_script(RECORD_SHIFTS)
    page.goto(f"{live_server}{path}")
    page.wait_for_selector("html[data-map-state=ready]", timeout=15000)
    assert page.evaluate("getComputedStyle(document.querySelector("
                         "'.leaflet-control-container')).visibility") == "visible"
    shifts = page.evaluate("""() => {
      const ready = performance.getEntriesByName("mapapp:ready")[0].startTime;
      return window.layoutShifts.filter(([at]) => at <= ready);
    }""")
    assert shifts == []
    context.close()
