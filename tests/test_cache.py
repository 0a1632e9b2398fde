"""The ready-bytes cache cannot be filled for good: bounded in bytes with the least
recently used answers evicted first, keyed by what an answer depends on, page URLs with
one form per state, and a bounded wait on another request's first render."""

from __future__ import annotations

import asyncio
import html
import time

import pytest

from mapapp import create_app
from mapapp.asgi import FIRST_RENDER_WAIT, ReadyBytesApp
from mapapp.fastpath import FastPath
from tests.asgi_client import AsgiClient
from tests.conftest import FIXTURE_DATA

ITEMS = "/api/collections/energy/items"


def with_cache_of(app, max_bytes: int) -> FastPath:
    """The app's fast path replaced by one of `max_bytes`."""
    inner = app.wsgi_app
    app.wsgi_app = FastPath(inner.app, inner.generation, max_bytes=max_bytes)
    return app.wsgi_app


def kept(fastpath: FastPath, path: str, query: str = "", host: str = "localhost",
         **headers: str) -> bool:
    found = fastpath.find(("http", host, path, query), lambda name: headers.get(name, ""))
    return found is not None


def test_many_distinct_urls_never_grow_it_past_its_bytes(app):
    fastpath = with_cache_of(app, 200_000)
    client = app.test_client()
    for offset in range(300):
        assert client.get(f"{ITEMS}?offset={offset}").status_code == 200
    assert 0 < fastpath.entries.currsize <= 200_000
    assert client.get("/embed?lang=ru").status_code == 200
    assert kept(fastpath, "/embed", "lang=ru")  # a new URL is still kept after the flood
    assert not kept(fastpath, ITEMS, "offset=0")  # the oldest were evicted


def test_the_least_recently_used_answer_goes_first(app):
    fastpath = with_cache_of(app, 60_000)
    client = app.test_client()
    client.get(f"{ITEMS}?offset=0")
    for offset in range(1, 200):
        client.get(f"{ITEMS}?offset=0")  # used again and again: never the oldest
        client.get(f"{ITEMS}?offset={offset}")
    assert kept(fastpath, ITEMS, "offset=0")
    assert not kept(fastpath, ITEMS, "offset=1")


def test_no_entry_is_built_for_an_answer_that_cannot_fit(app):
    fastpath = with_cache_of(app, 3_000)  # a page is larger than half of this
    client = app.test_client()
    response = client.get("/embed?lang=en", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert b"<html" in response.data and "Content-Encoding" not in response.headers
    assert "X-Mapapp-Ready" not in response.headers
    assert len(fastpath.entries) == 0


def test_accept_language_strings_of_one_language_share_an_entry(app):
    client = app.test_client()
    answers = [client.get("/embed", headers={"Accept-Language": value})
               for value in ("ru", "ru-RU,ru;q=0.9,en;q=0.5", "ru-KZ", "xx, ru;q=0.1")]
    assert {a.headers["Content-Language"] for a in answers} == {"ru"}
    assert len({a.headers["ETag"] for a in answers}) == 1
    english = client.get("/embed", headers={"Accept-Language": "fr, en-GB"})
    assert english.headers["Content-Language"] == "en"
    assert len(app.wsgi_app.entries) == 2


def test_the_host_keys_only_answers_whose_links_use_it(app):
    client = app.test_client()
    asset = next(path for path in app.extensions["mapapp"].assets.by_path)
    for host in ("a.example", "b.example", "c.example"):
        client.get(f"/{asset}", base_url=f"http://{host}")
        answer = client.get("/api/collections", base_url=f"http://{host}")
        assert f"http://{host}/api".encode() in answer.data
    entries = list(app.wsgi_app.entries)
    assert sum(1 for key in entries if key[2] == f"/{asset}") == 1
    assert sum(1 for key in entries if key[2] == "/api/collections") == 3


def test_with_a_public_url_the_host_keys_nothing():
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA),
                      "MAPAPP_PUBLIC_URL": "https://map.example.org"})
    client = app.test_client()
    for host in ("a.example", "b.example"):
        answer = client.get("/api/collections", base_url=f"http://{host}")
        assert b"https://map.example.org/api" in answer.data
    assert len(app.wsgi_app.entries) == 1


