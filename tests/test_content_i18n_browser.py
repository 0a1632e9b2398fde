"""The content in the reader's language, the quote first (issue 13), in a real Chromium.

At ?lang=ru, kk and zh every popup speaks the page's language outside quotes and
links; on a 375×667 phone the quote is seen without scrolling the popup; the facts and
the location open on request; the citation line is localised and links to the English
text quoted; search finds towns by their names in four languages; no two places of the
list share a name; and the page says how current its data is.

Each test runs on the small fixture data (content in four languages, a long quote and
long names), and those that concern the real data on geodata/ (whose content is being
translated: they fail until it is).
"""

from __future__ import annotations

import re
import shutil
import time
import unicodedata

import pytest

from tests.conftest import FIXTURE_DATA, PAGE_DATA, edit_json, start_server, stop_server, wait_for

pytestmark = pytest.mark.browser

PHONE = (375, 667)
TRANSLATED = ("ru", "kk", "zh")
LATIN_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'’]{2,}")
# Russian, Kazakh and Chinese texts keep the Latin names of organisations and
# publications (CNPC, China Daily, GeoNames): a Latin word that starts with a capital
# is taken for such a name. A word in lower case is English prose, and fails, unless it
# is part of a site's name (China.org.cn, ec-info) or a label cited word for word in
# quotation marks («Altynkol railway station», “…”).
ASCII_EDGE = "(?<![A-Za-z0-9-]){}(?![A-Za-z0-9-])"
SITE = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:org|net|com|info|kz|cn|ru)"
SITE_NAME = re.compile(ASCII_EDGE.format(SITE) + "|" + ASCII_EDGE.format("ec-info"))
CITED_LABEL = re.compile(r"[«“「][^«»“”「」\u0400-\u04ff\u3000-\u9fff]*[»”」]")
# What a reader may see in another language in a popup: the verbatim quotes, links
# (their target's own words), and the line of the feature's names in other languages.
ELSEWHERE = "blockquote, a, .mapapp-native-names"

LONG_QUOTE = ("The «\u00a0green lanes\u00a0» for agricultural products at the border crossings "
              "have been running smoothly, the China-Europe Railway Express trains to and from "
              "Kazakhstan have kept growing in number, and the two sides have agreed to build "
              "further cross-border routes.")
LONG_NAMES = {"en": "Wind farm of the Zhanatas district near the Karatau mountains",
              "ru": "Ветровая электростанция Жанатасского района у гор Каратау",
              "kk": "Қаратау тауларының маңындағы Жаңатас ауданының жел электр станциясы",
              "zh": "卡拉套山附近扎纳塔斯区的风力发电站"}

AS_OF = {"ru": "на июль 2024\u00a0г.", "kk": "2024 ж. шілде жағдай бойынша", "zh": "截至2024年7月"}
ARTICLE_DATE = {"ru": "2 июля 2024", "kk": "2024 ж. 2 шілде", "zh": "2024年7月2日"}


