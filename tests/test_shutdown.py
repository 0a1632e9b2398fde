"""gunicorn's graceful shutdown: SIGTERM lets a request in flight finish."""

from __future__ import annotations

import signal
import threading
import time
import urllib.request

from tests.conftest import REAL_DATA, start_server, stop_server


def test_sigterm_lets_an_in_flight_request_finish():
    process, base = start_server(REAL_DATA)
    result: dict[str, object] = {}

    def fetch() -> None:
        # the whole-catalogue GeoPackage is written on its first request: a slow answer
        with urllib.request.urlopen(base + "/api/download.gpkg", timeout=60) as response:
            result.update(status=response.status, body=response.read())
        result["finished"] = time.monotonic()

    try:
        thread = threading.Thread(target=fetch)
        thread.start()
        time.sleep(0.05)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        thread.join(timeout=60)
        assert result["finished"] > sent, "the request ended before SIGTERM was sent"
        assert result["status"] == 200
        assert result["body"].startswith(b"SQLite format 3")
        assert process.wait(timeout=30) == 0
    finally:
        stop_server(process)
