"""Data text is inert everywhere: script payloads in every text field of a collection
reach a real Chromium through a real gunicorn, show literally, and run nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import start_server, stop_server

pytestmark = pytest.mark.browser

PAYLOADS = {
    "name": "<img src=x onerror=alert(1)>",
    "summary": "</script><script>alert(2)</script>",
    "kind": "${alert(3)}",
    "location_note": '<a href="javascript:alert(4)">note</a>',
    "name_ru": "{{7*7}}<svg onload=alert(5)>",
    "fact_label": "<b onmouseover=alert(6)>label</b>",
    "fact_value": "`${alert(7)}`",
    "fact_source": "https://example.org/?q=<script>alert(8)</script>",
    "quote": '"><iframe src="javascript:alert(9)"></iframe>',
    "location_source": "javascript:alert(10)",
}


@pytest.fixture
def hostile_server(data_copy: Path):
    path = data_copy / "energy.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    props = document["features"][0]["properties"]
    props.update(name=PAYLOADS["name"], summary=PAYLOADS["summary"], kind=PAYLOADS["kind"],
                 location_note=PAYLOADS["location_note"])
    for texts in props["translations"].values():
        texts["location_note"] = PAYLOADS["location_note"]
    props["location_sources"][0]["name"] = PAYLOADS["location_source"]
    props["names"].update(en=PAYLOADS["name"], ru=PAYLOADS["name_ru"])
    props["facts"] = [{"label": PAYLOADS["fact_label"], "value": PAYLOADS["fact_value"],
                       "source": PAYLOADS["fact_source"],
                       "translations": {lang: {"label": "x", "value": "y"}
                                        for lang in ("ru", "kk", "zh")}}]
    props["citations"][0]["quote"] = PAYLOADS["quote"]
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    process, base = start_server(data_copy)
    yield base
    stop_server(process)


def test_payloads_show_literally_and_run_nothing(hostile_server, visit):
    record = visit(hostile_server + "/")
    page = record.page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator('[data-feature-id="wind-farm"]').click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.locator("h2").inner_text() == PAYLOADS["name"]
    assert popup.locator(".mapapp-summary").inner_text() == PAYLOADS["summary"]
    popup.locator(".mapapp-more summary").click()  # the facts and the location, on request
    assert popup.locator("blockquote").inner_text() == PAYLOADS["quote"]
    assert popup.locator('[lang="ru"]').inner_text() == PAYLOADS["name_ru"]
    assert popup.locator(".mapapp-facts dt").inner_text() == PAYLOADS["fact_label"]
    assert PAYLOADS["fact_value"] in popup.locator(".mapapp-facts dd").inner_text()
    assert PAYLOADS["location_note"] in popup.inner_text()
    assert PAYLOADS["kind"] in popup.inner_text()
    # nothing the payloads describe became an element
    assert popup.locator("img, svg, iframe, b, script").count() == 0
    # javascript: URLs stay text; only http(s) become links
    hrefs = page.eval_on_selector_all("a[href]", "nodes => nodes.map(n => n.href)")
    assert not [h for h in hrefs if not h.startswith(("http://", "https://"))]
    sources = popup.locator(".mapapp-location-sources")
    assert PAYLOADS["location_source"] in sources.text_content()
    assert sources.locator("a").count() == 2
    page.mouse.move(10, 10)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.title() == "China–Kazakhstan cooperation map"
