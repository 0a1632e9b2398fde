"""A catalogue drawn from vector tiles, in a real Chromium, from the app and from the
static export behind a range-capable static server (python -m http.server answers no
Range requests; RangeHandler below does, as CDNs do). The threshold is forced low
(MAPAPP_VECTOR_TILES_FROM=1) so the small fixture catalogue shows the behaviour."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from threading import Thread

import pytest

from mapapp.catalogue import load_catalogue
from mapapp.export import export_site
from tests.conftest import FIXTURE_DATA, start_server, stop_server, wait_for

pytestmark = pytest.mark.browser

VECTOR = {"MAPAPP_VECTOR_TILES_FROM": "1"}
RANGE = re.compile(r"bytes=(\d+)-(\d*)$")

# A point feature drawn in the tiles, and where to click it (page coordinates).
POINT_IN_VIEW = """(() => {
  const M = window.mapapp;
  const map = M.state.map;
  const size = map.getSize();
  const box = map.getContainer().getBoundingClientRect();
  for (let y = 4; y < size.y; y += 4) for (let x = 4; x < size.x; x += 4) {
    const found = M.vectorTiles.featureAt(map.containerPointToLatLng([x, y]));
    if (found && found.geomType === 1) {
      return { id: found.id, layer: found.collection.id, x: x + box.left, y: y + box.top };
    }
  }
  return null;
})()"""


class RangeHandler(SimpleHTTPRequestHandler):
    """A static file server that answers one `Range: bytes=a-b` with 206, as the
    static hosts the export is meant for do."""

    def send_head(self):  # type: ignore[override]
        asked = RANGE.match(self.headers.get("Range", ""))
        path = Path(self.translate_path(self.path))
        if not asked or not path.is_file():
            return super().send_head()
        body = path.read_bytes()
        first = int(asked.group(1))
        last = min(int(asked.group(2)) if asked.group(2) else len(body) - 1, len(body) - 1)
        if first >= len(body):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(body)}")
            self.end_headers()
            return None
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {first}-{last}/{len(body)}")
        self.send_header("Content-Length", str(last - first + 1))
        self.end_headers()
        from io import BytesIO

        return BytesIO(body[first:last + 1])

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def app_base() -> Iterator[str]:
    process, base = start_server(FIXTURE_DATA, env=VECTOR, timeout=120)
    yield base
    stop_server(process)


@pytest.fixture(scope="module")
def static_base(tmp_path_factory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("vector-export") / "site"
    export_site(root, {"MAPAPP_DATA_DIR": str(FIXTURE_DATA), **VECTOR})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(RangeHandler, directory=str(root)))
    Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["app", "static"])
def base(request) -> tuple[str, str]:
    """(base URL, the page's path) for the app and for the export."""
    if request.param == "app":
        return request.getfixturevalue("app_base"), "/"
    return request.getfixturevalue("static_base"), "/index.html"


FEATURES = {f["id"]: f for c in load_catalogue(FIXTURE_DATA).collections for f in c.features}
NAMES = {id: feature["properties"]["name"] for id, feature in FEATURES.items()}
STATUSES = {feature["properties"]["status"] for feature in FEATURES.values()}


def open_vector_map(visit, url: str):
    record = visit(url)
    wait_for(record.page, "document.documentElement.dataset.vectorTiles === 'drawn'", 20)
    return record.page


def test_map_draws_from_tiles_and_a_click_opens_the_popup(visit, base):
    root, path = base
    page = open_vector_map(visit, root + path)
    canvases = "document.querySelectorAll('.leaflet-mapapp-vectors-pane canvas').length"
    assert page.evaluate(canvases) > 0
    # nothing loaded nor drawn feature by feature
    assert page.evaluate("document.querySelectorAll('[data-feature-id]').length") == 0
    assert page.evaluate("window.mapapp.featureIndex.size") == 0
    point = page.evaluate(POINT_IN_VIEW)
    assert point is not None
    page.mouse.click(point["x"], point["y"])
    wait_for(page, "document.querySelector('.leaflet-popup .mapapp-name') !== null")
    assert page.inner_text(".leaflet-popup .mapapp-name") == NAMES[point["id"]]
    assert page.evaluate("[...window.mapapp.featureIndex.keys()]") == [point["id"]]
    assert f"feature={point['id']}" in page.url


def test_panel_says_the_list_and_search_are_left_out(visit, app_base):
    """The page holds only the features read one by one: no list or search that would
    find nothing, but a note in the page's language."""
    page = open_vector_map(visit, app_base + "/?lang=ru")
    assert page.inner_text(".mapapp-tiles-note") == \
        "На этой карте слишком много мест для списка и поиска: выберите место на карте."
    for hidden in (".reader-search", ".reader-tabs"):
        assert not page.is_visible(hidden), hidden
    embed = open_vector_map(visit, app_base + "/embed?lang=kk")
    assert embed.query_selector(".mapapp-places") is None or \
        not embed.is_visible(".mapapp-places")


def test_hidden_layer_is_not_drawn_nor_picked(visit, app_base):
    page = open_vector_map(visit, app_base + "/")
    point = page.evaluate(POINT_IN_VIEW)
    page.evaluate(f"window.mapapp.setLayerVisible({point['layer']!r}, false)")
    assert page.evaluate(POINT_IN_VIEW) is None or \
        page.evaluate(POINT_IN_VIEW)["layer"] != point["layer"]
    page.mouse.click(point["x"], point["y"])
    page.wait_for_timeout(500)
    assert page.evaluate("document.querySelector('.leaflet-popup')") is None


def test_status_filter_hides_features_in_the_tiles(visit, app_base):
    page = open_vector_map(visit, app_base + "/")
    point = page.evaluate(POINT_IN_VIEW)
    own = FEATURES[point["id"]]["properties"]["status"]
    others = sorted(status.replace(" ", "-") for status in STATUSES - {own})
    page.evaluate(f"window.mapapp.setFilters({{groups: null, status: {others!r}}})")
    found = page.evaluate(POINT_IN_VIEW)
    assert found is None or FEATURES[found["id"]]["properties"]["status"] != own
    page.evaluate("window.mapapp.setFilters({groups: null, status: null})")
    assert page.evaluate(POINT_IN_VIEW)["id"] == point["id"]


def test_url_feature_opens_its_popup(visit, base):
    root, path = base
    feature = next(iter(NAMES))
    record = visit(f"{root}{path}?feature={feature}")
    wait_for(record.page, "document.querySelector('.leaflet-popup .mapapp-name') !== null")
    assert record.page.inner_text(".leaflet-popup .mapapp-name") == NAMES[feature]
