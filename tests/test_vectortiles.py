"""The vector-tile archive of a big catalogue (mapapp/vectortiles.py): read back with the
`pmtiles` reader and decoded with mapbox-vector-tile, served with HTTP Range requests
under a real gunicorn, written by the export. The threshold is forced low
(MAPAPP_VECTOR_TILES_FROM=1) so the small fixture catalogue shows the behaviour."""

from __future__ import annotations

import gzip
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from email.message import Message

import mapbox_vector_tile
import pytest
from pmtiles.reader import Reader, all_tiles
from pmtiles.tile import Compression, TileType

from mapapp import create_app
from mapapp.catalogue import load_catalogue
from mapapp.drawing import vector_tiles_from
from mapapp.export import export_site
from mapapp.vectortiles import MAX_ZOOM, MAX_ZOOM_EXTENT, build_archive
from tests.conftest import FIXTURE_DATA, start_server, stop_server

VECTOR = {"MAPAPP_VECTOR_TILES_FROM": "1"}


def reader(archive: bytes) -> Reader:
    return Reader(lambda offset, length: archive[offset:offset + length])


def decoded_tiles(archive: bytes, zoom: int) -> Iterator[dict]:
    for (z, _, _), data in all_tiles(reader(archive).get_bytes):
        if z == zoom:
            yield mapbox_vector_tile.decode(gzip.decompress(data), default_options={
                "y_coord_down": True})


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(FIXTURE_DATA)


@pytest.fixture(scope="module")
def archive(catalogue) -> bytes:
    return build_archive(catalogue)


def test_archive_holds_every_feature_at_its_highest_zoom(catalogue, archive):
    header = reader(archive).header()
    assert header["tile_type"] == TileType.MVT
    assert header["tile_compression"] == Compression.GZIP
    assert (header["min_zoom"], header["max_zoom"]) == (0, MAX_ZOOM)
    metadata = reader(archive).metadata()
    assert [layer["id"] for layer in metadata["vector_layers"]] == \
        [c.id for c in catalogue.collections]
    found: dict[str, set[str]] = {}
    for tile in decoded_tiles(archive, MAX_ZOOM):
        for name, layer in tile.items():
            assert layer["extent"] == MAX_ZOOM_EXTENT
            for feature in layer["features"]:
                found.setdefault(name, set()).add(feature["properties"]["id"])
    assert found == {c.id: {f["id"] for f in c.features} for c in catalogue.collections}


def test_tiles_carry_only_what_drawing_filters_and_picking_need(catalogue, archive):
    color_by = {c.id: (c.style.get("color_by") or {}).get("property")
                for c in catalogue.collections}
    by_id = {f["id"]: f for c in catalogue.collections for f in c.features}
    for tile in decoded_tiles(archive, MAX_ZOOM):
        for name, layer in tile.items():
            for feature in layer["features"]:
                props = feature["properties"]
                allowed = {"id", "precision", "error_km", "status"} | {color_by[name]}
                assert set(props) <= allowed, props
                source = by_id[props["id"]]["properties"]
                assert props["precision"] == source.get("precision", "exact")
                if color_by[name] and color_by[name] in source:
                    assert props[color_by[name]] == source[color_by[name]]


def test_threshold_setting_is_checked():
    assert vector_tiles_from("30000") == 30000
    assert vector_tiles_from("0") == 0
    for wrong in ("-1", "many", ""):
        with pytest.raises(ValueError, match="MAPAPP_VECTOR_TILES_FROM"):
            vector_tiles_from(wrong)


def page_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="mapapp-data">(.*?)</script>',
                      html, re.S).group(1)
    return json.loads(block)


def test_small_catalogue_pages_do_not_change():
    """Under the threshold the pages are the ones without vector tiles, byte for byte."""
    plain = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA), "MAPAPP_VECTOR_TILES_FROM": "0"})
    default = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})
    for path in ("/", "/embed?lang=ru"):
        html = default.test_client().get(path).get_data()
        assert html == plain.test_client().get(path).get_data()
        data = page_data(html.decode())
        assert "vector" not in data and "vector" not in data["drawing"]
        assert all(c["data"].endswith(".json") for c in data["collections"])
        assert b"pmtiles" not in html


