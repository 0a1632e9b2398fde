"""Data files (mapapp/datafiles.py): a page describes the collections and links each
collection's file in its language; the files are built and compressed once, at
start-up, and served as those bytes; pages stay the same size whatever the data."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from mapapp import create_app, fastpath, readyanswer
from mapapp.datafiles import (
    COMPRESS_LEVELS,
    DETAILS_APART_FROM,
    DETAILS_PER_FILE,
    POPUP_ONLY,
    data_file_name,
    feature_for_language,
    split_collection,
)
from mapapp.i18n import LANGUAGES
from tests.test_pages import parse

ROOT = Path(__file__).resolve().parents[1]


def data_block(client, path: str) -> dict:
    return json.loads(parse(client.get(path).get_data(as_text=True)).data_block)


def data_file(client, url: str) -> dict:
    response = client.get("/" + url)
    assert response.status_code == 200
    return json.loads(response.get_data())


def test_pages_carry_no_features_but_each_collection_data_file(client, app):
    catalogue = app.extensions["mapapp"].catalogue
    for lang in LANGUAGES:
        block = data_block(client, f"/embed?lang={lang}")
        for described, collection in zip(block["collections"], catalogue.collections,
                                          strict=True):
            assert "features" not in described
            assert described["count"] == len(collection.features)
            assert re.fullmatch(rf"assets/data/{collection.id}\.{lang}\.[0-9a-f]{{12}}\.json",
                                described["data"])
            served = data_file(client, described["data"])
            assert [f["id"] for f in served["features"]] == \
                [f["id"] for f in collection.features]
            assert [f["geometry"] for f in served["features"]] == \
                [f["geometry"] for f in collection.features]


def test_a_language_file_keeps_only_the_text_its_page_shows(real_client, real_app):
    catalogue = real_app.extensions["mapapp"].catalogue
    pipelines = catalogue.collection("pipelines")
    originals = {f["id"]: f["properties"] for f in pipelines.features}
    by_lang = {}
    for lang in LANGUAGES:
        [described] = [c for c in data_block(real_client, f"/?lang={lang}")["collections"]
                       if c["id"] == "pipelines"]
        by_lang[lang] = data_file(real_client, described["data"])["features"]
    for lang, features in by_lang.items():
        for feature in features:
            props, original = feature["properties"], originals[feature["id"]]
            # every page shows and searches the names and places in every language
            assert props["names"] == original["names"]
            assert props.get("places") == original.get("places")
            assert props["citations"] == original["citations"]  # quotes verbatim
            assert props["summary"] == original["summary"]
            if lang == "en":
                assert "translations" not in props
                assert all("translations" not in fact for fact in props.get("facts", []))
            else:
                assert props["translations"] == {lang: original["translations"][lang]}
                for fact, whole in zip(props["facts"], original["facts"], strict=True):
                    assert fact["translations"] == {lang: whole["translations"][lang]}
    sizes = {lang: len(json.dumps(features, ensure_ascii=False))
             for lang, features in by_lang.items()}
    assert sizes["en"] < sizes["ru"] < len(json.dumps(list(pipelines.features),
                                                      ensure_ascii=False))


def count_compressions(monkeypatch) -> list[int]:
    """The sizes of the bodies the fast path compresses from now on."""
    compressed: list[int] = []
    real_compress = readyanswer.compress

    def counting(body, encoding, levels):
        compressed.append(len(body))
        return real_compress(body, encoding, levels)

    monkeypatch.setattr(readyanswer, "compress", counting)
    return compressed


def test_data_files_are_served_in_the_bytes_compressed_at_start_up(client, app, monkeypatch):
    """No compression while answering: the br and gzip answers are the bytes the
    start-up made (at COMPRESS_LEVELS), cached for ever."""
    assets = app.extensions["mapapp"].assets
    asset = assets.by_name[data_file_name("energy", "ru")]
    assert set(asset.encoded) == {"br", "gzip"}
    compressed = count_compressions(monkeypatch)
    for encoding in ("br", "gzip", "br", "gzip"):
        response = client.get("/" + asset.path, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        assert response.get_data() == asset.encoded[encoding]
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert compressed == []
    assert COMPRESS_LEVELS["br"] != readyanswer.FAST_LEVELS["br"] or \
        COMPRESS_LEVELS["gzip"] != readyanswer.FAST_LEVELS["gzip"]


def test_an_answer_too_large_for_the_cache_is_compressed_once(monkeypatch):
    """Rendered again for each request (it is not kept whole) but compressed once."""
    app = create_app({"MAPAPP_DATA_DIR": str(ROOT / "geodata")})
    inner: fastpath.FastPath = app.wsgi_app  # type: ignore[assignment]
    app.wsgi_app = fastpath.FastPath(inner.app, inner.generation, max_bytes=256 * 1024)
    compressed = count_compressions(monkeypatch)
    client = app.test_client()
    url = "/api/collections/pipelines/items"
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert len(first.get_data()) > 0 and compressed, "the answer was compressed"
    body_size = compressed[0]
    assert body_size > app.wsgi_app.probation.maxsize  # too large to keep
    for _ in range(3):
        again = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert again.get_data() == first.get_data()
    assert compressed == [body_size]


def synthetic_catalogue(size: int, target: Path) -> Path:
    """bench/scale_data.py's catalogue of `size` features made from the real ones."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import scale_data
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return scale_data.build(size, target)


