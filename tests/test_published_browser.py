"""A published map in a real Chromium: an embed with a wrong value still shows the map
with a notice; the dark theme (system or theme=) for page, controls, popups, panel and
basemap, with AA contrast; the share dialog's theme; and print. At 375×667 and 1366×768."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import POPUP_OPAQUE, is_loopback, static_server, wait_for

pytestmark = pytest.mark.browser

VIEWPORTS = [(375, 667), (1366, 768)]
DARK_PAPER = "rgb(22, 27, 34)"
DARK_LAND = "rgb(42, 49, 57)"
LIGHT_LAND = "rgb(246, 244, 238)"


@pytest.fixture
def open_page(browser) -> Iterator:
    """Opens a URL in a new context of the given viewport and colour scheme; requests
    leaving loopback are aborted (tiles), and script errors are collected and checked."""
    contexts, errors = [], []

    def opener(url: str, viewport=(1366, 768), scheme: str = "light"):
        context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]},
                                      color_scheme=scheme)
        contexts.append(context)
        page = context.new_page()
        page.route("**/*", lambda route: route.continue_() if is_loopback(route.request.url)
                   else route.abort())
        page.on("pageerror", lambda error: errors.append(str(error)))
        response = page.goto(url)
        return page, response

    yield opener
    for context in contexts:
        context.close()
    assert errors == []


def features_drawn(page) -> int:
    return page.locator(".leaflet-overlay-pane .leaflet-interactive").count()


# ---- /embed with a wrong value: the map, and a notice over it ----

@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_embed_with_a_wrong_value_shows_the_map_and_a_notice(live_server, open_page, viewport):
    page, response = open_page(f"{live_server}/embed?feature=zhanatas&lang=ru", viewport)
    assert response.status == 400
    wait_for(page, "document.querySelectorAll('.leaflet-overlay-pane .leaflet-interactive')"
                   ".length > 20")
    notice = page.get_by_role("alert").filter(has_text="zhanatas")
    assert notice.count() == 1 and notice.is_visible()
    assert "В адресе карты неверное значение" in notice.inner_text()
    assert "неизвестный объект 'zhanatas' в feature=" in notice.inner_text()
    box = notice.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport[0]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport[1]
    assert not page.locator(".mapapp-error").is_visible()  # named once
    # the credit line and the attribution are not covered
    for selector in (".mapapp-credit", ".leaflet-control-attribution"):
        other = page.locator(selector).bounding_box()
        assert other["y"] >= box["y"] + box["height"] or \
            other["y"] + other["height"] <= box["y"], selector
    page.get_by_role("button", name="Закрыть уведомление").click()
    assert not notice.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('leaflet-container')")
    assert features_drawn(page) > 20


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_embed_notice_keeps_the_valid_parts_of_the_url(live_server, open_page, viewport):
    """A wrong controls= value: the layers asked for are kept, the notice names it."""
    page, response = open_page(f"{live_server}/embed?layers=pipelines&controls=2&lang=kk",
                               viewport, "dark")
    assert response.status == 400
    # the page's own check of its URL agrees with the server's: the map is drawn, and
    # marked as showing a URL with a wrong value (not "ready")
    page.locator("html[data-map-state=error]").wait_for(state="attached")
    layers = set(page.locator("[data-feature-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.layerId)"))
    assert layers == {"pipelines"}
    assert "controls='2'" in page.get_by_role("alert").inner_text()
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == \
        DARK_PAPER


def test_embed_notice_inside_a_host_page(live_server, open_page, tmp_path):
    (tmp_path / "host.html").write_text(
        "<!doctype html><html><head><title>Host</title></head><body><h1>News</h1>"
        f'<div style="position:relative;width:100%;aspect-ratio:16/9"><iframe id="map" '
        f'src="{live_server}/embed?layers=nope&lang=kk" title="Map" style="position:absolute;'
        'inset:0;width:100%;height:100%;border:0"></iframe></div></body></html>')
    with static_server(tmp_path) as host:
        page, _ = open_page(f"{host}/host.html", (375, 667))
        frame = page.frame_locator("#map")
        frame.locator(".leaflet-overlay-pane .leaflet-interactive").first.wait_for()
        alert = frame.get_by_role("alert")
        assert "'nope'" in alert.inner_text() and alert.is_visible()


# ---- the dark theme ----

def colours(page) -> dict[str, str]:
    return page.evaluate("""() => {
      const style = (selector, property) => {
        const node = document.querySelector(selector);
        return node ? getComputedStyle(node)[property] : null;
      };
      return {
        page: style("html", "backgroundColor"),
        ink: style("html", "color"),
        land: style(".mapapp-basemap-country", "fill"),
        tiles: style(".leaflet-tile-pane", "filter"),
        zoom: style(".leaflet-control-zoom-in", "backgroundColor"),
        popup: style(".leaflet-popup-content-wrapper", "backgroundColor"),
        panel: style("#reader", "backgroundColor"),
        layers: style(".mapapp-layers", "backgroundColor"),
      };
    }""")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_dark_system_setting_darkens_page_controls_popup_panel_and_basemap(
        live_server, open_page, viewport):
    page, _ = open_page(f"{live_server}/?lang=ru&feature=zhanatas-wind-farm", viewport, "dark")
    page.locator("html[data-basemap=drawn]").wait_for(timeout=15000)
    page.locator(".leaflet-popup").wait_for()
    found = colours(page)
    assert found["page"] == DARK_PAPER
    assert found["land"] == DARK_LAND
    assert found["zoom"] == DARK_PAPER and found["popup"] == DARK_PAPER
    assert found["layers"] == DARK_PAPER
    assert found["panel"] == DARK_PAPER
    assert found["tiles"].startswith("invert(1)")
    assert found["ink"] == "rgb(230, 237, 243)"


@pytest.mark.parametrize(("scheme", "theme", "paper", "land"), [
    ("dark", "light", "rgb(255, 255, 255)", LIGHT_LAND),
    ("light", "dark", DARK_PAPER, DARK_LAND),
    ("light", None, "rgb(255, 255, 255)", LIGHT_LAND),
])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_theme_in_the_url_wins_over_the_system(live_server, open_page, viewport, scheme,
                                               theme, paper, land):
    query = f"?theme={theme}" if theme else ""
    page, _ = open_page(f"{live_server}/embed{query}", viewport, scheme)
    page.locator("html[data-basemap=drawn]").wait_for(timeout=15000)
    found = colours(page)
    assert (found["page"], found["land"]) == (paper, land)
    page.locator("html[data-map-state=ready]").wait_for()
    # the map keeps theme= in its URL and in the full map link
    assert (f"theme={theme}" in page.url) == bool(theme)
    full_map = page.locator(".mapapp-credit a").first.get_attribute("href")
    assert (f"theme={theme}" in full_map) == bool(theme)


def serious(page, context=None) -> list[str]:
    results = Axe().run(page, context=context, options={"resultTypes": ["violations"]}).response
    return [f"{v['id']}: " + "; ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("path", ["/?lang=ru&feature=shymkent-refinery", "/embed?lang=kk",
                                  "/embed?feature=nope&lang=kk"])
def test_dark_theme_passes_axe_with_contrast(live_server, open_page, viewport, path):
    page, _ = open_page(f"{live_server}{path}", viewport, "dark")
    wait_for(page, "document.documentElement.dataset.mapState !== 'loading'")
    if "shymkent" in path:
        page.locator(".leaflet-popup").wait_for()
        wait_for(page, POPUP_OPAQUE)
    legend = page.locator(".mapapp-legend summary")
    if legend.is_visible():
        legend.click()
    assert colours(page)["page"] == DARK_PAPER
    assert serious(page) == []


def test_dark_share_dialog_and_search_pass_axe(live_server, open_page):
    page, _ = open_page(f"{live_server}/?lang=kk", (1366, 768), "dark")
    page.locator("html[data-map-state=ready]").wait_for()
    assert colours(page)["panel"] == DARK_PAPER
    page.locator("#reader-search").fill("алматы")
    page.keyboard.press("ArrowDown")
    assert serious(page) == []
    page.locator("#share-open").click()
    assert serious(page) == []


# ---- the share dialog's theme ----

@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_share_dialog_offers_the_theme_for_the_embed(live_server, open_page, viewport):
    page, _ = open_page(f"{live_server}/?lang=ru&layers=pipelines", viewport)
    page.locator("html[data-map-state=ready]").wait_for()
    page.locator("#share-open").click()
    code = page.locator("#share-code")
    assert "theme=" not in code.input_value()
    page.get_by_label("Цвета").select_option("dark")
    src = re.search(r'<iframe src="([^"]+)"', code.input_value()).group(1)
    # no #view: the map shows its first view, fitted to whatever frame opens it
    assert re.fullmatch(rf"{live_server}/embed\?layers=pipelines&amp;lang=ru&amp;theme=dark",
                        src), src
    for link in page.locator("a[data-picture]").all():
        assert "theme" not in link.get_attribute("href")  # a picture has one look
    embed, response = open_page(src.replace("&amp;", "&"), viewport)
    assert response.status == 200
    assert embed.evaluate("getComputedStyle(document.documentElement).backgroundColor") == \
        DARK_PAPER


# ---- print ----

def offset_from_centre(page, feature: str) -> tuple[float, float]:
    """Where a feature is drawn, from the centre of the map's box."""
    region = page.locator("#map-region").bounding_box()
    mark = page.locator(f'[data-feature-id="{feature}"]').first.bounding_box()
    return (mark["x"] + mark["width"] / 2 - region["x"] - region["width"] / 2,
            mark["y"] + mark["height"] / 2 - region["y"] - region["height"] / 2)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_print_shows_the_view_then_every_quote_without_controls(live_server, open_page,
                                                                viewport, scheme):
    page, _ = open_page(f"{live_server}/?lang=kk#6/44/71", viewport, scheme)
    page.locator("html[data-map-state=ready]").wait_for()
    before = offset_from_centre(page, "zhanatas-wind-farm")
    quotes = page.locator(".reader-quote q").all_inner_texts()
    assert len(quotes) > 10
    page.emulate_media(media="print")
    after = offset_from_centre(page, "zhanatas-wind-farm")
    assert abs(after[0] - before[0]) < 2 and abs(after[1] - before[1]) < 2, (before, after)
    for control in (".leaflet-control-zoom", ".mapapp-layers", ".mapapp-legend",
                    ".mapapp-fullscreen", "#share-open", ".reader-search", ".reader-tabs",
                    ".reader-close"):
        assert not page.locator(control).first.is_visible(), control
    assert page.locator(".leaflet-control-attribution").is_visible()
    shown = page.locator(".reader-quote q")
    assert shown.all_inner_texts() == quotes
    assert all(shown.nth(i).is_visible() for i in range(shown.count()))
    assert page.locator("#reader-view-places .reader-place").first.is_visible()
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == \
        "rgb(255, 255, 255)"  # paper is light in either theme
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 50_000
