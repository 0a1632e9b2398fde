"""A small client that drives an ASGI app in-process, answering like Flask's test
client (status_code, headers, data), so one test can check both the WSGI app and the
ASGI front that production serves."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers


@dataclass
class AsgiResponse:
    status_code: int
    headers: Headers
    data: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    def get_data(self, as_text: bool = False) -> Any:
        return self.data.decode() if as_text else self.data


class AsgiClient:
    """One event loop for all its requests, running in its own thread as a server's
    does: it stays open between requests (the app's thread pool may hand it a message
    after a response is complete), and it is not the loop a test process may already
    run (Playwright's)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def open(self, path: str, method: str = "GET", headers: dict[str, str] | None = None,
             base_url: str = "http://localhost") -> AsgiResponse:
        return self.run(self.request(path, method, headers, base_url))

    async def request(self, path: str, method: str = "GET",
                      headers: dict[str, str] | None = None,
                      base_url: str = "http://localhost") -> AsgiResponse:
        """The same, in a running event loop (for concurrent requests)."""
        base = urlsplit(base_url)
        url = urlsplit(path)
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": method, "scheme": base.scheme, "path": url.path,
            "raw_path": url.path.encode(), "query_string": url.query.encode(),
            "root_path": "", "client": ("127.0.0.1", 40000), "server": (base.hostname, 80),
            "headers": [(b"host", base.netloc.encode())]
            + [(k.lower().encode("latin-1"), v.encode("latin-1"))
               for k, v in (headers or {}).items()],
        }
        messages: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        await self.app(scope, receive, send)
        start = messages[0]
        assert start["type"] == "http.response.start"
        return AsgiResponse(
            start["status"],
            Headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]]),
            b"".join(m.get("body", b"") for m in messages[1:]))

    def get(self, path: str, **kwargs: Any) -> AsgiResponse:
        return self.open(path, "GET", **kwargs)

    def head(self, path: str, **kwargs: Any) -> AsgiResponse:
        return self.open(path, "HEAD", **kwargs)
