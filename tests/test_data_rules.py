"""The rules of issue-level data quality, one test per rule: precision that means
something (sources, error, route), content in four languages, names that tell
places apart, and the dates the data is true for. Each breaks a copy of the
fixture data one way and expects the exact problem line `mapapp check` prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from mapapp.catalogue import load_catalogue
from mapapp.precision import along_km, distance_km
from tests.conftest import FIXTURE_DATA, edit_json, run_check
from tests.test_validation import props, refused

WIND = "energy.geojson: feature 'wind-farm': field"
CAMPUS = "energy.geojson: feature 'campus': field"
LINE = "routes.geojson: feature 'oil-line': field"


def second_source_far(document: dict) -> None:
    props(document)["location_sources"][1]["coordinates"] = [69.72, 43.49]  # 2.4 km east


# (file, change, the exact problem line expected)
RULES = {
    # precision: exact
    "exact with one source": (
        "energy.geojson", lambda d: props(d)["location_sources"].pop(),
        f"{WIND} 'precision': exact needs two independent sources (location_sources with "
        "different names); this has 1"),
    "exact with two entries of one source": (
        "energy.geojson",
        lambda d: props(d)["location_sources"][1].update(name="openstreetmap"),
        f"{WIND} 'precision': exact needs two independent sources (location_sources with "
        "different names); this has 1"),
    "exact with a source that gives no position": (
        "energy.geojson", lambda d: props(d)["location_sources"][1].pop("coordinates"),
        f"{WIND} 'precision': exact needs two independent sources that each give a position "
        "(location_sources[].coordinates)"),
    "exact where a source is over 1 km away": (
        "energy.geojson", second_source_far,
        f"{WIND} 'location_sources': Operator's register gives [69.72, 43.49], 2.4 km from "
        "the geometry; more than the 1 km this precision allows"),
    "exact with an error radius": (
        "energy.geojson", lambda d: props(d).update(error_km=1),
        f"{WIND} 'error_km': an exact location has no error radius; use approximate"),
    # precision: approximate
    "approximate line without error": (
        "routes.geojson",
        lambda d: props(d).update(precision="approximate", error_km=None) or (props(d).pop(
            "error_km") and props(d).pop("via")),
        f"{LINE} 'error_km': an approximate location needs its error in km (how far the "
        "geometry can be from the real thing)"),
    "approximate where a source lies outside the error": (
        "energy.geojson",
        lambda d: props(d, 1)["location_sources"][0].update(coordinates=[77.2, 43.25]),
        f"{CAMPUS} 'location_sources': GeoNames gives [77.2, 43.25], 23.5 km from the "
        "geometry; more than the 10 km this precision allows"),
    "error that is not a positive number": (
        "energy.geojson", lambda d: props(d, 1).update(error_km=0),
        f"{CAMPUS} 'error_km': must be a positive number of kilometres"),
    # one source
    "one source not said in the note": (
        "energy.geojson", lambda d: props(d, 1).update(location_note="City centre."),
        f"{CAMPUS} 'location_note': a location with one source must say so: the note needs "
        "the words 'single source'"),
    # location sources
    "a location source as a bare string": (
        "energy.geojson", lambda d: props(d, 1).update(location_sources=["GeoNames"]),
        f"{CAMPUS} 'location_sources[0]': must be an object: {{\"name\", \"url\", \"gives\", "
        "\"coordinates\"?}"),
    "a location source without a link": (
        "energy.geojson", lambda d: props(d, 1)["location_sources"][0].pop("url"),
        f"{CAMPUS} 'location_sources[0].url': the http(s) page of the object or document"),
    "a location source that does not say what it gives": (
        "energy.geojson", lambda d: props(d, 1)["location_sources"][0].update(gives=" "),
        f"{CAMPUS} 'location_sources[0].gives': say what this source gives (object, position, "
        "text)"),
    "a location source with a bad position": (
        "energy.geojson",
        lambda d: props(d, 1)["location_sources"][0].update(coordinates=[43.25, 276.91]),
        f"{CAMPUS} 'location_sources[0].coordinates': must be [lon, lat] in range"),
    # precision: schematic
    "schematic without error": (
        "routes.geojson", lambda d: props(d).pop("error_km"),
        f"{LINE} 'error_km': a schematic location needs its error in km (how far the "
        "geometry can be from the real thing)"),
    "schematic without the places it passes": (
        "routes.geojson", lambda d: props(d).pop("via"),
        f"{LINE} 'via': a schematic line lists the towns or stations its sources name, in "
        "order (at least two)"),
    "schematic missing a place it names": (
        "routes.geojson", lambda d: props(d)["via"][1].update(coordinates=[70.0, 42.8]),
        f"{LINE} 'via[1]': the line passes 32.3 km from Shymkent area; a schematic line "
        "goes through every place it names (within 2 km)"),
    "schematic places out of order": (
        "routes.geojson", lambda d: props(d)["via"].reverse(),
        f"{LINE} 'via': Shymkent area comes before East end along the line, not after"),
    "schematic point": (
        "energy.geojson", lambda d: props(d, 1).update(precision="schematic"),
        f"{CAMPUS} 'precision': schematic is for lines drawn through named places"),
    "places listed on a line that is not schematic": (
        "energy.geojson",
        lambda d: props(d, 1).update(via=[{"name": "A", "coordinates": [76.91, 43.25]}]),
        f"{CAMPUS} 'via': only schematic lines list the places they pass through"),
    # four languages
    "a name missing in one language": (
        "energy.geojson", lambda d: props(d)["names"].pop("kk"),
        f"{WIND} 'names.kk': missing or empty name (kk)"),
    "a name that is not the English one": (
        "energy.geojson", lambda d: props(d).update(name="Windpark"),
        f"{WIND} 'name': must be the English name, names.en"),
    "no translations": (
        "energy.geojson", lambda d: props(d).pop("translations"),
        f"{WIND} 'translations': missing: translations into ru, kk, zh"),
    "a summary missing in one language": (
        "energy.geojson", lambda d: props(d)["translations"]["zh"].update(summary=""),
        f"{WIND} 'translations.zh.summary': missing or empty translation (zh)"),
    "a location note missing in one language": (
        "energy.geojson", lambda d: props(d, 1)["translations"]["kk"].pop("location_note"),
        f"{CAMPUS} 'translations.kk.location_note': missing or empty translation (kk)"),
    "a translation of a text the English lacks": (
        "energy.geojson",
        lambda d: props(d)["translations"]["ru"].update(location_note="Точно."),
        f"{WIND} 'translations.ru.location_note': translates nothing: the English has no "
        "'location_note'"),
    "a translation into an unknown language": (
        "energy.geojson", lambda d: props(d)["translations"].update(fr={"summary": "Parc"}),
        f"{WIND} 'translations.fr': unknown language; translate into ru, kk, zh"),
    "a fact label missing in one language": (
        "energy.geojson",
        lambda d: props(d)["facts"][0]["translations"]["kk"].pop("label"),
        f"{WIND} 'facts[0].translations.kk.label': missing or empty translation (kk)"),
    "a fact without translations": (
        "energy.geojson", lambda d: props(d)["facts"][0].pop("translations"),
        f"{WIND} 'facts[0].translations': missing: translations into ru, kk, zh"),
    "a fact dated with a day that does not exist": (
        "energy.geojson", lambda d: props(d)["facts"][0].update(as_of="2024-02-30"),
        f"{WIND} 'facts[0].as_of': the date the fact is true for: YYYY, YYYY-MM or "
        "YYYY-MM-DD"),
    "no places": (
        "energy.geojson", lambda d: props(d).pop("places"),
        f"{WIND} 'places': list the towns, regions and countries the location mentions, "
        "each as {\"en\", \"ru\", \"kk\", \"zh\"}"),
    "a place missing in one language": (
        "energy.geojson", lambda d: props(d)["places"][0].pop("zh"),
        f"{WIND} 'places[0].zh': missing or empty place name (zh)"),
    "name sources for an unknown language": (
        "energy.geojson", lambda d: props(d).update(name_sources={"fr": "a book"}),
        f"{WIND} 'name_sources': must map languages (en, ru, kk, zh) to a source"),
}


@pytest.mark.parametrize("case", RULES, ids=list(RULES))
def test_rule_is_enforced(data_copy: Path, case: str):
    file, change, expected = RULES[case]
    edit_json(data_copy / file, change)
    assert expected in refused(data_copy)


def test_two_places_with_one_name_are_refused(data_copy: Path):
    edit_json(data_copy / "energy.geojson",
              lambda d: props(d, 1)["names"].update(ru="Ветровая станция"))
    assert refused(data_copy) == [
        "energy.geojson: feature 'campus': field 'names.ru': the ru name 'Ветровая станция' "
        "is also the name of 'wind-farm'; names tell places apart"]


def test_the_catalogue_states_its_dates(data_copy: Path):
    edit_json(data_copy / "catalogue.json", lambda d: d.pop("data_as_of"))
    assert refused(data_copy) == [
        "catalogue.json: field 'data_as_of': must be a date, YYYY-MM-DD"]


def test_the_data_cannot_be_checked_before_the_day_it_describes(data_copy: Path):
    edit_json(data_copy / "catalogue.json", lambda d: d.update(checked_on="2024-01-01"))
    assert refused(data_copy) == [
        "catalogue.json: field 'checked_on': the data cannot be checked before the date it "
        "describes"]


SOURCE_RULES = {
    "publishers not a list": (
        lambda s: s.update(publishers=5),
        "sources.json: field 'publishers': source 'article': must be a list of non-empty "
        "strings"),
    "date not a date": (
        lambda s: s.update(date=20240702),
        "sources.json: field 'date': source 'article': must be a date, YYYY-MM-DD"),
    "author missing in one language": (
        lambda s: s["translations"]["kk"].pop("author"),
        "sources.json: field 'translations.kk.author': source 'article': missing or empty "
        "(kk)"),
    "quoted text not among the publications": (
        lambda s: s.update(url="https://example.org/elsewhere"),
        "sources.json: field 'url': source 'article': the quoted text (url) must be one of "
        "the publications, in the source's language"),
    "a publication without a language": (
        lambda s: s["publications"][1].pop("language"),
        "sources.json: field 'publications[1]': source 'article': needs language (en, ru, "
        "kk, zh), an http(s) url, title and publisher"),
}


@pytest.mark.parametrize("case", SOURCE_RULES, ids=list(SOURCE_RULES))
def test_source_rule_is_enforced(data_copy: Path, case: str):
    change, expected = SOURCE_RULES[case]
    edit_json(data_copy / "sources.json", lambda d: change(d["sources"][0]))
    assert expected in refused(data_copy)


def test_check_prints_a_missing_translation_with_file_feature_field_and_language(
        data_copy: Path):
    edit_json(data_copy / "routes.geojson",
              lambda d: props(d)["translations"]["kk"].update(summary=""))
    result = run_check("--data-dir", str(data_copy))
    assert result.returncode == 1
    assert ("routes.geojson: feature 'oil-line': field 'translations.kk.summary': "
            "missing or empty translation (kk)") in result.stderr
    assert "Traceback" not in result.stderr


def test_distances_are_kilometres_on_the_ground():
    from shapely.geometry import LineString, Point

    # one degree of latitude is about 110.6 km; of longitude at 43°N about 81.4 km
    assert distance_km([69.0, 43.0], Point(69.0, 44.0)) == pytest.approx(110.57, abs=0.01)
    assert distance_km([69.0, 43.0], Point(70.0, 43.0)) == pytest.approx(81.41, abs=0.01)
    line = LineString([(60, 45), (70, 45)])
    assert along_km([[61, 45.1], [65, 44.9], [69, 45]], line) == sorted(
        along_km([[61, 45.1], [65, 44.9], [69, 45]], line))


def test_the_fixture_follows_every_rule():
    catalogue = load_catalogue(FIXTURE_DATA)
    assert catalogue.data_as_of == "2024-07-02"
    assert catalogue.checked_on == "2024-08-01"
