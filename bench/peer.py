"""The API beside pygeoapi, the reference Python server for OGC API – Features, on the
same data in one run: both under gunicorn with 2 workers, on loopback, driven by wrk
with the same connections, asking gzip.

    python bench/peer.py [--connections 32] [--seconds 10]

pygeoapi (pinned below) is installed by this script into its own virtual environment
under bench/.cache (ignored by git), and its configuration is generated from the
catalogue: one collection per data file, read by pygeoapi's GeoJSON provider. Each row
is one kind of request, each server answering its own form of the same query:

- a repeated items URL;
- a new `bbox` on every request (what a GIS client sends while panning);
- a new `limit` on every request;
- one feature by id;
- a property filter (`commodity=oil`);
- a CQL2 filter (`filter=commodity='oil' AND year>=2005`).

It prints requests/s, p50 and p99 per row and server, the answers other than 2xx/3xx
(a server that cannot answer a row is shown, not hidden) and the ratio. It sends
traffic only to 127.0.0.1. Needs wrk (Debian's package).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import (
    LOOPBACK,
    ROOT,
    LoadResult,
    free_port,
    machine,
    procfile_command,
    run_wrk,
    running,
)

# 0.21.0 is the last pygeoapi release that runs on Python 3.11 (0.22 and later need 3.12).
PYGEOAPI = "pygeoapi==0.21.0"
GUNICORN = "gunicorn==23.0.0"
CACHE = Path(__file__).resolve().parent / ".cache"
COLLECTION = "pipelines"
WORKERS = 2

# A request path per server, built in wrk's Lua from the request's number `i`, so
# every request of a "new URL" row asks a URL never asked before.
ROWS: list[tuple[str, str]] = [
    ("repeated items URL", '"{items}?limit=10"'),
    ("new bbox each request", '"{items}?bbox=" .. string.format("%.6f", 50 + (i % 100000) '
                              '* 0.00001) .. ",40," .. string.format("%.6f", 70 + (i % 100000) '
                              '* 0.00001) .. ",50"'),
    ("new limit each request", '"{items}?limit=" .. (1 + i % 1000) .. "&offset=" .. '
                               '(math.floor(i / 1000) % 100000)'),
    ("one feature by id", '"{items}/{feature}"'),
    ("property filter", '"{items}?commodity=oil"'),
    ("CQL2 filter", '"{items}?filter-lang=cql2-text&filter=commodity%3D%27oil%27%20AND'
                    '%20year%3E%3D2005"'),
]

WRK_SCRIPT = """
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", {path}, {{["Accept-Encoding"] = "gzip"}})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status, summary.duration, latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class Server:
    name: str
    base: str
    items: str  # the path of the collection's items


def lua_to_python(template: str, i: int) -> str:
    """The path a row's Lua expression gives for request number `i` (checked once per
    row and server before the load, so a row that a server cannot answer is shown)."""
    python = template.replace(" .. ", " + ").replace("string.format(", "_fmt(")
    python = python.replace("math.floor(", "int(")
    python = re.sub(r"\(1 \+ i % 1000\)", "str(1 + i % 1000)", python)
    python = re.sub(r"\(int\(i / 1000\) % 100000\)", "str(int(i / 1000) % 100000)", python)
    return eval(python, {"i": i, "_fmt": lambda f, v: f % v})  # our own templates only


def first_answer(base: str, path: str) -> str:
    """Status and what the answer holds, for the table's notes."""
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            body = json.load(response)
            status = response.status
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read()[:120].decode(errors='replace')}"
    if "features" in body:
        return f"{status}: {len(body['features'])} features of {body.get('numberMatched')}"
    return f"{status}: feature {body.get('id')}"


def wrk(base: str, lua_path: str, connections: int, seconds: int) -> LoadResult:
    return run_wrk(base, WRK_SCRIPT.format(path=lua_path), connections, seconds)


def pygeoapi_environment() -> Path:
    """A virtual environment with the pinned pygeoapi, made once under bench/.cache."""
    home = CACHE / f"pygeoapi-{PYGEOAPI.split('==')[1]}"
    python = home / "bin" / "python"
    if not (home / "ready").exists():
        shutil.rmtree(home, ignore_errors=True)
        venv.create(home, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PYGEOAPI, GUNICORN],
                       check=True)
        (home / "ready").write_text(PYGEOAPI + "\n")
    return home


