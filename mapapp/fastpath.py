"""Ready bytes before the framework: a WSGI layer that answers repeat requests itself.

A view marks a response as ready bytes (`ready`) when it depends only on the URL,
the host and the request headers its `Vary` names. The first such request goes through
Flask; its answer (status 200, every header, the body) is kept with a strong ETag and
gzip and brotli variants prepared once. Later requests for the same URL are answered
from that entry without Flask's routing: the right encoding for `Accept-Encoding`,
`304` for a matching `If-None-Match`, no body for HEAD. Headers (security, CORS, cache)
are the view's own, so both paths answer alike. Everything else passes to Flask.
In production, `mapapp.asgi` looks up the same entries (`FastPath.find`) and answers
them from its event loop, before this WSGI layer.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import brotli

READY_HEADER = "X-Mapapp-Ready"
COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/javascript",
                "application/vnd.oai.openapi+json", "image/svg+xml")
MIN_COMPRESS = 256

StartResponse = Callable[..., Any]
UrlKey = tuple[str, str, str, str]  # scheme, Host, path (WSGI's latin-1 form), query


IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "public, max-age=60, must-revalidate"


def ready(response: Any, cache_control: str) -> Any:
    """Mark a response (Flask's) that depends only on its URL, host and `Vary` headers:
    the fast path keeps it as ready bytes, and caches may keep it for `cache_control`."""
    response.headers["Cache-Control"] = cache_control
    response.headers[READY_HEADER] = "1"
    return response


@dataclass(frozen=True)
class Answer:
    """A ready response as both the WSGI and the ASGI side send it."""

    status: int
    status_line: str
    headers: list[tuple[str, str]]
    raw_headers: list[tuple[bytes, bytes]]  # ASGI's: lower-case names, latin-1
    body: bytes


@dataclass(frozen=True)
class Variant:
    """One encoding of an entry, with its answers to GET, HEAD and a matching ETag."""

    etag: str
    ok: Answer
    head: Answer
    unchanged: Answer  # 304: no Content-Type or -Length, no body

    @classmethod
    def build(cls, headers: list[tuple[str, str]], body: bytes, etag: str,
              encoding: str | None) -> Variant:
        headers = [*headers, ("ETag", etag)]
        if encoding:
            headers.append(("Content-Encoding", encoding))
        not_modified = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.append(("Content-Length", str(len(body))))
        raw = _latin1(headers)
        return cls(etag, Answer(200, "200 OK", headers, raw, body),
                   Answer(200, "200 OK", headers, raw, b""),
                   Answer(304, "304 Not Modified", not_modified, _latin1(not_modified), b""))


@dataclass
class Entry:
    """One URL's answer, in every encoding, with its headers (less the varying ones)."""

    variants: dict[str, Variant] = field(default_factory=dict)

    @classmethod
    def build(cls, headers: list[tuple[str, str]], body: bytes) -> Entry:
        skip = {"content-length", "content-encoding", "etag", READY_HEADER.lower()}
        kept = [(k, v) for k, v in headers if k.lower() not in skip]
        vary = [v for k, v in kept if k.lower() == "vary"]
        kept = [(k, v) for k, v in kept if k.lower() != "vary"]
        kept.append(("Vary", ", ".join(["Accept-Encoding", *vary])))
        digest = hashlib.sha256(body).hexdigest()[:24]
        entry = cls()
        entry.variants["identity"] = Variant.build(kept, body, f'"{digest}"', None)
        content_type = next((v for k, v in kept if k.lower() == "content-type"), "")
        if content_type.startswith(COMPRESSIBLE) and len(body) >= MIN_COMPRESS:
            entry.variants["br"] = Variant.build(kept, brotli.compress(body, quality=11),
                                                 f'"{digest}-br"', "br")
            entry.variants["gzip"] = Variant.build(kept, gzip.compress(body, 9, mtime=0),
                                                   f'"{digest}-gz"', "gzip")
        return entry

    def answer(self, method: str, accept_encoding: str, if_none_match: str) -> Answer:
        """The encoding `Accept-Encoding` asks for; 304 for a matching `If-None-Match`,
        no body for HEAD."""
        variant = self.variants[choose_encoding(accept_encoding, tuple(self.variants))]
        if if_none_match and etag_matches(if_none_match, variant.etag):
            return variant.unchanged
        return variant.head if method == "HEAD" else variant.ok

    def respond(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        answer = self.answer(environ["REQUEST_METHOD"], environ.get("HTTP_ACCEPT_ENCODING", ""),
                             environ.get("HTTP_IF_NONE_MATCH", ""))
        start_response(answer.status_line, answer.headers)
        return [answer.body]


def _latin1(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]


@functools.lru_cache(maxsize=256)
def choose_encoding(accept: str, available: tuple[str, ...]) -> str:
    """The best of br, gzip, identity the client accepts (q > 0)."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        weights[name.strip().lower()] = q
    for encoding in ("br", "gzip"):
        if encoding in available and weights.get(encoding, weights.get("*", 0.0)) > 0:
            return encoding
    return "identity"


def etag_matches(header: str, etag: str) -> bool:
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]
    return "*" in tags or etag in tags


class FastPath:
    """Wraps a WSGI app (Flask's `wsgi_app`); keeps at most `max_entries` URLs, for
    the data version `generation()` names."""

    def __init__(self, app: Callable[..., Iterable[bytes]], generation: Callable[[], str],
                 max_entries: int = 1024) -> None:
        self.app = app
        self.generation = generation
        self.current = generation()
        self.max_entries = max_entries
        self.varies: dict[UrlKey, tuple[str, ...]] = {}
        self.entries: dict[tuple[Any, ...], Entry] = {}

    def find(self, url_key: UrlKey, header: Callable[[str], str]) -> Entry | None:
        """The entry kept for this URL and the request's values of the headers its
        response varies on (`header` gives a request header's value by lower-case name)."""
        if self.generation() != self.current:  # the data was reloaded: start afresh
            self.current = self.generation()
            self.varies, self.entries = {}, {}
        vary = self.varies.get(url_key)
        if vary is None:
            return None
        return self.entries.get((url_key, *(header(name) for name in vary)))

    def __call__(self, environ: dict[str, Any],
                 start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        url_key = (environ["wsgi.url_scheme"], environ.get("HTTP_HOST", ""),
                   environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""))
        entry = self.find(url_key, lambda name: environ.get(_environ_name(name), ""))
        if entry is not None:
            return entry.respond(environ, start_response)
        return self._through_app(environ, start_response, url_key)

    def _through_app(self, environ: dict[str, Any], start_response: StartResponse,
                     url_key: UrlKey) -> Iterable[bytes]:
        inner = dict(environ, REQUEST_METHOD="GET")
        inner.pop("HTTP_IF_NONE_MATCH", None)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured.update(status=status, headers=headers)

        chunks = self.app(inner, capture)
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        headers = captured["headers"]
        ready = any(k == READY_HEADER for k, _ in headers)
        if not (ready and captured["status"].startswith("200")):
            start_response(captured["status"], headers)
            return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        entry = Entry.build(headers, body)
        vary = tuple(v.strip().lower() for k, value in headers if k.lower() == "vary"
                     for v in value.split(",") if v.strip())
        if len(self.entries) < self.max_entries:
            self.varies[url_key] = vary
            self.entries[(url_key, *(environ.get(_environ_name(h), "") for h in vary))] = entry
        return entry.respond(environ, start_response)


def _environ_name(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")
