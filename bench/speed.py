"""Speed and scale, measured in one run on one machine:

1. the app under gunicorn (Procfile settings), the static export under nginx (or
   Python's http.server), and the naive per-request folium route under gunicorn with
   the same number of workers (gunicorn's threaded WSGI worker: it is a Flask app),
   each driven by wrk with the same load over the same two URLs (the embed page and one
   collection's items): requests/s, p50/p99, and the ratios app/static and app/naive;
   and, for comparison, the same app as a plain WSGI app (`mapapp:create_app()`, the
   same fast path inside) under gunicorn's threaded worker;
2. in headless Chromium, navigation to data-map-state="ready" for /embed (median of 10
   loads, tiles blocked) and the page weight (everything but tiles), next to folium's
   default page for the same data;
3. the resident memory of the gunicorn master and each worker;
4. new URLs: the app under wrk with 32 connections asking gzip, for one collection's
   items asked again and again, with a new `bbox` on every request, and with a new
   `limit` on every request (what a GIS client does while panning or paging; each is
   rendered and compressed on demand).

    python bench/speed.py [--connections 64] [--seconds 10] [--collection pipelines]
    python bench/speed.py --new-urls-only   # part 4 alone

Sends traffic only to 127.0.0.1. Needs wrk (and nginx) from Debian's packages; for the
weight of folium's default assets it fetches the same library versions from the npm
registry into bench/.cache (folium itself loads them from four CDN hosts).
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import subprocess
import sys
import tarfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers import (
    LoadResult,
    children,
    exported_site,
    gunicorn,
    machine,
    procfile_command,
    rss_mib,
    static_server,
    wrk,
)

CACHE = Path(__file__).resolve().parent / ".cache"
# folium 0.20's default assets, by the npm package of the same version (awesome-markers
# 2.0.2 is not on npm: 2.0.4 stands in); two small CSS files from CDNs have no package.
FOLIUM_ASSETS = {
    "leaflet@1.9.3": ["dist/leaflet.js", "dist/leaflet.css"],
    "jquery@3.7.1": ["dist/jquery.min.js"],
    "bootstrap@5.2.2": ["dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"],
    "leaflet.awesome-markers@2.0.4": ["dist/leaflet.awesome-markers.js",
                                      "dist/leaflet.awesome-markers.css"],
    "@fortawesome/fontawesome-free@6.2.0": ["css/all.min.css"],
}
NOT_ON_NPM = ["bootstrap-glyphicons.css (Bootstrap 3.0.0, CDN only)",
              "leaflet.awesome.rotate.min.css (folium's GitHub)"]


def wsgi_command(app: str, *options: str) -> list[str]:
    """The Procfile's gunicorn, serving a WSGI `app` in gunicorn's threaded worker."""
    command = procfile_command()
    command[-1] = app
    return [*command, *options, "--worker-class", "gthread", "--threads", "4"]


def load_table(results: dict[str, LoadResult], servers: dict[str, str]) -> None:
    print(f"{'server':<34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, result in results.items():
        print(f"{servers[name]:<34}{result.rps:>10,.0f}{result.p50_ms:>10.2f}"
              f"{result.p99_ms:>10.2f}{result.socket_errors + result.bad_status:>8}")
    app, static, naive = (results[k].rps for k in ("app", "static", "naive"))
    print(f"ratio app/static {app / static:.2f} (target >= 0.25); "
          f"app/naive {app / naive:.0f}x (target >= 30); "
          f"WSGI under gthread/static {results['wsgi'].rps / static:.2f}")


def ready_times(url: str, loads: int = 10) -> tuple[float, dict[str, int]]:
    """Median ms from navigation to data-map-state=ready (the page's own
    performance mark), each load in a new browser context (cold cache), and the bytes on
    the wire of the last load (body as sent, compressed), by resource, tiles left out."""
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    weights: dict[str, int] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"])
        for _ in range(loads):
            context = browser.new_context()
            page = context.new_page()
            # only what leaves loopback (the tiles) is intercepted, and refused
            page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"),
                       lambda route: route.abort())
            responses: list = []
            page.on("response", lambda response, seen=responses: seen.append(response))
            page.goto(url)
            page.wait_for_selector("html[data-map-state=ready]")
            times.append(page.evaluate(
                "performance.getEntriesByName('mapapp:ready')[0].startTime"))
            weights = {r.url: r.request.sizes()["responseBodySize"]
                       + r.request.sizes()["responseHeadersSize"] for r in responses}
            context.close()
        browser.close()
    return statistics.median(times), weights


def gzip_size(url: str) -> int:
    """What a resource weighs fetched with Accept-Encoding: gzip (body bytes)."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        return len(response.read())


def folium_default_weight() -> tuple[int, int, int]:
    """(html gzip, assets raw, assets gzip) of folium's default page for the same data."""
    from naive_app import folium_page

    html = folium_page().encode()
    raw = compressed = 0
    CACHE.mkdir(exist_ok=True)
    for package, files in FOLIUM_ASSETS.items():
        tarball = CACHE / (package.replace("@", "-").replace("/", "-").lstrip("-") + ".tgz")
        if not tarball.exists():
            packed = subprocess.run(["npm", "pack", package, "--silent"], cwd=CACHE,
                                    capture_output=True, text=True, check=True).stdout.split()
            (CACHE / packed[-1]).rename(tarball)
        with tarfile.open(tarball) as archive:
            for name in files:
                body = archive.extractfile(f"package/{name}").read()
                raw += len(body)
                compressed += len(gzip.compress(body, 6))
    return len(gzip.compress(html, 6)), raw, compressed


