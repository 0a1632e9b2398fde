"""What compressing the app's real answers costs, level by level: the measurement behind
the fast path's levels (mapapp.readyanswer: FAST_LEVELS for an answer compressed on
demand, HEAVY_LEVELS for the entries asked for again and again).

    python bench/compression.py [--repeat 15]

For each body (pages, API answers, a data file, the largest asset), built in-process
from the bundled data: its size, then for gzip and brotli at each level the bytes and
the fastest of `--repeat` compressions (the minimum is the least disturbed by other
load on the machine), and the share of the body's request those milliseconds are.
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
import time
from pathlib import Path

import brotli

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import ROOT, machine

LEVELS = [("gzip", 1), ("gzip", 3), ("gzip", 5), ("gzip", 6), ("gzip", 9),
          ("br", 3), ("br", 4), ("br", 5), ("br", 6), ("br", 9), ("br", 11)]
URLS = ["/api/collections/pipelines/items", "/api/collections/rail-routes/items?limit=3",
        "/api/collections", "/api/openapi", "/embed", "/api/collections/pipelines/items?f=csv"]


def fastest(compress, body: bytes, repeat: int) -> tuple[float, int]:
    """(ms of the fastest of `repeat` runs, compressed bytes)."""
    best = float("inf")
    out = b""
    for _ in range(repeat):
        started = time.perf_counter()
        out = compress(body)
        best = min(best, time.perf_counter() - started)
    return best * 1000, len(out)


def compressor(encoding: str, level: int):
    if encoding == "br":
        return lambda body: brotli.compress(body, quality=level)
    return lambda body: gzip.compress(body, level, mtime=0)


def bodies() -> dict[str, bytes]:
    from mapapp import create_app

    app = create_app({"MAPAPP_DATA_DIR": str(ROOT / "geodata")})
    client = app.test_client()
    found = {url: client.get(url).data for url in URLS}
    page = client.get("/embed").get_data(as_text=True)
    assets = sorted(set(re.findall(r'src="/?(assets/[^"]+\.js)"', page)))
    largest = max(assets, key=lambda path: len(client.get("/" + path).data))
    found["/" + largest] = client.get("/" + largest).data
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"machine: {machine()}; each cell: ms (fastest of {args.repeat}) / KiB")
    print(f"{'body':<46}{'KiB':>7}" + "".join(f"{f'{e} {q}':>14}" for e, q in LEVELS))
    for url, body in bodies().items():
        cells = []
        for encoding, level in LEVELS:
            repeat = 3 if level >= 9 and encoding == "br" else args.repeat
            ms, size = fastest(compressor(encoding, level), body, repeat)
            cells.append(f"{ms:7.2f}/{size / 1024:6.1f}")
        print(f"{url[:46]:<46}{len(body) / 1024:7.1f}" + "".join(f"{c:>14}" for c in cells),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
