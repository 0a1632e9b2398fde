"""OGC API – Features with Flask's test client: documents, paging, bbox, datetime,
every refused parameter with its message, downloads, and the OpenAPI definition."""

from __future__ import annotations

import csv
import gc
import gzip
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from mapapp import create_app
from mapapp.catalogue import load_catalogue
from mapapp.downloads import Downloads
from mapapp.fastpath import FastPath
from mapapp.features import _json_type
from tests.conftest import FIXTURE_DATA, REAL_DATA

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
ITEMS = "/api/collections/energy/items"


def follow(client, url: str) -> tuple[list[str], list[dict]]:
    """Every feature id reached from `url` by following `next` links to the end."""
    ids: list[str] = []
    pages: list[dict] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        pages.append(page)
        ids += [feature["id"] for feature in page["features"]]
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), "")
    return ids, pages


def rels(document: dict) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in document["links"]}


def test_landing_page_links_to_the_rest(client):
    response = client.get("/api")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body["title"] == "Places cited from «A Test Article»"
    assert [(link["rel"], link["href"], link["type"]) for link in body["links"]] == [
        ("self", "http://localhost/api", "application/json"),
        ("service-desc", "http://localhost/api/openapi",
         "application/vnd.oai.openapi+json;version=3.0"),
        ("conformance", "http://localhost/api/conformance", "application/json"),
        ("data", "http://localhost/api/collections", "application/json"),
        ("enclosure", "http://localhost/api/download.gpkg", "application/geopackage+sqlite3"),
    ]
    assert client.get("/api/").data == response.data  # clients that join paths to "api/"


def test_conformance_declares_parts_1_2_3_and_cql2(client):
    response = client.get("/api/conformance?f=json")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    part3 = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/"
    cql2 = "http://www.opengis.net/spec/cql2/1.0/conf/"
    assert response.get_json() == {"conformsTo": [
        CORE + "core", CORE + "geojson", CORE + "oas30",
        "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
        part3 + "queryables", part3 + "queryables-query-parameters", part3 + "filter",
        part3 + "features-filter",
        cql2 + "cql2-text", cql2 + "cql2-json", cql2 + "basic-cql2",
        cql2 + "advanced-comparison-operators", cql2 + "basic-spatial-functions",
        cql2 + "basic-spatial-functions-plus", cql2 + "spatial-functions",
        cql2 + "property-property"]}


def test_collection_document_has_extent_crs_and_downloads(client):
    response = client.get("/api/collections/energy")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    assert body["extent"] == {"spatial": {"bbox": [[69.69, 43.25, 76.91, 43.49]], "crs": CRS84}}
    assert (body["itemType"], body["crs"], body["storageCrs"]) == ("feature", [
        CRS84, EPSG + "4326", EPSG + "3857"], CRS84)
    base = "http://localhost/api/collections/energy"
    assert [(link["rel"], link["href"], link["type"]) for link in body["links"]] == [
        ("items", f"{base}/items", "application/geo+json"),
        ("self", base, "application/json"),
        ("describedby", f"{base}/schema", "application/schema+json"),
        ("http://www.opengis.net/def/rel/ogc/1.0/queryables", f"{base}/queryables",
         "application/schema+json"),
        ("enclosure", f"{base}/items?f=csv", "text/csv; charset=utf-8"),
        ("enclosure", f"{base}/items?f=kml", "application/vnd.google-earth.kml+xml"),
        ("enclosure", f"{base}/items?f=gpkg", "application/geopackage+sqlite3"),
    ]
    assert client.get("/api/collections").get_json()["collections"][0] == body


def test_temporal_extent_spans_the_years_of_the_features(real_client):
    body = real_client.get("/api/collections/pipelines").get_json()
    assert body["extent"]["spatial"]["bbox"] == [[52.3113, 41.26602, 84.84878, 48.65142]]
    assert body["extent"]["temporal"] == {
        "interval": [["2003-01-01T00:00:00Z", "2015-12-31T23:59:59Z"]],
        "trs": "http://www.opengis.net/def/uri/ISO-8601/0/Gregorian"}


