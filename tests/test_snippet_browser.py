"""The one block the Share dialog gives, pasted into a newsroom page of another origin:
the wrapper alone shows the whole map, the helper script only lets a too low frame grow,
and pasting the block twice changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import static_server, wait_for

pytestmark = pytest.mark.browser

# host page width -> the frame the 16:9 block gets in a column with 12 px margins
HOST_WIDTHS = {375: 351, 304: 280, 1366: 1342}


def share_code(site, visit) -> str:
    page = visit(site.url("/?layers=pipelines,rail-routes#5/45/70")).page
    page.get_by_role("button", name="Share").click()
    return page.locator("#share-code").input_value()


def article(directory: Path, body: str) -> None:
    (directory / "host.html").write_text(
        '<!doctype html><html><head><meta name="viewport" content="width=device-width">'
        "<title>News</title><style>body { margin: 12px; }</style></head><body>"
        f'<h1>News</h1><p>Before the map.</p>{body}<p id="after">After the map.</p>'
        "</body></html>", encoding="utf-8")


def boxes(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('[data-mapapp-embed]')]
        .map((w) => { const r = w.getBoundingClientRect(),
                            f = w.querySelector('iframe').getBoundingClientRect();
          return {width: r.width, height: r.height, bottom: r.bottom,
                  frameHeight: f.height, frameBottom: f.bottom}; })""")


def wait_for_maps(page) -> None:
    for index in range(page.locator("iframe").count()):
        page.frame_locator("iframe").nth(index).locator(
            "html[data-map-state=ready]").wait_for(timeout=15000)


def test_the_code_is_one_block_with_the_helper(site, visit):
    code = share_code(site, visit)
    assert re.fullmatch(r'<div data-mapapp-embed style="[^"]*aspect-ratio:16/9">'
                        r'<iframe [^>]*></iframe></div>'
                        r'<script src="[^"]*/embed\.js" async></script>', code), code


@pytest.mark.parametrize("host_width", sorted(HOST_WIDTHS))
def test_pasted_twice_the_maps_fit_and_cover_nothing(site, visit, tmp_path, host_width):
    code = share_code(site, visit)
    article(tmp_path, code + "<p>Between.</p>" + code)
    with static_server(tmp_path) as host:
        page = visit(f"{host}/host.html", wait=False, viewport=(host_width, 667)).page
        wait_for_maps(page)
        wait_for(page, "document.querySelectorAll('iframe[data-mapapp-min-height]').length === 2")
        assert page.evaluate("typeof window.mapappEmbedHelper") == "object"
        frame_width = HOST_WIDTHS[host_width]
        for box in boxes(page):
            assert box["width"] == frame_width
            # 16:9, raised to the 180 px the embed needs at least, never more
            assert box["height"] == pytest.approx(max(180, frame_width * 9 / 16), abs=1)
            assert box["frameHeight"] == box["height"]  # the iframe stays in its wrapper
        assert page.locator("#after").bounding_box()["y"] >= boxes(page)[1]["bottom"]


@pytest.mark.parametrize("host_width", sorted(HOST_WIDTHS))
def test_with_the_script_stripped_the_wrapper_shows_the_map(site, visit, tmp_path, host_width):
    code = re.sub(r"<script [^>]*></script>", "", share_code(site, visit))
    article(tmp_path, code)
    with static_server(tmp_path) as host:
        page = visit(f"{host}/host.html", wait=False, viewport=(host_width, 667)).page
        wait_for_maps(page)
        [box] = boxes(page)
        assert box["height"] == pytest.approx(HOST_WIDTHS[host_width] * 9 / 16, abs=1)
        assert box["frameHeight"] == box["height"]
        assert page.locator("#after").bounding_box()["y"] >= box["bottom"]
        frame = page.frame_locator("iframe")
        assert frame.locator(".leaflet-control-attribution").is_visible()
        assert frame.locator(".mapapp-credit").is_visible()


def test_the_helper_heeds_only_the_maps_own_frames(site, visit, tmp_path):
    """A frame of another origin, or the host page itself, cannot resize anything."""
    (tmp_path / "other.html").write_text(
        "<!doctype html><title>Other</title><script>"
        "parent.postMessage({mapapp: {minHeight: 900}}, '*');</script>", encoding="utf-8")
    map_src = site.url("/embed?layers=pipelines")
    article(tmp_path,
            '<iframe id="other" src="other.html" title="Other" style="height:100px;border:0">'
            f'</iframe><iframe id="map" src="{map_src}" title="Map" '
            'style="width:300px;height:120px;border:0"></iframe>'
            f'<script src="{site.base}/embed.js" async></script>')
    with static_server(tmp_path) as host:
        page = visit(f"{host}/host.html", wait=False).page
        page.frame_locator("#map").locator("html[data-map-state=ready]").wait_for()
        wait_for(page, "document.getElementById('map').dataset.mapappMinHeight === '180'")
        assert page.locator("#map").bounding_box()["height"] == 180  # raised to its need
        # a listener added after the helper's sees each message after the helper did
        page.evaluate("""() => { window.seen = 0;
            addEventListener('message', (e) => { if (e.data.mapapp.minHeight === 900) seen++; });
            window.postMessage({mapapp: {minHeight: 900}}, '*');
            document.getElementById('other').contentWindow.location.reload(); }""")
        wait_for(page, "window.seen === 2")
        assert page.locator("#other").bounding_box()["height"] == 100
        assert page.locator("#other").get_attribute("data-mapapp-min-height") is None
        assert page.locator("#map").bounding_box()["height"] == 180
