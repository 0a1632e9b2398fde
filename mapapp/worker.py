"""The gunicorn worker: uvicorn's (event loop, C HTTP parser), with bounds a client
cannot get around, JSON for requests that are not HTTP, and a drain that keeps the
requests already on their way when the worker stops.

uvicorn's C parser has no bound on a request head and no time limit for reading one.
Here, per request, even when requests are pipelined on one connection:

- a head over MAX_HEAD_BYTES is refused with 431 as it arrives (the parser is fed in
  slices of FEED_BYTES and the bytes of the head now being read are counted after each,
  so it is never held whole in memory); the app refuses smaller ones over gunicorn's
  own limits (mapapp.asgi);
- a head not complete HEAD_TIMEOUT_SECONDS after its first byte (or after the
  connection opened) is answered 408 and closed: silent or trickling clients cannot
  pile up;
- a worker holds at most gunicorn's `worker_connections` connections; one more closes
  the oldest connection that has no request being answered (silent, slow or idle), or,
  when every one is busy, is answered 503.

When a worker stops (a `kill -HUP` data reload replaces every worker; SIGTERM stops
them), it keeps accepting for HANDOVER_SECONDS first: at a reload gunicorn stops the
old workers as soon as it has forked the new ones, and a new worker takes a moment to
start its event loop; without the handover no worker accepts meanwhile and new
connections wait in the listen queue. Then uvicorn closes each connection that has
no request in progress. A client may have sent a request on it meanwhile (a fresh
connection, or a kept-alive one between requests), and closing then resets that
request. Here such a connection gets a moment
for its request to arrive and be answered (with `Connection: close`); one that stays
idle is closed cleanly: our end first (FIN), then the socket once the client has
closed or after a linger, so no client sees a reset.

This subclasses uvicorn's HttpToolsProtocol, whose internals are not a public API:
pyproject.toml pins uvicorn and httptools to the versions these tests pass with.
"""

from __future__ import annotations

import asyncio
import ctypes
import socket
import sys
import threading
import time
from typing import Any, ClassVar

from gunicorn.arbiter import Arbiter
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker

from mapapp.errors import error_body

# How long a stopping worker keeps accepting, for the new workers of a reload to start.
HANDOVER_SECONDS = 1.0
# glibc keeps freed memory; it is given back this often, if the worker worked meanwhile
TRIM_INTERVAL_SECONDS = 5.0
TRIM_AFTER_CPU_SECONDS = 0.5
# How long an idle connection may take to send its request once the worker stops;
# well under gunicorn's graceful_timeout.
FIRST_REQUEST_GRACE_SECONDS = 2.0
MAX_HEAD_BYTES = 64 * 1024
FEED_BYTES = 8 * 1024  # the parser is fed this much at a time: the head count's resolution
HEAD_TIMEOUT_SECONDS = 10.0
# After refusing a request or closing an idle one, how long to read and drop what the
# client still sends, so that closing does not reset the connection before the client
# has read the answer (or seen our end close).
LINGER_SECONDS = 2.0
RETRY_AFTER_SECONDS = 1  # told to a client refused at the connection cap
# Per event loop (one per worker): the connections with no request being answered, in
# the order they became so (a dict keeps insertion order).
IDLE: dict[asyncio.AbstractEventLoop, dict[HttpToolsProtocol, None]] = {}
STRICT_HEADERS = (b"x-content-type-options: nosniff\r\n"
                  b"content-security-policy: default-src 'none'; frame-ancestors 'none'\r\n")


