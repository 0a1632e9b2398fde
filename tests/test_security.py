"""Security headers on every response, CORS for the API, and a CSP that Chromium
enforces without a single violation on the real pages."""

from __future__ import annotations

import pytest

from mapapp import create_app
from tests.conftest import FIXTURE_DATA

PATHS = ["/", "/embed", "/api", "/api/collections", "/api/collections/energy/items",
         "/api/collections/energy/items/campus", "/healthz", "/embed.js", "/oembed",
         "/api/collections/nope/items", "/nowhere", "/embed?layers=nope"]


def csp(response) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in
            (part.strip() for part in response.headers["Content-Security-Policy"].split(";"))}


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_headers(client, path):
    response = client.get(path)
    policy = csp(response)
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["img-src"] == "'self' data: https://tile.openstreetmap.org"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "geolocation=()" in response.headers["Permissions-Policy"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_the_public_url_is_https():
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA),
                      "MAPAPP_PUBLIC_URL": "https://map.example.org"})
    response = app.test_client().get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_tile_host_of_a_provider_with_subdomains():
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA), "MAPAPP_TILES": "OpenTopoMap"})
    policy = csp(app.test_client().get("/"))
    assert policy["img-src"] == "'self' data: https://*.tile.opentopomap.org"


@pytest.mark.parametrize("path", ["/api/collections", "/api/collections/energy/items",
                                  "/oembed?url=http://localhost/"])
def test_api_is_readable_cross_origin(client, path):
    response = client.get(path, headers={"Origin": "https://news.example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_preflight_allows_get_only(client):
    response = client.options("/api/collections",
                              headers={"Origin": "https://a.example",
                                       "Access-Control-Request-Method": "GET"})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"


def test_pages_are_not_cross_origin_readable(client):
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/", "/embed?feature=zhanatas-wind-farm"])
def test_chromium_reports_no_csp_violation(browser, live_server, path):
    page = browser.new_page()
    page.add_init_script("window.__violations = []; document.addEventListener("
                         "'securitypolicyviolation', (e) => window.__violations.push("
                         "e.violatedDirective + ' ' + e.blockedURI));")
    page.route("**/*", lambda route: route.abort()
               if not route.request.url.startswith(live_server) else route.continue_())
    page.goto(live_server + path)
    page.wait_for_selector("html[data-map-state=ready]")
    if path == "/":
        page.get_by_role("button", name="Share").click()
        page.locator('[data-feature-id="turgusun-hpp"]').click(force=True)
    assert page.evaluate("window.__violations") == []
    # the listener does catch what the policy forbids
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(100)
    assert page.evaluate("window.__violations") == ["style-src-attr inline"]
    page.close()
