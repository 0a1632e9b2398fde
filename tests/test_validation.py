"""Every refusal of `load_catalogue`, each on a copy of the fixture data broken one way."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapapp.catalogue import load_catalogue
from mapapp.problems import DataError
from tests.conftest import FIXTURE_DATA, edit_json


def feature(document: dict, index: int = 0) -> dict:
    return document["features"][index]


def props(document: dict, index: int = 0) -> dict:
    return document["features"][index]["properties"]


def refused(data_dir: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_catalogue(data_dir)
    return [str(problem) for problem in caught.value.problems]


def test_fixture_data_loads():
    catalogue = load_catalogue(FIXTURE_DATA)
    assert [c.id for c in catalogue.collections] == ["energy", "routes"]
    assert catalogue.feature_count == 3
    assert len(catalogue.version) == 16


# (file, change, the exact problem line expected)
BROKEN_FEATURES = {
    "not a FeatureCollection": (
        "energy.geojson", lambda d: d.update(type="Feature"),
        "energy.geojson: field 'type': not a GeoJSON FeatureCollection"),
    "crs member": (
        "energy.geojson", lambda d: d.update(crs={"type": "name"}),
        "energy.geojson: field 'crs': RFC 7946 has no 'crs' member; coordinates are WGS 84"),
    "missing id": (
        "energy.geojson", lambda d: feature(d).pop("id"),
        "energy.geojson: feature '#0': field 'id': missing (every feature needs a stable id)"),
    "bad id": (
        "energy.geojson", lambda d: feature(d).update(id="Wind Farm"),
        "energy.geojson: feature 'Wind Farm': field 'id': 'Wind Farm' is not lowercase-hyphenated"),
    "duplicate id in a file": (
        "energy.geojson", lambda d: feature(d, 1).update(id="wind-farm"),
        "energy.geojson: feature 'wind-farm': field 'id': duplicate id in this file"),
    "empty geometry": (
        "energy.geojson",
        lambda d: feature(d).update(geometry={"type": "Point", "coordinates": []}),
        "energy.geojson: feature 'wind-farm': field 'geometry': empty geometry"),
    "no geometry": (
        "energy.geojson", lambda d: feature(d).update(geometry=None),
        "energy.geojson: feature 'wind-farm': field 'geometry': "
        "missing (every mapped feature needs a geometry)"),
    "one-point line": (
        "routes.geojson",
        lambda d: feature(d).update(geometry={"type": "LineString",
                                              "coordinates": [[70, 43], [70, 43]]}),
        "routes.geojson: feature 'oil-line': field 'geometry.coordinates': "
        "a line needs at least two distinct points"),
    "invalid polygon": (
        "energy.geojson",
        lambda d: feature(d).update(geometry={"type": "Polygon", "coordinates": [
            [[70, 43], [71, 44], [71, 43], [70, 44], [70, 43]]]}),
        "energy.geojson: feature 'wind-farm': field 'geometry': invalid geometry: "
        "Self-intersection[70.5 43.5]"),
    "clockwise polygon": (
        "energy.geojson",
        lambda d: feature(d).update(geometry={"type": "Polygon", "coordinates": [
            [[70, 43], [70, 44], [71, 44], [71, 43], [70, 43]]]}),
        "energy.geojson: feature 'wind-farm': field 'geometry.coordinates': "
        "outer ring must be counter-clockwise (RFC 7946)"),
    "lat/lon swapped": (
        "energy.geojson",
        lambda d: feature(d).update(geometry={"type": "Point", "coordinates": [43.49, 69.69]}),
        "energy.geojson: feature 'wind-farm': field 'geometry.coordinates': [43.49, 69.69] is "
        "outside longitude 40–125, latitude 25–56 (is it [lat, lon]?)"),
    "unknown precision": (
        "energy.geojson", lambda d: props(d).update(precision="roughly"),
        "energy.geojson: feature 'wind-farm': field 'precision': "
        "'roughly' is not one of exact, approximate, schematic"),
    "approximate point without error": (
        "energy.geojson", lambda d: props(d, 1).pop("error_km"),
        "energy.geojson: feature 'campus': field 'error_km': an approximate location needs "
        "its error in km (how far the geometry can be from the real thing)"),
    "schematic without note": (
        "routes.geojson", lambda d: props(d).pop("location_note"),
        "routes.geojson: feature 'oil-line': field 'location_note': "
        "a schematic location must say what it shows and its error"),
    "missing citation": (
        "energy.geojson", lambda d: props(d).update(citations=[]),
        "energy.geojson: feature 'wind-farm': field 'citations': "
        "missing: every feature cites the article sentence that names it"),
    "citation of an unknown source": (
        "energy.geojson", lambda d: props(d)["citations"][0].update(source="blog"),
        "energy.geojson: feature 'wind-farm': field 'citations[0].source': "
        "'blog' is not in sources.json (article)"),
    "citation with a negative offset": (
        "energy.geojson", lambda d: props(d)["citations"][0].update(offset=-1),
        "energy.geojson: feature 'wind-farm': field 'citations[0].offset': "
        "must be the quote's character offset in its paragraph (an integer >= 0)"),
    "fact without URL": (
        "energy.geojson", lambda d: props(d)["facts"][0].update(source="a book"),
        "energy.geojson: feature 'wind-farm': field 'facts[0].source': "
        "every fact needs the http(s) URL it comes from"),
    "unknown status": (
        "energy.geojson", lambda d: props(d).update(status="done"),
        "energy.geojson: feature 'wind-farm': field 'status': 'done' is not one of "
        "operating, under construction, planned, historical, event"),
    "missing name": (
        "energy.geojson", lambda d: props(d).pop("name"),
        "energy.geojson: feature 'wind-farm': field 'name': missing or empty"),
    "unknown name language": (
        "energy.geojson", lambda d: props(d)["names"].update(fr="Parc"),
        "energy.geojson: feature 'wind-farm': field 'names.fr': "
        "unknown language; use en, ru, kk, zh"),
    "colour-by value missing": (
        "routes.geojson", lambda d: props(d).update(commodity="coal"),
        "routes.geojson: feature 'oil-line': field 'commodity': 'coal' is not one of oil, gas"),
    "year out of range": (
        "energy.geojson", lambda d: props(d).update(year=10000),
        "energy.geojson: feature 'wind-farm': field 'year': must be a year from 1 to 2999"),
    "no location sources": (
        "energy.geojson", lambda d: props(d).update(location_sources=[]),
        "energy.geojson: feature 'wind-farm': field 'location_sources': "
        "name at least one source of the geometry"),
}


@pytest.mark.parametrize("case", BROKEN_FEATURES, ids=list(BROKEN_FEATURES))
def test_broken_feature_is_refused(data_copy: Path, case: str):
    file, change, expected = BROKEN_FEATURES[case]
    edit_json(data_copy / file, change)
    assert expected in refused(data_copy)


def test_duplicate_id_across_files(data_copy: Path):
    edit_json(data_copy / "routes.geojson", lambda d: feature(d).update(id="campus"))
    assert "routes.geojson: feature 'campus': field 'id': id already used in energy.geojson" \
        in refused(data_copy)


def test_truncated_json(data_copy: Path):
    path = data_copy / "energy.geojson"
    path.write_bytes(path.read_bytes()[:200])
    [problem] = refused(data_copy)
    assert problem.startswith("energy.geojson: invalid JSON at line ")


def test_wrong_encoding(data_copy: Path):
    path = data_copy / "energy.geojson"
    # Cyrillic in Windows-1251 (the fixture's Kazakh and Chinese letters have no such byte)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1251", errors="replace"))
    [problem] = refused(data_copy)
    assert problem.startswith("energy.geojson: not UTF-8: byte ")


def test_catalogue_entry_without_file(data_copy: Path):
    (data_copy / "routes.geojson").unlink()
    assert refused(data_copy) == [
        "routes.geojson: catalogue entry 'routes' points to a file that does not exist"]


def test_file_without_catalogue_entry(data_copy: Path):
    (data_copy / "extra.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    assert refused(data_copy) == ["extra.geojson: no entry in catalogue.json for this file"]


def test_catalogue_entry_missing_a_field(data_copy: Path):
    edit_json(data_copy / "catalogue.json", lambda d: d["collections"][0].pop("title"))
    # the file has its entry, refused: it is not reported again as a file without one
    assert refused(data_copy) == ["catalogue.json: field 'title': collections[0] has no 'title'"]


def test_every_problem_is_reported_not_only_the_first(data_copy: Path):
    edit_json(data_copy / "energy.geojson", lambda d: [props(d).update(status="x"),
                                                  props(d, 1).update(precision="y")])
    edit_json(data_copy / "routes.geojson", lambda d: props(d).update(citations=[]))
    problems = refused(data_copy)
    assert len(problems) == 3
    assert {p.split(":")[0] for p in problems} == {"energy.geojson", "routes.geojson"}


def test_missing_data_folder(tmp_path: Path):
    assert refused(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: data folder not found"]