def test_schema_types_each_property_from_the_data(client):
    response = client.get("/api/collections/energy/schema")
    assert response.status_code == 200
    assert response.content_type == "application/schema+json"
    schema = response.get_json()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["geometry"]["properties"]["type"]["enum"] == ["Point"]
    properties = schema["properties"]["properties"]
    assert properties["required"] == ["name", "names", "kind", "status", "summary", "facts",
                                      "citations", "precision", "location_sources",
                                      "translations", "places"]
    assert properties["properties"] == {
        "name": {"type": "string"}, "kind": {"type": "string"},
        "status": {"type": "string"}, "summary": {"type": "string"},
        "precision": {"type": "string"},
        "error_km": {"type": "integer"}, "location_note": {"type": "string"},
    }
    # JSON structures by their exact names: GDAL then reads them as JSON values
    assert properties["patternProperties"] == {
        "^names$": {"type": "object"},
        "^facts$": {"type": "array", "items": {"type": "object"}},
        "^citations$": {"type": "array", "items": {"type": "object"}},
        "^location_sources$": {"type": "array", "items": {"type": "object"}},
        "^translations$": {"type": "object"},
        "^places$": {"type": "array", "items": {"type": "object"}},
    }


def test_every_real_feature_fits_its_collection_schema(real_client):
    for collection in load_catalogue(REAL_DATA).collections:
        schema = real_client.get(f"/api/collections/{collection.id}/schema").get_json()
        validator = Draft202012Validator(schema)
        for feature in collection.features:
            assert not list(validator.iter_errors(feature)), feature["id"]
    error_km = real_client.get("/api/collections/border-crossings/schema").get_json()[
        "properties"]["properties"]["properties"]["error_km"]
    assert error_km == {"type": "integer"}


def test_integers_and_decimals_together_are_numbers():
    """error_km 10 on the first page and 1.5 on a later one: GDAL must type a real."""
    assert _json_type([10, 1.5, 8]) == {"type": "number"}
    assert _json_type([10, 8]) == {"type": "integer"}


