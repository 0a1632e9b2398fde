"""What the app costs as the catalogue grows, measured in one run on one machine.

For each size (the real data's, 43 features today; then synthetic catalogues made from
the real features by bench/scale_data.py) it starts the app as the Procfile runs it and prints:

- start: seconds from launching gunicorn to the first /healthz answer;
- /embed HTML gzip: the page's body fetched with `Accept-Encoding: gzip`;
- first `/`: seconds for the first request of `/` on the fresh server (a browser's
  `Accept-Encoding: gzip, deflate, br`), before anything else has asked for a page;
- ready: median ms from navigation to the page's own `mapapp:ready` mark in headless
  Chromium, /embed at 375×667, tiles refused (3 loads, each in a new context);
- zoom / pan: ms from `zoomIn()` (`panBy()`) to the end event plus two frames;
- longest task: the longest main-thread task (PerformanceObserver "longtask") from
  navigation through the zoom and the pan;
- worker RSS: the largest worker's resident memory after all of the above;
- where ready's time goes (a second table): navigation to every data file in and parsed
  (the parses alone), building the features' layers, the rest of start, and that rest
  once more without reader.js (its reading panel and list of places);
- export: the size of `mapapp export` of the same catalogue.

    python bench/scale.py [--sizes 43,1000,10000,100000] [--server-only]

`--server-only` measures the server alone, with no browser and no export: start, the
first `/`, the first request of each data file in brotli (`data files br`) and the
worker's memory after them: RSS, and for information USS (its own pages) and PSS (its
share of those it shares with the master and the other worker).

Sends traffic only to 127.0.0.1. The 100,000-feature row of the version this script came
with takes tens of minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale_data import REAL_DATA, build
from servers import (
    LOOPBACK,
    ROOT,
    catalogue_server,
    children,
    machine,
    rss_mib,
)

# Leaflet sets window.L once it is complete: catch it there and keep every map it makes.
CATCH_MAP = """
(() => {
  let leaflet;
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      if (value && value.Map) value.Map.addInitHook(function () { window.benchMap = this; });
    },
  });
  window.benchLongest = 0;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      window.benchLongest = Math.max(window.benchLongest, entry.duration);
    }
  }).observe({ type: "longtask", buffered: true });
})();
"""

# ms from starting a move to its end event and two frames (the frame it is drawn in)
TIME_MOVE = """
(kind) => new Promise((resolve) => {
  const map = window.benchMap;
  const start = performance.now();
  map.once(kind === "zoom" ? "zoomend" : "moveend", () =>
    requestAnimationFrame(() => requestAnimationFrame(() =>
      resolve(performance.now() - start))));
  if (kind === "zoom") map.zoomIn(1, { animate: false });
  else map.panBy([120, 90], { animate: false });
})
"""


def fetch(url: str, encoding: str) -> tuple[float, int]:
    """(seconds, body bytes) of one GET with `Accept-Encoding: encoding`."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=1800) as response:
        body = response.read()
    return time.perf_counter() - began, len(body)


# Where the time to ready goes, from the page's marks (mapapp-core.js, mapapp-start.js):
# the data files in and parsed, the parses alone, building the layers, the rest of start.
# A map drawn from vector tiles loads no data file: its split is all NaN.
SPLIT = """() => {
  const at = (name) => (performance.getEntriesByName(name)[0] || {startTime: NaN}).startTime;
  const parse = performance.getEntriesByName("mapapp:parse")
    .reduce((sum, e) => sum + e.duration, 0);
  return {data: at("mapapp:data"), parse, draw: at("mapapp:drawn") - at("mapapp:data"),
          rest: at("mapapp:ready") - at("mapapp:drawn")};
}"""