def normalise(text: str) -> str:
    """As reader.js normalises for search: no case, no diacritics, Kazakh letters as
    the Russian ones a Russian keyboard types for them."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text)
                     if not unicodedata.category(c).startswith("M")).lower()
    folded = folded.translate(str.maketrans("әғқңөұүһі", "агкноуухи"))
    return re.sub(r"\s+", " ", folded).strip()


def plain(text: str) -> str:
    """Text with its no-break and narrow no-break spaces as plain spaces."""
    return re.sub(r"[\u00a0\u202f]", " ", text)


@pytest.fixture(scope="module")
def fixture_server(tmp_path_factory) -> str:
    """The fixture data with a long quote and long names (the phone's hard case), and
    layer titles the catalogues translate."""
    data = tmp_path_factory.mktemp("content-i18n") / "geodata"
    shutil.copytree(FIXTURE_DATA, data)

    def titles(document) -> None:
        for entry, title in zip(document["collections"],
                                ["Zhanatas wind farm", "Oil and gas pipelines"], strict=False):
            entry["title"] = title

    def long_texts(document) -> None:
        props = document["features"][0]["properties"]
        props["citations"][0]["quote"] = LONG_QUOTE
        props["names"] = dict(LONG_NAMES)
        props["name"] = LONG_NAMES["en"]

    edit_json(data / "catalogue.json", titles)
    edit_json(data / "energy.geojson", long_texts)
    process, base = start_server(data)
    yield base
    stop_server(process)


@pytest.fixture(params=["fixture", "real"])
def base(request) -> str:
    """Each test on the fixture data and on the real data."""
    if request.param == "fixture":
        return request.getfixturevalue("fixture_server")
    return request.getfixturevalue("live_server")


def data_block(page) -> dict:
    """The data block, with each collection's features from its data file."""
    return page.evaluate(PAGE_DATA)


def feature_ids(page) -> list[str]:
    return [feature["id"] for collection in data_block(page)["collections"]
            for feature in collection["features"]]


def open_popup(page, feature_id: str) -> None:
    """Opens a popup as the list of places does, and waits until the map stops
    moving (the popup pans itself into view)."""
    page.evaluate("id => window.mapapp.focusFeature(id, {animate: false})", feature_id)
    page.locator(f'.leaflet-popup [data-popup-for="{feature_id}"]').wait_for()
    wait_for(page, "document.querySelectorAll('.leaflet-popup').length === 1")  # the last one gone
    box = None
    for _ in range(40):
        time.sleep(0.1)
        now = page.locator(".leaflet-popup").bounding_box()
        if now == box:
            return
        box = now
    raise AssertionError(f"the popup of {feature_id} never stopped moving")


def english_elsewhere(page, lang: str) -> list[str]:
    """What the open popup shows in English outside quotes, links and the line of
    other names: text marked in another language (an untranslated fallback), and
    Latin words in lower case (English prose)."""
    found = page.evaluate("""([skip, lang]) => {
        const root = document.querySelector('.leaflet-popup-content');
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        const texts = [];
        while (walker.nextNode()) {
            const parent = walker.currentNode.parentElement;
            if (parent.closest(skip) || !parent.checkVisibility()) continue;
            const marked = parent.closest('[lang]');
            const other = marked && root.contains(marked) && marked.lang !== lang;
            texts.push([walker.currentNode.textContent, other ? marked.lang : null]);
        }
        return texts;
    }""", [ELSEWHERE, lang])
    english = []
    for text, other in found:
        if other and LATIN_WORD.search(text):
            english.append(f"[lang={other}] {text}")
        prose = CITED_LABEL.sub(" ", SITE_NAME.sub(" ", text))
        english += [word for word in LATIN_WORD.findall(prose) if word[0].islower()]
    return english


def quote_in_view(page) -> dict:
    """Where the first quote is in the open popup before any scrolling."""
    return page.evaluate("""() => {
        const content = document.querySelector('.leaflet-popup-content');
        const quote = content.querySelector('blockquote');
        const box = content.getBoundingClientRect();
        const map = document.querySelector('.leaflet-container').getBoundingClientRect();
        const q = quote.getBoundingClientRect();
        const top = Math.max(box.top, map.top, 0);
        const bottom = Math.min(box.bottom, map.bottom, window.innerHeight);
        return {scrolled: content.scrollTop, seen: q.top >= top - 0.5 && q.bottom <= bottom + 0.5,
                quote: [q.top, q.bottom], visible: [top, bottom]};
    }""")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_popup_speaks_the_page_language(base, visit, lang):
    page = visit(f"{base}/?lang={lang}", viewport=PHONE).page
    english = {}
    for feature_id in feature_ids(page):
        open_popup(page, feature_id)
        popup = page.locator(".leaflet-popup-content")
        assert popup.locator("h2").get_attribute("lang") == lang, feature_id
        popup.locator(".mapapp-more summary").click()
        assert popup.locator(".mapapp-more").get_attribute("open") is not None
        found = english_elsewhere(page, lang)
        if found:
            english[feature_id] = found
    assert english == {}


@pytest.mark.parametrize("path", ["/", "/embed"])
@pytest.mark.parametrize("lang", TRANSLATED)
def test_on_a_phone_the_quote_is_seen_without_scrolling(base, visit, lang, path):
    page = visit(f"{base}{path}?lang={lang}", viewport=PHONE).page
    hidden = {}
    for feature_id in feature_ids(page):
        open_popup(page, feature_id)
        where = quote_in_view(page)
        if where["scrolled"] or not where["seen"]:
            hidden[feature_id] = where
    assert hidden == {}


def test_popup_order_name_quote_summary_then_more_on_request(fixture_server, visit):
    page = visit(f"{fixture_server}/?lang=ru", viewport=PHONE).page
    open_popup(page, "wind-farm")
    popup = page.locator(".leaflet-popup-content")
    order = popup.locator("[data-popup-for] > *").evaluate_all(
        "nodes => nodes.map(n => n.className || n.tagName.toLowerCase())")
    assert order == ["mapapp-name", "mapapp-meta", "mapapp-citations", "mapapp-summary",
                     "mapapp-native-names", "mapapp-more"]
    assert popup.locator("h2").inner_text() == LONG_NAMES["ru"]
    assert popup.locator(".mapapp-meta").inner_text() == "ветроэлектростанция · действует"
    assert popup.locator(".mapapp-native-names").inner_text() == " · ".join(
        LONG_NAMES[lang] for lang in ("en", "kk", "zh"))
    assert popup.locator(".mapapp-summary").inner_text() == "Ветровая станция из тестовых данных."
    assert popup.locator(".mapapp-summary").get_attribute("lang") == "ru"
    # facts and the location wait behind the disclosure
    more = popup.locator(".mapapp-more")
    assert more.get_attribute("open") is None
    assert popup.locator(".mapapp-facts").is_hidden()
    assert more.locator("summary").inner_text() == "Факты и местоположение"
    more.locator("summary").click()
    assert popup.locator(".mapapp-facts").is_visible()
    # ... and come up into view in a popup that scrolls
    wait_for(page, """(() => {
        const content = document.querySelector('.leaflet-popup-content');
        const more = content.querySelector('.mapapp-more').getBoundingClientRect();
        const top = content.getBoundingClientRect().top;
        return more.top >= top - 1 && content.scrollTop > 0; })()""")
    assert popup.locator(".mapapp-facts dt").inner_text() == "Мощность"
    assert popup.locator(".mapapp-facts dt").get_attribute("lang") == "ru"
    value = plain(popup.locator(".mapapp-facts dd").inner_text())
    assert value == plain(f"100 МВт ({AS_OF['ru']}, источник)")
    assert popup.locator(".mapapp-facts dd a").get_attribute("href") == "https://example.org/wind"
    sources = popup.locator(".mapapp-location-sources")
    assert [a.inner_text() for a in sources.locator("a").all()] == [
        "OpenStreetMap", "Operator's register"]
    assert sources.locator("a").first.get_attribute("href") == "https://example.org/osm"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_facts_and_notes_in_the_language_with_a_localised_date(fixture_server, visit, lang):
    page = visit(f"{fixture_server}/?lang={lang}&feature=wind-farm").page
    popup = page.locator(".leaflet-popup-content")
    popup.locator(".mapapp-more summary").click()
    facts = data_block(page)
    fact = facts["collections"][0]["features"][0]["properties"]["facts"][0]
    assert popup.locator(".mapapp-facts dt").inner_text() == fact["translations"][lang]["label"]
    dd = plain(popup.locator(".mapapp-facts dd").inner_text())
    assert dd.startswith(fact["translations"][lang]["value"])
    assert plain(AS_OF[lang]) in dd
    open_popup(page, "campus")
    campus = page.locator(".leaflet-popup-content")
    campus.locator(".mapapp-more summary").click()
    assert campus.locator(".mapapp-more summary").inner_text() == \
        {"ru": "Об этом местоположении", "kk": "Бұл орын туралы", "zh": "关于此位置"}[lang]
    note = {"ru": "Центр города; кампус не найден.", "kk": "Қала орталығы; кампус табылмады.",
            "zh": "城市中心；未找到校区位置。"}[lang]
    assert campus.locator(f'.mapapp-precision [lang="{lang}"]').inner_text() == note


@pytest.mark.parametrize("lang", TRANSLATED)
def test_citation_line_is_localised_and_links_to_the_english_text(base, visit, lang):
    page = visit(f"{base}/?lang={lang}").page
    article = data_block(page).get("article")
    assert article, "the data block has no 'article' (mapapp/pages.py)"
    first = feature_ids(page)[0]
    open_popup(page, first)
    popup = page.locator(".leaflet-popup-content")
    cite = popup.locator(".mapapp-cite").first
    quoted = cite.locator("a").first
    # the citation in the page's language, with its date as the language writes it
    assert quoted.inner_text() == article["citation"]
    assert ARTICLE_DATE[lang] in plain(quoted.inner_text())
    assert "July" not in quoted.inner_text()
    # the quote, verbatim in English, links to the English publication it comes from
    assert article["quoted"]["lang"] == "en"
    assert quoted.get_attribute("href") == article["quoted"]["url"]
    assert quoted.get_attribute("hreflang") == "en"
    quote = popup.locator("blockquote").first
    assert quote.get_attribute("lang") == "en"
    assert quote.get_attribute("cite") == article["quoted"]["url"]
    assert re.match(r"^— .+, ¶\d+", cite.inner_text())
    # and beside it, the article in the reader's language when there is one
    other = cite.locator("a.mapapp-in-language")
    if article["in_language"] is None:
        assert other.count() == 0
    else:
        assert other.inner_text() == article["in_language"]["label"]
        assert other.get_attribute("href") == article["in_language"]["url"]
        assert other.get_attribute("hreflang") == lang
        assert article["in_language"]["url"] != article["quoted"]["url"]


def test_russian_readers_get_the_russian_article(base, visit):
    page = visit(f"{base}/?lang=ru").page
    open_popup(page, feature_ids(page)[0])
    other = page.locator(".leaflet-popup-content .mapapp-cite a.mapapp-in-language").first
    assert other.inner_text() == "Читать статью на русском"
    assert other.get_attribute("href").startswith(
        ("https://kazpravda.kz/", "https://example.org/ru/"))


def result_texts(page, typed: str) -> list[tuple[str, str]]:
    box = page.locator("#reader-search")
    box.fill(typed)
    wait_for(page, "document.querySelector('.reader-search-status').textContent !== ''")
    return [(option.get_attribute("data-place"), option.inner_text())
            for option in page.locator("#reader-results [role=option]").all()]


def places_of(page, town: str) -> set[str]:
    """The features whose places include `town` (its English name)."""
    return {feature["id"] for collection in data_block(page)["collections"]
            for feature in collection["features"]
            if any(place.get("en") == town for place in feature["properties"].get("places", []))}


def assert_each_says_why(page, results, typed: str, lang: str) -> None:
    """Each result shows why it came: the name typed, or the place it matched in the
    page's language."""
    query = normalise(typed)
    features = {feature["id"]: feature for collection in data_block(page)["collections"]
                for feature in collection["features"]}
    for feature_id, text in results:
        places = features[feature_id]["properties"].get("places", [])
        reasons = {query} | {normalise(place[lang]) for place in places
                             if any(query in normalise(name) for name in place.values())}
        assert any(reason in normalise(text) for reason in reasons), (text, reasons)


@pytest.mark.parametrize(("lang", "typed", "town"), [
    ("ru", "Алматы", "Almaty"), ("zh", "阿拉木图", "Almaty"), ("kk", "Жаңатас", "Zhanatas"),
    ("kk", "Жанатас", "Zhanatas"), ("ru", "жанатас", "Zhanatas"), ("ru", "Шымкент", "Shymkent"),
    ("en", "almaty", "Almaty"), ("kk", "Казахстан", "Kazakhstan"),
])
def test_search_finds_the_fixture_places(fixture_server, visit, lang, typed, town):
    page = visit(f"{fixture_server}/?lang={lang}").page
    results = result_texts(page, typed)
    assert {place for place, _ in results} == places_of(page, town)
    assert_each_says_why(page, results, typed, lang)


@pytest.mark.parametrize(("lang", "typed", "town"), [
    ("ru", "Астана", "Astana"), ("kk", "Астана", "Astana"), ("kk", "Қарағанды", "Karaganda"),
    ("ru", "Караганда", "Karaganda"), ("kk", "Ақтөбе", "Aktobe"), ("ru", "Актобе", "Aktobe"),
    ("zh", "阿拉木图", "Almaty"), ("ru", "Пекин", "Beijing"), ("zh", "北京", "Beijing"),
])
def test_search_finds_the_places_of_a_town(live_server, visit, lang, typed, town):
    page = visit(f"{live_server}/?lang={lang}").page
    expected = places_of(page, town)
    assert expected, f"no feature lists {town} among its places"
    results = result_texts(page, typed)
    assert expected <= {place for place, _ in results}
    assert_each_says_why(page, results, typed, lang)


@pytest.mark.parametrize("lang", ["en", *TRANSLATED])
def test_no_two_places_of_the_list_share_a_name(base, visit, lang):
    page = visit(f"{base}/?lang={lang}").page
    page.locator("#reader-tab-places").click()
    names = page.locator("#reader-view-places .reader-place-name")
    texts = names.all_inner_texts()
    assert len(texts) == len(feature_ids(page))
    assert sorted(t for t in set(texts) if texts.count(t) > 1) == []
    assert set(names.evaluate_all("nodes => nodes.map(n => n.lang)")) == {lang}


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_list_says_where_each_place_is(fixture_server, visit, lang):
    page = visit(f"{fixture_server}/?lang={lang}").page
    page.locator("#reader-tab-places").click()
    campus = page.locator('.reader-place[data-place="campus"] .reader-place-where')
    assert campus.inner_text() == {"ru": "Алматы, Казахстан", "kk": "Алматы, Қазақстан",
                                   "zh": "阿拉木图，哈萨克斯坦"}[lang]


@pytest.mark.parametrize("lang", ["en", *TRANSLATED])
def test_the_map_and_the_embed_say_how_current_the_data_is(base, visit, lang):
    page = visit(f"{base}/?lang={lang}").page
    as_of = (data_block(page).get("dataAsOf") or {}).get("text")
    assert as_of, "the data block has no 'dataAsOf' (mapapp/pages.py)"
    assert page.locator("#reader .data-as-of").inner_text() == as_of
    if lang != "en":
        assert not LATIN_WORD.search(as_of), as_of
    embed = visit(f"{base}/embed?lang={lang}", viewport=PHONE).page
    credit = embed.locator(".mapapp-credit")
    assert credit.locator(".mapapp-data-as-of").is_visible()
    assert as_of in credit.inner_text()


def test_embed_credit_links_to_the_article_in_the_reader_language(fixture_server, visit):
    page = visit(f"{fixture_server}/embed?lang=ru").page
    article = data_block(page)["article"]
    links = page.locator(".mapapp-credit a")
    assert links.nth(1).get_attribute("href") == article["in_language"]["url"]
    page = visit(f"{fixture_server}/embed?lang=kk").page
    assert page.locator(".mapapp-credit a").nth(1).get_attribute("href") == \
        data_block(page)["article"]["quoted"]["url"]



def test_on_a_phone_the_embed_places_control_gives_the_popup_its_room(fixture_server, visit):
    page = visit(f"{fixture_server}/embed?lang=kk", viewport=PHONE).page
    places = page.locator(".mapapp-places")
    places.locator("summary").click()
    page.locator("#places-search").fill("Алматы")
    page.keyboard.press("Enter")
    page.locator('.leaflet-popup [data-popup-for="campus"]').wait_for()
    assert places.get_attribute("open") is None  # closed: it would cover the popup
    wait_for(page, "document.activeElement.matches('[data-popup-for]')")
    assert quote_in_view(page)["seen"]
    # the legend steps aside while the popup is open, and comes back after
    assert page.locator(".mapapp-legend").is_hidden()
    page.keyboard.press("Escape")
    wait_for(page, "document.activeElement.matches('.mapapp-places summary')")
    assert page.locator(".mapapp-legend").is_visible()