def pygeoapi_config(port: int, data: Path) -> str:
    """pygeoapi's configuration (YAML is a superset of JSON) from the catalogue."""
    catalogue = json.loads((data / "catalogue.json").read_text(encoding="utf-8"))
    resources = {}
    for entry in catalogue["collections"]:
        features = json.loads((data / entry["file"]).read_text(encoding="utf-8"))["features"]
        xs = [c for f in features for c in _coordinates(f["geometry"])[0::2]]
        ys = [c for f in features for c in _coordinates(f["geometry"])[1::2]]
        resources[entry["id"]] = {
            "type": "collection",
            "title": entry["title"],
            "description": entry.get("description", entry["title"]),
            "keywords": [entry.get("group", "data")],
            "links": [],
            "extents": {"spatial": {"bbox": [min(xs), min(ys), max(xs), max(ys)],
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "GeoJSON",
                           "data": str(data / entry["file"]), "id_field": "id"}],
        }
    config = {
        "server": {
            "bind": {"host": LOOPBACK, "port": port},
            "url": f"http://{LOOPBACK}:{port}",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "gzip": True,
            "languages": ["en-US"],
            "pretty_print": False,
            "limits": {"default_items": 10, "max_items": 1000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                    "attribution": "OpenStreetMap"},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "peer", "description": "peer", "keywords": ["peer"],
                               "keywords_type": "theme", "terms_of_service": "none",
                               "url": "http://example.org"},
            "license": {"name": "CC-BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
            "provider": {"name": "peer", "url": "http://example.org"},
            "contact": {"name": "peer", "email": "peer@example.org"},
        },
        "resources": resources,
    }
    return json.dumps(config, indent=1)


def _coordinates(geometry: dict) -> list[float]:
    """Every number of a GeoJSON geometry's coordinates, flattened (x, y, x, y…)."""
    found: list[float] = []

    def walk(value: object) -> None:
        if isinstance(value, list) and value and isinstance(value[0], int | float):
            found.extend(value[:2])
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(geometry["coordinates"])
    return found


@contextmanager
def pygeoapi(data: Path) -> Iterator[Server]:
    home = pygeoapi_environment()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "pygeoapi-config.yml"
        config.write_text(pygeoapi_config(port, data), encoding="utf-8")
        openapi = Path(tmp) / "pygeoapi-openapi.yml"
        env = {**os.environ, "PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
        subprocess.run([str(home / "bin" / "pygeoapi"), "openapi", "generate", str(config),
                        "--output-file", str(openapi)], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        command = [str(home / "bin" / "gunicorn"), "--workers", str(WORKERS), "--bind",
                   f"{LOOPBACK}:{port}", "--log-level", "error", "pygeoapi.flask_app:APP"]
        base = f"http://{LOOPBACK}:{port}"
        with running(command, base + "/conformance", env):
            yield Server("pygeoapi", base, f"/collections/{COLLECTION}/items")


@contextmanager
def mapapp() -> Iterator[Server]:
    port = free_port()
    base = f"http://{LOOPBACK}:{port}"
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": str(WORKERS)}
    with running([*procfile_command(), "--bind", f"{LOOPBACK}:{port}"], base + "/healthz",
                 env):
        yield Server("mapapp", base, f"/api/collections/{COLLECTION}/items")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk not found: apt-get install wrk")
    data = ROOT / "geodata"
    feature = json.loads((data / f"{COLLECTION}.geojson").read_text())["features"][0]["id"]
    print(f"machine: {machine()}")
    print(f"{PYGEOAPI} (GeoJSON provider) and mapapp, each gunicorn with {WORKERS} workers; "
          f"wrk {args.connections} connections, {args.seconds} s a row, Accept-Encoding: gzip; "
          f"collection {COLLECTION!r}")
    results: dict[tuple[str, str], LoadResult] = {}
    notes: dict[tuple[str, str], str] = {}
    for start in (pygeoapi, mapapp):
        with start(data) if start is pygeoapi else start() as server:
            for name, template in ROWS:
                path = template.replace("{items}", server.items).replace("{feature}", feature)
                notes[name, server.name] = first_answer(server.base, lua_to_python(path, 1))
                wrk(server.base, path, args.connections, 2)  # warm-up, not counted
                results[name, server.name] = wrk(server.base, path, args.connections,
                                                  args.seconds)
    print(f"{'row':<24}{'server':<10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}"
          f"{'errors':>8}")
    for name, _ in ROWS:
        for server in ("mapapp", "pygeoapi"):
            r = results[name, server]
            print(f"{name:<24}{server:<10}{r.rps:>9,.0f}{r.p50_ms:>9.1f}{r.p99_ms:>9.1f}"
                  f"{r.bad_status:>9}{r.socket_errors:>8}  {notes[name, server]}")
        ours, theirs = results[name, "mapapp"], results[name, "pygeoapi"]
        ratio = ours.rps / theirs.rps if theirs.rps else float("inf")
        print(f"{'':<24}{'ratio':<10}{ratio:>8.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
