"""Real clients written by others against a live gunicorn: GDAL's OAPIF driver (through
pyogrio), OWSLib, schemathesis; and every download opened again with GDAL."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import geopandas
import pandas
import pyogrio
import pytest
import requests
import schemathesis
import shapely
from hypothesis import HealthCheck, given, settings
from ogcapi_registry import validate_ogc_api
from openapi_spec_validator import validate
from owslib.ogcapi.features import Features
from pyogrio import raw
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


def read_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def test_the_ogc_validator_and_the_openapi_validator_accept_the_definition(live_server):
    document = read_json(f"{live_server}/api/openapi")
    validate(document)
    conformance = read_json(f"{live_server}/api/conformance")["conformsTo"]
    result = validate_ogc_api(document, conformance)
    assert result.is_valid, result.errors
    assert document["servers"] == [{"url": f"{live_server}/api"}]


def test_gdal_reads_the_nested_properties_as_json_values(live_server):
    dataset = f"OAPIF:{live_server}/api"
    meta, *_ = raw.read(dataset, layer="pipelines", max_features=1, return_fids=False)
    types = dict(zip(meta["fields"], zip(meta["ogr_types"], meta["ogr_subtypes"],
                                         strict=True), strict=True))
    for name in ("names", "facts", "citations", "places", "via", "translations"):
        assert types[name] == ("OFTString", "OFSTJSON"), name
    assert types["year"] == ("OFTInteger", "OFSTNone")
    assert types["context"] == ("OFTInteger", "OFSTBoolean")
    frame = pyogrio.read_dataframe(dataset, layer="pipelines", PAGE_SIZE="3")
    collection = CATALOGUE.collection("pipelines")
    assert frame["names"].tolist() == [f["properties"]["names"] for f in collection.features]
    assert frame["facts"].tolist() == [f["properties"]["facts"] for f in collection.features]


def test_gdal_filters_by_attribute_and_reads_web_mercator(live_server):
    dataset = f"OAPIF:{live_server}/api"
    gas = pyogrio.read_dataframe(dataset, layer="pipelines", where="commodity = 'gas'")
    assert gas["id"].tolist() == [f["id"] for f in CATALOGUE.collection("pipelines").features
                                  if f["properties"].get("commodity") == "gas"]
    # GDAL's CRS open option: it asks crs= (and bbox-crs= with a bbox) of the server
    mercator = pyogrio.read_dataframe(dataset, layer="pipelines", CRS="EPSG:3857",
                                      bbox=(6679169, 4865942, 7792364, 5621521))
    assert mercator.crs.equals("EPSG:3857")
    in_box = pyogrio.read_dataframe(dataset, layer="pipelines", bbox=(60, 40, 70, 45))
    assert mercator["id"].tolist() == in_box["id"].tolist()
    assert len(in_box) < len(CATALOGUE.collection("pipelines").features)
    back = mercator.to_crs("OGC:CRS84")
    for a, b in zip(back.geometry, in_box.geometry, strict=True):
        assert a.equals_exact(b, 1e-6)


def test_owslib_reads_queryables_and_filters_by_property_and_cql2(live_server):
    service = Features(f"{live_server}/api/")
    queryables = service.collection_queryables("pipelines")
    assert queryables["properties"]["commodity"]["enum"] == ["gas", "oil"]
    oil = [f["id"] for f in CATALOGUE.collection("pipelines").features
           if f["properties"].get("commodity") == "oil"]
    page = service.collection_items("pipelines", commodity="oil")
    assert [f["id"] for f in page["features"]] == oil
    page = service.collection_items("pipelines", filter="commodity = 'oil'")
    assert [f["id"] for f in page["features"]] == oil
    assert page["numberMatched"] == len(oil)


def test_epsg_4326_and_3857_answers_open_in_gdal_in_place(live_server, tmp_path):
    url = f"{live_server}/api/collections/pipelines/items"
    reference = geopandas.read_file(url)
    for code in ("4326", "3857"):
        crs = f"http://www.opengis.net/def/crs/EPSG/0/{code}"
        with urllib.request.urlopen(f"{url}?crs={crs}", timeout=30) as response:
            assert response.headers["Content-Crs"] == f"<{crs}>"
            body = response.read()
        path = tmp_path / f"pipelines-{code}.geojson"
        path.write_bytes(body)
        frame = geopandas.read_file(path).set_crs(f"EPSG:{code}", allow_override=True)
        back = frame.to_crs("OGC:CRS84").geometry
        if code == "4326":  # a GeoJSON reader takes x first: here x is the latitude
            back = back.map(lambda g: shapely.transform(g, lambda xy: xy[:, ::-1]))
        for a, b in zip(back, reference.geometry, strict=True):
            assert a.equals_exact(b, 1e-6)


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
