"""/embed lays itself out for the frame it gets, from 280×180 up: nothing cut off or
overflowing, no control over another, the attribution and credit line always shown;
small frames get icon buttons and folded panels."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

COMPACT = [(280, 180), (351, 197), (375, 667)]
SIZES = [*COMPACT, (1366, 768)]

CONTROL_BOXES = """() => [...document.querySelectorAll('.leaflet-control')]
  .filter((c) => c.offsetParent !== null)
  .map((c) => { const r = c.getBoundingClientRect();
    return {name: c.className, left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })"""


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and \
        a["top"] < b["bottom"] and b["top"] < a["bottom"]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_everything_fits_the_frame_and_nothing_overlaps(site, visit, size):
    page = visit(site.url("/embed"), viewport=size).page
    width, height = size
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.documentElement.scrollHeight") <= height
    boxes = page.evaluate(CONTROL_BOXES)
    assert len(boxes) >= 6  # zoom, full screen, places, layers, legend, credit, attribution
    for box in boxes:
        assert box["left"] >= 0 and box["top"] >= 0, box
        assert box["right"] <= width and box["bottom"] <= height, box
    for index, box in enumerate(boxes):
        for other in boxes[index + 1:]:
            assert not overlap(box, other), (box, other)
    for shown in (".leaflet-control-attribution", ".mapapp-credit"):
        assert page.locator(shown).is_visible()


@pytest.mark.parametrize("size", COMPACT, ids=lambda s: f"{s[0]}x{s[1]}")
def test_small_frames_get_folded_icon_buttons(site, visit, size):
    page = visit(site.url("/embed"), viewport=size).page
    for name, control in (("Layers", ".mapapp-layers"), ("Legend", ".mapapp-legend"),
                          ("Places", ".mapapp-places")):
        details = page.locator(control)
        assert details.get_attribute("open") is None  # folded
        summary = details.locator("summary")
        box = summary.bounding_box()
        assert box["width"] <= 44 and box["height"] <= 44
        assert summary.locator(".mapapp-control-icon").is_visible()
        assert summary.text_content() == name  # still its accessible name
    page.locator(".mapapp-places summary").click()
    places = page.locator(".mapapp-places").bounding_box()
    assert places["y"] + places["height"] <= size[1]
    assert places["x"] + places["width"] <= size[0]


def test_a_large_frame_keeps_named_controls(site, visit):
    page = visit(site.url("/embed"), viewport=(1366, 768)).page
    assert not page.locator(".mapapp-control-icon").first.is_visible()
    assert page.locator(".mapapp-layers summary").inner_text().strip() == "Layers"
    assert page.locator(".leaflet-bottom.leaflet-left .mapapp-legend").count() == 1


def test_the_layout_follows_a_resized_frame(site, visit):
    page = visit(site.url("/embed"), viewport=(1366, 768)).page
    page.set_viewport_size({"width": 351, "height": 197})
    page.wait_for_selector(".mapapp-compact")
    assert page.locator(".leaflet-top.leaflet-right .mapapp-legend").count() == 1
    assert page.locator(".mapapp-legend .mapapp-control-icon").is_visible()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_selector(".leaflet-container:not(.mapapp-compact)")
    assert page.locator(".leaflet-bottom.leaflet-left .mapapp-legend").count() == 1
