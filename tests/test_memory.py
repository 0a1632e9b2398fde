"""What a worker holds, held compactly, and every answer still byte for byte the same:
data files kept only compressed (identity, HEAD and 304 still right, under the WSGI app
and the ASGI front production serves), and large answers of them kept in the cache."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import brotli
import pytest

from mapapp import create_app
from mapapp.asgi import ReadyBytesApp
from mapapp.assets import Assets
from mapapp.catalogue import load_catalogue, shared_json
from mapapp.datafiles import add_data_files, collection_body, data_file_name, details_apart
from mapapp.fastpath import FastPath
from mapapp.features import dumps
from mapapp.i18n import LANGUAGES
from mapapp.readyanswer import VARIANT_OVERHEAD, body_digest
from tests.asgi_client import AsgiClient
from tests.conftest import FIXTURE_DATA
from tests.test_datafiles import synthetic_catalogue

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["wsgi", "asgi"])
def served(request):
    """(app, client): Flask's test client, or one that drives the ASGI app."""
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})
    if request.param == "wsgi":
        yield app, app.test_client()
        return
    client = AsgiClient(ReadyBytesApp(app))
    yield app, client
    client.close()


def test_data_files_are_held_only_compressed():
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})
    state = app.extensions["mapapp"]
    for collection in state.catalogue.collections:
        for lang in LANGUAGES:
            asset = state.assets.by_name[data_file_name(collection.id, lang)]
            assert asset.raw is None and set(asset.encoded) == {"br", "gzip"}
            assert asset.body == collection_body(collection, lang)


@pytest.mark.parametrize("accept", ["", "identity", "br;q=0, gzip;q=0"])
def test_a_client_taking_no_encoding_gets_the_exact_bytes(served, accept):
    app, client = served
    state = app.extensions["mapapp"]
    collection = state.catalogue.collections[0]
    asset = state.assets.by_name[data_file_name(collection.id, "ru")]
    url = "/" + asset.path
    # the compressed answer first (so the entry is kept), then identity, then again
    for encoding in ("br", accept, accept, "gzip"):
        response = client.get(url, headers={"Accept-Encoding": encoding})
        assert response.status_code == 200
        body = response.get_data()
        if encoding in ("br", "gzip"):
            assert response.headers["Content-Encoding"] == encoding
            body = brotli.decompress(body) if encoding == "br" else gzip.decompress(body)
        else:
            assert "Content-Encoding" not in response.headers
            assert response.headers["Content-Length"] == str(len(body))
        assert body == collection_body(collection, "ru")
        assert response.headers["Content-Type"] == "application/json"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "X-Mapapp-Stored" not in response.headers


