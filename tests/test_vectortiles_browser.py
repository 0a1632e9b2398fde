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


# The features read whole (the rest of the page's features are rows of the index of places).
WHOLE = ("[...window.mapapp.featureIndex.values()].filter((e) => !e.feature.partial)"
         ".map((e) => e.feature.id)")


def open_vector_map(visit, url: str):
    record = visit(url)
    wait_for(record.page, "document.documentElement.dataset.vectorTiles === 'drawn'", 20)
    return record.page


def test_map_draws_from_tiles_and_a_click_opens_the_popup(visit, base):
    root, path = base
    page = open_vector_map(visit, root + path)
    canvases = "document.querySelectorAll('.leaflet-mapapp-vectors-pane canvas').length"
    assert page.evaluate(canvases) > 0
    # nothing drawn feature by feature, nor read whole
    assert page.evaluate("document.querySelectorAll('[data-feature-id]').length") == 0
    assert page.evaluate(WHOLE) == []
    point = page.evaluate(POINT_IN_VIEW)
    assert point is not None
    page.mouse.click(point["x"], point["y"])
    wait_for(page, "document.querySelector('.leaflet-popup .mapapp-name') !== null")
    assert page.inner_text(".leaflet-popup .mapapp-name") == NAMES[point["id"]]
    assert page.evaluate(WHOLE) == [point["id"]]
    assert f"feature={point['id']}" in page.url


def open_places(visit, url: str):
    """A vector-tile page once its index of places is in (after ready)."""
    page = open_vector_map(visit, url)
    wait_for(page, "document.documentElement.dataset.places === 'loaded'")
    return page


def popup_name(page) -> str:
    wait_for(page, "document.querySelector('.leaflet-popup .mapapp-name') !== null")
    return page.inner_text(".leaflet-popup .mapapp-name")


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_list_of_places_from_the_index(visit, app_base, lang):
    page = open_places(visit, f"{app_base}/?lang={lang}")
    assert not page.is_visible(".mapapp-places-status")
    page.locator("#reader-tab-places").click()
    names = page.locator("#reader-view-places .reader-place .reader-place-name").all_inner_texts()
    assert sorted(names) == sorted(f["properties"]["names"][lang] for f in FEATURES.values())
    assert page.evaluate(WHOLE) == []  # listed from the index, nothing read whole


def test_filters_and_layers_apply_to_the_list(visit, app_base):
    """The fixture's features are all operating: status=planned leaves none."""
    assert {f["properties"]["status"] for f in FEATURES.values()} == {"operating"}
    page = open_places(visit, f"{app_base}/?status=planned")
    page.locator("#reader-tab-places").click()
    listed = "[...document.querySelectorAll('#reader-view-places .reader-place')]" \
        ".map((b) => b.dataset.place).sort()"
    assert page.evaluate(listed) == []
    assert page.is_visible("#reader-view-places .reader-empty")
    page.evaluate("window.mapapp.setFilters({groups: null, status: null})")
    assert page.evaluate(listed) == sorted(FEATURES)
    page.evaluate("window.mapapp.setLayerVisible('routes', false)")
    assert page.evaluate(listed) == ["campus", "wind-farm"]


def test_search_finds_a_russian_name_and_opens_its_popup(visit, base):
    root, path = base
    russian = "/?lang=ru" if path == "/" else "/index.ru.html"
    page = open_places(visit, root + russian)
    page.locator("#reader-search").fill("нефтепро")
    page.keyboard.press("Enter")
    assert popup_name(page) == "Нефтепровод"
    assert "Нефтепровод." in page.inner_text(".leaflet-popup")  # its summary, read whole
    assert page.evaluate(WHOLE) == ["oil-line"]
    assert "feature=oil-line" in page.url


def test_article_places_open_their_popups(visit, app_base):
    page = open_places(visit, app_base + "/")
    sentence = page.locator(".reader-sentence", has_text="The pipelines operate safely.")
    sentence.locator('.reader-chip[data-place="oil-line"]').click()
    assert popup_name(page) == "Oil line"
    page.keyboard.press("Escape")
    wait_for(page, "!document.querySelector('.leaflet-popup')")
    sentence = page.locator(".reader-sentence", has_text="The wind farm has been completed.")
    sentence.locator(".reader-quote").click()
    assert popup_name(page) == "Wind Farm"
    assert sentence.locator(".reader-quote").get_attribute("aria-current") == "true"


