"""Former feature ids (`previous_ids`): the data rules, and URLs naming a former id that
keep leading to the feature (pages and pictures 301, the API 301 to the item)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from owslib.ogcapi.features import Features

from mapapp import create_app
from tests.conftest import edit_json, start_server, stop_server
from tests.test_validation import refused


def rename_campus(data_dir: Path, *previous: str) -> None:
    """The fixture's 'campus' once had other ids."""
    def change(document: dict) -> None:
        document["features"][1]["previous_ids"] = list(previous)
    edit_json(data_dir / "energy.geojson", change)


@pytest.fixture
def renamed(data_copy: Path) -> Path:
    rename_campus(data_copy, "old-campus", "campus-2023")
    return data_copy


@pytest.fixture
def renamed_client(renamed: Path):
    return create_app({"MAPAPP_DATA_DIR": str(renamed)}).test_client()


# ---- the data rules ----

@pytest.mark.parametrize(("previous", "problem"), [
    (["wind-farm"], "energy.geojson: feature 'campus': field 'previous_ids': previous id "
                    "'wind-farm' is the id of a current feature in energy.geojson"),
    (["oil-line"], "energy.geojson: feature 'campus': field 'previous_ids': previous id "
                   "'oil-line' is the id of a current feature in routes.geojson"),
    (["Old Campus"], "energy.geojson: feature 'campus': field 'previous_ids': 'Old Campus' "
                     "is not a lowercase-hyphenated id"),
    (["campus"], "energy.geojson: feature 'campus': field 'previous_ids': 'campus' is the "
                 "feature's own id"),
    (["old", "old"], "energy.geojson: feature 'campus': field 'previous_ids': 'old' is "
                     "listed twice"),
    ([], "energy.geojson: feature 'campus': field 'previous_ids': must be a non-empty list "
         "of former ids"),
])
def test_a_previous_id_is_checked(data_copy: Path, previous, problem):
    rename_campus(data_copy, *previous)
    assert problem in refused(data_copy)


def test_a_previous_id_leads_to_one_feature_only(data_copy: Path):
    rename_campus(data_copy, "old-site")
    edit_json(data_copy / "routes.geojson",
              lambda d: d["features"][0].update(previous_ids=["old-site"]))
    assert refused(data_copy) == [
        "routes.geojson: feature 'oil-line': field 'previous_ids': previous id 'old-site' is "
        "also listed by feature 'campus'"]


def test_a_previous_id_that_is_not_a_list_is_one_line(data_copy: Path):
    edit_json(data_copy / "energy.geojson",
              lambda d: d["features"][1].update(previous_ids="old-campus"))
    assert refused(data_copy) == [
        "energy.geojson: feature 'campus': field 'previous_ids': must be a non-empty list of "
        "former ids"]


def test_the_catalogue_maps_former_ids_to_current_ones(renamed_client):
    catalogue = renamed_client.application.extensions["mapapp"].catalogue
    assert catalogue.former_ids == {"old-campus": "campus", "campus-2023": "campus"}


# ---- pages and pictures ----

@pytest.mark.parametrize(("url", "location"), [
    ("/?feature=old-campus", "/?feature=campus"),
    ("/embed?feature=campus-2023", "/embed?feature=campus"),
    # every other parameter kept, in the canonical order of the share dialog
    ("/embed?lang=kk&theme=dark&feature=old-campus&legend=0&layers=routes",
     "/embed?layers=routes&feature=campus&legend=0&lang=kk&theme=dark"),
    ("/?status=operating&feature=old-campus&groups=energy",
     "/?feature=campus&groups=energy&status=operating"),
    # another wrong value: only the id is replaced, the rest as it was, to be refused there
    ("/embed?controls=2&feature=old-campus", "/embed?controls=2&feature=campus"),
    ("/image.png?feature=old-campus&view=6/43/70&width=600",
     "/image.png?feature=campus&view=6/43/70&width=600"),
    ("/image.svg?feature=old-campus", "/image.svg?feature=campus"),
])
def test_a_url_with_a_former_id_moves_permanently_to_the_current_one(renamed_client, url,
                                                                     location):
    response = renamed_client.get(url)
    assert response.status_code == 301
    assert response.headers["Location"] == "http://localhost" + location
    assert "max-age" in response.headers["Cache-Control"]
    followed = renamed_client.get(location)
    assert followed.status_code == (400 if "controls=2" in location else 200)


def test_current_and_unknown_ids_are_answered_as_before(renamed_client):
    assert renamed_client.get("/?feature=campus").status_code == 200
    assert renamed_client.get("/?feature=gone").status_code == 400
    assert renamed_client.get("/embed?feature=gone").status_code == 400


def test_oembed_of_a_url_with_a_former_id_frames_the_current_one(renamed_client):
    url = "http://localhost/embed?feature=old-campus&lang=ru"
    answer = renamed_client.get(f"/oembed?url={quote(url, safe='')}").get_json()
    assert 'src="http://localhost/embed?feature=campus&amp;lang=ru"' in answer["html"]


# ---- the API: 301 to the item's one URL, which clients follow ----

def test_api_item_with_a_former_id_moves_to_the_current_item(renamed_client):
    response = renamed_client.get("/api/collections/energy/items/old-campus?f=json")
    assert response.status_code == 301
    assert response.headers["Location"] == \
        "http://localhost/api/collections/energy/items/campus?f=json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # named under another collection (where it may have been before): still found
    response = renamed_client.get("/api/collections/routes/items/campus-2023")
    assert response.headers["Location"] == "http://localhost/api/collections/energy/items/campus"
    assert renamed_client.get("/api/collections/energy/items/gone").status_code == 404


def test_gis_clients_follow_a_former_item_id_to_the_feature(renamed: Path):
    """requests (what most scripts use) and OWSLib, against a real gunicorn."""
    process, base = start_server(renamed)
    try:
        response = requests.get(f"{base}/api/collections/energy/items/old-campus", timeout=10)
        assert response.status_code == 200
        assert response.json()["id"] == "campus"
        assert response.url == f"{base}/api/collections/energy/items/campus"
        assert [r.status_code for r in response.history] == [301]
        item = Features(base + "/api/").collection_item("energy", "campus-2023")
        assert item["id"] == "campus"
        assert item["previous_ids"] == ["old-campus", "campus-2023"]
    finally:
        stop_server(process)


def test_the_api_definition_states_the_item_routes_301(renamed_client):
    document = renamed_client.get("/api/openapi").get_json()
    item = document["paths"]["/collections/{collectionId}/items/{featureId}"]["get"]
    assert "Location" in item["responses"]["301"]["headers"]