@pytest.mark.parametrize(("query", "words"), [
    ("layers=energy,,routes", "layers= has an empty id"),
    ("layers=energy,", "layers= has an empty id"),
    ("layers=,", "layers= has an empty id"),
    ("layers=energy,energy", "layers= names 'energy' twice"),
    ("groups=energy,,", "groups= has an empty id"),
    ("status=planned,planned", "status= names 'planned' twice"),
])
@pytest.mark.parametrize("page", ["/", "/embed"])
def test_page_urls_with_empty_or_repeated_ids_are_refused(client, page, query, words):
    response = client.get(f"{page}?{query}")
    assert response.status_code == 400
    assert response.content_type == "text/html; charset=utf-8"
    assert words in html.unescape(response.get_data(as_text=True))


def test_page_url_refusal_is_translated(client):
    response = client.get("/embed?layers=energy,energy&lang=ru")
    assert response.status_code == 400
    assert "layers= называет 'energy' дважды" in html.unescape(response.get_data(as_text=True))


def test_an_empty_list_still_means_none(client):
    assert client.get("/embed?layers=&groups=&status=").status_code == 200


def test_http_1_1_without_host_is_refused_before_the_app(app):
    front = ReadyBytesApp(app)
    messages: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": "/api/collections",
             "raw_path": b"/api/collections", "query_string": b"", "root_path": "",
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8000), "headers": []}
    client = AsgiClient(front)  # its own loop: the browser tests may run one in this thread
    try:
        client.run(front(scope, receive, send))
    finally:
        client.close()
    assert messages[0]["status"] == 400
    assert b"needs a Host header" in messages[1]["body"]
    assert len(app.wsgi_app.entries) == 0


def held_request(front: ReadyBytesApp, path: str, language: str,
                 release: asyncio.Event):
    """A request from a client that reads nothing of its answer until `release`."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
             "server": ("localhost", 80),
             "headers": [(b"host", b"localhost"), (b"accept-language", language.encode())]}

    async def receive():
        await release.wait()
        return {"type": "http.disconnect"}

    async def send(message):
        await release.wait()

    return front(scope, receive, send)


async def timed(client: AsgiClient, path: str, language: str) -> tuple[int, float]:
    started = time.monotonic()
    response = await client.request(path, headers={"Accept-Language": language})
    return response.status_code, time.monotonic() - started


@pytest.mark.parametrize("path", ["/embed", "/healthz"])
def test_a_first_request_held_by_a_slow_client_delays_others_only_briefly(app, path):
    """A client that never reads its answer holds the first request for a URL. Another
    language never waits for it; the same language is answered from the kept entry, or
    (an answer never kept: /healthz) after waiting at most FIRST_RENDER_WAIT."""
    front = ReadyBytesApp(app)
    client = AsgiClient(front)
    release = asyncio.Event()

    async def scenario() -> tuple[list[tuple[int, float]], bool]:
        held = asyncio.ensure_future(held_request(front, path, "kk", release))
        await asyncio.sleep(0.5)
        found = [await timed(client, path, "ru"), await timed(client, path, "kk-KZ")]
        answered_while_held = not held.done()
        release.set()
        await asyncio.wait_for(held, 30)
        return found, answered_while_held

    try:
        [(other, _), (same, same_took)], answered_while_held = client.run(scenario())
    finally:
        client.close()
    assert (other, same) == (200, 200)
    assert answered_while_held  # neither waited for the held request to end
    if path == "/healthz":  # nothing kept to answer from: it waited for the first render
        assert same_took >= FIRST_RENDER_WAIT