class DrainingHttpToolsProtocol(HttpToolsProtocol):
    draining = False
    refused = False
    in_head = True  # the next bytes are (part of) a request head
    head_bytes = 0  # bytes received of the request head being read (to FEED_BYTES)
    head_timer: asyncio.TimerHandle | None = None
    pending_error: tuple[int, bytes, str] | None = None  # sent after the pipelined answers
    max_connections = 1000  # the worker sets gunicorn's worker_connections

    def connection_made(self, transport: asyncio.BaseTransport) -> None:  # type: ignore[override]
        super().connection_made(transport)  # type: ignore[arg-type]
        limit = self.max_connections
        if len(self.connections) > limit and not self._evict_idle():
            self.send_error(503, b"Service Unavailable",
                            f"this worker holds {limit} connections; try again shortly",
                            b"retry-after: %d\r\n" % RETRY_AFTER_SECONDS)
            return
        self._arm_head_timer()
        self._set_idle(True)

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        self._set_idle(False)
        super().connection_lost(exc)

    def _set_idle(self, idle: bool) -> None:
        """Connections with no request being answered, oldest first: at the cap, the
        oldest of them makes room for a new one, so silent clients cannot shut out
        those that send their request."""
        waiting = IDLE.setdefault(self.loop, {})
        waiting.pop(self, None)
        if idle:
            waiting[self] = None

    def _evict_idle(self) -> bool:
        waiting = IDLE.get(self.loop, {})
        oldest = next((other for other in waiting if other is not self), None)
        if oldest is None:
            return False
        oldest._set_idle(False)
        oldest.refused = True
        oldest._cancel_head_timer()
        oldest.transport.close()
        return True

    def data_received(self, data: bytes) -> None:
        for start in range(0, len(data), FEED_BYTES):
            if self.refused or self.transport.is_closing():
                return
            piece = data[start:start + FEED_BYTES]
            super().data_received(piece)
            if self.in_head and not self.refused:
                self.head_bytes += len(piece)
                if self.head_bytes > MAX_HEAD_BYTES:
                    self.refuse(431, b"Request Header Fields Too Large",
                                f"the request head is over {MAX_HEAD_BYTES} bytes")
                    return

    def on_message_begin(self) -> None:
        self.in_head, self.head_bytes = True, 0
        self._arm_head_timer()
        super().on_message_begin()

    def on_headers_complete(self) -> None:
        self.in_head, self.head_bytes = False, 0
        self._cancel_head_timer()
        self._set_idle(False)
        super().on_headers_complete()
        if self.draining and self.cycle is not None:
            self.cycle.keep_alive = False

    def on_message_complete(self) -> None:
        self.in_head = True  # what follows is the next request's head
        super().on_message_complete()

    def send_400_response(self, msg: str) -> None:
        self.send_error(400, b"Bad Request", "the request is not valid HTTP/1.1")

    def refuse(self, status: int, reason: bytes, description: str) -> None:
        """Stop reading and answer with an error once the requests before it on this
        connection (pipelined) are answered, so every answer stays in its place."""
        self.refused = True
        if self.cycle is None or self.cycle.response_complete:
            self.send_error(status, reason, description)
        else:
            self.pending_error = (status, reason, description)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.cycle.response_complete and not self.transport.is_closing():
            self._set_idle(True)  # kept alive, waiting for the next request
        if self.pending_error is not None and self.cycle.response_complete:
            error, self.pending_error = self.pending_error, None
            self.send_error(*error)

    def timeout_keep_alive_handler(self) -> None:
        if not self.transport.is_closing():
            self.refused = True
            self._close_cleanly()

    def send_error(self, status: int, reason: bytes, description: str,
                   extra_headers: bytes = b"") -> None:
        """Answer and close, before any app code: a JSON body like the app's errors,
        with the strictest policy (the app's settings are not known here)."""
        body = error_body(status, description)
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\nconnection: close\r\n%s%s\r\n%s"
                             % (status, reason, len(body), STRICT_HEADERS, extra_headers,
                                body))
        self.refused = True
        self._close_cleanly()

    def shutdown(self) -> None:
        self.draining = True
        if self.cycle is None or self.cycle.response_complete:
            # idle, fresh or kept alive: a request may be on its way
            self.loop.call_later(FIRST_REQUEST_GRACE_SECONDS, self._close_if_idle)
        else:
            super().shutdown()

    def _close_if_idle(self) -> None:
        if not self.transport.is_closing() and (self.cycle is None
                                                or self.cycle.response_complete):
            self.refused = True  # nothing more is read as a request
            self._close_cleanly()

    def _close_cleanly(self) -> None:
        """Our end first, then the socket after LINGER_SECONDS (or when the client
        closes): what arrives meanwhile is dropped, never answered with a reset."""
        self._cancel_head_timer()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def eof_received(self) -> bool | None:
        if self.refused:
            self.transport.close()
            return None
        return super().eof_received()

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self.head_timer = self.loop.call_later(HEAD_TIMEOUT_SECONDS, self._head_timeout)

    def _cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timeout(self) -> None:
        self.head_timer = None
        if self.transport.is_closing() or self.refused or not self.in_head:
            return
        self.refuse(408, b"Request Timeout",
                    f"the request head did not arrive within {HEAD_TIMEOUT_SECONDS:g} s")


def trim_memory_forever() -> None:
    """Give the allocator's free memory back to the system (glibc's `malloc_trim`) every
    TRIM_INTERVAL_SECONDS after the worker has done some work: after a burst of
    renders, glibc keeps the freed pages of its heap (the ready-bytes cache is bounded,
    the allocator's holdings are not). In its own thread: ctypes releases Python's
    lock, so no request waits while it runs. Without glibc it does nothing."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return
    worked = time.process_time()
    while True:
        time.sleep(TRIM_INTERVAL_SECONDS)
        if time.process_time() - worked > TRIM_AFTER_CPU_SECONDS:
            trim(0)
            worked = time.process_time()


class HandoverServer(Server):
    """uvicorn's server, accepting for HANDOVER_SECONDS more once told to stop."""

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if not self.force_exit:
            await asyncio.sleep(HANDOVER_SECONDS)
        await super().shutdown(sockets)


class Worker(UvicornWorker):
    """uvicorn's gunicorn worker with the protocol above; gunicorn's `worker_connections`
    caps the connections each worker holds. (uvicorn's own `limit_concurrency` only
    answers 503 once a head is read, so silent connections would still pile up, and
    would shut out the clients that send a request.)"""

    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {"loop": "auto", "http": DrainingHttpToolsProtocol}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        DrainingHttpToolsProtocol.max_connections = self.cfg.worker_connections

    async def _serve(self) -> None:
        """uvicorn-worker's, with the server above (pinned: see pyproject.toml)."""
        self.config.app = self.wsgi
        threading.Thread(target=trim_memory_forever, daemon=True, name="mapapp-trim").start()
        server = HandoverServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
