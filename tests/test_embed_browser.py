"""Embedding in a real Chromium: a host page of another origin frames /embed; the full
page keeps its state in the URL; the share dialog's code works; oEmbed via micawber."""

from __future__ import annotations

import json
import re
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import micawber
import pytest

from tests.conftest import REAL_DATA, start_server, static_server, stop_server, wait_for

pytestmark = pytest.mark.browser

EMBED_QUERY = "/embed?layers=pipelines,rail-routes&feature=zhanatas-wind-farm#6/45/70"


def host_page(directory: Path, body: str, map_origin: str) -> None:
    """A newsroom page: records the map's size messages and loads /embed.js."""
    (directory / "host.html").write_text(
        "<!doctype html><html><head><title>Host</title></head><body><h1>News</h1>"
        f"{body}<script>window.heights = []; addEventListener('message', (e) => {{"
        " if (e.data && e.data.mapapp) window.heights.push(e.data.mapapp.minHeight); });</script>"
        f'<script src="{map_origin}/embed.js"></script></body></html>', encoding="utf-8")


def frame_layers(frame) -> set[str]:
    return set(frame.locator("[data-feature-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.layerId)"))


def test_embed_in_a_page_of_another_origin(site, visit, tmp_path):
    host_page(tmp_path, f'<iframe id="map" src="{site.url(EMBED_QUERY)}" title="Map" '
                        'style="width:800px;height:500px;border:0"></iframe>', site.base)
    with static_server(tmp_path) as host:
        page = visit(f"{host}/host.html", wait=False).page
        frame = page.frame_locator("#map")
        frame.locator("html[data-map-state=ready]").wait_for()
        # the asked layers, plus the layer of the opened feature (documented)
        assert frame_layers(frame) == {"pipelines", "rail-routes", "zhanatas-wind-farm"}
        popup = frame.locator(".leaflet-popup-content")
        assert popup.locator("h2").inner_text() == "Zhanatas wind farm"
        assert popup.locator("blockquote").first.inner_text().startswith(
            "Major strategic projects including the Zhanatas wind farm")
        frame.locator(".mapapp-layers summary").click()
        frame.get_by_role("checkbox", name="Oil and gas pipelines").uncheck()
        assert frame_layers(frame) == {"rail-routes", "zhanatas-wind-farm"}
        page.wait_for_function("window.heights.length > 0")
        assert page.evaluate("window.heights[0]") == 180  # the least the embed needs
        assert page.locator("#map").get_attribute("data-mapapp-min-height") == "180"
        assert page.locator("#map").bounding_box()["height"] == 500  # never shrunk


def test_embed_wheel_zoom_waits_for_a_click(site, visit):
    page = visit(site.url("/embed#6/45/70")).page
    page.mouse.move(640, 400)
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(400)
    assert page.evaluate("location.hash").startswith("#6/")
    page.mouse.click(640, 400)
    page.mouse.wheel(0, -300)
    wait_for(page, "!location.hash.startsWith('#6/')")


def test_embed_options_hide_controls(site, visit):
    page = visit(site.url("/embed?controls=0&legend=0")).page
    assert page.locator(".mapapp-layers").count() == 0
    assert page.locator(".mapapp-legend").count() == 0
    assert page.locator(".mapapp-credit a").first.inner_text() == "Full map"


def test_wrong_view_in_the_fragment_is_named(site, visit):
    page = visit(site.url("/embed#6/95/70"), wait=False).page
    page.wait_for_selector("html[data-map-state=error]")
    assert page.get_by_role("alert").inner_text() == (
        "This map URL has a wrong value: latitude 95 in #6/95/70 must be -90 to 90")


def test_a_fragment_that_is_not_percent_encoding_is_named(site, visit):
    page = visit(site.url("/embed#%"), wait=False).page
    page.wait_for_selector("html[data-map-state=error]")
    assert "#%" in page.get_by_role("alert").inner_text()


def test_embed_js_sizes_only_frames_of_the_map(site, visit, tmp_path):
    """Another frame of the host page (same origin as the host) posting the map's
    message is not resized; the map's frame is answered."""
    (tmp_path / "other.html").write_text(
        "<!doctype html><title>Ad</title><script>"
        "parent.postMessage({mapapp: {minHeight: 1234}}, '*');</script>", encoding="utf-8")
    host_page(tmp_path, f'<iframe id="map" src="{site.url("/embed")}" title="Map" '
                        'style="width:800px;height:100px;border:0"></iframe>'
                        '<iframe id="other" src="other.html" title="Ad" '
                        'style="height:100px;border:0"></iframe>', site.base)
    with static_server(tmp_path) as host:
        page = visit(f"{host}/host.html", wait=False).page
        page.frame_locator("#map").locator("html[data-map-state=ready]").wait_for()
        page.wait_for_function("window.heights.includes(1234) && window.heights.includes(180)")
        # the map's frame, lower than the least the map lays itself out for, grows to it
        assert page.locator("#map").get_attribute("data-mapapp-min-height") == "180"
        assert page.locator("#map").bounding_box()["height"] == 180
        # the other frame's message changes nothing
        assert page.locator("#other").get_attribute("data-mapapp-min-height") is None
        assert page.locator("#other").bounding_box()["height"] == 100


