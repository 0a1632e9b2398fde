"""The index of places of a map drawn from vector tiles (mapapp/placeindex.py): what it
holds, one content-hashed file per language served compressed by the app, written by
the export. The threshold is forced low so the small fixture catalogue shows it."""

from __future__ import annotations

import gzip
import hashlib
import json
import re

import brotli
import pytest
from shapely.geometry import box

from mapapp import create_app
from mapapp.catalogue import load_catalogue
from mapapp.export import export_site
from mapapp.features import dumps
from mapapp.i18n import LANGUAGES
from mapapp.placeindex import ROW, place_indexes
from tests.conftest import FIXTURE_DATA

VECTOR = {"MAPAPP_VECTOR_TILES_FROM": "1"}


def page_data(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="mapapp-data">(.*?)</script>',
                      html, re.S).group(1)
    return json.loads(block)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(FIXTURE_DATA)


def place_index(catalogue, lang: str) -> dict:
    """The index in `lang`, as the app builds every language's."""
    return place_indexes(catalogue)[lang]


def place_index_body(catalogue, lang: str) -> bytes:
    """The index file's bytes in `lang`, as the app and the export write them."""
    return dumps(place_index(catalogue, lang))


def rows(index: dict) -> dict[str, dict]:
    """Each feature's row as {field: value}, by id."""
    return {row[0]: dict(zip(ROW, row, strict=False))
            for collection in index["collections"] for row in collection["features"]}


def test_index_holds_what_list_search_and_article_read(catalogue):
    index = place_index(catalogue, "ru")
    assert [c["id"] for c in index["collections"]] == [c.id for c in catalogue.collections]
    assert [row[0] for c in index["collections"] for row in c["features"]] == \
        list(catalogue.feature_ids)
    found = rows(index)
    for collection in catalogue.collections:
        for feature, shape in zip(collection.features, collection.shapes, strict=True):
            props, row = feature["properties"], found[feature["id"]]
            assert row["name"] == props["name"]
            assert {"en": props["name"], **row["names"]} == props["names"]
            assert "en" not in row["names"]  # the same as the name
            for key in ("kind", "status", "precision", "error_km"):
                assert row[key] == props.get(key)
            assert [index["places"][at] for at in row["places"]] == props["places"]
            assert [index["sentences"][at] for at in row["citations"]] == \
                [[c["source"], c["paragraph"], c.get("offset"), c["quote"]]
                 for c in props["citations"]]
            position = row["position"]
            if shape.geom_type == "Point":
                assert position == pytest.approx([shape.x, shape.y], abs=0.0005)
            else:  # the bounds rounded outwards hold the whole line
                assert box(*position).contains(shape)
    body = place_index_body(catalogue, "ru").decode()
    for left_out in ("summary", "facts", "geometry", "Ветровая станция из тестовых данных"):
        assert left_out not in body  # what only a popup shows


def test_a_feature_without_places_carries_its_note_in_the_language():
    """Data without places (the search reads the location note): the note, and its
    translation in the index's language alone."""
    catalogue = load_catalogue(FIXTURE_DATA)  # its own copy, changed in memory
    feature = catalogue.find_feature("campus")[1]
    feature["properties"] = {k: v for k, v in feature["properties"].items() if k != "places"}
    props = catalogue.find_feature("campus")[1]["properties"]
    english = rows(place_index(catalogue, "en"))["campus"]["note"]
    assert english == {"location_note": props["location_note"]}
    russian = rows(place_index(catalogue, "ru"))["campus"]["note"]
    assert russian == {"location_note": props["location_note"], "translations": {
        "ru": {"location_note": props["translations"]["ru"]["location_note"]}}}
    assert "note" not in rows(place_index(catalogue, "ru"))["wind-farm"]


def test_app_serves_each_language_compressed_under_its_hash(catalogue):
    client = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA), **VECTOR}).test_client()
    for lang in LANGUAGES:
        data = page_data(client.get(f"/embed?lang={lang}").get_data(as_text=True))
        url = data["vector"]["places"]
        body = place_index_body(catalogue, lang)
        assert url == f"assets/places.{lang}.{hashlib.sha256(body).hexdigest()[:12]}.json"
        assert set(data["placesMessages"]) == {"loading", "failed", "retry"}
        answer = client.get("/" + url, headers={"Accept-Encoding": "br"})
        assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "br"
        assert "immutable" in answer.headers["Cache-Control"]
        assert brotli.decompress(answer.get_data()) == body
        answer = client.get("/" + url, headers={"Accept-Encoding": "gzip"})
        assert gzip.decompress(answer.get_data()) == body
    russian = page_data(client.get("/?lang=ru").get_data(as_text=True))
    assert russian["placesMessages"]["failed"] == "Не удалось загрузить список мест."
    # under the threshold: data files, no index
    plain = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}).test_client()
    html = plain.get("/").get_data(as_text=True)
    assert "vector" not in page_data(html) and "placesMessages" not in page_data(html)
    assert "assets/places." not in html and "mapapp-placeindex" not in html


def test_export_writes_the_index_in_every_language(tmp_path, catalogue):
    site = tmp_path / "site"
    export_site(site, {"MAPAPP_DATA_DIR": str(FIXTURE_DATA), **VECTOR})
    for lang in LANGUAGES:
        page = "index.html" if lang == "en" else f"index.{lang}.html"
        url = page_data((site / page).read_text(encoding="utf-8"))["vector"]["places"]
        assert (site / url).read_bytes() == place_index_body(catalogue, lang)
    assert len(list((site / "assets").glob("places.*.json"))) == len(LANGUAGES)