def browser_figures(url: str, loads: int = 3) -> dict[str, float]:
    """For `url` in headless Chromium: ready ms (median), zoom ms, pan ms, longest task
    ms, the split of ready (SPLIT, median of each part) and the rest of start without
    the reading panel and list of places (reader.js refused), once."""
    from playwright.sync_api import sync_playwright

    ready: list[float] = []
    splits: list[dict[str, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        for load in range(loads + 1):
            without_reader = load == loads
            context = browser.new_context(viewport={"width": 375, "height": 667})
            page = context.new_page()
            page.set_default_timeout(600_000)
            page.add_init_script(CATCH_MAP)
            page.route(f"re:^https?://(?!{LOOPBACK}[:/])", lambda route: route.abort())
            if without_reader:
                page.route("**/assets/reader.*.js", lambda route: route.abort())
            page.goto(url)
            page.wait_for_selector("html[data-map-state=ready]", state="attached")
            if without_reader:
                rest_without_reader = page.evaluate(SPLIT)["rest"]
                context.close()
                break
            ready.append(page.evaluate(
                "performance.getEntriesByName('mapapp:ready')[0].startTime"))
            splits.append(page.evaluate(SPLIT))
            zoom = page.evaluate(TIME_MOVE, "zoom")
            pan = page.evaluate(TIME_MOVE, "pan")
            page.wait_for_timeout(200)  # let the observer report the last tasks
            longest = page.evaluate("window.benchLongest")
            context.close()
        browser.close()
    split = {part: statistics.median(s[part] for s in splits) for part in splits[0]}
    return {"ready": statistics.median(ready), "zoom": zoom, "pan": pan, "longest": longest,
            **split, "rest_without_reader": rest_without_reader}


def export_mib(data_dir: Path, env: dict[str, str]) -> tuple[float, float]:
    """(MiB, seconds) of `mapapp export` of the catalogue in `data_dir`."""
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mapapp.cli", "export", f"{tmp}/site"],
                       check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - began
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    return size / 2**20, seconds


def measure(size: int, data_dir: Path) -> dict[str, float]:
    with catalogue_server(data_dir) as (base, process, start):
        row = {"start": start}
        row["first"], _ = fetch(base + "/", "gzip, deflate, br")
        _, row["embed_gzip"] = fetch(base + "/embed", "gzip")
        row.update(browser_figures(base + "/embed"))
        row["rss"] = max(rss_mib(pid) for pid in children(process.pid))
    env = {**os.environ, "MAPAPP_DATA_DIR": str(data_dir)}
    row["export"], row["export_s"] = export_mib(data_dir, env)
    return row


def memory_mib(pid: int) -> dict[str, float]:
    """RSS, PSS and USS (private pages) of a process in MiB, from smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0]) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "uss": fields["Private_Clean"] + fields["Private_Dirty"]}


def measure_server(data_dir: Path) -> dict[str, float]:
    """start, first `/`, every data file in brotli, then the largest worker's memory."""
    with catalogue_server(data_dir) as (base, process, start):
        row = {"start": start}
        row["first"], _ = fetch(base + "/", "gzip, deflate, br")
        with urllib.request.urlopen(base + "/?lang=ru") as response:
            page = response.read().decode()
        files = sorted(set(re.findall(r'"(assets/data/[^"]+\.json)"', page)))
        began = time.perf_counter()
        for name in files:
            fetch(f"{base}/{name}", "br")
        row["data_br"] = time.perf_counter() - began
        row.update(max((memory_mib(pid) for pid in children(process.pid)),
                       key=lambda m: m["rss"]))
    return row


def server_only(sizes: list[int]) -> None:
    print(f"# {machine()}")
    print("| features | start | first `/` | data files br | worker RSS | USS | PSS |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    real = real_size()
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            data_dir = REAL_DATA if size == real else build(size, Path(tmp) / f"data-{size}")
            row = measure_server(data_dir)
            print(f"| {size:,} | {row['start']:.1f} s | {row['first']:.2f} s "
                  f"| {row['data_br']:.2f} s | {row['rss']:,.0f} MiB | {row['uss']:,.0f} MiB "
                  f"| {row['pss']:,.0f} MiB |", flush=True)


def real_size() -> int:
    """How many features the real catalogue has."""
    return sum(len(json.loads(p.read_text(encoding="utf-8"))["features"])
               for p in REAL_DATA.glob("*.geojson"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="43,1000,10000,100000",
                        help="feature counts, comma-separated (43 is the real data)")
    parser.add_argument("--server-only", action="store_true",
                        help="start, first request and memory only (no browser, no export)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.server_only:
        server_only(sizes)
        return
    print(f"# {machine()}")
    print("| features | start | `/embed` HTML gzip | first `/` | ready | zoom / pan "
          "| longest task | worker RSS | export |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    real = real_size()
    splits: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            data_dir = REAL_DATA if size == real else build(size, Path(tmp) / f"data-{size}")
            row = measure(size, data_dir)
            print(f"| {size:,} | {row['start']:.1f} s | {row['embed_gzip'] / 1024:,.0f} KiB "
                  f"| {row['first']:.2f} s | {row['ready']:,.0f} ms "
                  f"| {row['zoom']:,.0f} / {row['pan']:,.0f} ms | {row['longest']:,.0f} ms "
                  f"| {row['rss']:,.0f} MiB | {row['export']:,.1f} MiB "
                  f"({row['export_s']:.0f} s) |", flush=True)
            if math.isnan(row["data"]):
                splits.append(f"| {size:,} | vector tiles: no data files | | | |")
                continue
            splits.append(f"| {size:,} | {row['data']:,.0f} ms ({row['parse']:,.0f} ms) "
                          f"| {row['draw']:,.0f} ms | {row['rest']:,.0f} ms "
                          f"| {row['rest_without_reader']:,.0f} ms |")
    print("\nWhere ready's time goes (medians; the last without reader.js, once):\n")
    print("| features | data files in (parse alone) | layers built | rest of start "
          "| rest without reader.js |")
    print("|---:|---:|---:|---:|---:|")
    print("\n".join(splits))


if __name__ == "__main__":
    main()
