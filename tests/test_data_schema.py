"""The data files' JSON Schemas: shipped valid, met by the data, checked before the
rules, and no input of any shape makes the loader or `mapapp check` raise."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from mapapp.catalogue import load_catalogue
from mapapp.dataschema import SCHEMAS, schema_bytes
from mapapp.problems import DataError
from tests.conftest import FIXTURE_DATA, REAL_DATA, edit_json, run_check

FILES = {"collection": ["energy.geojson", "routes.geojson"], "catalogue": ["catalogue.json"],
         "sources": ["sources.json"]}


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_2020_12_and_the_data_meets_it(name: str):
    schema = json.loads(schema_bytes(name))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    real = sorted(REAL_DATA.glob("*.geojson")) if name == "collection" else \
        [REAL_DATA / f"{name}.json"]
    for path in [*real, *(FIXTURE_DATA / file for file in FILES[name])]:
        errors = [error.message for error in validator.iter_errors(json.loads(path.read_text()))]
        assert errors == [], path.name


def problems_after(data_dir: Path, file: str, change: Callable[[Any], Any]) -> list[str]:
    edit_json(data_dir / file, change)
    with pytest.raises(DataError) as caught:
        load_catalogue(data_dir)
    return [str(problem) for problem in caught.value.problems]


def first_props(document: dict) -> dict:
    return document["features"][0]["properties"]


# The mistyped values the attack found: each crashed the check or a reload before. The
# schema refuses each; where a rule says why, its line is the one reported.
MISTYPED = {
    "a source's date as a number": (
        "sources.json", lambda d: d["sources"][0].update(date=20240702),
        "sources.json: field 'date': source 'article': must be a date, YYYY-MM-DD"),
    "publishers as a number": (
        "sources.json", lambda d: d["sources"][0].update(publishers=5),
        "sources.json: field 'publishers': source 'article': must be a list of non-empty "
        "strings"),
    "a source id as a list": (
        "sources.json", lambda d: d["sources"][0].update(id=["article"]),
        "sources.json: field 'id': sources[0]: id must be lowercase-hyphenated"),
    "commodity as a list": (
        "routes.geojson", lambda d: first_props(d).update(commodity=["oil"]),
        "routes.geojson: feature 'oil-line': field 'commodity': ['oil'] is not one of oil, gas"),
    "a citation's source as a list": (
        "energy.geojson", lambda d: first_props(d)["citations"][0].update(source=["article"]),
        "energy.geojson: feature 'wind-farm': field 'citations[0].source': ['article'] is not "
        "in sources.json (article)"),
    "a catalogue file outside the folder": (
        "catalogue.json", lambda d: d["collections"][0].update(file="../energy.geojson"),
        "catalogue.json: field 'collections[0].file': \"../energy.geojson\" does not match"),
    "an unknown property": (
        "energy.geojson", lambda d: first_props(d).update(colour="#ff0000"),
        "energy.geojson: feature 'wind-farm': field 'colour': unknown field; allowed: name,"),
}


@pytest.mark.parametrize("case", MISTYPED, ids=list(MISTYPED))
def test_mistyped_value_is_one_precise_line(data_copy: Path, case: str):
    file, change, expected = MISTYPED[case]
    lines = problems_after(data_copy, file, change)
    assert any(line.startswith(expected) for line in lines), lines


@pytest.mark.parametrize("change", [
    lambda d: d["sources"][0].update(date=20240702),
    lambda d: d["sources"][0].update(translations=[]),
])
def test_a_refused_source_is_not_echoed_by_every_citation(data_copy: Path, change):
    lines = problems_after(data_copy, "sources.json", change)
    assert lines and all(line.startswith("sources.json: ") for line in lines), lines


def test_the_schema_reports_a_type_no_rule_explains(data_copy: Path):
    lines = problems_after(data_copy, "catalogue.json",
                           lambda d: d["collections"][0]["style"].update(weight="3px"))
    assert lines == ["catalogue.json: field 'collections[0].style.weight': must be a number, "
                     "not a string (\"3px\")"]


@pytest.mark.parametrize("case", MISTYPED, ids=list(MISTYPED))
def test_check_reports_mistyped_value_without_a_traceback(data_copy: Path, case: str):
    file, change, expected = MISTYPED[case]
    edit_json(data_copy / file, change)
    result = run_check("--data-dir", str(data_copy))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("geodata refused: ")
    assert any(line.strip().startswith(expected) for line in result.stderr.splitlines())


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(data_copy: Path, text: str):
    path = data_copy / "energy.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    first_props(document)["error_km"] = "HERE"
    path.write_text(json.dumps(document).replace('"HERE"', text), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_catalogue(data_copy)
    assert [str(p) for p in caught.value.problems] == [
        f"energy.geojson: invalid JSON: {text} is "
        + ("too large for a JSON number" if text == "1e999" else "not a JSON value")]


def test_a_rule_still_explains_what_the_schema_finds(data_copy: Path):
    """Where a rule of mapapp.validation says why, its line replaces the schema's."""
    lines = problems_after(data_copy, "energy.geojson",
                           lambda d: first_props(d).update(status="done"))
    assert lines == ["energy.geojson: feature 'wind-farm': field 'status': 'done' is not one "
                     "of operating, under construction, planned, historical, event"]


