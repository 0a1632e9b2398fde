"""Every route fuzzed: no 5xx, no stack trace, errors in the documented shape.

Hypothesis drives the app in-process over every route with random segments, query
parameters and values; raw requests to a live gunicorn cover what a client library
would not send (path traversal, invalid UTF-8 and percent-encoding, huge lines and
headers, other methods). The API is also fuzzed from its OpenAPI document by
schemathesis in test_gis_clients.py.
"""

from __future__ import annotations

import json
import socket
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.structures import CaseInsensitiveDict

from mapapp import create_app
from tests.conftest import FIXTURE_DATA

ROUTES = ["/", "/embed", "/oembed", "/embed.js", "/healthz", "/assets/{x}", "/api", "/api/",
          "/api/conformance", "/api/openapi", "/api/collections", "/api/collections/{c}",
          "/api/collections/{c}/items", "/api/collections/{c}/items/{x}",
          "/api/collections/{c}/schema", "/api/download.gpkg", "/favicon.ico", "/{x}"]
PARAMETERS = ["layers", "feature", "controls", "legend", "lang", "status", "theme", "limit",
              "offset", "bbox", "datetime", "f", "crs", "url", "maxwidth", "maxheight",
              "format", "x"]
HTML_ERRORS = ("/", "/embed")  # a wrong map URL is answered with a short HTML page

APP = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})

segment = st.one_of(st.sampled_from(["energy", "routes", "campus", "..", "%2e%2e", "", "a/b"]),
                    st.text(min_size=1, max_size=30))
value = st.one_of(st.sampled_from(["", "0", "1", "-1", "energy", "wind-farm", "1,2,3,4",
                                   "1e999", "nan", "json", "csv", "http://localhost/embed",
                                   "2024-01-01/..", "9" * 30]),
                  st.text(max_size=40))


def check(response, path: str, method: str) -> None:
    data = response.get_data()
    # 501 is oEmbed's answer to format=xml; no other 5xx is allowed
    allowed = 502 if b"format 'xml' is not served" in data else 500
    assert response.status_code < allowed, (path, response.status_code, data[:300])
    assert b"Traceback" not in data
    if response.status_code >= 400 and method != "HEAD":
        body = data.decode()
        if path.split("?")[0] in HTML_ERRORS and response.status_code == 400:
            assert response.content_type == "text/html; charset=utf-8"
            if path.split("?")[0] == "/embed":  # the map, with a notice naming the value
                assert 'class="mapapp-url-notice-problem"' in body
            else:
                assert '<p id="problem">' in body
        else:
            assert response.content_type == "application/json", (path, response.content_type)
            document = json.loads(body)
            assert set(document) == {"code", "description"}
            assert document["code"] == response.status_code


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), c=segment, x=segment,
       query=st.lists(st.tuples(st.one_of(st.sampled_from(PARAMETERS), st.text(max_size=10)),
                                value), max_size=4),
       method=st.sampled_from(["GET", "GET", "HEAD"]))
def test_no_route_fails(route, c, x, query, method):
    path = route.format(c=quote(c, safe="%/."), x=quote(x, safe="%/."))
    client = APP.test_client()
    response = client.open(path, method=method, query_string=query)
    check(response, path, method)


@pytest.fixture(scope="module")
def raw(live_server):
    host, port = live_server.removeprefix("http://").split(":")

    def send(request: bytes) -> tuple[int, CaseInsensitiveDict, bytes]:
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(request)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = CaseInsensitiveDict(line.split(": ", 1) for line in lines[1:] if ": " in line)
        return int(lines[0].split()[1]), headers, body

    return send


def request(target: bytes, method: bytes = b"GET", extra: bytes = b"") -> bytes:
    return (method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra
            + b"Connection: close\r\n\r\n")


@pytest.mark.parametrize("target", [
    b"/assets/../mapapp/__init__.py", b"/assets/%2e%2e/%2e%2e/etc/passwd",
    b"/static/../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"/assets/..%2fsettings.py",
    b"/assets/%c0%ae%c0%ae/etc/passwd", b"/geodata/catalogue.json", b"/../README.md",
])
def test_path_traversal_finds_nothing(raw, target):
    status, _, body = raw(request(target))
    assert status in (400, 404)
    assert b"root:" not in body and b"import" not in body


@pytest.mark.parametrize(("target", "status"), [
    (b"/%ff%fe", 404), (b"/api/collections?%zz=1", 400), (b"/api/collections/%ff/items", 404),
    (b"/embed?layers=%ff", 400), (b"/api/collections?limit=1&limit=2", 400),
    (b"/api/collections/pipelines/items?limit=1&limit=2", 400),
    (b"/?" + b"x" * 3000, 400), (b"/embed?feature=" + b"%" * 2000, 400),
])
def test_odd_requests_get_a_clean_client_error(raw, target, status):
    got, _, body = raw(request(target))
    assert got == status
    assert b"Traceback" not in body


@pytest.mark.parametrize(("sent", "status", "words"), [
    (request(b"/\xff\xfe"), 400, "not valid HTTP"),
    (request(b"/?\xff=1"), 400, "not valid HTTP"),
    (b"GARBAGE\r\n\r\n", 400, "not valid HTTP"),
    (request(b"/?" + b"a=b&" * 3000), 414, "request target is 12001 bytes"),
    (request(b"/", extra=b"X-Long: " + b"y" * 20000 + b"\r\n"), 431, "'x-long'"),
    (request(b"/", extra=b"".join(b"X-%d: 1\r\n" % i for i in range(150))), 431,
     "request headers"),
    (request(b"/", extra=b"X-Huge: " + b"y" * 200_000 + b"\r\n"), 431, "request head is over"),
])
def test_bad_and_oversized_requests_get_a_json_client_error(raw, sent, status, words):
    got, headers, body = raw(sent)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src" in headers["Content-Security-Policy"]
    assert json.loads(body)["code"] == status
    assert words in json.loads(body)["description"]


def test_other_methods(raw):
    status, headers, _ = raw(request(b"/embed", method=b"POST", extra=b"Content-Length: 0\r\n"))
    assert status == 405
    assert set(headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    status, headers, body = raw(request(b"/api/collections", method=b"DELETE"))
    assert status == 405 and json.loads(body)["code"] == 405
    status, headers, _ = raw(request(b"/", method=b"OPTIONS"))
    assert status == 200 and "GET" in headers["Allow"]
    status, headers, body = raw(request(b"/embed", method=b"HEAD"))
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
