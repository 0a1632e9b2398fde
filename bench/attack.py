"""Repeats the attacks of the hardening issue against a live server run as the Procfile
runs it (on loopback), and prints for each what a normal client saw meanwhile
(`/healthz` p50 and p99 and its errors), each worker's RSS before and after, and the
CPU time the server (master and workers) spent meanwhile: on a shared machine the
latencies depend on the other load, the CPU time much less.

    .venv/bin/python bench/attack.py            # every attack
    .venv/bin/python bench/attack.py slow-heads # one of them, by name

Every loop is bounded in count and in time; all traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import ROOT, gunicorn

PROBE_INTERVAL = 0.02  # seconds between /healthz probes
PROBE_TIMEOUT = 5.0


@dataclass
class Probe:
    """A normal client: /healthz on a fresh connection every PROBE_INTERVAL."""

    address: tuple[str, int]
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                connection = http.client.HTTPConnection(*self.address, timeout=PROBE_TIMEOUT)
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                response.read()
                connection.close()
                if response.status != 200:
                    self.errors.append(str(response.status))
                else:
                    self.latencies.append(time.monotonic() - started)
            except OSError as error:
                self.errors.append(type(error).__name__)
            time.sleep(PROBE_INTERVAL)

    def summary(self) -> str:
        if not self.latencies:
            return f"no answer, {len(self.errors)} errors"
        ordered = sorted(self.latencies)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return (f"{len(ordered) + len(self.errors):5d} probes, p50 "
                f"{statistics.median(ordered) * 1000:6.1f} ms, p99 {p99 * 1000:6.1f} ms, "
                f"{len(self.errors)} errors")


def workers(master: int) -> list[Path]:
    """/proc entries of the master's children (the workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", status, re.MULTILINE):
            found.append(entry)
    return found


def worker_rss_mib(master: int) -> list[float]:
    """Each worker's RSS, in MiB."""
    sizes = []
    for entry in workers(master):
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        sizes.append(int(re.search(r"^VmRSS:\s+(\d+)", status, re.MULTILINE).group(1)) / 1024)
    return sorted(sizes)


