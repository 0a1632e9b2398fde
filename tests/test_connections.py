"""What a client can do to a connection, on a real gunicorn over loopback sockets: the
head limit holds per request even when pipelined, heads that never finish are closed,
a worker holds a bounded number of connections, and kept-alive connections survive
data reloads without a failed request."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import threading
import time

import pytest
import requests

from mapapp.worker import HEAD_TIMEOUT_SECONDS, MAX_HEAD_BYTES
from tests.conftest import REAL_DATA, server_output, start_server, stop_server

HEALTHZ = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.fixture(scope="module")
def server():
    process, base = start_server(REAL_DATA, config="tests.small_limits_config")
    host, port = base.removeprefix("http://").split(":")
    yield process, (host, int(port))
    stop_server(process)


def read_until_closed(sock: socket.socket, seconds: float) -> bytes:
    """Everything the server sends until it closes, within `seconds`."""
    deadline = time.monotonic() + seconds
    received = b""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, deadline - time.monotonic()))
        try:
            chunk = sock.recv(1 << 20)
        except TimeoutError:
            break
        if not chunk:
            break
        received += chunk
    return received


def statuses(received: bytes) -> list[int]:
    return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]


def healthy(address: tuple[str, int]) -> bool:
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(HEALTHZ.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
        return statuses(read_until_closed(sock, 10)) == [200]


def test_an_oversized_head_behind_a_request_in_flight_is_refused_in_its_place(server):
    _, address = server
    first = b"GET /api/download.gpkg HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    big = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * (4 * MAX_HEAD_BYTES)
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(first + big)
        received = read_until_closed(sock, 30)
    assert statuses(received) == [200, 431]
    assert b"SQLite format 3" in received
    assert received.endswith(b'"the request head is over 65536 bytes"}')
    assert healthy(address)


def test_many_small_pipelined_requests_in_one_write_are_all_answered(server):
    _, address = server
    count = 4000
    burst = HEALTHZ * (count - 1) + HEALTHZ.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    assert len(burst) > 2 * MAX_HEAD_BYTES
    with socket.create_connection(address, timeout=10) as sock:
        sock.sendall(burst)
        received = read_until_closed(sock, 60)
    assert statuses(received) == [200] * count


def test_heads_that_never_finish_are_closed(server):
    _, address = server
    silent = socket.create_connection(address, timeout=10)
    trickling = socket.create_connection(address, timeout=10)
    try:
        started = time.monotonic()
        trickling.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        answers = [read_until_closed(sock, HEAD_TIMEOUT_SECONDS + 10)
                   for sock in (silent, trickling)]
        took = time.monotonic() - started
    finally:
        silent.close()
        trickling.close()
    assert [statuses(answer) for answer in answers] == [[408], [408]]
    assert HEAD_TIMEOUT_SECONDS - 1 <= took < HEAD_TIMEOUT_SECONDS + 5
    assert healthy(address)


def test_at_the_cap_a_new_client_closes_the_oldest_silent_one(server):
    _, address = server
    held = [socket.create_connection(address, timeout=10) for _ in range(20)]
    try:
        time.sleep(0.5)
        assert healthy(address)  # the 21st connection, with a request: answered
        assert read_until_closed(held[0], 5) == b""  # the oldest silent one made room
    finally:
        for sock in held:
            sock.close()


def test_when_every_connection_is_busy_a_new_one_gets_503(server):
    """20 clients (the cap) each send a page's request many times in one write and read
    nothing: once the buffers between are full, each connection has a request whose
    answer waits on its client, so none is idle to make room. (A page is about 18 KB
    since the features left it: 500 answers, 9 MB, overfill the kernel's buffers, which
    grow to 4 MB a socket.)"""
    _, address = server
    base = f"http://{address[0]}:{address[1]}"
    ids = [c["id"] for c in requests.get(f"{base}/api/collections", timeout=10).json()
           ["collections"]]
    urls = [f"/embed?layers={i}&lang={lang}" for i in ids for lang in ("en", "ru", "kk")]
    held = []
    try:
        for url in urls[:20]:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(address)
            sock.sendall(f"GET {url} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode() * 500)
            held.append(sock)
        time.sleep(3)  # the pages rendered, each connection stuck on its full buffers
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(HEALTHZ)
            received = read_until_closed(sock, 10)
    finally:
        for sock in held:
            sock.close()
    assert statuses(received) == [503]
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"\r\ncontent-type: application/json\r\n" in head + b"\r\n"
    assert b"\r\nretry-after: 1\r\n" in head + b"\r\n"
    assert json.loads(body) == {"code": 503, "description":
                                "this worker holds 20 connections; try again shortly"}
    time.sleep(1)
    assert healthy(address)  # the held connections closed: room again


def test_kept_alive_connections_lose_no_request_across_reloads(real_data_copy):
    process, base = start_server(real_data_copy)
    failures: list[str] = []
    answered = [0]
    stop = threading.Event()

    def client() -> None:
        with requests.Session() as session:
            while not stop.is_set():
                try:
                    response = session.get(base + "/api/collections", timeout=10)
                    if response.status_code != 200:
                        failures.append(f"status {response.status_code}")
                    answered[0] += 1
                except requests.RequestException as error:
                    failures.append(repr(error))

    threads = [threading.Thread(target=client) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(3):
            time.sleep(2)
            os.kill(process.pid, signal.SIGHUP)
        time.sleep(3)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        stop_server(process)
    assert answered[0] > 100
    assert failures == []


def test_an_instance_opens_no_shared_control_socket(tmp_path):
    """By default gunicorn listens on $XDG_RUNTIME_DIR/gunicorn.ctl (or ~/.gunicorn/),
    one path for every instance on the machine; ours opens none."""
    home = tmp_path / "home"
    home.mkdir()
    process, _ = start_server(REAL_DATA, env={"HOME": str(home), "XDG_RUNTIME_DIR": str(home)})
    try:
        time.sleep(3)  # gunicorn opens it after the workers are up
        assert "Control socket" not in server_output(process)
        assert list(home.rglob("*.ctl")) == []
    finally:
        stop_server(process)
