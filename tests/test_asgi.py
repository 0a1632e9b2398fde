"""The ASGI app production serves: ready bytes answered in the event loop without the
WSGI side, everything else handed to Flask, and requests over gunicorn's limits refused
with a JSON error before any app code runs."""

from __future__ import annotations

import asyncio
import json
from io import BytesIO

import pytest
from a2wsgi.wsgi import build_environ

from mapapp.asgi import MAX_HEADER_BYTES, MAX_TARGET_BYTES, ReadyBytesApp, request_headers, url_key
from tests.asgi_client import AsgiClient


@pytest.fixture
def front(app):
    """The ASGI app, with a count of the requests it handed to the WSGI side."""
    front = ReadyBytesApp(app)
    to_flask = front.to_flask
    front.handed = 0

    async def counting(scope, receive, send):
        if scope["type"] == "http":
            front.handed += 1
        await to_flask(scope, receive, send)

    front.to_flask = counting
    return front


@pytest.fixture
def client(front):
    client = AsgiClient(front)
    yield client
    client.close()


@pytest.mark.parametrize("path", ["/embed", "/?lang=ru", "/api/collections/energy/items",
                                  "/api/collections/energy/items?limit=1&offset=1"])
def test_repeat_requests_never_reach_the_wsgi_side(front, client, path):
    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    for encoding in ("gzip", "br", ""):  # brotli is built when first asked, in the pool
        client.get(path, headers={"Accept-Encoding": encoding})
    assert front.handed == 2
    again = [client.get(path, headers={"Accept-Encoding": e}) for e in ("gzip", "br", "")]
    assert front.handed == 2
    assert again[0].data == first.data
    assert again[0].headers["ETag"] == first.headers["ETag"]
    assert {r.headers.get("Content-Encoding") for r in again} == {"gzip", "br", None}
    not_modified = client.get(path, headers={"If-None-Match": first.headers["ETag"],
                                             "Accept-Encoding": "gzip"})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert front.handed == 2


@pytest.mark.parametrize(("path", "handed"), [("/embed", 1), ("/healthz", 20)])
def test_concurrent_first_requests_render_once(front, client, path, handed):
    """A spike on a cold worker: the first request for a URL goes to Flask and the rest
    wait for its kept answer; requests whose answer is never kept all go to Flask."""

    async def spike():
        return await asyncio.gather(*(client.request(path) for _ in range(20)))

    responses = client.run(spike())
    assert front.handed == handed
    assert {r.status_code for r in responses} == {200}
    assert len({r.data for r in responses}) == 1


def test_language_is_part_of_the_key(front, client):
    english = client.get("/", headers={"Accept-Language": "en"})
    russian = client.get("/", headers={"Accept-Language": "ru"})
    assert english.data != russian.data
    assert client.get("/", headers={"Accept-Language": "ru"}).data == russian.data
    assert front.handed == 2


def test_other_methods_and_errors_go_to_flask(front, client):
    assert client.open("/embed", method="POST").status_code == 405
    assert client.get("/api/collections/nope/items").status_code == 404
    assert client.get("/api/collections/nope/items").status_code == 404
    assert front.handed == 3


@pytest.mark.parametrize(("path", "headers", "status", "words"), [
    ("/?x=" + "a" * MAX_TARGET_BYTES, {}, 414, "request target"),
    ("/", {"X-Long": "y" * MAX_HEADER_BYTES}, 431, "'x-long'"),
    ("/", {f"X-{i}": "1" for i in range(120)}, 431, "request headers"),
])
def test_requests_over_the_limits_are_refused_before_flask(front, client, path, headers,
                                                          status, words):
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert json.loads(response.data)["code"] == status
    assert words in json.loads(response.data)["description"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert front.handed == 0


def test_the_key_equals_the_one_the_wsgi_side_computes():
    """The WSGI fast path stores entries under the environ a2wsgi builds; the front looks
    them up from the scope: both must agree for any path, including non-ASCII ones."""
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "https",
             "path": "/api/collections/алма-ата/items", "query_string": b"lang=kk&limit=2",
             "root_path": "", "headers": [(b"host", b"map.example:8443"),
                                          (b"accept-language", b"kk"),
                                          (b"accept-language", b"ru")]}
    environ = build_environ(scope, BytesIO())
    assert url_key(scope, request_headers(scope)) == (
        environ["wsgi.url_scheme"], environ["HTTP_HOST"], environ["PATH_INFO"],
        environ["QUERY_STRING"])
    assert request_headers(scope)["accept-language"] == environ["HTTP_ACCEPT_LANGUAGE"]