def cpu_seconds(master: int) -> float:
    """CPU time (user and system) the master and its workers have used so far, including
    workers that have exited (counted in the master's cutime/cstime)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in [Path(f"/proc/{master}"), *workers(master)]:
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:13]) / ticks  # utime, stime
        if entry.name == str(master):
            total += sum(int(f) for f in fields[13:15]) / ticks  # cutime, cstime
    return total


def get(address: tuple[str, int], path: str, headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection(*address, timeout=30)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def in_parallel(task: Callable[[int], object], count: int, threads: int = 8) -> list[object]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(task, range(count)))


# The attacks. Each takes the server's address and master pid and returns a short note.

def cache_fill(address: tuple[str, int], master: int) -> str:
    """6,000 distinct item URLs, then a new URL twice: is the second one kept?"""
    in_parallel(lambda n: get(address, f"/api/collections/pipelines/items?offset={n}"), 6000)
    get(address, "/embed?lang=ru")
    started = time.monotonic()
    for _ in range(10):
        get(address, "/embed?lang=ru", {"Accept-Encoding": "br"})
    return f"/embed?lang=ru after the flood: {(time.monotonic() - started) * 100:.1f} ms each"


def accept_languages(address: tuple[str, int], master: int) -> str:
    """2,000 distinct Accept-Language strings for one page."""
    statuses = in_parallel(lambda n: get(address, "/embed",
                                         {"Accept-Language": f"ru-X{n};q=0.{n % 9 + 1}"}), 2000)
    return f"{statuses.count(200)} of 2000 answered 200"


def page_variants(address: tuple[str, int], master: int) -> str:
    """16 connections of page URLs with unbounded variants, for 5 s."""
    deadline = time.monotonic() + 5
    counts = {"sent": 0, "400": 0}

    def one(n: int) -> None:
        while time.monotonic() < deadline:
            counts["sent"] += 1
            status = get(address, "/embed?layers=pipelines" + "," * (counts["sent"] % 500 + 1))
            counts["400"] += status == 400

    in_parallel(one, 16, threads=16)
    return f"{counts['sent']} requests, {counts['400']} refused with 400"


def pipelined_heads(address: tuple[str, int], master: int) -> str:
    """10 connections: one request, then a pipelined head of up to 64 MiB each. The
    server answers the first, refuses the second with 431 and drops the rest unread."""
    first = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    chunk = b"a" * (1 << 20)

    def one(n: int) -> list[int]:
        with socket.create_connection(address, timeout=10) as sock:
            sock.sendall(first + b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ")
            try:
                for _ in range(64):
                    sock.sendall(chunk)
            except OSError:
                pass
            received = b""
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    data = sock.recv(65536)
                except OSError:
                    break
                if not data:
                    break
                received += data
        return [int(code) for code in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]

    answers = in_parallel(one, 10, threads=10)
    return f"answers per connection: {sorted({tuple(a) for a in answers})}"


def slow_heads(address: tuple[str, int], master: int) -> str:
    """3,000 connections that never finish a request head, held for 15 s."""
    sockets: list[socket.socket] = []
    try:
        for n in range(3000):
            sock = socket.create_connection(address, timeout=10)
            if n % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            sockets.append(sock)
        time.sleep(15)
        closed = 0
        for sock in sockets:
            sock.setblocking(False)
            try:
                closed += sock.recv(65536) != b"" or True
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
        return f"{closed} of {len(sockets)} closed by the server within 15 s"
    finally:
        for sock in sockets:
            sock.close()


def slow_reader(address: tuple[str, int], master: int) -> str:
    """A client that never reads its answer to a new page, while others ask for it in
    other languages and in its own."""
    sock = socket.create_connection(address, timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET /embed?controls=0 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Accept-Language: kk\r\n\r\n" * 50)
    try:
        took = []
        for language in ("ru", "zh", "kk"):
            started = time.monotonic()
            get(address, "/embed?controls=0", {"Accept-Language": language})
            took.append(f"{language} {(time.monotonic() - started) * 1000:.0f} ms")
        return "others answered in " + ", ".join(took)
    finally:
        sock.close()


def reloads(address: tuple[str, int], master: int) -> str:
    """5 data reloads while 4 kept-alive clients ask without pause."""
    stop = threading.Event()
    counts = {"ok": 0, "failed": 0}
    reasons: dict[str, int] = {}

    def failed(reason: str) -> None:
        counts["failed"] += 1
        reasons[reason] = reasons.get(reason, 0) + 1

    def client() -> None:
        connection = http.client.HTTPConnection(*address, timeout=10)
        while not stop.is_set():
            try:
                connection.request("GET", "/api/collections")
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    counts["ok"] += 1
                else:
                    failed(str(response.status))
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException) as error:
                failed(type(error).__name__)
                connection.close()

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for _ in range(5):
        time.sleep(2)
        os.kill(master, signal.SIGHUP)
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    why = "".join(f", {count} {reason}" for reason, count in reasons.items())
    return f"{counts['ok']} answered, {counts['failed']} failed{why}"


ATTACKS = {"cache-fill": cache_fill, "accept-languages": accept_languages,
           "page-variants": page_variants, "pipelined-heads": pipelined_heads,
           "slow-heads": slow_heads, "slow-reader": slow_reader, "reloads": reloads}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("attacks", nargs="*", choices=[[], *ATTACKS], default=[])
    names = parser.parse_args().attacks or list(ATTACKS)
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "geodata"
        shutil.copytree(ROOT / "geodata", data)
        os.environ["MAPAPP_DATA_DIR"] = str(data)
        with gunicorn() as (base, process):
            parts = urlsplit(base)
            address = (parts.hostname or "127.0.0.1", parts.port or 80)
            for name in names:
                time.sleep(2)
                before = worker_rss_mib(process.pid)
                cpu_before = cpu_seconds(process.pid)
                probe = Probe(address)
                thread = threading.Thread(target=probe.run)
                thread.start()
                note = ATTACKS[name](address, process.pid)
                time.sleep(3)  # the server settles; the probe keeps measuring
                probe.stop.set()
                thread.join()
                after = worker_rss_mib(process.pid)
                print(f"{name:17s} /healthz: {probe.summary()}; workers' RSS "
                      f"{' + '.join(f'{m:.1f}' for m in before)} -> "
                      f"{' + '.join(f'{m:.1f}' for m in after)} MiB; server CPU "
                      f"{cpu_seconds(process.pid) - cpu_before:.1f} s; {note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
