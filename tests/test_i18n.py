"""Four languages: complete gettext catalogues that agree with the sources, pages per
`?lang=` or Accept-Language (with `Vary`), names and quotes in the data block."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from mapapp import create_app
from mapapp.assets import MAP_SCRIPTS
from mapapp.i18n import (
    LANGUAGES,
    STATUSES,
    TRANSLATIONS_DIR,
    long_date,
    negotiate,
    script_msgids,
    translate,
)
from mapapp.validation import STATUSES as VALID_STATUSES
from tests.conftest import FIXTURE_DATA
from tests.test_pages import parse

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]


def catalogue(lang: str | None):
    path = TRANSLATIONS_DIR / ("messages.pot" if lang is None else
                               f"{lang}/LC_MESSAGES/messages.po")
    with path.open("rb") as po:
        return read_po(po)


def msgids(catalog) -> set[str]:
    return {message.id for message in catalog if message.id}


def extracted_now() -> set[str]:
    """What `pybabel extract -F babel.cfg` finds in the sources today."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config)
    return {message for _file, _line, message, _comments, _context
            in extract_from_dir(str(ROOT), method_map, options_map)}


def test_the_template_holds_what_the_sources_mark():
    """The .pot is up to date with the templates, scripts, Python and data (README:
    "Languages" says how to refresh it)."""
    assert msgids(catalogue(None)) == extracted_now()


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated(lang):
    catalog = catalogue(lang)
    assert msgids(catalog) == msgids(catalogue(None))
    for message in catalog:
        if not message.id:
            continue
        assert message.string and message.string.strip(), (lang, message.id)
        assert not message.fuzzy, (lang, message.id)
        for placeholder in re.findall(r"%\(\w+\)s|\{\w+\}", message.id):
            assert placeholder in message.string, (lang, message.id, placeholder)


def strip_comments(source: str) -> str:
    return re.sub(r"/\*.*?\*/|^\s*//.*?$", "", source, flags=re.DOTALL | re.MULTILINE)


@pytest.mark.parametrize("script", [*MAP_SCRIPTS, "reader.js"])
def test_babel_reads_every_message_of_the_scripts(script):
    """Babel's JavaScript lexer can lose its way (a quote inside a regular expression):
    every _("…") of the source must reach the catalogue and the page."""
    path = ROOT / "mapapp" / "static" / script
    marked = set(re.findall(r'\b_\("((?:[^"\\]|\\.)*)"', strip_comments(path.read_text("utf-8"))))
    with path.open("rb") as source:
        found = {message for _line, message, _c, _x in extract("javascript", source,
                                                                 keywords={"_": None})}
    assert marked == found
    assert marked <= set(script_msgids())


def test_statuses_are_the_validation_vocabulary():
    assert STATUSES == VALID_STATUSES


@pytest.mark.parametrize(("header", "lang"), [
    ("ru-RU,ru;q=0.9,en;q=0.8", "ru"), ("kk-KZ, ru;q=0.8", "kk"), ("zh-Hans-CN", "zh"),
    ("zh-TW,zh;q=0.9", "zh"), ("fr-FR, de;q=0.9", "en"), ("fr, kk;q=0.5", "kk"),
    ("ru;q=0, kk;q=0.4", "kk"), ("", "en"), ("*", "en"),
])
def test_accept_language_picks_our_best_language(header, lang):
    from werkzeug.datastructures import LanguageAccept
    from werkzeug.http import parse_accept_header

    assert negotiate(parse_accept_header(header, LanguageAccept)) == lang


def test_dates_and_titles_in_each_language():
    assert [long_date("2024-07-02", lang) for lang in LANGUAGES] == [
        "2 July 2024", "2 июля 2024\u202fг.", "2024\u202fж. 2 шілде", "2024年7月2日"]
    assert translate("ru", "Share") == "Поделиться"
    assert translate("en", "Share") == "Share"


@pytest.fixture(scope="module")
def fixture_client():
    return create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}).test_client()


def data_block(html: str) -> dict:
    return json.loads(parse(html).data_block)


@pytest.mark.parametrize(("lang", "labels", "english"), [
    ("ru", ["Поделиться", "Скачать данные", "Статья: место за местом", "Перейти к карте",
            "2 июля 2024\u202fг."], ["Share this view", "Download data", "Skip to the map"]),
    ("kk", ["Бөлісу", "Деректерді жүктеп алу", "Картаға өту", "2024\u202fж. 2 шілде"],
     ["Share this view", "Download data"]),
    ("zh", ["分享", "下载数据", "跳到地图", "2024年7月2日"], ["Share this view", "Download data"]),
])
def test_lang_parameter_serves_the_page_in_that_language(fixture_client, lang, labels, english):
    response = fixture_client.get(f"/?lang={lang}")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == lang
    assert "Accept-Language" not in response.headers.get("Vary", "")
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}"' in html
    for label in labels:
        assert label in html, label
    for label in english:
        assert label not in html, label
    messages = data_block(html)["i18n"]["messages"]
    assert data_block(html)["i18n"]["lang"] == lang
    assert messages["Layers"] == translate(lang, "Layers")
    assert messages["Legend"] == translate(lang, "Legend")
    assert messages["operating"] == translate(lang, "operating")


