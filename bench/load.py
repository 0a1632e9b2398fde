"""Load test: a real gunicorn with the Procfile's settings, on loopback, driven by wrk
with 64 concurrent connections for 30 s over a mix of pages, API and data.

    python bench/load.py [--connections 64] [--seconds 30]

Prints requests/s, p50/p99 latency and the count of socket errors and of answers other
than 2xx/3xx; the target is zero of both. It sends traffic only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import gunicorn, machine, wrk


def mix(base: str) -> list[str]:
    """/, /embed, the collections list and every collection's items, in turn."""
    with urllib.request.urlopen(base + "/api/collections") as response:
        ids = [c["id"] for c in json.load(response)["collections"]]
    return ["/", "/embed", "/api/collections", *(f"/api/collections/{i}/items" for i in ids)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with gunicorn() as (base, _):
        paths = mix(base)
        result = wrk(base, paths, args.connections, args.seconds,
                     {"Accept-Encoding": "gzip, br"})
    print(f"mix of {len(paths)} URLs, {args.connections} connections, {args.seconds} s "
          "(Accept-Encoding: gzip, br)")
    print(f"requests/s {result.rps:,.0f}  p50 {result.p50_ms:.2f} ms  p99 {result.p99_ms:.2f} ms")
    print(f"requests {result.requests:,}  socket errors {result.socket_errors}  "
          f"non-2xx/3xx {result.bad_status}")
    return 0 if result.socket_errors == 0 and result.bad_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
