"""How a big catalogue is best drawn: the page as served against the same page with one
of its drawing choices (mapapp/drawing.py) turned off, in headless Chromium.

For each size it serves a synthetic catalogue (bench/scale_data.py) as the Procfile does,
and for each variant changes the page's `data.drawing` as the page reads it:

- served: as mapapp/drawing.py chose for this size;
- svg: no canvas (one SVG element per line and per point drawn);
- canvas: a canvas for every path;
- no clusters: every point drawn on its own (the script of markercluster stays loaded).

It prints ready, zoom / pan and the longest task as bench/scale.py measures them, the
median of 3 loads for ready, /embed at 375×667, tiles refused.

    python bench/drawing.py [--sizes 1000,10000]

Sends traffic only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import CATCH_MAP, TIME_MOVE
from scale_data import build
from servers import LOOPBACK, ROOT, free_port, machine, procfile_command, wait_for

VARIANTS = {
    "served": {},
    "svg": {"canvas": False},
    "canvas": {"canvas": True},
    "no clusters": {"cluster": False},
}


# Changes the page's `data.drawing` as mapapp-core.js parses the data block.
CHANGE_DRAWING = """
((change) => {
  const parse = JSON.parse;
  JSON.parse = function (...args) {
    const value = parse.apply(this, args);
    if (value && value.drawing && value.collections) Object.assign(value.drawing, change);
    return value;
  };
})(%s);
"""


def figures(url: str, change: dict[str, bool], loads: int = 3) -> tuple[float, ...]:
    """(ready ms median, zoom ms, pan ms, longest task ms) of `url` drawn with `change`."""
    from playwright.sync_api import sync_playwright

    ready: list[float] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        for _ in range(loads):
            context = browser.new_context(viewport={"width": 375, "height": 667})
            page = context.new_page()
            page.set_default_timeout(600_000)
            page.add_init_script(CATCH_MAP)
            page.add_init_script(CHANGE_DRAWING % json.dumps(change))
            page.route(f"re:^https?://(?!{LOOPBACK}[:/])", lambda route: route.abort())
            page.goto(url)
            page.wait_for_selector("html[data-map-state=ready]", state="attached")
            ready.append(page.evaluate(
                "performance.getEntriesByName('mapapp:ready')[0].startTime"))
            zoom = page.evaluate(TIME_MOVE, "zoom")
            pan = page.evaluate(TIME_MOVE, "pan")
            page.wait_for_timeout(200)
            longest = page.evaluate("window.benchLongest")
            context.close()
        browser.close()
    return statistics.median(ready), zoom, pan, longest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="feature counts, comma-separated")
    args = parser.parse_args()
    print(f"# {machine()}")
    print("| features | drawing | ready | zoom / pan | longest task |")
    print("|---:|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            data_dir = build(size, Path(tmp) / f"data-{size}")
            port = free_port()
            base = f"http://{LOOPBACK}:{port}"
            env = {**os.environ, "MAPAPP_DATA_DIR": str(data_dir), "PORT": str(port)}
            process = subprocess.Popen([*procfile_command(), "--bind", f"{LOOPBACK}:{port}"],
                                       cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            try:
                wait_for(base + "/healthz", process, timeout=1800, interval=0.5)
                for name, change in VARIANTS.items():
                    ready, zoom, pan, longest = figures(base + "/embed", change)
                    print(f"| {size:,} | {name} | {ready:,.0f} ms | {zoom:,.0f} / {pan:,.0f} ms "
                          f"| {longest:,.0f} ms |", flush=True)
            finally:
                process.terminate()
                process.wait(timeout=60)


if __name__ == "__main__":
    main()
