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
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import brotli
from cachetools import LRUCache
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from mapapp.i18n import negotiate

READY_HEADER = "X-Mapapp-Ready"  # its value: USES_HOST, or "1"
USES_HOST = "host"  # the answer's links name the request's Host
MAX_BYTES = 16 * 1024 * 1024  # answers kept per worker, all encodings and overheads counted
MAX_URLS = 8192  # URLs whose shape (Host, Vary) is remembered
# bytes counted for each encoding of an entry besides its body: its answers' header lists
# and objects (measured with tracemalloc: about 25 KiB for an entry of three encodings)
VARIANT_OVERHEAD = 8 * 1024
COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/javascript",
                "application/vnd.oai.openapi+json", "image/svg+xml")
MIN_COMPRESS = 256

StartResponse = Callable[..., Any]
UrlKey = tuple[str, str, str, str]  # scheme, host, path (WSGI's latin-1 form), query


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

    def size(self) -> int:
        """Bytes it holds, as the cache counts them."""
        return sum(VARIANT_OVERHEAD + len(v.ok.body) for v in self.variants.values())

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


@dataclass(frozen=True)
class Shape:
    """What a URL's answer depends on besides its URL: the Host (when its links use it)
    and the request headers its `Vary` names."""

    uses_host: bool
    vary: tuple[str, ...]


class FastPath:
    """Wraps a WSGI app (Flask's `wsgi_app`); keeps the answers of the data version
    `generation()` names, at most `max_bytes` of them, the least recently used evicted
    first, so no run of distinct URLs can fill it for good."""

    def __init__(self, app: Callable[..., Iterable[bytes]], generation: Callable[[], str],
                 max_bytes: int = MAX_BYTES) -> None:
        self.app = app
        self.generation = generation
        self.current = generation()
        self.max_bytes = max_bytes
        self.lock = threading.Lock()  # Flask's threads and the event loop share it
        self.shapes: LRUCache[tuple[str, str, str], Shape] = LRUCache(MAX_URLS)
        self.entries: LRUCache[tuple[Any, ...], Entry] = LRUCache(max_bytes,
                                                                  getsizeof=Entry.size)

    def find(self, url_key: UrlKey, header: Callable[[str], str]) -> Entry | None:
        """The entry kept for this URL and the request's values of the headers its
        response varies on (`header` gives a request header's value by lower-case name)."""
        with self.lock:
            if self.generation() != self.current:  # the data was reloaded: start afresh
                self.current = self.generation()
                self.shapes.clear()
                self.entries.clear()
            shape = self.shapes.get(_url(url_key))
            if shape is None:
                return None
            return self.entries.get(_entry_key(url_key, shape, header))

    def keep(self, url_key: UrlKey, shape: Shape, header: Callable[[str], str],
             headers: list[tuple[str, str]], body: bytes) -> Entry | None:
        """Build and keep the entry for this answer, unless it could never fit: the
        room is checked before any compression is spent on it."""
        if len(body) * 2 + 3 * VARIANT_OVERHEAD > self.max_bytes:
            return None
        entry = Entry.build(headers, body)
        with self.lock:
            self.shapes[_url(url_key)] = shape
            self.entries[_entry_key(url_key, shape, header)] = entry
        return entry

    def __call__(self, environ: dict[str, Any],
                 start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        url_key = (environ["wsgi.url_scheme"], host, environ.get("PATH_INFO", ""),
                   environ.get("QUERY_STRING", ""))
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
        marks = [v for k, v in headers if k == READY_HEADER]
        entry = None
        if marks and captured["status"].startswith("200"):
            vary = tuple(v.strip().lower() for k, value in headers if k.lower() == "vary"
                         for v in value.split(",") if v.strip())
            entry = self.keep(url_key, Shape(marks[0] == USES_HOST, vary),
                              lambda name: environ.get(_environ_name(name), ""), headers, body)
        if entry is None:
            headers = [(k, v) for k, v in headers if k != READY_HEADER]
            start_response(captured["status"], headers)
            return [b""] if environ["REQUEST_METHOD"] == "HEAD" else [body]
        return entry.respond(environ, start_response)


def _url(url_key: UrlKey) -> tuple[str, str, str]:
    scheme, _, path, query = url_key
    return scheme, path, query


def _entry_key(url_key: UrlKey, shape: Shape, header: Callable[[str], str]) -> tuple[Any, ...]:
    """The URL, the Host only when the answer's links use it, and each varying header
    as the answer reads it (Accept-Language as the language it resolves to), so that
    distinct header strings of one meaning share one entry."""
    scheme, host, path, query = url_key
    values = tuple(NORMALISE.get(name, _same)(header(name)) for name in shape.vary)
    return (scheme, host if shape.uses_host else None, path, query, *values)


def _same(value: str) -> str:
    return value


@functools.lru_cache(maxsize=1024)
def resolved_language(accept_language: str) -> str:
    """The page language an Accept-Language header resolves to (mapapp.i18n's rule)."""
    return negotiate(parse_accept_header(accept_language, LanguageAccept))


NORMALISE: dict[str, Callable[[str], str]] = {"accept-language": resolved_language}


def _environ_name(header: str) -> str:
    return "HTTP_" + header.strip().upper().replace("-", "_")
