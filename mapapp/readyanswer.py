"""One answer kept as ready bytes: its body, its headers and its encodings.

An entry (`Entry`) holds a URL's answer once per encoding asked for (br, gzip, identity),
each with its answers to GET, HEAD and a matching `If-None-Match` built in advance, so
serving it is a lookup. mapapp/fastpath.py decides which answers are kept and finds
them; this module is what one of them is.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import brotli

READY_HEADER = "X-Mapapp-Ready"  # its value: USES_HOST, or "1"
STORED_HEADER = "X-Mapapp-Stored"  # its value: the digest of a body held compressed
# bytes counted for each encoding of an entry besides its body: its answers' header lists
# and objects (measured with tracemalloc: about 25 KiB for an entry of three encodings)
VARIANT_OVERHEAD = 8 * 1024
COMPRESSIBLE = ("text/", "application/json", "application/geo+json", "application/javascript",
                "application/vnd.oai.openapi+json", "image/svg+xml")
MIN_COMPRESS = 256
ENCODINGS = ("br", "gzip")  # in the order of preference
# The levels for an answer compressed on demand, and the heavy ones for an entry that is
# asked again and again (bench/compression.py measures both on the app's real bodies).
FAST_LEVELS = {"br": 5, "gzip": 5}
HEAVY_LEVELS = {"br": 11, "gzip": 9}


def body_digest(body: bytes) -> str:
    """What names a body (its strong ETag, and the key of its precompressed forms)."""
    return digest_of(hashlib.sha256(body).hexdigest())


def digest_of(sha256: str) -> str:
    """`body_digest` of a body whose SHA-256 (hex) is known."""
    return sha256[:24]


def decompress(encoded: Mapping[str, bytes]) -> bytes:
    """The body of a stored answer, from its gzip form (`compress`'s)."""
    return gzip.decompress(encoded["gzip"])


def compress(body: bytes, encoding: str, levels: dict[str, int]) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=levels["br"])
    return gzip.compress(body, levels["gzip"], mtime=0)


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
    """One URL's answer: its body and headers (less the varying ones), and the encodings
    built so far. Entries are replaced, never changed, when an encoding is added or
    upgraded (a reader holding one sees it whole); `hits` and `queued` are only hints."""

    key: tuple[Any, ...]
    headers: list[tuple[str, str]]
    body: bytes
    digest: str
    encodings: tuple[str, ...]  # what it can answer in: ENCODINGS and identity, or identity
    variants: dict[str, Variant] = field(default_factory=dict)
    heavy: frozenset[str] = frozenset()  # encodings built at the heavy levels
    # encodings whose bytes the app's state holds anyway (a stored body's), not counted
    shared: frozenset[str] = frozenset()
    hits: int = 0
    queued: bool = False

    def size(self) -> int:
        """Bytes it holds, as the cache counts them."""
        return sum(VARIANT_OVERHEAD + (0 if name in self.shared else len(v.ok.body))
                   for name, v in self.variants.items())

    @property
    def is_stored(self) -> bool:
        """Whether its body is held only compressed (its identity built on demand)."""
        return bool(self.shared)

    @classmethod
    def build(cls, key: tuple[Any, ...], headers: list[tuple[str, str]], body: bytes) -> Entry:
        """The entry with its identity variant only."""
        kept = _kept_headers(headers)
        digest = body_digest(body)
        content_type = next((v for k, v in kept if k.lower() == "content-type"), "")
        compressible = content_type.startswith(COMPRESSIBLE) and len(body) >= MIN_COMPRESS
        entry = cls(key, kept, body, digest, (*ENCODINGS, "identity") if compressible
                    else ("identity",))
        entry.variants["identity"] = Variant.build(kept, body, f'"{digest}"', None)
        return entry

    @classmethod
    def build_stored(cls, key: tuple[Any, ...], headers: list[tuple[str, str]], digest: str,
                     encoded: Mapping[str, bytes]) -> Entry:
        """The entry of a body held only compressed: its encodings in the bytes held
        (shared with the state, so not counted), identity built when a client asks."""
        entry = cls(key, _kept_headers(headers), b"", digest, (*ENCODINGS, "identity"))
        for encoding in ENCODINGS:
            entry = entry.with_variant(encoding, ready=encoded[encoding])
        return dataclasses.replace(entry, shared=frozenset(ENCODINGS))

    def choose(self, accept_encoding: str) -> str:
        return choose_encoding(accept_encoding, self.encodings)

    def with_variant(self, encoding: str, heavy: bool = False,
                     ready: bytes | None = None) -> Entry:
        """A copy with `encoding` built (at the fast levels, or the heavy ones), or with
        the `ready` bytes of that encoding, compressed before (never upgraded)."""
        if encoding == "identity":  # a stored body's, decompressed (`ready`)
            assert ready is not None
            variant = Variant.build(self.headers, ready, f'"{self.digest}"', None)
            return dataclasses.replace(self, variants={**self.variants, encoding: variant})
        if ready is not None:
            body, heavy = ready, True
        else:
            body = compress(self.body, encoding, HEAVY_LEVELS if heavy else FAST_LEVELS)
        tag = "gz" if encoding == "gzip" else encoding
        variant = Variant.build(self.headers, body, f'W/"{self.digest}-{tag}"', encoding)
        done = self.heavy | {encoding} if heavy else self.heavy - {encoding}
        return dataclasses.replace(self, variants={**self.variants, encoding: variant},
                                   heavy=done, queued=False)

    def needs_upgrade(self) -> bool:
        return any(name != "identity" and name not in self.heavy for name in self.variants)

    def answer(self, method: str, accept_encoding: str, if_none_match: str) -> Answer | None:
        """The encoding `Accept-Encoding` asks for; 304 for a matching `If-None-Match`,
        no body for HEAD; None while that encoding is not built."""
        variant = self.variants.get(self.choose(accept_encoding))
        if variant is None:
            return None
        if if_none_match and etag_matches(if_none_match, variant.etag):
            return variant.unchanged
        return variant.head if method == "HEAD" else variant.ok


def _kept_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A response's headers as an entry keeps them: less those of one encoding and the
    app's marks, with `Vary` naming Accept-Encoding first."""
    skip = {"content-length", "content-encoding", "etag", READY_HEADER.lower(),
            STORED_HEADER.lower()}
    kept = [(k, v) for k, v in headers if k.lower() not in skip]
    vary = [v for k, v in kept if k.lower() == "vary"]
    kept = [(k, v) for k, v in kept if k.lower() != "vary"]
    kept.append(("Vary", ", ".join(["Accept-Encoding", *vary])))
    return kept


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
    for encoding in ENCODINGS:
        if encoding in available and weights.get(encoding, weights.get("*", 0.0)) > 0:
            return encoding
    return "identity"


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match's weak comparison (RFC 9110, 13.1.2)."""
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]
    return "*" in tags or etag.removeprefix("W/") in tags
