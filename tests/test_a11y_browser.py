"""Accessible to all: axe-core (bundled by axe-playwright-python) finds nothing serious
or critical on the pages, with the panel, a popup, search results and the share dialog
open; colours of the legend and popups pass; and the map works on a phone.

axe is injected with page.evaluate, which the pages' CSP (script-src 'self') does not
govern, unlike a <script> tag."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import POPUP_OPAQUE, wait_for

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")
PHONE = (375, 667)


def violations(page, context=None, rules: list[str] | None = None) -> list[str]:
    options = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = Axe().run(page, context=context, options=options).response
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] if isinstance(node["target"][0], str)
                        else str(node["target"]) for node in v["nodes"][:5])
            for v in results["violations"] if rules or v["impact"] in SERIOUS]


@pytest.mark.parametrize("path", ["/", "/?lang=ru", "/?lang=zh", "/embed", "/embed?lang=kk"])
def test_pages_have_no_serious_violation(site, visit, path):
    page = visit(site.url(path)).page
    assert violations(page) == []


def test_with_a_popup_search_results_and_filters_open(live_server, visit):
    page = visit(f"{live_server}/?feature=zhanatas-wind-farm").page
    page.locator(".leaflet-popup").wait_for()
    wait_for(page, POPUP_OPAQUE)
    page.locator(".reader-filters summary").click()
    page.locator("#reader-search").fill("almaty")
    assert page.locator("#reader-results [role=option]").count() > 1
    page.keyboard.press("ArrowDown")
    assert violations(page) == []


def test_list_view_and_embed_places_have_no_serious_violation(site, visit):
    page = visit(site.url("/")).page
    page.locator("#reader-tab-places").click()
    assert violations(page) == []
    page = visit(site.url("/embed")).page
    page.locator(".mapapp-places summary").click()
    page.locator("#places-search").fill("port")
    assert violations(page) == []


def test_share_dialog_has_no_serious_violation(site, visit):
    page = visit(site.url("/")).page
    page.get_by_role("button", name="Share").click()
    assert page.get_by_role("dialog").is_visible()
    assert violations(page) == []


def test_legend_and_popups_pass_colour_contrast(site, visit):
    page = visit(site.url("/?feature=shymkent-refinery")).page
    page.locator(".mapapp-legend summary").click()
    page.locator(".leaflet-popup").wait_for()
    wait_for(page, POPUP_OPAQUE)
    for context in (".mapapp-legend", ".leaflet-popup", ".mapapp-layers", "#reader"):
        results = Axe().run(page, context=context, options={
            "runOnly": {"type": "rule", "values": ["color-contrast"]},
            "resultTypes": ["violations", "passes"]}).response
        assert results["violations"] == [], context
        assert results["passes"] and len(results["passes"][0]["nodes"]) >= 3, context


def test_precision_shows_on_the_map_and_the_legend_explains_it(site, visit):
    page = visit(site.url("/#7/45/80")).page
    # schematic lines are dashed, traced ones not
    assert page.eval_on_selector('[data-feature-id="we-wc-highway-kazakhstan"]',
                                 "n => n.getAttribute('stroke-dasharray')")
    assert not page.eval_on_selector('[data-feature-id="central-asia-china-gas-pipeline-kz"]',
                                     "n => n.getAttribute('stroke-dasharray')")
    # approximate points: hollow, dashed, with a halo whose radius grows with the error
    radius = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '[data-halo-for]')].map(n => [n.dataset.haloFor, n.getBBox().width]))""")
    assert radius["border-maikapchagai-jeminay"] > 4 * radius["border-nur-zholy-khorgos-road"]
    assert page.locator(".mapapp-approximate[data-feature-id]").first.get_attribute(
        "stroke-dasharray")
    page.locator(".mapapp-legend summary").click()
    legend = page.locator(".mapapp-legend").inner_text()
    assert "Schematic route through known places" in legend
    assert "Approximate location; the halo is the stated error" in legend


def test_phone_map_layers_drawer_and_popup(site, visit):
    record = visit(site.url("/"), viewport=PHONE)
    page = record.page
    width = PHONE[0]
    # the drawer starts closed: the map has the width
    assert page.locator("#reader").is_hidden()
    map_box = page.locator(".leaflet-container").bounding_box()
    assert map_box["width"] == width and map_box["height"] > 350
    # the layer control opens and works
    page.locator(".mapapp-layers summary").click()
    page.get_by_role("checkbox", name="Border ports").uncheck()
    assert page.locator('[data-layer-id="border-crossings"][data-feature-id]').count() == 0
    page.locator(".mapapp-layers summary").click()
    # the drawer opens over the map, and a place from it opens its popup on the map
    toggle = page.get_by_role("button", name="Article and places")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    drawer = page.locator("#reader").bounding_box()
    assert drawer["width"] <= width
    page.locator("#reader-tab-places").click()
    page.locator('.reader-place[data-place="zhanatas-wind-farm"]').click()
    page.locator('.leaflet-popup [data-popup-for="zhanatas-wind-farm"]').wait_for()
    assert page.locator("#reader").is_hidden()
    wait_for(page, "document.activeElement.matches('[data-popup-for]')")
    popup = page.locator(".leaflet-popup").bounding_box()
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= width
    # closing the popup by keyboard gives focus back to the panel's toggle
    page.keyboard.press("Escape")
    wait_for(page, "document.activeElement.id === 'reader-toggle'")
    # Escape also closes the drawer, and focus returns to its toggle
    page.keyboard.press("Enter")
    assert page.locator("#reader").is_visible()
    page.locator("#reader-search").focus()
    page.keyboard.press("Escape")
    assert page.locator("#reader").is_hidden()
    assert page.evaluate("document.activeElement.id") == "reader-toggle"
    assert violations(page) == []


def test_wide_panel_collapses_and_gives_the_map_its_room(site, visit):
    page = visit(site.url("/")).page
    before = page.locator(".leaflet-container").bounding_box()["width"]
    toggle = page.get_by_role("button", name="Article and places")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.locator("#reader").is_hidden()
    wait_for(page, f"document.querySelector('.leaflet-container').offsetWidth > {before}")
    page.locator(".reader-toggle").click()
    assert page.locator("#reader").is_visible()
