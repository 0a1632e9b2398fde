"""The built-in geodata keeps its public contract: layer ids, groups, named places."""

from __future__ import annotations

from mapapp.catalogue import load_catalogue
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


def test_the_article_source_links_to_its_publisher():
    source = load_catalogue(REAL_DATA).sources["xi-2024-article"]
    assert source["url"].startswith("https://kazpravda.kz/")
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