def test_english_page_has_no_message_table(fixture_client):
    html = fixture_client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert data_block(html)["i18n"]["messages"] == {}


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_without_lang_the_page_follows_accept_language_and_says_so(client, path):
    for header, lang in [("ru-RU,ru;q=0.9", "ru"), ("zh-CN", "zh"), ("de", "en"), ("kk", "kk"),
                         ("ru-RU,ru;q=0.9", "ru")]:
        response = client.get(path, headers={"Accept-Language": header})
        assert response.status_code == 200
        assert response.headers["Content-Language"] == lang
        assert "Accept-Language" in response.headers["Vary"]
        assert f'<html lang="{lang}"' in response.get_data(as_text=True)
    response = client.get(path)
    assert response.headers["Content-Language"] == "en"
    assert "Accept-Language" in response.headers["Vary"]


def test_explicit_lang_wins_over_accept_language(fixture_client):
    response = fixture_client.get("/embed?lang=kk", headers={"Accept-Language": "zh"})
    assert response.headers["Content-Language"] == "kk"
    assert "Accept-Language" not in response.headers["Vary"]


def test_bad_lang_is_a_400_page(fixture_client):
    response = fixture_client.get("/?lang=fr")
    assert response.status_code == 400
    assert response.content_type == "text/html; charset=utf-8"
    assert "lang=&#39;fr&#39; must be one of en, ru, kk, zh" in response.get_data(as_text=True)
    assert fixture_client.get("/?lang=ru&lang=kk").status_code == 400
    assert fixture_client.get("/?lang=RU").status_code == 400


def without_translations(feature: dict) -> dict:
    props = {k: v for k, v in feature["properties"].items() if k != "translations"}
    props["facts"] = [{k: v for k, v in fact.items() if k != "translations"}
                      for fact in props.get("facts", [])]
    return {**feature, "properties": props}


def test_quotes_and_data_are_the_same_in_every_language(real_client):
    """Only the messages and the translations in the data files change: features
    (quotes, names in all languages) travel unchanged, and a quote stays in the
    language of the text it cites."""
    blocks = [data_block(real_client.get(f"/?lang={lang}").get_data(as_text=True))
              for lang in LANGUAGES]
    files = [[json.loads(real_client.get("/" + c["data"]).get_data())["features"]
              for c in block["collections"]] for block in blocks]
    for block, features in zip(blocks[1:], files[1:], strict=True):
        assert [{**c, "data": None} for c in block["collections"]] == \
            [{**c, "data": None} for c in blocks[0]["collections"]]
        assert block["sources"] == blocks[0]["sources"]
        assert [[without_translations(f) for f in c] for c in features] == \
            [[without_translations(f) for f in c] for c in files[0]]
    quotes = [c["quote"] for collection in files[0]
              for f in collection for c in f["properties"]["citations"]]
    assert "Major strategic projects including the Zhanatas wind farm, Turgusun hydropower " \
           "station, and the modernization of Shymkent Oil Refinery have been completed and " \
           "commissioned." in quotes


def test_data_vocabulary_is_translated_for_the_real_data(real_client):
    messages = data_block(real_client.get("/?lang=ru").get_data(as_text=True))["i18n"]["messages"]
    assert messages["Oil and gas pipelines"] == "Нефте- и газопроводы"
    assert messages["Energy"] == "Энергетика"
    assert messages["wind farm"] == "ветроэлектростанция"
    assert messages["gas"] == "газ"


def test_layer_titles_in_the_downloads_menu_are_translated(real_client):
    html = real_client.get("/?lang=zh").get_data(as_text=True)
    assert "<li>油气管道:" in html
    assert 'aria-label="油气管道（GeoJSON 格式）"' in html


def test_oembed_title_follows_the_url_language(fixture_client):
    url = "http://localhost/?layers=routes&lang=ru#6/45/70"
    body = fixture_client.get("/oembed", query_string={"url": url}).get_json()
    assert body["title"] == ("Карта китайско-казахстанского сотрудничества: места, названные в "
                             "статье (А. Автор, 2 июля 2024\u202fг.)")
    assert 'src="http://localhost/embed?layers=routes&amp;lang=ru#6/45/70"' in body["html"]
    html = fixture_client.get("/?layers=routes&lang=ru").get_data(as_text=True)
    assert f'data-iframe-title="{body["title"]}"' in html


def test_every_language_page_is_built_identically():
    first = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}).test_client()
    second = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}).test_client()
    for lang in LANGUAGES:
        for path in ("/", "/embed"):
            assert first.get(f"{path}?lang={lang}").data == second.get(f"{path}?lang={lang}").data