def page_sizes(data_dir: Path) -> dict[str, int]:
    client = create_app({"MAPAPP_DATA_DIR": str(data_dir)}).test_client()
    return {f"{path}?lang={lang}": len(client.get(f"{path}?lang={lang}").get_data())
            for path in ("/", "/embed") for lang in LANGUAGES}


def test_a_page_is_the_same_size_whatever_the_data(tmp_path):
    """43 features or 1,000: /embed within 1 KiB (counts, bounds and hashes differ). The
    page's list of places without scripts names up to NOSCRIPT_PLACES per layer, so /
    reaches its size once each layer has that many (600 features) and grows no more."""
    real = page_sizes(ROOT / "geodata")
    middle = page_sizes(synthetic_catalogue(600, tmp_path / "600"))
    large = page_sizes(synthetic_catalogue(1000, tmp_path / "1000"))
    for page, size in large.items():
        if page.startswith("/embed"):
            assert abs(size - real[page]) < 1024, (page, real[page], size)
        assert abs(size - middle[page]) < 1024, (page, middle[page], size)
    assert max(large.values()) < 120 * 1024


def test_every_feature_split_and_merged_again_is_the_feature_in_its_language(real_app):
    """What a big catalogue's data file carries of a feature plus what its detail file
    carries, merged as mapapp-core.js merges them, is the whole feature in that language;
    the list and search keep names, places, kind, status and quotes, and a location note
    only where there are no places."""
    for collection in real_app.extensions["mapapp"].catalogue.collections:
        for lang in LANGUAGES:
            light, files = split_collection(collection, lang)
            details = {}
            for index, body in enumerate(files):
                for feature_id, more in json.loads(body)["features"].items():
                    details[feature_id] = (index, more)
            assert len(files) == -(-len(collection.features) // DETAILS_PER_FILE)
            for drawn, feature in zip(light, collection.features, strict=True):
                whole = feature_for_language(feature, lang)
                index, more = details[feature["id"]]
                assert drawn["details"] == index
                props = drawn["properties"]
                assert not set(POPUP_ONLY) & set(props)
                assert ("location_note" in props) == (not whole["properties"].get("places")
                                                       and "location_note" in whole["properties"])
                for key in ("name", "names", "kind", "status", "places", "citations"):
                    assert props.get(key) == whole["properties"].get(key)
                merged = dict(props)
                extra = dict(more)
                for other, texts in extra.pop("translations", {}).items():
                    merged.setdefault("translations", {})
                    merged["translations"][other] = {**merged["translations"].get(other, {}),
                                                     **texts}
                merged.update(extra)
                assert merged == whole["properties"]
                assert {k: v for k, v in drawn.items() if k != "properties" and k != "details"} \
                    == {k: v for k, v in whole.items() if k != "properties"}


def test_a_big_catalogues_popup_text_is_in_detail_files_the_data_file_links(tmp_path):
    """From DETAILS_APART_FROM features: each data file lists its detail files (served
    compressed like it), and its features name theirs; the real map's files have none."""
    data_dir = synthetic_catalogue(DETAILS_APART_FROM, tmp_path / "big")
    client = create_app({"MAPAPP_DATA_DIR": str(data_dir)}).test_client()
    block = data_block(client, "/embed?lang=kk")
    seen = 0
    for described in block["collections"]:
        served = data_file(client, described["data"])
        for url in served["details"]:
            assert re.fullmatch(rf"assets/data/{described['id']}\.kk\.details-\d+\.[0-9a-f]{{12}}"
                                r"\.json", url), url
            gzip = client.get("/" + url, headers={"Accept-Encoding": "gzip"})
            assert gzip.headers["Content-Encoding"] == "gzip"
        for feature in served["features"]:
            assert "summary" not in feature["properties"]
            detail = data_file(client, served["details"][feature["details"]])
            assert feature["id"] in detail["features"]
            seen += 1
    assert seen == DETAILS_APART_FROM
    real = create_app({"MAPAPP_DATA_DIR": str(ROOT / "geodata")}).test_client()
    for described in data_block(real, "/embed?lang=kk")["collections"]:
        served = data_file(real, described["data"])
        assert "details" not in served
        assert all("details" not in feature for feature in served["features"])