def test_head_and_304_of_a_data_file(served):
    app, client = served
    state = app.extensions["mapapp"]
    collection = state.catalogue.collections[0]
    asset = state.assets.by_name[data_file_name(collection.id, "kk")]
    url = "/" + asset.path
    raw = collection_body(collection, "kk")
    full = client.get(url, headers={"Accept-Encoding": "identity"})
    head = client.open(url, method="HEAD", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["Content-Length"] == str(len(raw))
    assert head.headers["ETag"] == full.headers["ETag"]
    head_br = client.open(url, method="HEAD", headers={"Accept-Encoding": "br"})
    assert head_br.headers["Content-Length"] == str(len(asset.encoded["br"]))
    for encoding, etag in (("identity", full.headers["ETag"]), ("br", head_br.headers["ETag"])):
        again = client.get(url, headers={"Accept-Encoding": encoding, "If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""


def test_a_data_file_larger_than_the_cache_is_kept_as_the_bytes_held(monkeypatch):
    """Its compressed forms are the state's bytes, not copies: the entry costs the cache
    its headers only, so even a file larger than the whole cache is answered from it."""
    app = create_app({"MAPAPP_DATA_DIR": str(ROOT / "geodata")})
    inner: FastPath = app.wsgi_app  # type: ignore[assignment]
    app.wsgi_app = FastPath(inner.app, inner.generation, max_bytes=80 * 1024,
                            precompressed=inner.precompressed)
    dispatched = []
    app.before_request(lambda: dispatched.append(1) and None)
    state = app.extensions["mapapp"]
    asset = max((a for a in state.assets.by_name.values() if a.packed),
                key=lambda a: len(a.encoded["br"]))
    # counted as copies, its two encodings would not fit in probation
    assert sum(map(len, asset.encoded.values())) + 2 * VARIANT_OVERHEAD \
        > app.wsgi_app.probation.maxsize
    client = app.test_client()
    for _ in range(3):
        response = client.get("/" + asset.path, headers={"Accept-Encoding": "br"})
        assert response.get_data() == asset.encoded["br"]
    assert len(dispatched) == 1


def test_the_catalogue_holds_each_repeated_value_once():
    """A value that several features repeat (a text, a citation) is one object, and
    every feature is still exactly the file's."""
    catalogue = load_catalogue(FIXTURE_DATA)
    features = [f for c in catalogue.collections for f in c.features]
    files = {c.file: json.loads((FIXTURE_DATA / c.file).read_text(encoding="utf-8"))
             for c in catalogue.collections}
    parsed = [f for c in catalogue.collections for f in files[c.file]["features"]]
    assert [dumps(f) for f in features] == [dumps(f) for f in parsed]
    assert features == parsed
    for values in ([f["type"] for f in features],
                   [f["properties"]["status"] for f in features],
                   [c["source"] for f in features for c in f["properties"]["citations"]]):
        assert len({id(v) for v in values}) == len(set(values)) < len(values)


def test_shared_values_keep_their_types_and_signs():
    """Equal in Python is not equal in JSON: 1, 1.0 and true, 0.0 and -0.0 stay apart."""
    value = [1, 1.0, True, 0.0, -0.0, {"a": 1}, {"a": 1.0}, {"a": True}, [0.0], [-0.0],
             {"a": "x"}, {"a": "x"}, None, [None]]
    text = json.dumps({"id": "x", "geometry": None, "properties": value})
    kept = shared_json(text, {})
    assert dumps(kept) == dumps(json.loads(text))
    assert [type(v) for v in kept["properties"]] == [type(v) for v in value]
    props = kept["properties"]
    assert props[10] is props[11]
    assert props[5] is not props[6] and props[8] is not props[9]


@pytest.mark.parametrize("size", [None, 600])  # the fixture data; details apart
def test_packed_data_files_are_the_exports_files(size, tmp_path):
    """Built in threads or in forked processes, held compressed, the files are the ones
    the export writes as they are: the same paths, the same bytes (detail files too)."""
    data = FIXTURE_DATA if size is None else synthetic_catalogue(size, tmp_path / "data")
    catalogue = load_catalogue(data)
    assert details_apart(catalogue) == (size is not None)
    raw, by_threads, by_processes = Assets(), Assets(), Assets()
    add_data_files(catalogue, raw, compress=False)
    add_data_files(catalogue, by_threads, processes_from=catalogue.feature_count + 1)
    add_data_files(catalogue, by_processes, processes_from=1)
    assert list(by_threads.by_path) == list(by_processes.by_path) == list(raw.by_path)
    for path, asset in raw.by_path.items():
        assert by_threads.by_path[path].packed and by_processes.by_path[path].packed
        assert by_threads.by_path[path].body == by_processes.by_path[path].body == asset.body
        assert by_processes.by_path[path].encoded == by_threads.by_path[path].encoded


def test_an_assets_digest_is_the_fast_paths_digest_of_its_body():
    """Computed once from the SHA-256 taken at start-up, never from the body per request."""
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})
    for asset in app.extensions["mapapp"].assets.by_path.values():
        assert asset.digest == body_digest(asset.body)


def test_gdals_view_read_beside_the_rules_still_refuses():
    """GDAL reads a file in a thread while the rules check it: its findings are the same."""
    from concurrent.futures import ThreadPoolExecutor

    from mapapp.catalogue import _check_gdal_reads, _gdal_view

    raw = (FIXTURE_DATA / "energy.geojson").read_bytes()
    features = json.loads(raw)["features"]
    renamed = [{**f, "id": f"x-{f['id']}"} for f in features]
    with ThreadPoolExecutor(1) as gdal:
        for view in (None, gdal.submit(_gdal_view, raw)):
            assert _check_gdal_reads("energy.geojson", raw, features, view) == []
        assert "GDAL reads" in _check_gdal_reads("energy.geojson", raw, renamed,
                                                 gdal.submit(_gdal_view, raw))[0].message
        broken = _check_gdal_reads("energy.geojson", b"{", features,
                                   gdal.submit(_gdal_view, b"{"))
        assert broken[0].message.startswith("GDAL cannot read the file")
