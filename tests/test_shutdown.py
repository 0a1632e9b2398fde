"""Graceful shutdown: SIGTERM lets a request in flight finish, answers a request on a
connection accepted just before, and the workers keep accepting for a moment (at a
reload, until the new workers have started)."""

from __future__ import annotations

import signal
import socket
import threading
import time
import urllib.request

from mapapp.worker import HANDOVER_SECONDS
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


def test_a_connection_accepted_before_sigterm_still_gets_its_answer():
    """A client that has connected but not yet sent its request when the server starts
    stopping (as happens to a few connections at every data reload) is answered, with
    Connection: close, not reset."""
    process, base = start_server(REAL_DATA)
    host, port = base.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            time.sleep(0.3)  # a worker has accepted it
            process.send_signal(signal.SIGTERM)
            time.sleep(HANDOVER_SECONDS + 0.5)  # the workers are draining
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head = answer.partition(b"\r\n\r\n")[0].decode("latin-1").lower()
        assert head.startswith("http/1.1 200")
        assert "connection: close" in head
        assert process.wait(timeout=30) == 0
    finally:
        stop_server(process)


def test_a_stopping_worker_keeps_accepting_for_the_handover():
    """At a reload gunicorn stops the old workers as soon as the new ones are forked;
    a connection made meanwhile is accepted by an old worker and answered, instead of
    waiting in the listen queue for a new worker to start."""
    process, base = start_server(REAL_DATA)
    try:
        process.send_signal(signal.SIGTERM)
        time.sleep(HANDOVER_SECONDS / 2)
        with urllib.request.urlopen(base + "/healthz", timeout=10) as response:
            assert response.status == 200
        assert process.wait(timeout=30) == 0
    finally:
        stop_server(process)