def test_version_is_the_hash_of_the_bytes_loaded(data_copy: Path):
    import hashlib

    digest = hashlib.sha256()
    for name in sorted(p.name for p in data_copy.iterdir()):
        digest.update(name.encode() + b"\0" + (data_copy / name).read_bytes() + b"\0")
    assert load_catalogue(data_copy).version == digest.hexdigest()[:16]


def test_a_file_changed_while_loading_never_labels_the_data_loaded(data_copy: Path,
                                                                   monkeypatch):
    """A reload reads the files while an editor may still be writing them: the version
    must name the bytes that were loaded, not what a later read finds."""
    import hashlib

    before = load_catalogue(data_copy).version
    real_read = Path.read_bytes

    def read_then_change(path: Path) -> bytes:
        raw = real_read(path)
        if path.suffix == ".geojson":  # rewritten on disk just after it was read
            path.write_bytes(raw.replace(b'"features"', b' "features"', 1))
        return raw

    monkeypatch.setattr(Path, "read_bytes", read_then_change)
    assert load_catalogue(data_copy).version == before
    monkeypatch.undo()
    digest = hashlib.sha256()
    for name in sorted(p.name for p in data_copy.iterdir()):
        digest.update(name.encode() + b"\0" + (data_copy / name).read_bytes() + b"\0")
    assert digest.hexdigest()[:16] != before  # the files did change meanwhile


# Arbitrary JSON, with the data's own member names among the keys so that it reaches
# past the envelope into features, properties and entries.
NAMES = ["type", "features", "id", "geometry", "properties", "coordinates", "name", "names",
         "citations", "source", "sources", "collections", "file", "style", "color_by",
         "property", "values", "commodity", "date", "publishers", "en", "ru", "kk", "zh"]
LEAVES = (st.none() | st.booleans() | st.integers() | st.text(max_size=12)
          | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(NAMES))
JSON = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=6), inner,
                                      max_size=5), max_leaves=25)


def replace_somewhere(document: Any, data: st.DataObject, value: Any) -> Any:
    """`document` with one value, at a path drawn step by step, replaced by `value`."""
    if not isinstance(document, dict | list) or not document or data.draw(st.booleans()):
        return value
    key = data.draw(st.sampled_from(list(document) if isinstance(document, dict)
                                    else range(len(document))))
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[key] = replace_somewhere(document[key], data, value)
    return copy


def load_or_problems(data_dir: Path) -> None:
    try:
        load_catalogue(data_dir)
    except DataError as error:
        assert error.problems
        assert all(str(problem) for problem in error.problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=st.sampled_from([f for files in FILES.values() for f in files]),
       data=st.data(), value=JSON)
def test_arbitrary_json_anywhere_gives_problems_or_data_never_an_exception(
        file: str, data: st.DataObject, value: Any):
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "geodata"
        shutil.copytree(FIXTURE_DATA, data_dir)
        document = json.loads((data_dir / file).read_text(encoding="utf-8"))
        changed = replace_somewhere(document, data, value)
        (data_dir / file).write_text(json.dumps(changed), encoding="utf-8")
        load_or_problems(data_dir)


@pytest.mark.parametrize("name", SCHEMAS)
def test_api_serves_each_schema_as_shipped(client, name: str):
    response = client.get(f"/api/schemas/{name}")
    assert response.status_code == 200
    assert response.content_type == "application/schema+json"
    assert response.data == schema_bytes(name)
    assert response.headers["ETag"]


def test_api_refuses_an_unknown_schema(client):
    response = client.get("/api/schemas/features")
    assert response.status_code == 404
    assert response.get_json()["description"] == (
        "no schema 'features'; valid names: collection, catalogue, sources")