def test_items_page_counts_time_and_links(app, client):
    response = client.get(f"{ITEMS}?limit=1")
    assert response.status_code == 200
    assert response.content_type == "application/geo+json"
    body = response.get_json()
    assert [f["id"] for f in body["features"]] == ["wind-farm"]
    assert (body["numberMatched"], body["numberReturned"]) == (2, 1)
    assert body["timeStamp"] == app.extensions["mapapp"].catalogue.loaded_at  # of the data
    stamp = datetime.strptime(body["timeStamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert datetime.now(UTC) - timedelta(minutes=5) <= stamp <= datetime.now(UTC)
    url = "http://localhost" + ITEMS
    assert [(link["rel"], link["href"]) for link in body["links"]] == [
        ("self", f"{url}?limit=1"), ("next", f"{url}?limit=1&offset=1"),
        ("alternate", f"{url}?f=csv"), ("alternate", f"{url}?f=kml"),
        ("alternate", f"{url}?f=gpkg"), ("collection", "http://localhost/api/collections/energy"),
    ]


def test_items_without_parameters_keep_every_feature_of_the_file(client):
    body = client.get(ITEMS).get_json()
    on_disk = json.loads((FIXTURE_DATA / "energy.geojson").read_text(encoding="utf-8"))
    assert body["features"] == on_disk["features"]
    assert (body["numberMatched"], body["numberReturned"]) == (2, 2)
    assert "next" not in rels(body) and "prev" not in rels(body)


def test_prev_link_goes_back_and_keeps_the_other_parameters(client):
    body = client.get(f"{ITEMS}?bbox=60,40,80,45&limit=1&offset=1&f=json").get_json()
    links = rels(body)
    assert links["prev"] == ("http://localhost/api/collections/energy/items"
                             "?bbox=60,40,80,45&limit=1&offset=0&f=json")
    assert "next" not in links
    assert client.get(links["prev"]).get_json()["features"][0]["id"] == "wind-farm"


def test_paging_with_limit_2_reaches_every_real_feature_once(real_client):
    for collection in load_catalogue(REAL_DATA).collections:
        ids, pages = follow(real_client, f"/api/collections/{collection.id}/items?limit=2")
        assert ids == [f["id"] for f in collection.features]
        assert all(page["numberMatched"] == len(collection.features) for page in pages)
        assert [page["numberReturned"] for page in pages][:-1] == [2] * (len(pages) - 1)


def test_offset_past_the_end_is_an_empty_page(client):
    body = client.get(f"{ITEMS}?offset=5").get_json()
    assert (body["features"], body["numberMatched"], body["numberReturned"]) == ([], 2, 0)
    assert rels(body)["prev"].endswith("items?offset=0")


@pytest.mark.parametrize(("bbox", "ids"), [
    ("69,43,70,44", ["wind-farm"]),
    ("60,40,80,45", ["wind-farm", "campus"]),
    ("76.91,43.25,76.91,43.25", ["campus"]),  # a degenerate box touching the point
    ("0,0,10,10", []),
    ("69,43,0,70,44,100", ["wind-farm"]),  # six numbers: heights are ignored
])
def test_bbox_selects_features_that_intersect_it(client, bbox, ids):
    body = client.get(f"{ITEMS}?bbox={bbox}").get_json()
    assert [f["id"] for f in body["features"]] == ids
    assert body["numberMatched"] == len(ids)


def test_bbox_intersects_lines_not_only_their_vertices(client):
    # Between the vertices (70, 42.5) and (80.1, 44.2): only the segment crosses it.
    body = client.get("/api/collections/routes/items?bbox=74,43,76,44").get_json()
    assert [f["id"] for f in body["features"]] == ["oil-line"]


@pytest.mark.parametrize(("value", "ids"), [
    ("2013-01-01/2013-12-31", ["nazarbayev-university-astana"]),
    ("2013-09-07T10:00:00Z", ["nazarbayev-university-astana"]),
    ("2024-07-02", ["astana-palace-of-independence-sco-2024"]),
    ("../2013-01-01", ["nazarbayev-university-astana"]),
    ("2014-01-01/..", ["astana-palace-of-independence-sco-2024"]),
    ("1990-01-01/2012-12-31", []),
])
def test_datetime_selects_features_whose_year_overlaps(real_client, value, ids):
    body = real_client.get(f"/api/collections/history-diplomacy/items?datetime={value}")
    assert [f["id"] for f in body.get_json()["features"]] == ids


BAD = [
    ("limit=0", "limit must be an integer from 1 to 1000; got '0'"),
    ("limit=1001", "limit must be an integer from 1 to 1000; got '1001'"),
    ("limit=ten", "limit must be an integer from 1 to 1000; got 'ten'"),
    ("limit=1.5", "limit must be an integer from 1 to 1000; got '1.5'"),
    ("limit=-1", "limit must be an integer from 1 to 1000; got '-1'"),
    ("offset=-1", "offset must be an integer from 0 to 1000000000; got '-1'"),
    ("offset=", "offset must be an integer from 0 to 1000000000; got ''"),
    ("bbox=1,2,3", "bbox must be 4 numbers minx,miny,maxx,maxy (or 6 with heights); "
                   "got 3 in '1,2,3'"),
    ("bbox=a,2,3,4", "bbox must be numbers; 'a' in 'a,2,3,4' is not"),
    ("bbox=nan,2,3,4", "bbox must be numbers; 'nan' in 'nan,2,3,4' is not"),
    ("bbox=80,40,70,45", "bbox minx 80 is greater than maxx 70 "
                         "(boxes across the antimeridian are not supported)"),
    ("bbox=60,45,70,40", "bbox miny 45 is greater than maxy 40"),
    ("bbox=-181,40,70,45", "bbox minx -181 is outside -180..180 (CRS84 longitude, latitude)"),
    ("bbox=60,40,70,91", "bbox maxy 91 is outside -90..90 (CRS84 longitude, latitude)"),
    ("bbox=60,40,5,70,45,1", "bbox minz 5 is greater than maxz 1"),
    ("datetime=2013", "datetime must be an RFC 3339 date-time, date or interval such as "
                      "2013-01-01/2016-12-31 or 2013-09-07/..; got '2013'"),
    ("datetime=2013-02-30", "datetime '2013-02-30': '2013-02-30' is not a valid date"),
    ("datetime=2016-01-01/2013-01-01", "datetime '2016-01-01/2013-01-01' ends before it starts"),
    ("f=xml", "f must be one of json, csv, kml, gpkg; got 'xml'"),
    ("f=csv&limit=2", "f=csv downloads the whole collection; it cannot be combined with limit"),
    ("f=gpkg&bbox=1,2,3,4&offset=1", "f=gpkg downloads the whole collection; "
                                     "it cannot be combined with offset, bbox"),
    ("crs=EPSG:4258", "crs 'EPSG:4258' is not supported; the CRSs served are "
                      f"{CRS84}, {EPSG}4326, {EPSG}3857"),
    ("limit=1&limit=2", "query parameter 'limit' is given 2 times; give it once"),
    ("limt=5", "unknown query parameter 'limt' for /api/collections/energy/items; "
               "it takes limit, offset, bbox, datetime, f, crs, bbox-crs, filter, filter-lang, "
               "filter-crs, name, kind, status, summary, precision, error_km, location_note"),
]


@pytest.mark.parametrize(("query", "description"), BAD)
def test_bad_items_parameters_are_400_naming_the_value(client, query, description):
    response = client.get(f"{ITEMS}?{query}")
    assert response.status_code == 400
    assert response.content_type == "application/json"
    assert response.get_json() == {"code": 400, "description": description}


@pytest.mark.parametrize(("path", "description"), [
    ("/api?f=html", "f must be one of json; got 'html'"),
    ("/api/collections?limit=2", "unknown query parameter 'limit' for /api/collections; "
                                 "it takes f"),
    ("/api/collections/energy/items/campus?f=csv", "f must be one of json; got 'csv'"),
    ("/api/download.gpkg?f=gpkg", "unknown query parameter 'f' for /api/download.gpkg; "
                                  "it takes none"),
])
def test_other_endpoints_refuse_what_they_do_not_take(client, path, description):
    response = client.get(path)
    assert response.status_code == 400
    assert response.get_json() == {"code": 400, "description": description}


def test_one_item_links_to_its_collection(client):
    body = client.get("/api/collections/energy/items/campus?crs=" + CRS84).get_json()
    on_disk = json.loads((FIXTURE_DATA / "energy.geojson").read_text(encoding="utf-8"))
    assert {k: v for k, v in body.items() if k != "links"} == on_disk["features"][1]
    assert rels(body) == {
        "self": "http://localhost/api/collections/energy/items/campus",
        "collection": "http://localhost/api/collections/energy",
        "items": "http://localhost/api/collections/energy/items",
    }


def test_public_url_makes_every_link_and_the_server(app):
    app.config["MAPAPP_PUBLIC_URL"] = "https://map.example.org/"
    client = app.test_client()
    hrefs = [link["href"] for path in ("/api", "/api/collections", f"{ITEMS}?limit=1")
             for link in client.get(path).get_json()["links"]]
    assert hrefs and all(h.startswith("https://map.example.org/api") for h in hrefs)
    servers = client.get("/api/openapi").get_json()["servers"]
    assert servers == [{"url": "https://map.example.org/api"}]


def test_csv_download_flattens_properties_into_readable_columns(client):
    response = client.get(f"{ITEMS}?f=csv")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == 'attachment; filename="energy.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    languages = ("ru", "kk", "zh")
    assert list(rows[0]) == [
        "id", "name", "names_en", "names_ru", "names_kk", "names_zh", "kind", "status",
        "summary", *(f"summary_{lang}" for lang in languages),
        "facts", *(f"facts_{lang}" for lang in languages), "citations", "precision",
        "location_sources", *(f"places_{lang}" for lang in ("en", *languages)), "error_km",
        "location_note", *(f"location_note_{lang}" for lang in languages), "wkt"]
    assert rows[0]["names_ru"] == "Ветровая станция"
    assert rows[0]["summary_kk"] == "Тест деректеріндегі жел станциясы."
    assert rows[0]["facts"] == "Capacity: 100 MW [2024-07] (https://example.org/wind)"
    assert rows[0]["facts_zh"] == "装机容量: 100兆瓦 [2024-07] (https://example.org/wind)"
    assert rows[0]["citations"] == "¶2: “The wind farm has been completed.” (article)"
    assert rows[0]["location_sources"] == (
        "OpenStreetMap: the site's outline, centroid 43.49, 69.69 (https://example.org/osm); "
        "Operator's register: the published coordinate 43.492, 69.695 "
        "(https://example.org/register)")
    assert rows[0]["places_ru"] == "Жанатас; Казахстан"
    assert rows[0]["wkt"] == "POINT (69.69 43.49)"
    assert (rows[0]["error_km"], rows[1]["error_km"], rows[1]["location_note_zh"]) == (
        "", "10", "城市中心；未找到校区位置。")


@pytest.mark.parametrize(("fmt", "media_type", "magic"), [
    ("kml", "application/vnd.google-earth.kml+xml", b"<?xml"),
    ("gpkg", "application/geopackage+sqlite3", b"SQLite format 3\0"),
])
def test_kml_and_geopackage_downloads(client, fmt, media_type, magic):
    response = client.get(f"/api/collections/routes/items?f={fmt}")
    assert response.status_code == 200
    assert response.content_type == media_type
    assert response.headers["Content-Disposition"] == f'attachment; filename="routes.{fmt}"'
    assert response.data.startswith(magic)


def test_downloads_are_built_once_and_served_from_a_file(app):
    client = app.test_client()
    downloads = app.extensions["mapapp"].downloads
    assert client.get(f"{ITEMS}?f=gpkg").data == client.get(f"{ITEMS}?f=gpkg").data
    assert downloads.collection("energy", "gpkg") is downloads.collection("energy", "gpkg")
    whole = client.get("/api/download.gpkg")
    assert whole.headers["Content-Disposition"] == 'attachment; filename="mapapp.gpkg"'
    assert whole.headers["Cache-Control"] == "public, max-age=60, must-revalidate"
    download = downloads.catalogue()
    assert download.path.read_bytes() == whole.data
    assert not hasattr(download, "body")  # the worker keeps where the file is, not its bytes
    assert sorted(p.name for p in download.path.parent.iterdir()) == [
        "energy.gpkg", "energy.gpkg.gz", "mapapp.gpkg", "mapapp.gpkg.gz"]


def test_a_download_answers_revalidation_and_ranges(client):
    """A big catalogue's GeoPackage is large: a client may resume it, and a cache revalidate it."""
    whole = client.get(f"{ITEMS}?f=csv")
    etag = whole.headers["ETag"]
    assert client.get(f"{ITEMS}?f=csv", headers={"If-None-Match": etag}).status_code == 304
    part = client.get(f"{ITEMS}?f=csv", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206
    assert part.data == whole.data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(whole.data)}"


def test_a_download_is_gzip_for_a_client_that_accepts_it(client):
    """A download is compressed as the fast path's answers are, from a file written once."""
    plain = client.get(f"{ITEMS}?f=kml")
    packed = client.get(f"{ITEMS}?f=kml", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    assert all("Accept-Encoding" in answer.headers["Vary"] for answer in (plain, packed))
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = client.get(f"{ITEMS}?f=kml", headers={"Accept-Encoding": "gzip",
                                                  "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304


def test_a_downloads_folder_goes_with_its_app_state(app):
    downloads = Downloads(app.extensions["mapapp"].catalogue)
    folder = downloads.collection("routes", "csv").path.parent
    assert folder.is_dir()
    del downloads
    gc.collect()
    assert not folder.exists()


def test_openapi_is_valid_and_names_every_collection(real_client):
    response = real_client.get("/api/openapi")
    assert response.status_code == 200
    assert response.content_type == "application/vnd.oai.openapi+json;version=3.0"
    document = response.get_json()
    validate(document)
    enum = document["components"]["parameters"]["collectionId"]["schema"]["enum"]
    assert enum == [c.id for c in load_catalogue(REAL_DATA).collections]
    limit = document["components"]["parameters"]["limit"]["schema"]
    assert (limit["default"], limit["maximum"]) == (100, 1000)


def test_openapi_describes_every_api_route_and_its_errors(app):
    document = app.test_client().get("/api/openapi").get_json()
    routes = {re.sub(r"<(\w+)_(id|name)>", lambda m: "{" + m[1] + m[2].title() + "}",
                     rule.rule).removeprefix("/api") or "/"
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api")}
    assert document["servers"] == [{"url": "http://localhost/api"}]
    each_collection = {"/collections/energy/items", "/collections/routes/items"}
    assert routes | each_collection == set(document["paths"])
    for path, item in document["paths"].items():
        answers = item["get"]["responses"]
        assert "400" in answers, path
        assert ("404" in answers) == ("{collectionId}" in path or "{schemaName}" in path), path


def test_next_links_keep_unusual_values_readable(real_client):
    url = "/api/collections/people-to-people/items?datetime=2007-01-01/..&limit=2&crs=" + CRS84
    ids, pages = follow(real_client, url)
    assert len(ids) == len(set(ids)) == pages[0]["numberMatched"] == 9
    query = dict(parse_qsl(urlsplit(rels(pages[0])["next"]).query))
    assert query == {"datetime": "2007-01-01/..", "limit": "2", "crs": CRS84, "offset": "2"}


def test_a_second_app_over_the_same_data_builds_the_same_documents():
    first = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}).test_client()
    second = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}).test_client()
    for path in ("/api", "/api/collections", "/api/openapi", f"{ITEMS}?f=csv"):
        assert first.get(path).data == second.get(path).data, path


def test_an_items_page_is_the_same_bytes_whenever_it_is_rendered(app):
    """Workers forked from one master render a page at different times; its body (and
    so its ETag) must not depend on when, or revalidation fails across workers."""
    first = app.test_client().get(f"{ITEMS}?limit=1")
    time.sleep(1.1)
    inner = app.wsgi_app
    app.wsgi_app = FastPath(inner.app, inner.generation)  # an empty cache: rendered again
    again = app.test_client().get(f"{ITEMS}?limit=1")
    assert again.data == first.data
    assert again.headers["ETag"] == first.headers["ETag"]
