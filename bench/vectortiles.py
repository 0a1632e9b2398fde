"""Data files against vector tiles: where the page's JSON path gets worse than the tiles.

`python bench/vectortiles.py [--sizes 10000,30000,100000] [--modes json,tiles]` builds each
catalogue (bench/scale_data.py), times the vector-tile archive's build alone
(mapapp/vectortiles.py: seconds, MiB), then serves it as the Procfile does, once with the
data files (MAPAPP_VECTOR_TILES_FROM=0) and once from vector tiles (=1), and prints per
size and mode: start-up, navigation to ready in Chromium (375×667, /embed), to the first
tiles drawn (tiles only), to the index of places loaded and its features made (tiles only:
mapapp-placeindex.js, fetched after ready and the first tiles), a zoom and a pan, the
longest main-thread task until ready, from ready until the index is in (in brackets: from
the index's fetch until it is in, its own tasks) and in the whole run, the tab's
JavaScript heap (CDP Performance.getMetrics JSHeapUsedSize, after the moves) and the
largest worker's memory. One load each: numbers from a loaded machine are noisy.
`--url http://127.0.0.1:8000/embed` measures only that page of a server already running
from vector tiles.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scale import CATCH_MAP, TIME_MOVE
from scale_data import build
from servers import LOOPBACK, catalogue_server, children, rss_mib


def archive_figures(data_dir: Path) -> tuple[float, float]:
    """(seconds, MiB) of building the archive alone, in this process."""
    from mapapp.catalogue import load_catalogue
    from mapapp.vectortiles import build_archive

    catalogue = load_catalogue(data_dir)
    began = time.perf_counter()
    archive = build_archive(catalogue)
    return time.perf_counter() - began, len(archive) / 2**20


# Every long task, to tell those before ready from those after (the index of places).
CATCH_TASKS = """
window.benchTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.benchTasks.push([entry.startTime, entry.duration]);
}).observe({ type: "longtask", buffered: true });
"""


# The longest task begun between two marks (null: from navigation), counted whole.
LONGEST_BETWEEN = """([from, to]) => {
  const at = (mark) => (mark ? performance.getEntriesByName(mark)[0].startTime : 0);
  const [first, last] = [at(from), at(to)];
  return Math.max(0, ...window.benchTasks
    .filter(([start]) => start >= first && start < last).map(([, d]) => d));
}"""


def page_figures(url: str, tiles: bool) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        context = browser.new_context(viewport={"width": 375, "height": 667})
        page = context.new_page()
        page.set_default_timeout(900_000)
        page.add_init_script(CATCH_MAP)
        page.add_init_script(CATCH_TASKS)
        page.route(f"re:^https?://(?!{LOOPBACK}[:/])", lambda route: route.abort())
        page.goto(url)
        page.wait_for_selector("html[data-map-state=ready]", state="attached")
        row = {"ready": page.evaluate(
            "performance.getEntriesByName('mapapp:ready')[0].startTime")}
        if tiles:
            page.wait_for_selector("html[data-vector-tiles=drawn]", state="attached")
            row["tiles"] = page.evaluate(  # mapapp-vectortiles.js marks the first tiles drawn
                "performance.getEntriesByName('mapapp:tiles')[0].startTime")
            page.wait_for_selector("html[data-places=loaded]", state="attached")
            row["places"] = page.evaluate(  # mapapp-placeindex.js marks the index in
                "performance.getEntriesByName('mapapp:places')[0].startTime")
        row["zoom"] = page.evaluate(TIME_MOVE, "zoom")
        row["pan"] = page.evaluate(TIME_MOVE, "pan")
        page.wait_for_timeout(500)
        row["longest"] = page.evaluate("window.benchLongest")
        row["longest_to_ready"] = page.evaluate(LONGEST_BETWEEN, [None, "mapapp:ready"])
        if tiles:  # from ready until the index is in (its fetch, parse and features)
            row["longest_to_places"] = page.evaluate(
                LONGEST_BETWEEN, ["mapapp:ready", "mapapp:places"])
            # the index's own: from its fetch (after the first tiles) until it is in
            row["longest_index"] = page.evaluate(
                LONGEST_BETWEEN, ["mapapp:placesfetch", "mapapp:places"])
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        row["heap"] = metrics["JSHeapUsedSize"] / 2**20
        browser.close()
    return row


def measure(data_dir: Path, mode: str) -> dict[str, float]:
    tiles_from = "1" if mode == "tiles" else "0"
    with catalogue_server(data_dir, MAPAPP_VECTOR_TILES_FROM=tiles_from) as (base, process, start):
        row = {"start": start}
        row.update(page_figures(base + "/embed", mode == "tiles"))
        row["rss"] = max(rss_mib(pid) for pid in children(process.pid))
    return row


LONGEST_HEAD = "longest task to ready / ready to places in (index fetch to in) / in all"


def longest_text(row: dict[str, float]) -> str:
    to_places = f"{row['longest_to_places']:,.0f}" if "longest_to_places" in row else "–"
    index = f"{row['longest_index']:,.0f}" if "longest_index" in row else "–"
    return f"{row['longest_to_ready']:,.0f} / {to_places} ({index}) / {row['longest']:,.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,30000,100000")
    parser.add_argument("--modes", default="json,tiles")
    parser.add_argument("--data", type=Path, default=None,
                        help="folder to keep the built catalogues in (default: temporary)")
    parser.add_argument("--url", default=None,
                        help="only measure this page of a server already running and drawing "
                             "from vector tiles (e.g. http://127.0.0.1:8000/embed)")
    args = parser.parse_args()
    if args.url:
        row = page_figures(args.url, True)
        print("| ready | tiles drawn | places in | zoom / pan "
              f"| {LONGEST_HEAD} | JS heap |")
        print("|---:|---:|---:|---:|---:|---:|")
        print(f"| {row['ready']:,.0f} ms | {row['tiles']:,.0f} ms | {row['places']:,.0f} ms | "
              f"{row['zoom']:,.0f} / {row['pan']:,.0f} ms | {longest_text(row)} | "
              f"{row['heap']:,.0f} MiB |", flush=True)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.modes.split(",")
    print("| features | archive build | archive | mode | start | ready | tiles drawn "
          f"| places in | zoom / pan | {LONGEST_HEAD} | JS heap | worker RSS |")
    print("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            data_dir = (args.data or Path(tmp)) / f"catalogue-{size}"
            if not (data_dir / "catalogue.json").exists():
                build(size, data_dir)
            seconds, mib = archive_figures(data_dir)
            for mode in modes:
                row = measure(data_dir, mode)
                tiles = f"{row['tiles']:,.0f} ms" if "tiles" in row else "–"
                places = f"{row['places']:,.0f} ms" if "places" in row else "–"
                print(f"| {size:,} | {seconds:.1f} s | {mib:.1f} MiB | {mode} | "
                      f"{row['start']:.1f} s | {row['ready']:,.0f} ms | {tiles} | {places} | "
                      f"{row['zoom']:,.0f} / {row['pan']:,.0f} ms | {longest_text(row)} | "
                      f"{row['heap']:,.0f} MiB | {row['rss']:,.0f} MiB |", flush=True)


if __name__ == "__main__":
    main()
