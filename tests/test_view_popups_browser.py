"""The first view uses the screen, and popups stay clear of the controls.

The first view shows every feature at the largest zoom (in the map's quarter steps)
at which their box stays inside the map and clear of the controls on screen, 8 px
from them; the test finds the box from the data block itself and the controls from
their drawn boxes. An opened popup, its Close button included, never lies under a
control; on small maps an open panel folds when a place is chosen or a popup opens.
"""

from __future__ import annotations

import itertools
import re

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.browser

MARGIN = 8
SNAP = 0.25

CONTROLS = """() => {
  const frame = document.querySelector('.leaflet-container').getBoundingClientRect();
  return [...document.querySelectorAll('.leaflet-control')].filter((c) => {
    const r = c.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(c).visibility !== 'hidden'; })
  .map((c) => { const r = c.getBoundingClientRect();
    return {name: c.className.split(' ')[0], left: r.left - frame.left, top: r.top - frame.top,
            right: r.right - frame.left, bottom: r.bottom - frame.top}; }); }"""

# The features' box in the map container's pixels, from the page's data files.
FEATURES_BOX = """async () => {
  const data = JSON.parse(document.getElementById('mapapp-data').textContent);
  await Promise.all(data.collections.map(async (c) => {
    c.features = (await (await fetch(c.data)).json()).features;
  }));
  const map = window.map_0000;
  const bounds = L.geoJSON(data.collections.flatMap((c) => c.features)).getBounds();
  const nw = map.latLngToContainerPoint(bounds.getNorthWest());
  const se = map.latLngToContainerPoint(bounds.getSouthEast());
  const size = map.getSize();
  return {left: nw.x, top: nw.y, right: se.x, bottom: se.y, width: size.x, height: size.y,
          zoom: map.getZoom()}; }"""


def settled(page) -> None:
    """Tiles cannot load here: once the outlines are drawn, their credit joins the
    attribution, and the first view is fitted again to the room left."""
    wait_for(page, "document.documentElement.dataset.basemap === 'drawn'")
    page.wait_for_timeout(300)


def overlap(a: dict, b: dict, slack: float = 0.5) -> bool:
    return a["left"] < b["right"] - slack and b["left"] < a["right"] - slack and \
        a["top"] < b["bottom"] - slack and b["top"] < a["bottom"] - slack


def free_rooms(width: float, height: float, controls: list[dict]) -> list[tuple[float, float]]:
    """The sizes of the rectangles of the map that keep MARGIN from its edges and from
    every control: each corner control is avoided by the strip along its side or
    along its top or bottom edge."""
    choices = []
    for control in controls:
        side = ("left", control["right"]) if control["left"] + control["right"] < width \
            else ("right", width - control["left"])
        edge = ("top", control["bottom"]) if control["top"] + control["bottom"] < height \
            else ("bottom", height - control["top"])
        choices.append((side, edge))
    rooms = set()
    for picked in itertools.product(*choices):
        strips = {"left": 0.0, "right": 0.0, "top": 0.0, "bottom": 0.0}
        for name, value in picked:
            strips[name] = max(strips[name], value)
        rooms.add((width - strips["left"] - strips["right"] - 2 * MARGIN,
                   height - strips["top"] - strips["bottom"] - 2 * MARGIN))
    return sorted(rooms)


