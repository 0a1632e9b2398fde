"""Big catalogues drawn by what is in view, in a real Chromium: points clustered at low
zoom (mapapp/drawing.py, mapapp-cluster.js), only the list rows in view rendered and a
search index (reader.js). The catalogues are synthetic, made from the real features by
bench/scale_data.py; the real map keeps its drawing."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapapp.drawing import CLUSTER_UNTIL_ZOOM
from tests.conftest import start_server, stop_server, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from scale_data import build

pytestmark = pytest.mark.browser

# A clustered point: one that passes the filters but is not on the map on its own.
CLUSTERED = """
(() => {
  const M = window.mapapp;
  for (const [id, layer] of M.featureLayers) {
    if (layer.getLatLng && !layer._map && M.isShown(id)) return id;
  }
  return null;
})()
"""

# A multi-point whose points are all clustered.
CLUSTERED_MULTI = """
(() => {
  const M = window.mapapp;
  for (const [id, layer] of M.featureLayers) {
    if (M.featureIndex.get(id).feature.geometry.type === 'MultiPoint' && M.isShown(id) &&
        layer.getLayers().every((point) => !point._map)) return id;
  }
  return null;
})()
"""

# The counts the clusters' names give (English pages: "A group of places: 23. …").
CLUSTER_COUNTS = """
[...document.querySelectorAll('.mapapp-cluster')].map((node) =>
  Number(/: (\\d+)\\./.exec(node.getAttribute('aria-label'))[1]))
