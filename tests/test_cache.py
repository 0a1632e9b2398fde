"""The ready-bytes cache cannot be filled for good: bounded in bytes with the least
recently used answers evicted first, one-off URLs kept apart (in probation) from the
answers asked for again, new answers compressed only as asked and cheaply, keyed by
what an answer depends on, page URLs with one form per state, and a bounded wait on
another request's first render."""

from __future__ import annotations

import asyncio
import gzip
import html
import time

import brotli
import pytest

from mapapp import create_app
from mapapp.asgi import FIRST_RENDER_WAIT, ReadyBytesApp
from mapapp.fastpath import UPGRADE_AFTER, FastPath, Upgrader
from mapapp.readyanswer import FAST_LEVELS, HEAVY_LEVELS
from tests.asgi_client import AsgiClient
from tests.conftest import FIXTURE_DATA

ITEMS = "/api/collections/energy/items"


def with_cache_of(app, max_bytes: int) -> FastPath:
    """The app's fast path replaced by one of `max_bytes`."""
    inner = app.wsgi_app
    app.wsgi_app = FastPath(inner.app, inner.generation, max_bytes=max_bytes)
    return app.wsgi_app


def keys(fastpath: FastPath) -> list[tuple]:
    """The keys of every answer kept, in probation or in the main segment."""
    return [*fastpath.entries, *fastpath.probation]


def kept(fastpath: FastPath, path: str, query: str = "", host: str = "localhost",
         **headers: str) -> bool:
    found = fastpath.find(("http", host, path, query), lambda name: headers.get(name, ""))
    return found is not None


def test_many_distinct_urls_never_grow_it_past_its_bytes(app):
    fastpath = with_cache_of(app, 200_000)
    client = app.test_client()
    for offset in range(300):
        for _ in range(2):  # asked again: each moves from probation to the main segment
            assert client.get(f"{ITEMS}?offset={offset}").status_code == 200
    assert 0 < fastpath.entries.currsize + fastpath.probation.currsize <= 200_000
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


def test_an_answer_that_cannot_fit_is_not_kept(app):
    fastpath = with_cache_of(app, 3_000)  # a page is larger than this
    client = app.test_client()
    for _ in range(2):
        response = client.get("/embed?lang=en", headers={"Accept-Encoding": "br"})
        assert response.status_code == 200
        assert b"<html" in brotli.decompress(response.data)
        assert "X-Mapapp-Ready" not in response.headers
    assert keys(fastpath) == []


def test_a_flood_of_one_off_urls_never_evicts_an_answer_asked_again(app):
    fastpath = with_cache_of(app, 400_000)
    client = app.test_client()
    for _ in range(2):
        client.get("/embed?lang=ru", headers={"Accept-Encoding": "br"})
    for offset in range(300):  # each asked once, as a client panning a map asks
        assert client.get(f"{ITEMS}?offset={offset}").status_code == 200
    assert ("http", "localhost", "/embed", "lang=ru") in fastpath.entries
    assert all(key[2] == ITEMS for key in fastpath.probation)
    assert fastpath.probation.currsize <= fastpath.probation.maxsize < 400_000 / 2


def test_a_new_url_is_compressed_only_as_asked_and_at_the_fast_level(app):
    client = app.test_client()
    plain = client.get(f"{ITEMS}?limit=3").data
    answer = client.get(f"{ITEMS}?limit=2", headers={"Accept-Encoding": "br"})
    expected = client.get(f"{ITEMS}?limit=2").data
    assert answer.data == brotli.compress(expected, quality=FAST_LEVELS["br"])
    entry = app.wsgi_app.find(("http", "localhost", ITEMS, "limit=2"), lambda name: "")
    assert set(entry.variants) == {"identity", "br"}  # no gzip nobody asked for
    gzipped = client.get(f"{ITEMS}?limit=3", headers={"Accept-Encoding": "gzip"})
    assert gzipped.data == gzip.compress(plain, FAST_LEVELS["gzip"], mtime=0)


def test_an_answer_asked_for_again_and_again_gets_the_heavy_levels(app):
    inner = app.wsgi_app  # with an upgrader of its own: no other test's jobs before its
    app.wsgi_app = FastPath(inner.app, inner.generation, upgrader=Upgrader())
    client = app.test_client()
    first = client.get(ITEMS, headers={"Accept-Encoding": "br"})
    for _ in range(UPGRADE_AFTER + 1):
        client.get(ITEMS, headers={"Accept-Encoding": "br"})
    plain = client.get(ITEMS).data
    heavy = brotli.compress(plain, quality=HEAVY_LEVELS["br"])
    assert first.data != heavy
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the background thread recompresses it
        later = client.get(ITEMS, headers={"Accept-Encoding": "br"})
        if later.data == heavy:
            break
        time.sleep(0.1)
    assert later.data == heavy
    # one weak ETag whatever the level: a client holding the fast form revalidates
    assert later.headers["ETag"] == first.headers["ETag"]
    assert first.headers["ETag"].startswith('W/"')
    again = client.get(ITEMS, headers={"Accept-Encoding": "br",
                                       "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_accept_language_strings_of_one_language_share_an_entry(app):
    client = app.test_client()
    answers = [client.get("/embed", headers={"Accept-Language": value})
               for value in ("ru", "ru-RU,ru;q=0.9,en;q=0.5", "ru-KZ", "xx, ru;q=0.1")]
    assert {a.headers["Content-Language"] for a in answers} == {"ru"}
    assert len({a.headers["ETag"] for a in answers}) == 1
    english = client.get("/embed", headers={"Accept-Language": "fr, en-GB"})
    assert english.headers["Content-Language"] == "en"
    assert len(keys(app.wsgi_app)) == 2


def test_the_host_keys_only_answers_whose_links_use_it(app):
    client = app.test_client()
    asset = next(path for path in app.extensions["mapapp"].assets.by_path)
    for host in ("a.example", "b.example", "c.example"):
        client.get(f"/{asset}", base_url=f"http://{host}")
        answer = client.get("/api/collections", base_url=f"http://{host}")
        assert f"http://{host}/api".encode() in answer.data
    entries = keys(app.wsgi_app)
    assert sum(1 for key in entries if key[2] == f"/{asset}") == 1
    assert sum(1 for key in entries if key[2] == "/api/collections") == 3


def test_with_a_public_url_the_host_keys_nothing():
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA),
                      "MAPAPP_PUBLIC_URL": "https://map.example.org"})
    client = app.test_client()
    for host in ("a.example", "b.example"):
        answer = client.get("/api/collections", base_url=f"http://{host}")
        assert b"https://map.example.org/api" in answer.data
    assert len(keys(app.wsgi_app)) == 1


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
    assert keys(app.wsgi_app) == []


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
    """A client that never reads its answer holds the first request for a URL. No other
    request waits for it: another language is rendered apart, and the same language
    waits only until the held answer has started (the entry is kept by then, or the
    answer is one never kept: /healthz)."""
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
    assert same_took < FIRST_RENDER_WAIT  # nor for the held client to read its answer
