"""The gunicorn worker: uvicorn's (event loop, C HTTP parser), with a bound on the
request head, JSON for requests that are not HTTP, and a drain that keeps the requests
already on their way when the worker stops.

uvicorn's C parser keeps a request head of any size in memory; here a head over
MAX_HEAD_BYTES is refused with 431 as it arrives (the app refuses smaller ones over
gunicorn's own limits, see mapapp.asgi), and a request that does not parse gets the
same JSON error body as every other error.

When a worker stops (a `kill -HUP` data reload replaces every worker; SIGTERM stops
them), uvicorn closes each connection that has no request in progress. A connection
the worker has just accepted has none yet, although its client has already sent one,
and closing it resets that request. Here such a connection gets a moment for its
request to arrive and be answered (with `Connection: close`), as gunicorn's own
workers answer what they have accepted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn_worker import UvicornWorker

from mapapp.errors import error_body

# How long a just-accepted connection may take to send its request once the worker
# stops; well under gunicorn's graceful_timeout.
FIRST_REQUEST_GRACE_SECONDS = 2.0
MAX_HEAD_BYTES = 64 * 1024
# After refusing a request, how long to read and drop what the client still sends, so
# that closing does not reset the connection before the client has read the answer.
LINGER_SECONDS = 2.0
STRICT_HEADERS = (b"x-content-type-options: nosniff\r\n"
                  b"content-security-policy: default-src 'none'; frame-ancestors 'none'\r\n")


class DrainingHttpToolsProtocol(HttpToolsProtocol):
    draining = False
    refused = False
    head_bytes = 0  # bytes received of the request head being read

    def data_received(self, data: bytes) -> None:
        if self.refused or self.transport.is_closing():
            return
        if self.cycle is None or self.cycle.response_complete:
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self.send_error(431, b"Request Header Fields Too Large",
                                f"the request head is over {MAX_HEAD_BYTES} bytes")
                return
        super().data_received(data)

    def send_400_response(self, msg: str) -> None:
        self.send_error(400, b"Bad Request", "the request is not valid HTTP/1.1")

    def send_error(self, status: int, reason: bytes, description: str) -> None:
        """Answer and close, before any app code: a JSON body like the app's errors,
        with the strictest policy (the app's settings are not known here)."""
        body = error_body(status, description)
        self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\nconnection: close\r\n%s\r\n%s"
                             % (status, reason, len(body), STRICT_HEADERS, body))
        self.refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def shutdown(self) -> None:
        self.draining = True
        if self.cycle is None:  # accepted, no request read yet: one may be on its way
            self.loop.call_later(FIRST_REQUEST_GRACE_SECONDS, self._close_if_idle)
        else:
            super().shutdown()

    def on_headers_complete(self) -> None:
        self.head_bytes = 0
        super().on_headers_complete()
        if self.draining and self.cycle is not None:
            self.cycle.keep_alive = False

    def _close_if_idle(self) -> None:
        if not self.transport.is_closing() and (self.cycle is None
                                                or self.cycle.response_complete):
            self.transport.close()


class Worker(UvicornWorker):
    CONFIG_KWARGS: ClassVar[dict[str, Any]] = {"loop": "auto", "http": DrainingHttpToolsProtocol}
