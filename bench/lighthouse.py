"""Lighthouse on `/` and `/embed`, as web teams measure pages, in one run.

The app runs as the Procfile runs it, with its tiles from a local tile server (a plain
256×256 PNG for every tile, 512×512 for the high-density ones Leaflet asks for with `{r}`
on a phone's screen, at tiles.localhost, another origin on loopback) so that no request
fails; with `--tiles unreachable` the tile URL points at a closed port instead, as
when a reader's
network blocks the tile server. Lighthouse is the npm package (run through npx), mobile
profile with simulated throttling, in Debian's Chromium:

    python bench/lighthouse.py [--runs 3] [--tiles served|unreachable] [--pages /,/embed]
                               [--reports DIR]

It prints, for each page, the median of each category's score over the runs and the
median first contentful paint, largest contentful paint, total blocking time and layout
shift, then every audit that failed in any run. Needs Node 20 and npx; sends traffic only
to loopback (npx may fetch the package once from the npm registry).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import LOOPBACK, free_port, gunicorn, machine

LIGHTHOUSE = "lighthouse@12.2.3"
# *.localhost resolves to loopback in Chromium, and Lighthouse counts it as secure
TILE_HOST = "tiles.localhost"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
METRICS = {"first-contentful-paint": "FCP", "largest-contentful-paint": "LCP",
           "total-blocking-time": "TBT", "cumulative-layout-shift": "CLS"}


def png_tile(rgb: tuple[int, int, int] = (236, 234, 228), size: int = 256) -> bytes:
    """A plain tile as a PNG, written with the standard library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\x00" + bytes(rgb) * size
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size, 9)) + chunk(b"IEND", b""))


class TileHandler(BaseHTTPRequestHandler):
    """Any tile: 256 px, or 512 px where Leaflet asks for the high-density one (`@2x`)."""

    tiles: ClassVar[dict[bool, bytes]] = {False: png_tile(), True: png_tile(size=512)}

    def do_GET(self) -> None:
        tile = self.tiles["@2x" in self.path]
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(tile)))
        self.send_header("Cache-Control", "public, max-age=86400")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.end_headers()
        self.wfile.write(tile)

    def log_message(self, format: str, *args: object) -> None:
        pass


def run_lighthouse(url: str, out: Path) -> dict:
    """One Lighthouse run (mobile, simulated throttling); its JSON report."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    for attempt in range(3):  # Lighthouse now and then fails to record a trace (NO_NAVSTART)
        done = subprocess.run(
            ["npx", "-y", LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={out}",
             "--form-factor=mobile", "--throttling-method=simulate",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
            env=env, stdout=subprocess.DEVNULL)
        if done.returncode == 0:
            return json.loads(out.read_text())
        print(f"# Lighthouse failed on {url} (attempt {attempt + 1}); again", flush=True)
    raise SystemExit(f"Lighthouse failed three times on {url}")


def examples(audit: dict, most: int = 2) -> str:
    """What an audit found, in a few words: the first items of its details."""
    items = (audit.get("details") or {}).get("items") or []
    found = []
    for item in items[:most]:
        value = item.get("url") or item.get("description") or item.get("source") or item
        if isinstance(value, dict):
            value = value.get("url") or value.get("snippet") or json.dumps(value)[:80]
        found.append(str(value)[:100])
    return f" ({'; '.join(found)})" if found else ""


def summary(reports: list[dict]) -> tuple[dict[str, float], dict[str, float], set[str]]:
    """Median scores, median metrics, and the audits that failed in any report."""
    scores = {c: statistics.median(r["categories"][c]["score"] for r in reports)
              for c in CATEGORIES}
    metrics = {name: statistics.median(r["audits"][audit]["numericValue"] for r in reports)
               for audit, name in METRICS.items()}
    failed = {f"{audit_id}: {audit['title']}{examples(audit)}"
              for r in reports for category in CATEGORIES
              for ref in r["categories"][category]["auditRefs"] if ref["weight"] > 0
              for audit_id in [ref["id"]] for audit in [r["audits"][audit_id]]
              if audit["score"] is not None and audit["score"] < 1
              and audit["scoreDisplayMode"] in ("binary", "numeric")
              and category != "performance"}
    return scores, metrics, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tiles", choices=("served", "unreachable"), default="served")
    parser.add_argument("--pages", default="/,/embed")
    parser.add_argument("--reports", type=Path, default=None,
                        help="a folder to keep each run's JSON report in (to open in a viewer)")
    args = parser.parse_args()

    tile_port = free_port()
    tiles = ThreadingHTTPServer((LOOPBACK, tile_port), TileHandler)
    threading.Thread(target=tiles.serve_forever, daemon=True).start()
    if args.tiles == "unreachable":
        tiles.shutdown()
        tiles.server_close()
    os.environ["MAPAPP_TILES"] = f"http://{TILE_HOST}:{tile_port}/{{z}}/{{x}}/{{y}}{{r}}.png"
    os.environ["MAPAPP_TILES_ATTRIBUTION"] = "local test tiles"
    print(f"# {machine()}; {LIGHTHOUSE}, mobile, simulated throttling; tiles {args.tiles}; "
          f"median of {args.runs} runs")
    print(f"{'page':<10}" + "".join(f"{c:>16}" for c in CATEGORIES)
          + "".join(f"{m:>9}" for m in METRICS.values()))
    notes: list[str] = []
    with gunicorn() as (base, _), tempfile.TemporaryDirectory() as tmp:
        base = base.replace(LOOPBACK, "localhost")  # Lighthouse's own origin checks
        for page in args.pages.split(","):
            folder = args.reports or Path(tmp)
            folder.mkdir(parents=True, exist_ok=True)
            name = page.strip("/").replace("/", "-") or "index"
            reports = [run_lighthouse(base + page, folder / f"{name}-{args.tiles}-{i}.json")
                       for i in range(args.runs)]
            scores, metrics, failed = summary(reports)
            print(f"{page:<10}" + "".join(f"{scores[c]:>16.2f}" for c in CATEGORIES)
                  + "".join(f"{v / 1000:>8.2f}s" if m != "CLS" else f"{v:>9.3f}"
                            for m, v in zip(METRICS.values(), metrics.values(), strict=True)),
                  flush=True)
            notes += [f"{page}  {audit}" for audit in sorted(failed)]
    if args.tiles == "served":
        tiles.shutdown()
    for note in notes:
        print("failed:", note)


if __name__ == "__main__":
    main()