def test_vector_pages_load_the_archive_and_no_data_files():
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA), **VECTOR})
    html = app.test_client().get("/").get_data(as_text=True)
    data = page_data(html)
    assert re.fullmatch(r"assets/features\.[0-9a-f]{12}\.pmtiles", data["vector"]["archive"])
    assert data["vector"]["items"] == "features/{id}"
    assert data["drawing"]["vector"] is True and data["drawing"]["cluster"] is False
    assert all("data" not in c for c in data["collections"])
    assert 'as="fetch"' not in html  # no data file preloaded
    for script in ("vendor/pmtiles.", "vendor/protomaps-leaflet.", "mapapp-vectortiles."):
        assert script in html


@pytest.fixture(scope="module")
def vector_server() -> Iterator[str]:
    process, base = start_server(FIXTURE_DATA, env=VECTOR, timeout=120)
    yield base
    stop_server(process)


def archive_url(base: str) -> str:
    with urllib.request.urlopen(base + "/") as response:
        return base + "/" + page_data(response.read().decode())["vector"]["archive"]


def fetch(url: str, **headers: str) -> tuple[int, Message, bytes]:
    """Status, headers (names in any case) and body."""
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_archive_answers_range_requests(vector_server, catalogue):
    url = archive_url(vector_server)
    status, headers, whole = fetch(url, **{"Accept-Encoding": "br, gzip"})
    assert status == 200 and headers["Accept-Ranges"] == "bytes"
    assert "Content-Encoding" not in headers  # tiles are gzip inside; ranges are of stored bytes
    assert "immutable" in headers["Cache-Control"]
    assert whole == build_archive(catalogue)
    for asked, first, last in (("bytes=0-126", 0, 126), ("bytes=100-", 100, len(whole) - 1),
                               ("bytes=-50", len(whole) - 50, len(whole) - 1)):
        status, headers, body = fetch(url, Range=asked, **{"Accept-Encoding": "br, gzip"})
        assert status == 206, asked
        assert headers["Content-Range"] == f"bytes {first}-{last}/{len(whole)}"
        assert body == whole[first:last + 1]
        assert "Content-Encoding" not in headers
    for refused in (f"bytes={len(whole)}-", "bytes=0-1,5-6"):
        status, headers, body = fetch(url, Range=refused)
        assert status == 416, refused
        assert headers["Content-Range"] == f"bytes */{len(whole)}"
        assert json.loads(body)["code"] == 416
    # the pmtiles reader over HTTP ranges: the header and a tile, as the browser reads them
    remote = Reader(lambda offset, length: fetch(
        url, Range=f"bytes={offset}-{offset + length - 1}")[2])
    assert remote.header()["max_zoom"] == MAX_ZOOM
    assert remote.get(0, 0, 0) == reader(whole).get(0, 0, 0)


def test_feature_by_id_leads_to_its_item(vector_server, catalogue):
    collection = catalogue.collections[-1]
    feature = collection.features[0]
    status, _, body = fetch(f"{vector_server}/features/{feature['id']}")  # redirect followed
    assert status == 200
    item = json.loads(body)
    assert item["id"] == feature["id"]
    assert any(link["rel"] == "collection" and link["href"].endswith(f"/{collection.id}")
               for link in item["links"])
    status, _, body = fetch(f"{vector_server}/features/no-such-feature")
    assert status == 404 and json.loads(body)["code"] == 404


def test_export_writes_the_archive_and_each_feature(tmp_path, catalogue):
    site = tmp_path / "site"
    export_site(site, {"MAPAPP_DATA_DIR": str(FIXTURE_DATA), **VECTOR})
    archives = list((site / "assets").glob("features.*.pmtiles"))
    assert len(archives) == 1
    assert archives[0].read_bytes() == build_archive(catalogue)
    data = page_data((site / "index.html").read_text(encoding="utf-8"))
    assert (site / data["vector"]["archive"]) == archives[0]
    assert data["vector"]["items"] == "data/items/{id}.json"
    for collection in catalogue.collections:
        for feature in collection.features:
            item = json.loads((site / "data" / "items" / f"{feature['id']}.json").read_text())
            assert item["id"] == feature["id"]
            assert item["properties"] == feature["properties"]
            up = next(link["href"] for link in item["links"] if link["rel"] == "collection")
            assert up.endswith(f"/collections/{collection.id}")
    assert not (site / "assets" / "data").exists()  # no data files: pages do not load them
