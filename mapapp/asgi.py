"""What gunicorn serves in production: an ASGI app that answers ready bytes in the
event loop and hands every other request to Flask in a thread pool.

A ready-bytes answer is a dictionary lookup and two writes, so the server's own cost
per request decides the throughput; uvicorn's worker (an event loop and a C HTTP
parser) costs a fraction of a threaded WSGI worker's. The entries are the ones the
Flask app's fast path (`mapapp.fastpath`) keeps: the first request for a URL goes
through Flask, which fills the entry, and later ones are answered here alike (same
headers, ETag, 304, encodings; an encoding not built yet is built in Flask's pool,
never in the event loop). While that first request is in Flask, others for the same URL
wait for it rather than each rendering the same bytes (a cold start under a spike), but
only until its answer starts: a client that reads it slowly holds no one else.
Pictures of the map (`/image.*`) are drawn in a pool of their own, so a burst of new
pictures waits there while Flask's pool keeps answering the rest. `create_app()` stays
a plain WSGI app for any other WSGI server, with the same fast path inside it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from a2wsgi import WSGIMiddleware
from flask import Flask

from mapapp.errors import error_body
from mapapp.fastpath import FastPath, UrlKey, resolved_language
from mapapp.security import SecurityHeaders

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# The limits gunicorn's own parser applies (its defaults), which the C parser does not.
MAX_TARGET_BYTES = 4094
MAX_HEADER_BYTES = 8190
MAX_HEADERS = 100
FLASK_THREADS = 8
PICTURE_PATHS = ("/image.",)  # drawn for seconds: kept out of Flask's pool
PICTURE_THREADS = 2
FIRST_RENDER_WAIT = 1.0  # seconds a request waits for another's first render of its URL


class ReadyBytesApp:
    """The ASGI app: ready bytes from the Flask app's fast path, the rest to Flask."""

    def __init__(self, flask_app: Flask, threads: int = FLASK_THREADS) -> None:
        self.flask = flask_app
        self.fastpath: FastPath = flask_app.wsgi_app  # type: ignore[assignment]
        self.security: SecurityHeaders = flask_app.extensions["mapapp.security"]
        self.to_flask = WSGIMiddleware(flask_app, workers=threads)  # type: ignore[arg-type]
        self.to_painter = WSGIMiddleware(flask_app,  # type: ignore[arg-type]
                                         workers=PICTURE_THREADS)
        self.in_flight: dict[tuple[UrlKey, str], asyncio.Event] = {}  # first renders

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.to_flask(scope, receive, send)  # lifespan and websocket
            return
        problem = request_problem(scope)
        if problem is not None:
            await self._refuse(scope, send, *problem)
            return
        if scope["method"] not in ("GET", "HEAD"):
            await self.to_flask(scope, receive, send)
            return
        headers = request_headers(scope)
        key = url_key(scope, headers)
        if await self._answer_ready(scope, send, key, headers):
            return
        # one render per URL and language at a time; others wait for it, but only briefly:
        # until its answer starts (its client may read it slowly), at most FIRST_RENDER_WAIT
        flight_key = (key, resolved_language(headers.get("accept-language", "")))
        first = self.in_flight.get(flight_key)
        if first is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(first.wait(), FIRST_RENDER_WAIT)
            if await self._answer_ready(scope, send, key, headers):
                return
        flask = self.to_painter if scope["path"].startswith(PICTURE_PATHS) else self.to_flask
        if first is not None or self.fastpath.never_kept(key):
            await flask(scope, receive, send)
            return
        self.in_flight[flight_key] = flight = asyncio.Event()

        def landed() -> None:
            if self.in_flight.get(flight_key) is flight:
                del self.in_flight[flight_key]
            flight.set()

        async def send_and_release(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                landed()  # the answer is kept (or not) by now; its client may read slowly
            await send(message)

        try:
            await flask(scope, receive, send_and_release)
        finally:
            landed()

    async def _answer_ready(self, scope: Scope, send: Send, key: UrlKey,
                            headers: dict[str, str]) -> bool:
        """Answer from the fast path's entry for this request, if it has one in the
        encoding asked for (another encoding is built in Flask's pool, not here)."""
        entry = self.fastpath.find(key, lambda name: headers.get(name, ""))
        if entry is None:
            return False
        answer = entry.answer(scope["method"], headers.get("accept-encoding", ""),
                              headers.get("if-none-match", ""))
        if answer is None:
            return False
        self.fastpath.answered(entry)
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": answer.raw_headers})
        await send({"type": "http.response.body", "body": answer.body})
        return True

    async def _refuse(self, scope: Scope, send: Send, status: int, description: str) -> None:
        """A request refused before Flask: the JSON error body and headers Flask's
        handlers give, so a client sees one error form."""
        body = error_body(status, description)
        headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                   ("Connection", "close"), *self.security.for_path(scope["path"])]
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers]})
        await send({"type": "http.response.body", "body": body})


def request_headers(scope: Scope) -> dict[str, str]:
    """The request headers by lower-case name; repeated ones joined with "," as WSGI
    servers (and a2wsgi, which builds Flask's environ) join them."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def url_key(scope: Scope, headers: dict[str, str]) -> UrlKey:
    """The fast path's key for this request, equal to the one it computes from the WSGI
    environ a2wsgi builds for the same request (PATH_INFO is UTF-8 read as latin-1)."""
    host = headers.get("host") or "{}:{}".format(*scope.get("server") or ("", ""))
    return (scope.get("scheme", "http"), host,
            scope["path"].encode("utf-8").decode("latin-1"),
            scope["query_string"].decode("ascii"))


def request_problem(scope: Scope) -> tuple[int, str] | None:
    """Why a request is refused before any app code reads it, or None."""
    target = len(scope.get("raw_path") or scope["path"].encode()) + len(scope["query_string"])
    if target > MAX_TARGET_BYTES:
        return 414, f"the request target is {target} bytes long; at most {MAX_TARGET_BYTES}"
    if not scope["query_string"].isascii():
        return 400, "the query string has bytes outside ASCII; percent-encode them"
    if scope.get("http_version") == "1.1" and not any(
            name.lower() == b"host" for name, _ in scope["headers"]):
        return 400, "an HTTP/1.1 request needs a Host header (RFC 9112, section 3.2)"
    if len(scope["headers"]) > MAX_HEADERS:
        return 431, f"{len(scope['headers'])} request headers; at most {MAX_HEADERS}"
    for name, value in scope["headers"]:
        if len(name) + len(value) + 2 > MAX_HEADER_BYTES:
            return 431, (f"request header {name.decode('latin-1')[:64]!r} is "
                         f"{len(name) + len(value) + 2} bytes long; at most {MAX_HEADER_BYTES}")
    return None


def create_asgi_app(config: dict[str, Any] | None = None) -> ReadyBytesApp:
    """The production app (the Procfile's): `create_app(config)` behind the ASGI front."""
    from mapapp import create_app

    return ReadyBytesApp(create_app(config))
