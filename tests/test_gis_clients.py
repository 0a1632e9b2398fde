"""Real clients written by others against a live gunicorn: GDAL's OAPIF driver (through
pyogrio), OWSLib, schemathesis; and every download opened again with GDAL."""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import geopandas
import pandas
import pyogrio
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from owslib.ogcapi.features import Features
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from mapapp.catalogue import Catalogue, load_catalogue
from mapapp.openapi import openapi_document
from tests.conftest import REAL_DATA

CATALOGUE: Catalogue = load_catalogue(REAL_DATA)
OPERATIONS = openapi_document(CATALOGUE)["paths"]


def catalogue_ids(collection_id: str) -> list[str]:
    return [f["id"] for f in CATALOGUE.collection(collection_id).features]


def fetch(url: str, target: Path) -> Path:
    with urllib.request.urlopen(url, timeout=30) as response:
        target.write_bytes(response.read())
    return target


def test_gdal_oapif_lists_and_reads_every_collection(live_server):
    dataset = f"OAPIF:{live_server}/api"
    layers = pyogrio.list_layers(dataset)
    assert [name for name, _ in layers] == [c.id for c in CATALOGUE.collections]
    for collection in CATALOGUE.collections:
        # A page of 2 makes GDAL follow the next links through each collection.
        frame = pyogrio.read_dataframe(dataset, layer=collection.id, PAGE_SIZE="2")
        assert frame["id"].tolist() == catalogue_ids(collection.id)
        # The collection's schema types the fields, not the first page: 1.5 stays 1.5.
        assert frame["name"].tolist() == [f["properties"]["name"] for f in collection.features]
    border = pyogrio.read_dataframe(dataset, layer="border-crossings", PAGE_SIZE="2")
    expected = [f["properties"].get("error_km")
                for f in CATALOGUE.collection("border-crossings").features]
    assert None in expected and 8 in expected  # an exact crossing has no error radius
    assert [None if pandas.isna(v) else v for v in border["error_km"]] == expected


def test_geopandas_reads_an_oapif_collection_with_its_geometry(live_server):
    frame = geopandas.read_file(f"OAPIF:{live_server}/api", layer="pipelines")
    assert frame.crs.equals("OGC:CRS84")
    collection = CATALOGUE.collection("pipelines")
    assert frame["id"].tolist() == catalogue_ids("pipelines")
    assert all(a.equals(b) for a, b in zip(frame.geometry, collection.shapes, strict=True))


def test_owslib_reads_the_service_and_pages_with_limit_2(live_server):
    service = Features(f"{live_server}/api/")
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in \
        service.conformance()["conformsTo"]
    assert service.api()["openapi"].startswith("3.0")
    assert service.feature_collections() == [c.id for c in CATALOGUE.collections]
    for collection in CATALOGUE.collections:
        assert service.collection(collection.id)["title"] == collection.title
        seen: list[str] = []
        params: dict[str, str | int] = {"limit": 2}
        while True:
            page = service.collection_items(collection.id, **params)
            assert page["numberReturned"] == len(page["features"]) <= 2
            seen += [feature["id"] for feature in page["features"]]
            following = [link for link in page["links"] if link["rel"] == "next"]
            if not following:
                break
            params = dict(parse_qsl(urlsplit(following[0]["href"]).query))
        assert seen == catalogue_ids(collection.id)
    first = CATALOGUE.collections[0].features[0]
    assert service.collection_item(CATALOGUE.collections[0].id, first["id"])["id"] == first["id"]


@pytest.fixture(scope="module")
def live_schema(live_server):
    """Invalid data must be refused with 400 or 404, or with 414 when its URL is longer
    than gunicorn reads (schemathesis would count that refusal as an acceptance)."""
    config = schemathesis.Config.from_dict({"checks": {"negative_data_rejection": {
        "expected-statuses": ["400", "404", "414"]}}})
    return schemathesis.openapi.from_url(f"{live_server}/api/openapi", config=config)


# One test per operation and generation mode, each running a Hypothesis strategy of the
# operation: schemathesis's own `from_fixture(...).parametrize()` fails under pytest 9.2
# (it reads `request.node._nodeid`, which pytest no longer has).
CASES = [(path, mode) for path, item in OPERATIONS.items() for mode in GenerationMode
         if mode is GenerationMode.POSITIVE or item["get"]["parameters"]]


@pytest.mark.parametrize(("path", "mode"), CASES)
def test_schemathesis_finds_no_server_error_and_no_answer_against_the_schema(
        live_schema, path, mode):
    """Every default check but positive_data_acceptance: the schema cannot say that
    bbox needs min <= max and latitudes within ±90, or which dates exist, so a
    request the schema allows can rightly be refused with 400."""
    operation = live_schema[path]["GET"]
    with requests.Session() as session:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=20, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(session=session, excluded_checks=[positive_data_acceptance])

        check()


@pytest.mark.parametrize("fmt", ["csv", "kml", "gpkg"])
def test_every_download_opens_again_with_the_same_features(live_server, tmp_path, fmt):
    for collection in CATALOGUE.collections:
        path = fetch(f"{live_server}/api/collections/{collection.id}/items?f={fmt}",
                     tmp_path / f"{collection.id}.{fmt}")
        frame = geopandas.read_file(path)
        # GDAL's LIBKML reader keeps `id` for the placemark's own id and renames ours id2.
        column = "id2" if pyogrio.read_info(path)["driver"] == "LIBKML" else "id"
        assert frame[column].tolist() == catalogue_ids(collection.id), (fmt, collection.id)
        assert all(a.equals(b) for a, b in zip(frame.geometry, collection.shapes, strict=True))


def test_the_catalogue_geopackage_holds_every_collection_as_a_layer(live_server, tmp_path):
    path = fetch(f"{live_server}/api/download.gpkg", tmp_path / "mapapp.gpkg")
    assert [name for name, _ in pyogrio.list_layers(path)] == [
        c.id for c in CATALOGUE.collections]
    for collection in CATALOGUE.collections:
        frame = geopandas.read_file(path, layer=collection.id)
        assert frame["id"].tolist() == catalogue_ids(collection.id)
        assert frame.crs.equals("EPSG:4326")