"""

# Points drawn on their own (of Point features; a MultiPoint's points are not clustered).
SINGLE_POINTS = """[...document.querySelectorAll('path.mapapp-point[data-feature-id]')]
  .filter((node) => window.mapapp.featureIndex.get(node.dataset.featureId)
    .feature.geometry.type === 'Point').length"""


@pytest.fixture(scope="module")
def big_catalogue(tmp_path_factory) -> Path:
    """1,000 features, about 700 of them points: above the clustering threshold."""
    return build(1000, tmp_path_factory.mktemp("big") / "geodata")


@pytest.fixture(scope="module")
def big_server(big_catalogue: Path) -> Iterator[str]:
    process, base = start_server(big_catalogue, timeout=300)
    yield base
    stop_server(process)


@pytest.fixture(scope="module")
def huge_catalogue(tmp_path_factory) -> Path:
    return build(10_000, tmp_path_factory.mktemp("huge") / "geodata")


@pytest.fixture(scope="module")
def huge_server(huge_catalogue: Path) -> Iterator[str]:
    """10,000 features from data files, as a raised MAPAPP_VECTOR_TILES_FROM serves them
    (by default a catalogue this big is drawn from vector tiles: test_vectortiles*)."""
    process, base = start_server(huge_catalogue, env={"MAPAPP_VECTOR_TILES_FROM": "0"},
                                 timeout=600)
    yield base
    stop_server(process)


def visit_big(visit, url: str, viewport: tuple[int, int] | None = None):
    page = visit(url, wait=False, viewport=viewport).page
    page.wait_for_selector("html[data-map-state=ready]", state="attached", timeout=180_000)
    return page


def open_popup_id(page) -> str | None:
    return page.evaluate(
        "(document.querySelector('.leaflet-popup [data-popup-for]') || {dataset: {}})"
        ".dataset.popupFor || null")


def test_the_real_map_draws_every_point_unclustered(live_server, visit):
    page = visit(f"{live_server}/embed", viewport=(375, 667)).page
    assert page.evaluate("typeof L.MarkerClusterGroup") == "undefined"
    assert page.locator("script[src*=markercluster]").count() == 0
    assert page.locator(".mapapp-cluster").count() == 0
    points = page.evaluate("""window.mapapp.data.collections.flatMap((c) => c.features)
      .filter((f) => f.geometry.type.endsWith('Point')).map((f) => f.id)""")
    drawn = page.evaluate("""[...new Set([...document.querySelectorAll(
      'path.mapapp-point[data-feature-id]')].map((node) => node.dataset.featureId))]""")
    assert sorted(drawn) == sorted(points)
    assert page.locator(".reader-vlist").count() == 0


def test_points_cluster_at_the_first_view_and_split_as_the_map_zooms(big_server, visit):
    page = visit_big(visit, f"{big_server}/embed", viewport=(375, 667))
    counts = page.evaluate(CLUSTER_COUNTS)
    assert len(counts) >= 5 and sum(counts) > 300, counts
    drawn = page.evaluate(SINGLE_POINTS)
    assert drawn < 300
    # zoomed in on the largest cluster until clustering stops: its points are drawn alone
    page.evaluate(f"""(() => {{
      const map = window.mapapp.state.map;
      const nodes = [...document.querySelectorAll('.mapapp-cluster')];
      const counts = {CLUSTER_COUNTS.strip()};
      const node = nodes[counts.indexOf(Math.max(...counts))];
      const box = node.getBoundingClientRect(), frame = map.getContainer().getBoundingClientRect();
      const at = map.containerPointToLatLng([box.left + box.width / 2 - frame.left,
                                             box.top + box.height / 2 - frame.top]);
      map.setView(at, {CLUSTER_UNTIL_ZOOM}, {{ animate: false }});
    }})()""")
    wait_for(page, "document.querySelectorAll('.mapapp-cluster').length === 0")
    assert page.evaluate(SINGLE_POINTS) > 0


def test_a_cluster_is_a_button_named_in_the_language_and_enter_zooms_in(big_server, visit):
    page = visit_big(visit, f"{big_server}/embed?lang=ru", viewport=(375, 667))
    cluster = page.locator(".mapapp-cluster").first
    assert cluster.get_attribute("role") == "button"
    assert cluster.get_attribute("tabindex") == "0"
    label = cluster.get_attribute("aria-label")
    assert re.fullmatch(r"Группа мест: \d+\. Приблизьте карту, чтобы увидеть их", label), label
    assert label.split(": ")[1].split(".")[0] == cluster.inner_text().replace("\u00a0", "")
    before = page.evaluate("window.mapapp.state.map.getZoom()")
    cluster.focus()
    page.keyboard.press("Enter")
    wait_for(page, f"window.mapapp.state.map.getZoom() > {before}")


def test_a_clustered_feature_opens_from_the_url(big_server, visit):
    page = visit_big(visit, f"{big_server}/embed", viewport=(375, 667))
    feature = page.evaluate(CLUSTERED)
    assert feature, "no point is clustered at the first view"
    page = visit_big(visit, f"{big_server}/embed?feature={feature}", viewport=(375, 667))
    assert open_popup_id(page) == feature
    assert page.evaluate(f"!!window.mapapp.featureLayers.get({json.dumps(feature)})._map")
    # its text, from its detail file, is in the popup when the map says ready
    assert page.locator(".leaflet-popup .mapapp-summary").count() == 1


def test_a_clustered_multipoint_opens_from_the_url_and_the_map(big_server, visit):
    page = visit_big(visit, f"{big_server}/embed", viewport=(375, 667))
    feature = page.evaluate(CLUSTERED_MULTI)
    assert feature, "no multi-point is clustered at the first view"
    page = visit_big(visit, f"{big_server}/embed?feature={feature}", viewport=(375, 667))
    assert open_popup_id(page) == feature
    page.evaluate("window.mapapp.state.map.closePopup() && null")
    wait_for(page, "!document.querySelector('.leaflet-popup')")
    # a click on one of its points (dispatched: on a crowded map another feature may lie above)
    page.evaluate(f"""document.querySelector('path.mapapp-point[data-feature-id="{feature}"]')
      .dispatchEvent(new MouseEvent('click', {{ bubbles: true }}))""")
    wait_for(page, f"(document.querySelector('.leaflet-popup [data-popup-for]') || "
                   f"{{dataset: {{}}}}).dataset.popupFor === {json.dumps(feature)}")


def test_a_clustered_feature_opens_from_the_list(big_server, visit):
    page = visit_big(visit, f"{big_server}/", viewport=(1280, 800))
    feature = page.evaluate(CLUSTERED)
    page.click("#reader-tab-places")
    # the list renders the rows in view: scroll to the feature's row, then press it
    page.evaluate(f"""(() => {{
      const ids = window.mapapp.shownByLayer().flatMap((entry) => entry.features.map((f) => f.id));
      document.querySelector('.reader-vlist').scrollTop = ids.indexOf({json.dumps(feature)}) * 64;
    }})()""")
    row = page.locator(f'.reader-vlist [data-place="{feature}"]')
    row.click()
    wait_for(page, f"(document.querySelector('.leaflet-popup [data-popup-for]') || "
                   f"{{dataset: {{}}}}).dataset.popupFor === {json.dumps(feature)}")


def test_filters_apply_to_clustered_points(big_server, visit):
    page = visit_big(visit, f"{big_server}/embed", viewport=(375, 667))
    everything = sum(page.evaluate(CLUSTER_COUNTS)) + page.evaluate(SINGLE_POINTS)
    page = visit_big(visit, f"{big_server}/embed?status=historical", viewport=(375, 667))
    historical = sum(page.evaluate(CLUSTER_COUNTS)) + page.evaluate(SINGLE_POINTS)
    assert 0 < historical < everything
    assert page.evaluate("""[...window.mapapp.featureLayers.keys()].every((id) =>
      window.mapapp.isShown(id) === (window.mapapp.featureIndex.get(id).feature
        .properties.status === 'historical'))""")


def test_the_list_of_ten_thousand_renders_only_rows_in_view(huge_server, visit):
    page = visit_big(visit, f"{huge_server}/?lang=ru", viewport=(1280, 800))
    page.click("#reader-tab-places")
    rows = page.locator(".reader-vlist li")
    assert 0 < rows.count() <= 40
    assert rows.first.get_attribute("aria-setsize") == "10000"
    assert rows.first.get_attribute("aria-posinset") == "1"
    # the keyboard reaches the end of the whole list, still rendering a few rows
    page.locator(".reader-vlist .reader-place").first.focus()
    page.keyboard.press("End")
    wait_for(page, "document.activeElement.closest('li') && "
                   "document.activeElement.closest('li').getAttribute('aria-posinset') === '10000'")
    assert rows.count() <= 40
    page.keyboard.press("ArrowUp")
    position = "document.activeElement.closest('li').getAttribute('aria-posinset')"
    assert page.evaluate(position) == "9999"


def test_search_in_ten_thousand_finds_a_place_by_its_russian_name(huge_server, huge_catalogue,
                                                                  visit):
    features = json.loads((huge_catalogue / "logistics-hubs.geojson").read_text())["features"]
    feature = features[len(features) // 2]
    name = feature["properties"]["names"]["ru"]
    page = visit_big(visit, f"{huge_server}/?lang=ru", viewport=(1280, 800))
    page.fill("#reader-search", name.upper().replace("Ё", "Е"))
    first = page.locator("#reader-results [role=option]").first
    assert first.get_attribute("data-place") == feature["id"]
    page.keyboard.press("Enter")
    wait_for(page, f"(document.querySelector('.leaflet-popup [data-popup-for]') || "
                   f"{{dataset: {{}}}}).dataset.popupFor === {json.dumps(feature['id'])}")


OPEN_CLUSTERED = """(id) => { window.mapapp.focusFeature(id, { animate: false }); }"""


def test_a_big_catalogues_popup_fetches_its_text_and_says_when_it_cannot(big_server, visit):
    """The data files carry no popup text (mapapp/datafiles.py): a popup opens once its
    detail file is in; if that fails it opens all the same, says so in the page's
    language, and opening it again fetches the file anew."""
    record = visit(f"{big_server}/embed?lang=kk", wait=False, viewport=(375, 667))
    page = record.page
    page.wait_for_selector("html[data-map-state=ready]", state="attached", timeout=180_000)
    feature = page.evaluate(CLUSTERED)
    has_summary = (f"'summary' in window.mapapp.featureIndex.get({json.dumps(feature)})"
                   ".feature.properties")
    assert page.evaluate(has_summary) is False
    details = []
    page.route("**/assets/data/*details-*", lambda route: (details.append(route.request.url),
                                                           route.abort()))
    page.evaluate(OPEN_CLUSTERED, feature)
    wait_for(page, f"(document.querySelector('.leaflet-popup [data-popup-for]') || "
                   f"{{dataset: {{}}}}).dataset.popupFor === {json.dumps(feature)}")
    assert details and all(".kk.details-" in url for url in details)
    missing = page.locator(".leaflet-popup .mapapp-details-missing")
    assert missing.inner_text() == ("Бұл орын туралы толығырақ мәлімет жүктелмеді. "
                                    "Қайталау үшін оны қайта ашыңыз.")
    assert page.locator(".leaflet-popup .mapapp-citations").count() == 1  # what it had
    assert page.evaluate(has_summary) is False
    assert all("Failed to load resource" in error for error in record.console_errors)
    record.console_errors.clear()
    page.unroute("**/assets/data/*details-*")
    page.evaluate("window.mapapp.state.map.closePopup() && null")
    page.evaluate(OPEN_CLUSTERED, feature)
    wait_for(page, "!!document.querySelector('.leaflet-popup .mapapp-summary')")
    assert page.locator(".leaflet-popup .mapapp-details-missing").count() == 0
    assert page.evaluate(has_summary) is True
    # the whole file came in: its other features open at once, their text there
    others = page.evaluate(f"""[...window.mapapp.featureIndex.values()].filter((entry) =>
      entry.collection.id === window.mapapp.featureIndex.get({json.dumps(feature)}).collection.id
      && 'summary' in entry.feature.properties).length""")
    assert others > 1
