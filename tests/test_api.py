"""The HTTP interface with Flask's test client: status, exact content type, structure."""

from __future__ import annotations

import json

import pytest

from tests.conftest import FIXTURE_DATA


def test_collections_list_in_catalogue_order(client):
    response = client.get("/api/collections")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    collections = response.get_json()["collections"]
    assert [c["id"] for c in collections] == ["energy", "routes"]
    items = "http://localhost/api/collections/energy/items"
    crs84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
    assert collections[0] == {
        "id": "energy", "title": "Energy sites", "group": "Energy",
        "description": "A small fixture collection of points.",
        "data_as_of": "2024-07-02", "checked_on": "2024-08-01",
        "links": [
            {"href": items, "rel": "items", "type": "application/geo+json",
             "title": "Energy sites"},
            {"href": "http://localhost/api/collections/energy", "rel": "self",
             "type": "application/json", "title": "Energy sites"},
            {"href": "http://localhost/api/collections/energy/schema", "rel": "describedby",
             "type": "application/schema+json",
             "title": "Energy sites: the schema of its features"},
            {"href": "http://localhost/api/collections/energy/queryables",
             "rel": "http://www.opengis.net/def/rel/ogc/1.0/queryables",
             "type": "application/schema+json",
             "title": "Energy sites: what its items can be filtered by"},
            {"href": f"{items}?f=csv", "rel": "enclosure", "type": "text/csv; charset=utf-8",
             "title": "Energy sites: the whole collection as CSV (geometry as WKT)"},
            {"href": f"{items}?f=kml", "rel": "enclosure",
             "type": "application/vnd.google-earth.kml+xml",
             "title": "Energy sites: the whole collection as KML"},
            {"href": f"{items}?f=gpkg", "rel": "enclosure",
             "type": "application/geopackage+sqlite3",
             "title": "Energy sites: the whole collection as GeoPackage"},
        ],
        "extent": {"spatial": {"bbox": [[69.69, 43.25, 76.91, 43.49]], "crs": crs84}},
        "itemType": "feature", "storageCrs": crs84,
        "crs": [crs84, "http://www.opengis.net/def/crs/EPSG/0/4326",
                "http://www.opengis.net/def/crs/EPSG/0/3857"],
    }


def test_public_url_setting_makes_links(app):
    app.config["MAPAPP_PUBLIC_URL"] = "https://map.example.org"
    links = app.test_client().get("/api/collections").get_json()["collections"][0]["links"]
    assert links[0]["href"] == "https://map.example.org/api/collections/energy/items"


def test_items_are_the_file_features_byte_for_byte(client):
    response = client.get("/api/collections/energy/items")
    assert response.status_code == 200
    assert response.content_type == "application/geo+json"
    on_disk = json.loads((FIXTURE_DATA / "energy.geojson").read_text(encoding="utf-8"))
    body = response.get_json()
    # The file's members, untouched, then the OGC API members a page adds.
    assert {key: body[key] for key in on_disk} == on_disk
    assert set(body) - set(on_disk) == {"numberMatched", "numberReturned", "timeStamp", "links"}
    assert "Ветровая станция".encode() in response.data


def test_one_item(client):
    response = client.get("/api/collections/energy/items/campus")
    assert response.status_code == 200
    assert response.content_type == "application/geo+json"
    body = response.get_json()
    assert body["id"] == "campus"
    assert body["properties"]["error_km"] == 10


@pytest.mark.parametrize(("path", "description"), [
    ("/api/collections/nope/items", "no collection 'nope'; valid ids: energy, routes"),
    ("/api/collections/nope/items/campus", "no collection 'nope'; valid ids: energy, routes"),
    ("/api/collections/energy/items/oil-line", "collection 'energy' has no feature 'oil-line'"),
    ("/api/collections/nope", "no collection 'nope'; valid ids: energy, routes"),
    ("/api/collections/nope/items?f=csv", "no collection 'nope'; valid ids: energy, routes"),
    ("/api/collections/routes/items/campus", "collection 'routes' has no feature 'campus'"),
])
def test_unknown_ids_are_404_json(client, path, description):
    response = client.get(path)
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.get_json() == {"code": 404, "description": description}


def test_unknown_route_is_404_json(client):
    response = client.get("/api/nothing")
    assert response.status_code == 404
    assert response.content_type == "application/json"
    assert response.get_json()["code"] == 404


def test_post_is_405_with_allow(client):
    response = client.post("/api/collections")
    assert response.status_code == 405
    assert response.content_type == "application/json"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "collections": 2, "features": 3}


def test_assets_are_immutable_and_unknown_ones_404(client):
    page = client.get("/").get_data(as_text=True)
    script = page.split('<script src="')[2].split('"')[0]
    assert script.startswith("assets/mapapp.")
    response = client.get("/" + script)
    assert response.status_code == 200
    assert response.content_type == "text/javascript; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    missing = client.get("/assets/mapapp.000000000000.js")
    assert missing.status_code == 404
    assert missing.get_json() == {"code": 404, "description": "no asset 'mapapp.000000000000.js'"}


@pytest.mark.parametrize("path", ["/api", "/api/collections", "/api/collections/energy",
                                  "/api/collections/energy/items",
                                  "/api/collections/energy/items/wind-farm",
                                  "/api/collections/energy/items?f=csv"])
def test_the_data_says_when_it_was_last_checked(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Last-Modified"] == "Thu, 01 Aug 2024 00:00:00 GMT"


def test_the_landing_page_states_the_dates_of_the_data(client):
    landing = client.get("/api").get_json()
    assert (landing["data_as_of"], landing["checked_on"]) == ("2024-07-02", "2024-08-01")


def test_errors_carry_no_data_date(client):
    assert "Last-Modified" not in client.get("/api/collections/nowhere").headers
