"""Pictures of the map, measured:

1. in this process: the time to render one picture (the default card, an open
   feature, the 2400 px print PNG, the SVG; median of `--repeat`) and the memory a
   render takes (Python's peak allocations by tracemalloc, and the growth of the
   process's peak resident size);
2. under gunicorn with the Procfile's settings: `--concurrent` clients (32) each ask
   at once for a distinct picture nobody asked before, while one client asks
   `/healthz` in a loop; it prints /healthz p50/p99/max before and while they render,
   how long the pictures took, and the workers' resident memory before and after;
3. the cache's bound: `--many` more distinct pictures, and the workers' memory after.

    python bench/pictures.py [--concurrent 32] [--many 200] [--repeat 5]

Sends traffic only to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import threading
import time
import tracemalloc
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import children, gunicorn, machine, rss_mib

from mapapp.catalogue import load_catalogue
from mapapp.picture import Renderer
from mapapp.settings import bundled_dir
from mapapp.viewstate import PictureRequest, ViewState

CASES = {
    "default card (PNG 1200x630)": PictureRequest(ViewState(), "png"),
    "open feature, Kazakh (PNG 1200x630)": PictureRequest(
        ViewState(feature="zhanatas-wind-farm", lang="kk"), "png"),
    "print (PNG 2400x1260)": PictureRequest(ViewState(lang="zh"), "png", 2400),
    "SVG": PictureRequest(ViewState(lang="ru"), "svg"),
}


def in_process(repeat: int) -> None:
    renderer = Renderer(load_catalogue(bundled_dir("geodata")))
    renderer.render(PictureRequest(ViewState(), "png"))  # fonts and caches warm
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("render time in one process (median of", repeat, "runs), Python peak allocations:")
    for name, request in CASES.items():
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            body = renderer.render(request)
            times.append(time.perf_counter() - start)
        tracemalloc.start()
        renderer.render(request)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  {name:40} {statistics.median(times) * 1000:6.0f} ms  "
              f"{len(body) / 1024:6.0f} KiB  peak {peak / 2**20:5.1f} MiB")
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process peak resident size grew {peak_after - peak_before:.0f} MiB "
          f"(to {peak_after:.0f} MiB) over these renders")


def get(url: str, timeout: float = 120) -> tuple[int, float]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=timeout) as response:
        response.read()
        return response.status, time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def health_line(label: str, latencies: list[float]) -> str:
    ms = [v * 1000 for v in latencies]
    return (f"  /healthz {label}: {len(ms)} requests, p50 {percentile(ms, 0.5):.1f} ms, "
            f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms):.1f} ms")


def probe_health(base: str, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        out.append(get(base + "/healthz", timeout=30)[1])
        time.sleep(0.01)


def workers_rss(master: int) -> list[float]:
    return [rss_mib(pid) for pid in children(master)]


def distinct_views(count: int, offset: int) -> list[str]:
    """Pictures nobody asked for before: a view each (and the four languages)."""
    langs = ("en", "ru", "kk", "zh")
    return [f"/image.png?lang={langs[i % 4]}&view=6/{40 + (i % 20) * 0.25}/{60 + i * 0.01:.2f}"
            for i in range(offset, offset + count)]


def under_load(concurrent: int, many: int) -> None:
    with gunicorn() as (base, process):
        get(base + "/image.png")  # each worker is warm once (fonts loaded at start)
        before = workers_rss(process.pid)
        quiet: list[float] = []
        stop = threading.Event()
        prober = threading.Thread(target=probe_health, args=(base, stop, quiet))
        prober.start()
        time.sleep(3)
        stop.set()
        prober.join()

        busy: list[float] = []
        results: list[tuple[int, float]] = []
        stop = threading.Event()
        prober = threading.Thread(target=probe_health, args=(base, stop, busy))
        clients = [threading.Thread(target=lambda url=url: results.append(get(base + url)))
                   for url in distinct_views(concurrent, 0)]
        prober.start()
        time.sleep(0.2)
        start = time.perf_counter()
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        wall = time.perf_counter() - start
        stop.set()
        prober.join()
        after = workers_rss(process.pid)

        statuses = sorted({status for status, _ in results})
        times = [t for _, t in results]
        print(f"\n{concurrent} concurrent requests for distinct new pictures "
              f"(2 workers, statuses {statuses}):")
        print(f"  all answered in {wall:.1f} s; each took p50 {percentile(times, 0.5):.1f} s, "
              f"max {max(times):.1f} s")
        print(health_line("before, idle", quiet))
        print(health_line(f"while the {concurrent} render", busy))
        print(f"  workers' resident memory: {', '.join(f'{m:.0f}' for m in before)} MiB before, "
              f"{', '.join(f'{m:.0f}' for m in after)} MiB after")

        start = time.perf_counter()
        for url in distinct_views(many, concurrent):
            get(base + url)
        print(f"\n{many} more distinct pictures, one after another "
              f"({(time.perf_counter() - start) / many * 1000:.0f} ms each): workers' "
              f"resident memory {', '.join(f'{m:.0f}' for m in workers_rss(process.pid))} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrent", type=int, default=32)
    parser.add_argument("--many", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    in_process(args.repeat)
    under_load(args.concurrent, args.many)
    return 0


if __name__ == "__main__":
    sys.exit(main())
