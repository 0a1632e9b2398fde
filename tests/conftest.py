"""Shared fixtures: apps over the small fixture data and the real geodata, a live
gunicorn on a free loopback port, and a real headless Chromium."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mapapp import create_app
from mapapp.settings import bundled_dir


class ClosingClient(FlaskClient):
    """Reads each answer whole and closes it, as a server does once it has sent it: a
    download streams from its file, which stays open until its answer is closed."""

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> Any:
        return super().open(*args, buffered=buffered, **kwargs)


Flask.test_client_class = ClosingClient  # every app the tests make

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "geodata"
# Leaflet fades a popup in (0.2 s): its colours are measured once it is fully opaque.
POPUP_OPAQUE = "getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
FIXTURE_ARTICLE = Path(__file__).parent / "fixtures" / "article.txt"
REAL_DATA = bundled_dir("geodata")
MAPAPP = Path(sys.executable).with_name("mapapp")  # the installed console script
CHROMIUM = os.environ.get("MAPAPP_TEST_CHROMIUM", "/usr/bin/chromium")


def edit_json(path: Path, change: Callable[[Any], Any]) -> None:
    """Apply `change` to the parsed file in place and write it back."""
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def run_check(*args: str) -> subprocess.CompletedProcess:
    """`mapapp check` through the installed console script."""
    return subprocess.run([MAPAPP, "check", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture data, for tests that break it."""
    target = tmp_path / "geodata"
    shutil.copytree(FIXTURE_DATA, target)
    return target


@pytest.fixture
def real_data_copy(tmp_path: Path) -> Path:
    """A writable copy of the real geodata, for tests that break it."""
    target = tmp_path / "geodata"
    shutil.copytree(REAL_DATA, target)
    return target


@pytest.fixture
def app() -> Flask:
    return create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def real_app() -> Flask:
    return create_app({"MAPAPP_DATA_DIR": str(REAL_DATA)})


@pytest.fixture(scope="session")
def real_client(real_app: Flask) -> FlaskClient:
    return real_app.test_client()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def start_server(data_dir: Path, env: dict[str, str] | None = None,
                 config: str | None = None, timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """`mapapp serve` (gunicorn with the Procfile's settings) on a free loopback port;
    with `config`, gunicorn itself with that config module instead.
    Its output goes to a temporary file (a pipe nobody reads could block it)."""
    host = "127.0.0.1"
    port = free_port(host)
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop_server)
    command = [sys.executable, "-m", "mapapp.cli", "serve", "--host", host, "--port", str(port)]
    if config is not None:
        command = [sys.executable, "-m", "gunicorn", "--config", f"python:{config}",
                   "--bind", f"{host}:{port}", "mapapp.asgi:create_asgi_app()"]
    process = subprocess.Popen(
        command,
        env={**os.environ, "MAPAPP_DATA_DIR": str(data_dir), **(env or {})},
        stdout=log, stderr=subprocess.STDOUT,
    )
    process.log = log  # type: ignore[attr-defined]
    base = f"http://{host}:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = server_output(process)
            raise RuntimeError(f"server exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return process, base
        except OSError:
            time.sleep(0.1)
    stop_server(process)
    raise RuntimeError(f"server did not become healthy in {timeout} s")


def server_output(process: subprocess.Popen) -> str:
    process.log.seek(0)  # type: ignore[attr-defined]
    return process.log.read().decode(errors="replace")  # type: ignore[attr-defined]


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.log.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """The real geodata under a real gunicorn; yields the base URL."""
    process, base = start_server(REAL_DATA)
    yield base
    stop_server(process)


@contextmanager
def static_server(directory: Path, host: str = "127.0.0.2") -> Iterator[str]:
    """A plain static file server on another loopback address: a different origin,
    as a newsroom's page that embeds the map would be."""
    handler = partial(QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer((host, 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass(frozen=True)
class Site:
    """The map as served by the app or by a plain static server from `mapapp export`."""

    kind: str
    base: str

    def url(self, path: str) -> str:
        if self.kind == "static" and path.startswith("/embed") and \
                not path.startswith("/embed.js"):
            path = "/embed.html" + path[len("/embed"):]
        return self.base + path


@pytest.fixture(scope="session")
def static_site(tmp_path_factory) -> Iterator[str]:
    from mapapp.export import export_site

    root = tmp_path_factory.mktemp("export") / "site"
    export_site(root, {"MAPAPP_DATA_DIR": str(REAL_DATA)})
    with static_server(root, host="127.0.0.1") as base:
        yield base


@pytest.fixture(params=["app", "static"])
def site(request, live_server) -> Site:
    """Each browser test of the map and embed runs against both deployments."""
    if request.param == "app":
        return Site("app", live_server)
    return Site("static", request.getfixturevalue("static_site"))


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (see README)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        yield instance
        instance.close()


TILE_URL = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def wait_for(page, expression: str, timeout: float = 10.0) -> None:
    """Poll a page expression until it is truthy. (Playwright's wait_for_function
    evaluates a string, which the pages' CSP rightly forbids.)"""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        time.sleep(0.05)


# The page's data as its scripts get it: the data block, each collection's features
# from its data file (mapapp/datafiles.py), fetched again here from the URL the block gives.
PAGE_DATA = """async () => {
  const data = JSON.parse(document.getElementById('mapapp-data').textContent);
  await Promise.all(data.collections.map(async (c) => {
    c.features = (await (await fetch(c.data)).json()).features;
  }));
  return data;
}"""


@dataclass
class Visit:
    page: object
    outside_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@pytest.fixture
def visit(browser):
    """Opens a page that records every request leaving loopback (and aborts it) and
    every console error except a tile that failed to load; `viewport=(w, h)` sizes it
    (1280×800 by default)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    opened: list[Visit] = []

    def open_page(url: str, wait: bool = True, viewport: tuple[int, int] | None = None) -> Visit:
        page = context.new_page()
        if viewport:
            page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
        record = Visit(page)

        def route(route_request) -> None:
            url = route_request.request.url
            if is_loopback(url):
                route_request.continue_()
            else:
                record.outside_requests.append(url)
                route_request.abort()

        def console(message) -> None:
            source = message.location.get("url", "")
            if message.type == "error" and not TILE_URL.match(source):
                record.console_errors.append(f"{message.text} ({source})")

        page.route("**/*", route)
        page.on("console", console)
        page.on("pageerror", lambda error: record.console_errors.append(str(error)))
        opened.append(record)
        page.goto(url)
        if wait:
            page.wait_for_selector("html[data-map-state=ready]", timeout=15000)
        return record

    yield open_page
    for record in opened:
        assert record.console_errors == [], record.console_errors
        assert [u for u in record.outside_requests if not TILE_URL.match(u)] == []
    context.close()


