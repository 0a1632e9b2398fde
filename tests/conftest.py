"""Shared fixtures: apps over the small fixture data and the real geodata, a live
gunicorn on a free loopback port, and a real headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mapapp import create_app
from mapapp.settings import bundled_dir

FIXTURE_DATA = Path(__file__).parent / "fixtures" / "geodata"
FIXTURE_ARTICLE = Path(__file__).parent / "fixtures" / "article.txt"
REAL_DATA = bundled_dir("geodata")
CHROMIUM = os.environ.get("MAPAPP_TEST_CHROMIUM", "/usr/bin/chromium")


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
                 host: str = "127.0.0.1") -> tuple[subprocess.Popen, str]:
    """`mapapp serve` (gunicorn with the Procfile's settings) on a free loopback port.
    Its output goes to a temporary file (a pipe nobody reads could block it)."""
    port = free_port(host)
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop_server)
    process = subprocess.Popen(
        [sys.executable, "-m", "mapapp.cli", "serve", "--host", host, "--port", str(port)],
        env={**os.environ, "MAPAPP_DATA_DIR": str(data_dir), **(env or {})},
        stdout=log, stderr=subprocess.STDOUT,
    )
    process.log = log  # type: ignore[attr-defined]
    base = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
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
    raise RuntimeError("server did not become healthy in 30 s")


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