def test_restricted_embed_is_refused_by_the_browser(browser, tmp_path):
    process, base = start_server(REAL_DATA, {"MAPAPP_FRAME_ANCESTORS": "http://127.0.0.3:9"})
    try:
        host_page(tmp_path, f'<iframe id="map" src="{base}/embed"></iframe>', base)
        with static_server(tmp_path) as host:
            page = browser.new_page()
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text)
                    if "Content Security Policy directive" in m.text else None)
            page.route(re.compile(r"^https?://(?!127\.)"), lambda route: route.abort())
            page.goto(f"{host}/host.html")
            page.wait_for_timeout(1500)
            [child] = [f for f in page.frames if f != page.main_frame]
            assert child.url.startswith("chrome-error://")
            assert child.evaluate("document.documentElement.dataset.mapState || ''") != "ready"
            assert len(refused) == 1 and '"frame-ancestors http://127.0.0.3:9"' in refused[0]
            page.close()
    finally:
        stop_server(process)


def test_full_page_state_lives_in_the_url(site, visit):
    page = visit(site.url("/")).page
    page.get_by_role("checkbox", name="Border ports").uncheck()
    assert "layers=" in page.url and "border-crossings" not in page.url
    before_hash = page.evaluate("location.hash")
    page.locator(".leaflet-container").focus()
    page.keyboard.press("ArrowRight")
    wait_for(page, f"location.hash !== {json.dumps(before_hash)}")
    url = page.url
    page.reload()
    page.wait_for_selector("html[data-map-state=ready]")
    assert page.url == url
    assert not page.get_by_role("checkbox", name="Border ports").is_checked()
    assert page.locator('[data-layer-id="border-crossings"][data-feature-id]').count() == 0
    page.locator('[data-feature-id="turgusun-hpp"]').click(force=True)
    wait_for(page, "location.search.includes('feature=turgusun-hpp')")
    page.reload()
    page.wait_for_selector("html[data-map-state=ready]")
    assert page.locator(".leaflet-popup-content h2").inner_text() == (
        "Turgusun-1 hydropower station")


def test_empty_layers_shows_no_layers(site, visit):
    page = visit(site.url("/?layers=#5/45/70")).page
    assert page.locator("[data-feature-id]").count() == 0
    assert page.url.endswith("/?layers=#5/45.0000/70.0000")


def test_share_dialog_code_shows_the_same_view(site, visit, tmp_path):
    page = visit(site.url("/?layers=turgusun-hpp,rail-routes#5/47/80")).page
    share = page.get_by_role("button", name="Share")
    share.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Share this view")
    assert dialog.is_visible()
    assert page.locator("#share-link").input_value() == page.url
    page.get_by_label("Legend").uncheck()
    code = page.locator("#share-code").input_value()
    assert 'loading="lazy"' in code and 'title="China–Kazakhstan cooperation map' in code
    embed = site.url("/embed?layers=turgusun-hpp,rail-routes&amp;legend=0#5/")
    assert f'src="{embed}' in code
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.evaluate("document.activeElement.id") == "share-open"

    host_page(tmp_path, code, site.base)
    with static_server(tmp_path) as host:
        host_view = visit(f"{host}/host.html", wait=False).page
        frame = host_view.frame_locator("iframe")
        frame.locator("html[data-map-state=ready]").wait_for()
        assert frame_layers(frame) == {"turgusun-hpp", "rail-routes"}
        assert frame.locator(".mapapp-legend").count() == 0


def test_oembed_html_is_the_dialog_code(live_server, visit):
    page = visit(f"{live_server}/?layers=pipelines&feature=shymkent-refinery#7/42.3/69.6").page
    answer = json.load(urllib.request.urlopen(
        f"{live_server}/oembed?url={urllib.parse.quote(page.url, safe='')}"))
    in_browser = page.evaluate("""() => mapappShare.iframeCode(
        mapappShare.embedUrl(mapapp.currentState()),
        document.getElementById('share-dialog').dataset.iframeTitle,
        {height: 450, maxWidth: 800})""")
    assert answer["html"] == in_browser


class DiscoveryLink(HTMLParser):
    href = ""

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "link" and found.get("type") == "application/json+oembed":
            self.href = found["href"]


def test_micawber_discovers_and_fetches_our_oembed(live_server):
    map_url = f"{live_server}/?layers=pipelines,border-crossings#6/44/76"
    parser = DiscoveryLink()
    parser.feed(urllib.request.urlopen(map_url).read().decode())
    endpoint = parser.href.split("?")[0]
    assert endpoint == f"{live_server}/oembed"
    registry = micawber.ProviderRegistry()
    registry.register(re.escape(live_server) + r"/.*", micawber.Provider(endpoint))
    answer = registry.request(map_url, maxwidth=640)
    assert answer["type"] == "rich" and answer["width"] == 640
    assert f'src="{live_server}/embed?layers=pipelines,border-crossings#6/44/76"' in answer["html"]
    assert 'title="China–Kazakhstan cooperation map: the places named in Xi Jinping' \
        in answer["html"]


def test_static_site_names_a_wrong_id_in_the_page(static_site, visit):
    page = visit(f"{static_site}/embed.html?layers=pipelines,nope", wait=False).page
    page.wait_for_selector("html[data-map-state=error]")
    assert page.get_by_role("alert").inner_text() == (
        "This map URL has a wrong value: unknown layer 'nope' in layers=")