def test_embed_places_control_from_the_index(visit, app_base):
    page = open_places(visit, app_base + "/embed?lang=kk")
    places = page.locator(".mapapp-places")
    places.locator("summary").click()
    places.locator('.reader-place[data-place="campus"]').focus()
    page.keyboard.press("Enter")
    assert popup_name(page) == "Кампус университеті"
    page.keyboard.press("Escape")
    wait_for(page, "!document.querySelector('.leaflet-popup')")
    places.locator("#places-search").fill("мұнай")
    page.keyboard.press("Enter")
    assert popup_name(page) == "Мұнай құбыры"


def test_keyboard_reaches_a_place_through_the_list(visit, app_base):
    page = open_places(visit, app_base + "/")
    page.locator("#reader-tab-places").click()
    page.locator("#reader-tab-places").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.matches('.reader-place')")
    place = page.evaluate("document.activeElement.dataset.place")
    page.keyboard.press("Enter")
    assert popup_name(page) == NAMES[place]
    wait_for(page, "document.activeElement.matches('[data-popup-for]')")


def test_highlight_draws_in_the_tiles(visit, app_base):
    """A sentence's places highlighted (mapapp.highlight) before any is read whole."""
    page = open_places(visit, app_base + "/")
    point = page.evaluate(POINT_IN_VIEW)
    clip = {"x": point["x"] - 12, "y": point["y"] - 12, "width": 24, "height": 24}
    before = page.screenshot(clip=clip)
    page.evaluate(f"window.mapapp.highlight([{point['id']!r}])")
    page.wait_for_timeout(300)
    assert page.screenshot(clip=clip) != before
    assert page.evaluate(WHOLE) == []


def test_failed_index_says_so_and_tries_again(browser, app_base):
    """The panel names the failure in the page's language, and its button loads the
    index once it answers."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    failing = {"on": True}

    def route(request_route) -> None:
        url = request_route.request.url
        if not url.startswith(app_base):
            request_route.abort()
        elif failing["on"] and "/assets/places." in url:
            request_route.fulfill(status=503, body="")
        else:
            request_route.continue_()

    try:
        page = context.new_page()
        page.route("**/*", route)
        page.goto(app_base + "/?lang=ru")
        page.wait_for_selector("html[data-map-state=ready]")
        wait_for(page, "document.documentElement.dataset.places === 'failed'")
        status = page.locator("#reader .mapapp-places-status")
        assert status.inner_text().startswith("Не удалось загрузить список мест.")
        assert not page.is_visible("#reader-search")
        failing["on"] = False
        status.locator("button").click()
        wait_for(page, "document.documentElement.dataset.places === 'loaded'")
        assert page.is_visible("#reader-search")
        assert not status.is_visible()
        assert page.evaluate("document.activeElement.id") == "reader-search"  # not lost
    finally:
        context.close()


# The URLs the page's own thread fetched (a worker's fetches are not among them).
PAGE_FETCHED = "performance.getEntriesByType('resource').map((entry) => entry.name)"


def places_fetched(urls: list[str]) -> list[str]:
    return [url for url in urls if "/assets/places." in url]


def test_index_is_fetched_and_parsed_in_a_worker(browser, base):
    """The page's thread never fetches (nor so parses) the index of places, some 45 MiB
    at 100,000 features: a worker does, and posts its rows back; every place is listed."""
    root, path = base
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        workers: list[str] = []
        page.on("worker", lambda worker: workers.append(worker.url))
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
        page.goto(root + path)
        wait_for(page, "document.documentElement.dataset.places === 'loaded'", 20)
        assert [url for url in workers if "/assets/mapapp-placeindex-worker." in url]
        assert places_fetched(page.evaluate(PAGE_FETCHED)) == []
        assert page.evaluate("window.mapapp.featureIndex.size") == len(FEATURES)
        page.locator("#reader-tab-places").click()
        listed = page.locator("#reader-view-places .reader-place").count()
        assert listed == len(FEATURES)
    finally:
        context.close()


@pytest.mark.parametrize("without", ["Worker", "worker script"])
def test_index_without_a_worker_is_read_on_the_page(browser, app_base, without):
    """Where no worker starts (a browser without them, its script not loaded), the page
    fetches and parses the index itself."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        if without == "Worker":
            page.add_init_script("delete window.Worker;")
        else:
            page.route("**/assets/mapapp-placeindex-worker.*", lambda route: route.abort())
        page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
        page.goto(app_base + "/")
        wait_for(page, "document.documentElement.dataset.places === 'loaded'", 20)
        assert len(places_fetched(page.evaluate(PAGE_FETCHED))) == 1
        assert page.evaluate("window.mapapp.featureIndex.size") == len(FEATURES)
    finally:
        context.close()


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