# Lua expressions of n (unique per request): a box that moves a little on every request,
# over the country as a panning client's would; a limit from 1 to 1,000 (the maximum)
# with the offset going up by one every 1,000 requests, so no URL repeats.
NEW_BBOX = ('string.format("{items}?bbox=%.6f,%.6f,%.6f,%.6f", 46 + (n % 9973) * 0.003, '
            '40 + (n % 997) * 0.005, 80 - (n % 991) * 0.003, 56 - (n % 983) * 0.005)')
NEW_LIMIT = 'string.format("{items}?limit=%d&offset=%d", n % 1000 + 1, math.floor(n / 1000))'


NEW_URL_CONNECTIONS = 32


def new_url_rows(base: str, items: str, seconds: int) -> dict[str, LoadResult]:
    """Part 4: the same items URL again and again, then a new URL on every request."""
    gzip_only = {"Accept-Encoding": "gzip"}
    connections = NEW_URL_CONNECTIONS
    return {
        "items, the same URL": wrk(base, [items], connections, seconds, gzip_only),
        "items, a new bbox every request": wrk(base, [], connections, seconds, gzip_only,
                                               NEW_BBOX.format(items=items)),
        "items, a new limit every request": wrk(base, [], connections, seconds, gzip_only,
                                                NEW_LIMIT.format(items=items)),
    }


def new_url_table(rows: dict[str, LoadResult], items: str, seconds: int) -> None:
    print(f"\nnew URLs: {NEW_URL_CONNECTIONS} connections, {seconds} s each, "
          f"Accept-Encoding: gzip, {items}")
    print(f"{'request':<36}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, result in rows.items():
        print(f"{name:<36}{result.rps:>10,.0f}{result.p50_ms:>10.2f}{result.p99_ms:>10.2f}"
              f"{result.socket_errors + result.bad_status:>8}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--collection", default="pipelines")
    parser.add_argument("--new-urls-only", action="store_true")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    if args.new_urls_only:
        with gunicorn() as (app_base, _):
            items = f"/api/collections/{args.collection}/items"
            new_url_table(new_url_rows(app_base, items, args.seconds), items, args.seconds)
        return 0
    items = f"/api/collections/{args.collection}/items"
    naive = wsgi_command("naive_app:app", "--chdir", str(Path(__file__).resolve().parent))
    wsgi = wsgi_command("mapapp:create_app()")
    results: dict[str, LoadResult] = {}
    with exported_site() as site, static_server(site) as (static_base, static_name):
        with gunicorn() as (app_base, app_process):
            results["app"] = wrk(app_base, ["/embed", items], args.connections, args.seconds)
            memory = [rss_mib(app_process.pid)] + [rss_mib(p) for p in children(app_process.pid)]
            new_urls = new_url_rows(app_base, items, args.seconds)
            ready_ms, weights = ready_times(app_base + "/embed")
            gzipped = {url: gzip_size(url) for url in weights}
            static_ready_ms, _ = ready_times(static_base + "/embed.html")
        results["static"] = wrk(static_base, ["/embed.html", f"/data/{args.collection}.geojson"],
                                args.connections, args.seconds)
        with gunicorn(wsgi) as (wsgi_base, _):
            results["wsgi"] = wrk(wsgi_base, ["/embed", items], args.connections, args.seconds)
        with gunicorn(naive) as (naive_base, _):
            results["naive"] = wrk(naive_base, ["/embed", items], args.connections, args.seconds)
    print(f"\nload: {args.connections} connections, {args.seconds} s each, "
          f"URLs: the embed page and {items} (no compression asked)")
    load_table(results, {"app": "app (gunicorn, Procfile)", "static": f"static ({static_name})",
                         "naive": "naive folium route (gthread)",
                         "wsgi": "same app as WSGI (gthread)"})
    print(f"\nChromium, /embed, navigation to ready, median of 10: app {ready_ms:.0f} ms, "
          f"static export {static_ready_ms:.0f} ms (target < 500 ms)")
    html_gz, folium_raw, folium_gz = folium_default_weight()
    folium_total = html_gz + folium_gz
    # With tiles blocked the page fetches its outline basemap, which stands in for the
    # tiles; with tiles it does not. Both are shown; the comparison leaves tiles out.
    fallback = [url for url in weights if "basemap" in url]
    page_urls = [url for url in weights if url not in fallback]
    wire = sum(weights[url] for url in page_urls)
    ours_gzip = sum(gzipped[url] for url in page_urls)
    fallback_gzip = sum(gzipped[url] for url in fallback)
    print(f"page weight of /embed: {ours_gzip / 1024:.1f} KiB gzip, {len(page_urls)} requests "
          f"({wire / 1024:.1f} KiB on the wire as Chromium asked, brotli); the outline basemap "
          f"fetched when tiles fail adds {fallback_gzip / 1024:.1f} KiB gzip")
    print(f"folium default page, same data: {folium_total / 1024:.1f} KiB gzip "
          f"(HTML {html_gz / 1024:.1f} KiB + assets {folium_gz / 1024:.1f} KiB gzip, "
          f"{folium_raw / 1024:.0f} KiB raw; not counted: {', '.join(NOT_ON_NPM)})")
    print(f"ratio ours/folium (gzip) {ours_gzip / folium_total:.2f} (target <= 0.5); "
          f"with the basemap fallback {(ours_gzip + fallback_gzip) / folium_total:.2f}")
    print(f"\nresident memory: master {memory[0]:.0f} MiB, workers "
          + ", ".join(f"{m:.0f} MiB" for m in memory[1:]))
    new_url_table(new_urls, items, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