@pytest.mark.parametrize("size", [(280, 180), (375, 667), (1366, 768), (1920, 1080)],
                         ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("path", ["/embed", "/"])
def test_first_view_fits_the_features_at_the_largest_zoom(site, visit, path, size):
    page = visit(site.url(path), viewport=size).page
    settled(page)
    box = page.evaluate(FEATURES_BOX)
    controls = page.evaluate(CONTROLS)
    assert box["left"] >= 0 and box["right"] <= box["width"], box
    assert box["top"] >= 0 and box["bottom"] <= box["height"], box
    for control in controls:
        assert not overlap(box, control, slack=1), (box, control)
    assert (box["zoom"] / SNAP) == pytest.approx(round(box["zoom"] / SNAP))
    scale = 2 ** SNAP  # one step closer, the box would fit nowhere clear of the controls
    wider, taller = (box["right"] - box["left"]) * scale, (box["bottom"] - box["top"]) * scale
    assert all(wider > room_x or taller > room_y
               for room_x, room_y in free_rooms(box["width"], box["height"], controls))
    assert page.evaluate("location.hash") == ""  # the fitted view needs no fragment


def test_a_view_the_reader_makes_is_named_in_whole_zoom_levels(site, visit):
    page = visit(site.url("/embed"), viewport=(375, 667)).page
    page.locator(".leaflet-container").focus()
    page.keyboard.press("ArrowDown")
    wait_for(page, "location.hash !== ''")
    assert re.fullmatch(r"#\d+/-?\d+\.\d+/-?\d+\.\d+", page.evaluate("location.hash"))


def popup_clear(page) -> None:
    """The open popup and its Close button lie inside the map and under no control."""
    wait_for(page, "document.querySelector('.leaflet-popup') !== null")
    previous = None
    for _ in range(40):  # until its pan has ended
        box = page.evaluate(POPUP)
        if box == previous:
            break
        previous = box
        page.wait_for_timeout(100)
    popup, close = box["popup"], box["close"]
    assert popup["left"] >= 0 and popup["top"] >= 0, popup
    assert popup["right"] <= box["width"] and popup["bottom"] <= box["height"], popup
    for control in page.evaluate(CONTROLS):
        assert not overlap(popup, control), (popup, control)
        assert not overlap(close, control), (close, control)


POPUP = """() => {
  const frame = document.querySelector('.leaflet-container').getBoundingClientRect();
  const rel = (r) => ({left: r.left - frame.left, top: r.top - frame.top,
                       right: r.right - frame.left, bottom: r.bottom - frame.top});
  return {popup: rel(document.querySelector('.leaflet-popup').getBoundingClientRect()),
          close: rel(document.querySelector('.leaflet-popup-close-button').getBoundingClientRect()),
          width: frame.width, height: frame.height}; }"""

# Points drawn on the map now whose centre is not under a control, nearest the top
# right first (where the Layers panel is): a click there opens their popup.
CLICKABLE = """() => [...document.querySelectorAll('.mapapp-point[data-feature-id]')]
  .map((node) => {
    const r = node.getBoundingClientRect();
    const x = (r.left + r.right) / 2, y = (r.top + r.bottom) / 2;
    return {id: node.dataset.featureId, x, y, hit: document.elementFromPoint(x, y) === node}; })
  .filter((p) => p.hit).sort((a, b) => (b.x - b.y) - (a.x - a.y))"""


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_popups_open_clear_of_the_open_layers_panel(site, visit, path):
    page = visit(site.url(path), viewport=(1366, 768)).page
    settled(page)
    assert page.locator(".mapapp-layers").get_attribute("open") is not None
    opened: list[str] = []
    for _ in range(4):
        point = next(p for p in page.evaluate(CLICKABLE) if p["id"] not in opened)
        page.mouse.click(point["x"], point["y"])
        popup_clear(page)
        assert page.locator(f'.leaflet-popup [data-popup-for="{point["id"]}"]').count() == 1
        opened.append(point["id"])
        page.keyboard.press("Escape")
        wait_for(page, "document.querySelector('.leaflet-popup') === null")
    assert page.locator(".mapapp-layers").get_attribute("open") is not None  # a wide map keeps it


@pytest.mark.parametrize("size", [(375, 667), (351, 197)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_places_folds_when_a_place_is_chosen(site, visit, size):
    page = visit(site.url("/embed"), viewport=size).page
    page.locator(".mapapp-places summary").click()
    place = page.locator(".mapapp-places .reader-place").first
    place_id = place.get_attribute("data-place")
    place.click()
    popup_clear(page)
    assert page.locator(".mapapp-places").get_attribute("open") is None
    assert page.locator(f'.leaflet-popup [data-popup-for="{place_id}"]').is_visible()


@pytest.mark.parametrize("size", [(375, 667), (351, 197)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_layers_panel_folds_when_a_popup_opens_on_a_small_map(site, visit, size):
    page = visit(site.url("/embed"), viewport=size).page
    page.locator(".mapapp-layers summary").click()
    assert page.locator(".mapapp-layers").get_attribute("open") is not None
    page.evaluate("window.mapapp.focusFeature('khorgos-gateway-dry-port', {animate: false})")
    popup_clear(page)
    assert page.locator(".mapapp-layers").get_attribute("open") is None


@pytest.mark.parametrize("size", [(375, 667), (320, 568), (1366, 768)])
@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_no_control_covers_another(site, visit, size, lang):
    """On a phone the attribution wraps across the bottom edge; the scale bar and the
    legend stand on it rather than under it, in any language."""
    page = visit(site.url(f"/?lang={lang}"), viewport=size).page
    settled(page)
    controls = page.evaluate(CONTROLS)
    assert any(c["name"] == "leaflet-control-scale" for c in controls)
    for a, b in itertools.combinations(controls, 2):
        assert not overlap(a, b), (a, b)
