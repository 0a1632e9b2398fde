"""Ready bytes: repeat requests are answered before Flask, with ETags, 304s and
prepared gzip/brotli variants; anything not marked ready passes through. Each test
runs against the WSGI app and the ASGI app production serves (mapapp.asgi)."""

from __future__ import annotations

import gzip

import brotli
import pytest

from mapapp.asgi import ReadyBytesApp
from mapapp.readyanswer import choose_encoding
from tests.asgi_client import AsgiClient


@pytest.fixture(params=["wsgi", "asgi"])
def client_for(request):
    """Makes a client for an app: Flask's test client, or one that drives the ASGI app."""
    if request.param == "wsgi":
        yield lambda app: app.test_client()
        return
    made: list[AsgiClient] = []
    yield lambda app: made.append(AsgiClient(ReadyBytesApp(app))) or made[-1]
    for client in made:
        client.close()


@pytest.fixture
def client(app, client_for):
    return client_for(app)


@pytest.fixture
def counted(app):
    """The app with a count of the requests Flask itself dispatched."""
    app.dispatched = 0

    @app.before_request
    def count() -> None:
        app.dispatched += 1

    return app


def test_second_request_is_answered_without_flask(counted, client_for):
    client = client_for(counted)
    first = client.get("/embed")
    second = client.get("/embed")
    assert counted.dispatched == 1
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    strip = {"Date"}
    assert [(k, v) for k, v in first.headers if k not in strip] == \
        [(k, v) for k, v in second.headers if k not in strip]
    assert "X-Mapapp-Ready" not in first.headers


@pytest.mark.parametrize("path", ["/", "/embed", "/api/collections/energy/items",
                                  "/api/collections"])
def test_strong_etag_and_304(client, path):
    response = client.get(path)
    etag = response.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert response.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize(("accept", "encoding"), [
    ("br, gzip", "br"), ("gzip", "gzip"), ("gzip, br;q=0", "gzip"), ("", None),
    ("identity", None), ("*", "br"),
])
def test_compressed_variants(client, accept, encoding):
    plain = client.get("/api/collections/energy/items").data
    response = client.get("/api/collections/energy/items", headers={"Accept-Encoding": accept})
    assert response.content_type == "application/geo+json"
    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert int(response.headers["Content-Length"]) == len(response.data)
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda body: body}
    assert decode[encoding](response.data) == plain


def test_each_encoding_has_its_own_etag(client):
    etags = {client.get("/", headers={"Accept-Encoding": e}).headers["ETag"]
             for e in ("br", "gzip", "identity")}
    assert len(etags) == 3


def test_head_has_headers_and_no_body(client):
    get = client.get("/embed", headers={"Accept-Encoding": "gzip"})
    head = client.head("/embed", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_assets_are_immutable(client):
    html = client.get("/").get_data(as_text=True)
    path = "/" + html.split('<script src="')[2].split('"')[0]
    response = client.get(path, headers={"Accept-Encoding": "br"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "br"


def test_errors_and_unmarked_responses_pass_through(counted, client_for):
    client = client_for(counted)
    for _ in range(2):
        assert client.get("/api/collections/nope/items").status_code == 404
        assert client.get("/healthz").status_code == 200
    assert counted.dispatched == 4
    assert "ETag" not in client.get("/healthz").headers


def test_entries_are_kept_per_host(client):
    a = client.get("/api/collections", base_url="http://a.example")
    b = client.get("/api/collections", base_url="http://b.example")
    assert b"http://a.example/api" in a.data and b"http://b.example/api" in b.data


def test_choose_encoding_honours_q_values():
    both = ("identity", "br", "gzip")
    assert choose_encoding("gzip;q=1, br;q=0.5", both) == "br"  # any q > 0: best we have
    assert choose_encoding("br;q=0", both) == "identity"
    assert choose_encoding("gzip", ("identity",)) == "identity"
    assert choose_encoding("br;q=x", both) == "identity"
