"""The built-in geodata keeps its public contract: layer ids, groups, named places."""

from __future__ import annotations

from shapely.geometry import shape

from mapapp.catalogue import load_catalogue
from mapapp.precision import distance_km
from tests.conftest import REAL_DATA

LAYERS = {
    "pipelines": "Energy", "zhanatas-wind-farm": "Energy", "turgusun-hpp": "Energy",
    "shymkent-refinery": "Energy", "we-wc-highway": "Transport", "rail-routes": "Transport",
    "border-crossings": "Transport", "logistics-hubs": "Transport",
    "people-to-people": "People", "history-diplomacy": "History",
}


def test_the_ten_layers_in_order_with_their_groups():
    catalogue = load_catalogue(REAL_DATA)
    assert {c.id: c.group for c in catalogue.collections} == LAYERS
    assert [c.id for c in catalogue.collections] == list(LAYERS)


def test_named_projects_are_on_the_map():
    catalogue = load_catalogue(REAL_DATA)
    for layer, feature_id in [
        ("zhanatas-wind-farm", "zhanatas-wind-farm"), ("turgusun-hpp", "turgusun-hpp"),
        ("shymkent-refinery", "shymkent-refinery"),
        ("logistics-hubs", "xian-kazakhstan-logistics-terminal"),
        ("people-to-people", "luban-workshop-ektu-oskemen"),
        ("people-to-people", "npu-kazakhstan-branch-almaty"),
        ("history-diplomacy", "astana-palace-of-independence-sco-2024"),
    ]:
        feature = catalogue.collection(layer).feature(feature_id)
        assert "context" not in feature["properties"], feature_id


def test_pipelines_carry_both_commodities():
    pipelines = load_catalogue(REAL_DATA).collection("pipelines")
    assert {f["properties"]["commodity"] for f in pipelines.features} == {"oil", "gas"}


def test_town_to_town_routes_are_schematic():
    catalogue = load_catalogue(REAL_DATA)
    for layer in ("we-wc-highway", "rail-routes"):
        for feature in catalogue.collection(layer).features:
            assert feature["properties"]["precision"] == "schematic", feature["id"]


def test_the_article_source_links_to_the_text_quoted_and_to_its_publications():
    source = load_catalogue(REAL_DATA).sources["xi-2024-article"]
    publications = {p["language"]: p for p in source["publications"]}
    # the quotes and paragraph numbers are the English text's: a quote links there
    assert source["language"] == "en"
    assert publications["en"]["url"] == source["url"]
    # the publisher's page is the Russian original
    assert publications["ru"]["url"].startswith("https://kazpravda.kz/")
    assert publications["ru"]["title"] == "Китай и Казахстан: общее стремление к новым горизонтам"
    assert publications["zh"]["title"] == "同心笃行 续写中哈关系新篇章"
    assert source["translations"]["ru"]["author"] == "Си Цзиньпин"
    assert source["translations"]["zh"]["author"] == "习近平"
    assert source["date"] == "2024-07-02"
    assert source["citation"] == ("Xi Jinping, «Staying True to Our Shared Commitment…», "
                                  "Kazakhstanskaya Pravda / Kazinform, 2 July 2024")


def test_every_citation_says_where_its_quote_starts():
    """The reading panel orders the sentences of a paragraph by `offset`."""
    catalogue = load_catalogue(REAL_DATA)
    for collection in catalogue.collections:
        for feature in collection.features:
            for citation in feature["properties"]["citations"]:
                assert isinstance(citation.get("offset"), int), feature["id"]


def properties_of(feature_id: str) -> dict:
    return load_catalogue(REAL_DATA).find_feature(feature_id)[1]["properties"]


def fact(feature_id: str, label: str) -> dict:
    [found] = [f for f in properties_of(feature_id)["facts"] if f["label"] == label]
    return found


def test_the_fact_checks_corrections_are_in_the_data():
    """Issue 12's findings, each fixed with its sources (see geodata/README.md)."""
    catalogue = load_catalogue(REAL_DATA)
    assert catalogue.data_as_of == "2024-07-02"
    # border ports open in 2023–24, not planned
    for port in ("border-maikapchagai-jeminay", "border-kolzhat-dulata"):
        assert properties_of(port)["status"] == "operating", port
    # Beineu–Bozoi–Shymkent along the railway, past the Aral district and Kazaly
    gas = properties_of("beineu-bozoi-shymkent-gas-pipeline")
    assert [stop["name"].split(" ")[0] for stop in gas["via"]][:4] == [
        "Beineu", "Bozoi", "Saksaulsky", "Kazaly"]
    assert "15 bcm" in fact("beineu-bozoi-shymkent-gas-pipeline", "Throughput")["value"]
    assert "1,454 km" in fact("beineu-bozoi-shymkent-gas-pipeline", "Length")["value"]
    # Kuryk port is not the village, and says how unsure it is
    _, kuryk = catalogue.find_feature("kuryk-port")
    village = [51.68116, 43.18032]  # GeoNames 609919
    assert distance_km(village, shape(kuryk["geometry"])) > 10
    assert kuryk["properties"]["error_km"] >= 10
    # dates
    assert fact("turgusun-hpp", "Full operation")["value"].startswith("July 2021")
    assert "20 July 2021" in fact("zhanatas-wind-farm", "Full grid connection")["value"]
    assert fact("border-bakhty-baketu", "Distance from Tacheng")["value"].startswith("12 km")
    assert "February 2024" in fact("xian-kazakhstan-logistics-terminal", "Opened")["value"]
    # precision claims
    assert properties_of("shymkent-refinery")["precision"] != "exact"
    _, zhanatas = catalogue.find_feature("zhanatas-wind-farm")
    assert zhanatas["geometry"]["type"] == "MultiPoint"
    assert len(zhanatas["geometry"]["coordinates"]) == 40  # the turbines, not a centroid
    link = properties_of("kz-cn-oil-pipeline-kumkol-atasu")
    assert link["context"] is True
    # the 2,228 km of the whole pipeline is not this link's length
    assert not [f for f in link["facts"] if f["value"].startswith("2,228")]
    assert "leaves this link out" in fact("kz-cn-oil-pipeline-kumkol-atasu",
                                          "Not in the 2,228 km total")["value"]


def test_every_feature_speaks_four_languages_and_no_two_share_a_name():
    catalogue = load_catalogue(REAL_DATA)
    for lang in ("en", "ru", "kk", "zh"):
        names = [f["properties"]["names"][lang]
                 for c in catalogue.collections for f in c.features]
        assert len(names) == len(set(names)) == 43, lang
