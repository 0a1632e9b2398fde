"""Reloading data on a live gunicorn (`kill -HUP`): every answer is the old data or the
new, pages served before the reload keep their assets, and bad data is refused while
the running data stays."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from mapapp.worker import HANDOVER_SECONDS
from tests.conftest import server_output, start_server, stop_server

ITEMS = "/api/collections/zhanatas-wind-farm/items"


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


def wind_farm_name(base: str) -> str:
    return json.loads(get(base + ITEMS)[1])["features"][0]["properties"]["name"]


def rename_wind_farm(data_dir: Path, name: str) -> None:
    path = data_dir / "zhanatas-wind-farm.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["features"][0]["properties"]["name"] = name
    document["features"][0]["properties"]["names"]["en"] = name
    staged = path.with_suffix(".tmp")
    staged.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    staged.replace(path)


def wait_until(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_hup_swaps_the_data_whole(real_data_copy: Path):
    process, base = start_server(real_data_copy)
    try:
        old = wind_farm_name(base)
        page = get(base + "/")[1].decode()
        old_assets = re.findall(r'(?:src|href)="(assets/[^"]+)"', page)
        seen: list[tuple[int, str]] = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                try:
                    status, body = get(base + ITEMS)
                except urllib.error.HTTPError as error:  # an error answer, kept to be seen
                    seen.append((error.code, ""))
                    continue
                seen.append((status, json.loads(body)["features"][0]["properties"]["name"]))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        rename_wind_farm(real_data_copy, "Zhanatas wind farm (reloaded)")
        os.kill(process.pid, signal.SIGHUP)
        wait_until(lambda: seen and seen[-1][1] == "Zhanatas wind farm (reloaded)")
        # The old workers may still answer (with the old data) for their handover once
        # the new ones are up; after it, every answer is the new data.
        time.sleep(HANDOVER_SECONDS + 2)
        after = len(seen)
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()
        assert {status for status, _ in seen} == {200}
        assert {name for _, name in seen} == {old, "Zhanatas wind farm (reloaded)"}
        assert seen[after:]
        assert {name for _, name in seen[after:]} == {"Zhanatas wind farm (reloaded)"}
        assert old_assets and all(get(f"{base}/{url}")[0] == 200 for url in old_assets)

        (real_data_copy / "pipelines.geojson").write_text("{", encoding="utf-8")
        os.kill(process.pid, signal.SIGHUP)
        wait_until(lambda: "data reload refused" in server_output(process))
        time.sleep(1)
        assert wind_farm_name(base) == "Zhanatas wind farm (reloaded)"
        assert "pipelines.geojson: invalid JSON at line 1" in server_output(process)
        assert json.loads(get(base + "/healthz")[1])["status"] == "ok"
    finally:
        stop_server(process)


def test_no_reload_failure_stops_the_server(real_data_copy: Path):
    """Mistyped data is refused by the schema, and a bug while building the new data is
    logged: either way the master lives on and the old data keeps serving."""
    process, base = start_server(real_data_copy, config="tests.reload_fault_config")
    try:
        old = wind_farm_name(base)
        sources = real_data_copy / "sources.json"
        good_sources = sources.read_bytes()
        document = json.loads(good_sources)
        document["sources"][0]["date"] = 20240702
        sources.write_text(json.dumps(document), encoding="utf-8")
        os.kill(process.pid, signal.SIGHUP)
        wait_until(lambda: "data reload refused" in server_output(process))
        assert "sources.json: field 'date': source 'xi-2024-article': must be a date" in \
            server_output(process)

        sources.write_bytes(good_sources)
        rename_wind_farm(real_data_copy, "Zhanatas wind farm (never served)")
        (real_data_copy / "FAIL_BUILD").touch()
        os.kill(process.pid, signal.SIGHUP)
        wait_until(lambda: "data reload failed" in server_output(process))
        assert "RuntimeError: a bug while building the pages" in server_output(process)
        time.sleep(1)
        assert process.poll() is None
        assert wind_farm_name(base) == old
        status, page = get(base + "/")
        assert status == 200 and "never served" not in page.decode()

        (real_data_copy / "FAIL_BUILD").unlink()
        rename_wind_farm(real_data_copy, "Zhanatas wind farm (reloaded)")
        os.kill(process.pid, signal.SIGHUP)
        wait_until(lambda: wind_farm_name(base) == "Zhanatas wind farm (reloaded)")
    finally:
        stop_server(process)
