"""Ready bytes before the framework: a WSGI layer that answers repeat requests itself.

A view marks a response as ready bytes (`ready`) when it depends only on the URL,
the host and the request headers its `Vary` names. The first such request goes through
Flask; its answer (status 200, every header, the body) is kept with a strong ETag, and
later requests are answered from that entry without Flask's routing: the right encoding
for `Accept-Encoding`, `304` for a matching `If-None-Match`, no body for HEAD. Headers
(security, CORS, cache) are the view's own, so both paths answer alike. Everything else
passes to Flask.

What a new URL costs is bounded: its answer is compressed only in the encoding the
client asked for, at a fast level (FAST_LEVELS, measured in bench/compression.py). The
cache is a segmented LRU: an answer asked for once waits in a small probation segment
(PROBATION_SHARE of the bytes) and moves to the main one when it is asked again, so a
flood of one-off URLs (a client panning a map, or an attacker) only churns probation
and never evicts the answers others reuse.
An entry holds only the encodings asked for so far; one answered from the cache
UPGRADE_AFTER times is recompressed at the heavy levels (brotli 11, gzip 9) by one
background thread per process at the lowest CPU priority, so pages, data files and
assets that readers keep asking for get their smallest form without any request
waiting for it. Compressed variants carry weak ETags (their bytes depend on the level,
their content does not), so revalidation works across levels and workers.

Bodies compressed in advance (the map's data files, compressed once in the master before
the workers fork) are served in those bytes, found by the digest of the body. An answer
too large for the cache is rendered again for each request, but its compressed form is
kept (OVERSIZED_SHARE of the bytes), so it is not compressed again each time.

In production, `mapapp.asgi` looks up the same entries (`FastPath.find`) and answers
them from its event loop, before this WSGI layer.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cachetools import Cache, LRUCache
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from mapapp.i18n import negotiate
from mapapp.readyanswer import (
    READY_HEADER,
    STORED_HEADER,
    Entry,
    decompress,
)

USES_HOST = "host"  # the answer's links name the request's Host
MAX_BYTES = 16 * 1024 * 1024  # answers kept per worker, all encodings and overheads counted
MAX_URLS = 8192  # URLs whose shape (Host, Vary) is remembered
PROBATION_SHARE = 4  # 1/4 of the bytes hold answers asked for once
OVERSIZED_SHARE = 8  # 1/8 holds compressed forms of answers too large to keep whole
UPGRADE_AFTER = 3  # answers from an entry before it is queued for the heavy levels
UPGRADE_QUEUE = 64  # entries waiting for it; more are skipped (queued again when asked)
UPGRADE_SHARE = 0.25  # at most this share of one core: it sleeps 3× what it worked

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


def stored(response: Any, digest: str) -> Any:
    """Mark a ready response (Flask's, with no body) whose body is held only compressed,
    in the forms `precompressed` has under `digest`: the fast path answers br and gzip
    in those bytes and decompresses them for a client that takes neither."""
    response.headers[STORED_HEADER] = digest
    return response


@dataclass(frozen=True)
class Shape:
    """What a URL's answer depends on besides its URL: the Host (when its links use it)
    and the request headers its `Vary` names."""

    uses_host: bool
    vary: tuple[str, ...]


@functools.lru_cache(maxsize=64)
def shape_of(uses_host: bool, vary: tuple[str, ...]) -> Shape:
    """One object per shape, however many URLs have it."""
    return Shape(uses_host, vary)


NOT_READY = Shape(False, ("-",))  # a URL whose answer is not kept (an error, /healthz)


class Upgrader:
    """One background thread per process that recompresses hot entries at the heavy
    levels: at the lowest CPU priority, and resting three times as long as it worked,
    so it never takes a core from the requests. brotli and zlib release Python's lock
    while they compress, so the event loop keeps answering meanwhile."""

    def __init__(self) -> None:
        self.jobs: queue.Queue[tuple[FastPath, Entry]] = queue.Queue(UPGRADE_QUEUE)
        self.pid = 0
        self.starting = threading.Lock()

    def submit(self, fastpath: FastPath, entry: Entry) -> None:
        with self.starting:
            if self.pid != os.getpid():  # first use in this process (a worker forks)
                self.pid = os.getpid()
                self.jobs = queue.Queue(UPGRADE_QUEUE)
                threading.Thread(target=self._run, args=(self.jobs,), daemon=True,
                                 name="mapapp-upgrade").start()
        entry.queued = True
        try:
            self.jobs.put_nowait((fastpath, entry))
        except queue.Full:
            entry.queued = False  # asked again later, queued again

    def _run(self, jobs: queue.Queue[tuple[FastPath, Entry]]) -> None:
        with contextlib.suppress(AttributeError, OSError):  # Linux: a thread's own nice
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        while True:
            fastpath, entry = jobs.get()
            if not fastpath.holds(entry):  # replaced or evicted meanwhile
                continue
            started = time.monotonic()
            upgraded = entry
            for name in entry.variants:
                if name != "identity" and name not in entry.heavy:
                    upgraded = upgraded.with_variant(name, heavy=True)
            fastpath.replace(entry, upgraded)
            time.sleep((time.monotonic() - started) * (1 / UPGRADE_SHARE - 1))


UPGRADER = Upgrader()


class FastPath:
    """Wraps a WSGI app (Flask's `wsgi_app`); keeps the answers of the data version
    `generation()` names, at most `max_bytes` of them, the least recently used evicted
    first, so no run of distinct URLs can fill it for good. The lock guards only
    dictionary operations: no request waits on another's compression."""

    def __init__(self, app: Callable[..., Iterable[bytes]], generation: Callable[[], str],
                 max_bytes: int = MAX_BYTES, upgrader: Upgrader = UPGRADER,
                 precompressed: Callable[[], Mapping[str, Mapping[str, bytes]]] = dict) -> None:
        self.app = app
        self.upgrader = upgrader
        self.generation = generation
        self.precompressed = precompressed  # bodies compressed in advance, by body_digest
        self.current = generation()
        self.max_bytes = max_bytes
        self.lock = threading.Lock()  # Flask's threads and the event loop share it
        # by a digest of the URL: a flood of long URLs costs 16 bytes a key here
        self.shapes: LRUCache[bytes, Shape] = LRUCache(MAX_URLS)
        probation = max_bytes // PROBATION_SHARE
        self.probation: LRUCache[tuple[Any, ...], Entry] = LRUCache(probation,
                                                                    getsizeof=Entry.size)
        oversized = max_bytes // OVERSIZED_SHARE
        self.entries: LRUCache[tuple[Any, ...], Entry] = LRUCache(
            max_bytes - probation - oversized, getsizeof=Entry.size)
        # the compressed forms of answers too large to keep whole, by (digest, encoding):
        # such an answer is rendered again for each request, but not compressed again
        self.oversized: LRUCache[tuple[str, str], bytes] = LRUCache(oversized, getsizeof=len)

    def find(self, url_key: UrlKey, header: Callable[[str], str]) -> Entry | None:
        """The entry kept for this URL and the request's values of the headers its
        response varies on (`header` gives a request header's value by lower-case name)."""
        with self.lock:
            if self.generation() != self.current:  # the data was reloaded: start afresh
                self.current = self.generation()
                self.shapes.clear()
                self.probation.clear()
                self.entries.clear()
                self.oversized.clear()
            shape = self.shapes.get(_url(url_key))
            if shape is None or shape is NOT_READY:
                return None
            key = _entry_key(url_key, shape, header)
            entry = self.entries.get(key)
            if entry is None:
                entry = self.probation.pop(key, None)
                if entry is not None:  # asked for again: worth keeping
                    self.entries[key] = entry
            return entry

    def never_kept(self, url_key: UrlKey) -> bool:
        """Whether this URL's answer was seen and is not one that is kept."""
        with self.lock:
            return self.shapes.get(_url(url_key)) is NOT_READY

    def answered(self, entry: Entry) -> None:
        """An answer was given from `entry`: hot entries are queued for the heavy levels."""
        entry.hits += 1
        if entry.hits >= UPGRADE_AFTER and not entry.queued and entry.needs_upgrade():
            self.upgrader.submit(self, entry)

    def holds(self, entry: Entry) -> bool:
        """Whether `entry` is still the one kept for its key (its recency unchanged)."""
        with self.lock:
            return any(entry.key in segment and Cache.__getitem__(segment, entry.key) is entry
                       for segment in (self.entries, self.probation))

    def replace(self, old: Entry, new: Entry) -> None:
        """Put `new` in place of `old`, if `old` is still the entry kept for its key."""
        with self.lock:
            for segment in (self.entries, self.probation):
                if segment.get(old.key) is old:
                    if new.size() <= segment.maxsize:
                        segment[old.key] = new
                    return

    def keep(self, url_key: UrlKey, shape: Shape, header: Callable[[str], str],
             headers: list[tuple[str, str]], body: bytes, accept_encoding: str) -> Entry:
        """The entry for this answer, with the encoding the client asks for at the fast
        level (no more compression is spent on it than this one answer needs), kept in
        probation when it fits there."""
        key = _entry_key(url_key, shape, header)
        digest = next((v for k, v in headers if k == STORED_HEADER), None)
        if digest is not None:
            entry = Entry.build_stored(key, headers, digest, self.precompressed()[digest])
        else:
            entry = Entry.build(key, headers, body)
        encoding = entry.choose(accept_encoding)
        if encoding not in entry.variants:
            entry = self.with_variant(entry, encoding)
        with self.lock:
            self.shapes[_url(url_key)] = shape
            if entry.size() <= self.probation.maxsize:
                self.probation[key] = entry
            elif encoding != "identity" and entry.digest not in self.precompressed():
                compressed = entry.variants[encoding].ok.body
                if len(compressed) <= self.oversized.maxsize:
                    self.oversized[(entry.digest, encoding)] = compressed
        return entry

    def with_variant(self, entry: Entry, encoding: str) -> Entry:
        """`entry` with `encoding` built: bytes compressed in advance (the data files,
        compressed once before the workers fork) or before (an answer too large to
        keep), else compressed now at the fast levels; a stored body's identity is
        decompressed from its gzip form."""
        if entry.is_stored and encoding == "identity":
            return entry.with_variant(encoding, ready=decompress(
                self.precompressed()[entry.digest]))
        ready = self.precompressed().get(entry.digest, {}).get(encoding)
        if ready is None:
            with self.lock:
                ready = self.oversized.get((entry.digest, encoding))
        return entry.with_variant(encoding, ready=ready)

    def __call__(self, environ: dict[str, Any],
                 start_response: StartResponse) -> Iterable[bytes]:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        host = environ.get("HTTP_HOST") or f"{environ['SERVER_NAME']}:{environ['SERVER_PORT']}"
        url_key = (environ["wsgi.url_scheme"], host, environ.get("PATH_INFO", ""),
                   environ.get("QUERY_STRING", ""))

        def header(name: str) -> str:
            return environ.get(_environ_name(name), "")

        entry = self.find(url_key, header)
        if entry is None:
            if self.never_kept(url_key):  # as the app answers it: streamed, conditional
                return self.app(environ, start_response)
            return self._through_app(environ, start_response, url_key, header)
        encoding = entry.choose(header("accept-encoding"))
        if encoding not in entry.variants:  # asked for the first time: built now, cheaply
            built = self.with_variant(entry, encoding)
            self.replace(entry, built)
            entry = built
        self.answered(entry)
        return respond(entry, environ, start_response)

    def _through_app(self, environ: dict[str, Any], start_response: StartResponse,
                     url_key: UrlKey, header: Callable[[str], str]) -> Iterable[bytes]:
        inner = dict(environ, REQUEST_METHOD="GET")
        inner.pop("HTTP_IF_NONE_MATCH", None)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured.update(status=status, headers=headers)

        chunks = self.app(inner, capture)
        headers = captured["headers"]
        marks = [v for k, v in headers if k == READY_HEADER]
        if not marks or not captured["status"].startswith("200"):
            with self.lock:
                self.shapes[_url(url_key)] = NOT_READY
            headers = [(k, v) for k, v in headers if k != READY_HEADER]
            start_response(captured["status"], headers)
            if environ["REQUEST_METHOD"] != "HEAD":
                return chunks  # streamed as the app gives it (a download from its file)
            getattr(chunks, "close", lambda: None)()
            return [b""]
        try:
            body = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        vary = tuple(v.strip().lower() for k, value in headers if k.lower() == "vary"
                     for v in value.split(",") if v.strip())
        entry = self.keep(url_key, shape_of(marks[0] == USES_HOST, vary), header, headers,
                          body, header("accept-encoding"))
        return respond(entry, environ, start_response)


def respond(entry: Entry, environ: dict[str, Any],
            start_response: StartResponse) -> Iterable[bytes]:
    answer = entry.answer(environ["REQUEST_METHOD"], environ.get("HTTP_ACCEPT_ENCODING", ""),
                          environ.get("HTTP_IF_NONE_MATCH", ""))
    assert answer is not None  # the encoding asked for was built before
    start_response(answer.status_line, answer.headers)
    return [answer.body]


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b("\n".join(parts).encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()


def _url(url_key: UrlKey) -> bytes:
    scheme, _, path, query = url_key
    return _digest(scheme, path, query)


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
