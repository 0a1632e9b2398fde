"""Pictures rendered once: a small cache bounded in bytes, one render per picture at a time.

A picture depends only on its URL, so the view answers it as ready bytes (the fast
path keeps the answer per URL, and the ASGI front makes concurrent first requests for
one URL wait for the first). This cache sits under that: it keys by the parsed request,
so URLs that spell one picture differently share a render, and it holds concurrent
first requests within any WSGI server to one render. Renders are CPU-bound and hold
the GIL most of the time, so at most `slots` run at once per process: more would only
slow each other and add a figure's memory each.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

MAX_BYTES = 32 * 1024 * 1024
RENDER_SLOTS = 1


class PictureCache:
    """Bytes by key, least recently used first out, at most `max_bytes` in all."""

    def __init__(self, render: Callable[[Hashable], bytes], max_bytes: int = MAX_BYTES,
                 slots: int = RENDER_SLOTS) -> None:
        self._render = render
        self.max_bytes = max_bytes
        self._kept: OrderedDict[Hashable, bytes] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Event] = {}
        self._slots = threading.Semaphore(slots)
        self.renders = 0  # how many pictures were drawn (the tests count them)

    def get(self, key: Hashable) -> bytes:
        """The picture of `key`, drawn now only if no one has drawn it or is drawing it."""
        while True:
            with self._lock:
                if key in self._kept:
                    self._kept.move_to_end(key)
                    return self._kept[key]
                flight = self._flights.get(key)
                if flight is None:
                    self._flights[key] = flight = threading.Event()
                    break
            flight.wait()  # another thread draws it; then look again
            with self._lock:
                if key in self._kept:
                    continue
            return self._draw_alone(key)  # too big to keep, or its render failed
        try:
            body = self._draw_alone(key)
            self._keep(key, body)
            return body
        finally:
            with self._lock:
                del self._flights[key]
            flight.set()

    def _draw_alone(self, key: Hashable) -> bytes:
        with self._slots:
            body = self._render(key)
        with self._lock:
            self.renders += 1
        return body

    def _keep(self, key: Hashable, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        with self._lock:
            self._kept[key] = body
            self._size += len(body)
            while self._size > self.max_bytes:
                _, dropped = self._kept.popitem(last=False)
                self._size -= len(dropped)

    @property
    def size(self) -> int:
        """Bytes kept now (never over `max_bytes`)."""
        return self._size

    def __len__(self) -> int:
        return len(self._kept)
