"""Reading the article through the map, in a real Chromium against the app and the
static export: the panel both ways, search in four languages by keyboard, filters in
the URL, the list of places, popup focus, and the language switcher."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import PAGE_DATA, wait_for

pytestmark = pytest.mark.browser

MAJOR = "Major strategic projects including the Zhanatas wind farm"


def active_id(page) -> str:
    return page.evaluate("document.activeElement.id || document.activeElement.className")


def focus_in_popup(page, feature_id: str) -> bool:
    return page.evaluate(
        f"!!document.activeElement.closest('.leaflet-popup [data-popup-for=\"{feature_id}\"]')")


def open_popup_id(page) -> str | None:
    return page.evaluate(
        "(document.querySelector('.leaflet-popup [data-popup-for]') || {dataset: {}})"
        ".dataset.popupFor || null")


def press_until_focused(page, selector: str, limit: int = 80) -> None:
    """Tab through the page until `selector` has focus: reached by keyboard alone."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({json.dumps(selector)})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_panel_lists_the_cited_sentences_in_article_order(site, visit):
    page = visit(site.url("/")).page
    sentences = page.locator(".reader-sentence")
    assert sentences.count() == 18
    paragraphs = [int(p) for p in sentences.evaluate_all(
        "nodes => nodes.map(n => n.dataset.paragraph)")]
    assert paragraphs == sorted(paragraphs) and paragraphs[0] == 4
    in_eight = [text[:20] for text in page.locator(
        '.reader-sentence[data-paragraph="8"] q').all_inner_texts()]
    assert in_eight == ["Major strategic proj", "China-Kazakhstan cru",
                        "The «\xa0green lanes\xa0» ", "The transport and lo"]
    header = page.locator("#reader .article-ref")
    assert "Staying True to Our Shared Commitment" in header.inner_text()
    assert "Xi Jinping" in header.inner_text() and "2 July 2024" in header.inner_text()
    assert "Kazakhstanskaya Pravda" in header.inner_text()
    # in English the title links to the English text the quotes come from
    assert header.locator("a").get_attribute("href") == "http://afrique54.net/?p=30098"
    # quotes only: every sentence is a quote of a feature, nothing else of the article
    quotes = set(page.locator(".reader-sentence q").all_inner_texts())
    data = page.evaluate(PAGE_DATA)
    cited = {citation["quote"] for collection in data["collections"]
             for feature in collection["features"]
             for citation in feature["properties"]["citations"]}
    assert quotes == cited


def test_a_sentence_shows_its_places_and_opens_the_first(site, visit):
    page = visit(site.url("/")).page
    button = page.locator(".reader-sentence", has_text=MAJOR).locator(".reader-quote")
    button.focus()
    page.keyboard.press("Enter")
    page.locator('.leaflet-popup [data-popup-for="zhanatas-wind-farm"]').wait_for()
    wait_for(page, "document.activeElement.matches('[data-popup-for]')")
    assert focus_in_popup(page, "zhanatas-wind-farm")
    assert button.get_attribute("aria-current") == "true"
    highlighted = set(page.locator(".mapapp-highlight[data-feature-id]").evaluate_all(
        "nodes => nodes.map(n => n.dataset.featureId)"))
    assert highlighted == {"zhanatas-wind-farm", "turgusun-hpp", "shymkent-refinery"}
    box = page.locator(".leaflet-container").bounding_box()
    for feature in highlighted:  # every element: the wind farm is drawn as its 40 turbines
        for element in page.locator(f'[data-feature-id="{feature}"]').all():
            x, y, width, height = element.bounding_box().values()
            assert box["x"] <= x and x + width <= box["x"] + box["width"]
            assert box["y"] <= y and y + height <= box["y"] + box["height"]
    assert "feature=zhanatas-wind-farm" in page.url
    page.keyboard.press("Escape")
    wait_for(page, "!document.querySelector('.leaflet-popup')")
    assert page.evaluate("document.activeElement.classList.contains('reader-quote')")
    assert page.evaluate("document.activeElement.textContent").find("Major strategic") >= 0
    assert "feature=" not in page.url


def test_a_place_on_the_map_marks_its_sentences(site, visit):
    page = visit(site.url("/")).page
    page.locator('[data-feature-id="border-bakhty-baketu"]').click(force=True)
    page.locator('.leaflet-popup [data-popup-for="border-bakhty-baketu"]').wait_for()
    current = page.locator(".reader-sentence.is-current q")
    wait_for(page, "document.querySelectorAll('.reader-sentence.is-current').length === 2")
    texts = current.all_inner_texts()
    assert texts[0].startswith("The «\xa0green lanes\xa0»")
    assert texts[1].startswith("Our two countries need to deepen cooperation")
    marked = page.locator('.reader-sentence.is-current .reader-quote[aria-current="true"]')
    assert marked.count() == 2
    # the panel scrolled to the first of them
    wait_for(page, """(() => {
        const panel = document.getElementById('reader').getBoundingClientRect();
        const first = document.querySelector('.reader-sentence.is-current').getBoundingClientRect();
        return first.top >= panel.top - 1 && first.top < panel.bottom; })()""")
    # the popup's way into the panel
    page.locator(".leaflet-popup .reader-in-panel").click()
    assert page.evaluate("document.activeElement.closest('.reader-sentence').className") \
        == "reader-sentence is-current"
    assert page.evaluate("document.activeElement.textContent").find("green lanes") >= 0


@pytest.mark.parametrize(("lang", "typed", "name"), [
    ("en", "zhanatas", "Zhanatas wind farm"),
    ("en", "ZHANATÁS", "Zhanatas wind farm"),
    ("en", "Жанатас", "Zhanatas wind farm"),
    ("en", "扎纳塔斯", "Zhanatas wind farm"),
    ("ru", "zhanatas", "Жанатасская ВЭС"),
    ("ru", "Жанатас", "Жанатасская ВЭС"),
    ("zh", "扎纳塔斯", "扎纳塔斯风电场"),
    ("kk", "жаңатас", "Жаңатас жел электр станциясы"),
])
def test_search_finds_a_place_in_any_language_by_keyboard(live_server, visit, lang, typed, name):
    page = visit(f"{live_server}/?lang={lang}").page
    box = page.locator("#reader-search")
    assert box.get_attribute("role") == "combobox"
    box.focus()
    page.keyboard.type(typed)
    assert box.get_attribute("aria-expanded") == "true"
    first = page.locator("#reader-results [role=option]").first
    assert first.locator(".reader-place-name").inner_text() == name
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == first.get_attribute("id")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.locator('.leaflet-popup [data-popup-for="zhanatas-wind-farm"]').wait_for()
    wait_for(page, "document.activeElement.matches('[data-popup-for]')")
    assert page.locator(".leaflet-popup h2").inner_text() == name
    page.keyboard.press("Escape")
    wait_for(page, "document.activeElement.id === 'reader-search'")


def test_search_by_kind_and_place_and_keys(site, visit):
    page = visit(site.url("/")).page
    box = page.locator("#reader-search")
    box.fill("pipeline")
    options = page.locator("#reader-results [role=option]")
    assert options.count() == 7
    box.focus()
    page.keyboard.press("ArrowUp")  # from nothing, up is the last
    assert options.nth(6).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowDown")  # and wraps to the first
    assert options.nth(0).get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    assert box.input_value() == "pipeline"
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    box.fill("aktobe")  # a town of the features' places: the institute and the lines through it
    names = page.locator("#reader-results [role=option] .reader-place-name").all_inner_texts()
    assert "Confucius Institute at Aktobe State Pedagogical Institute, Aktobe" in names
    assert "Western Europe–Western China highway (Kazakh section)" in names
    box.fill("xi’an")  # typographic apostrophe = plain
    names = page.locator("#reader-results [role=option] .reader-place-name").all_inner_texts()
    assert names[0] == "Xi'an (ancient Chang'an)"
    box.fill("nowhere at all")
    assert page.locator("#reader-results").is_hidden()
    assert page.locator(".reader-search-status").inner_text() == "No place found"


def test_filters_live_in_the_url_and_come_back_on_reload(site, visit):
    page = visit(site.url("/")).page
    page.locator(".reader-filters summary").click()
    page.locator('.reader-filters [data-filter="status"] label', has_text="event") \
        .locator("input").uncheck()
    wait_for(page, "location.search.includes('status=')")
    assert "status=operating,historical" in page.url
    assert page.locator('[data-feature-id="sister-cities-astana-beijing"]').count() == 0
    assert page.locator('[data-feature-id="border-dostyk-alashankou"]').count() == 1
    page.locator('.reader-filters [data-filter="groups"] label', has_text="History") \
        .locator("input").uncheck()
    wait_for(page, "location.search.includes('groups=')")
    assert "groups=energy,transport,people&status=operating,historical" in page.url
    assert page.locator('[data-layer-id="history-diplomacy"][data-feature-id]').count() == 0
    # the layer control says the History layers are filtered out
    history = page.locator('.mapapp-layers fieldset[data-group="history"]')
    assert history.locator("input").first.is_disabled()
    url = page.url
    page.reload()
    page.wait_for_selector("html[data-map-state=ready]")
    assert page.url == url
    assert page.locator('[data-feature-id="sister-cities-astana-beijing"]').count() == 0
    assert page.locator('[data-layer-id="history-diplomacy"][data-feature-id]').count() == 0
    assert page.locator(".reader-filters").get_attribute("open") is not None
    assert not page.locator('.reader-filters [data-filter="status"] label', has_text="event") \
        .locator("input").is_checked()
    # search and the list keep to the filters
    page.locator("#reader-search").fill("sister cities")
    assert page.locator(".reader-search-status").inner_text() == "No place found"
    page.locator(".reader-filter-reset").click()
    wait_for(page, "!location.search.includes('status=')")
    assert page.locator('[data-feature-id="border-maikapchagai-jeminay"]').count() == 1


def test_list_view_reaches_a_pipeline_by_keyboard(site, visit):
    page = visit(site.url("/")).page
    press_until_focused(page, "[role=tab][aria-selected=true]")
    page.keyboard.press("ArrowRight")
    assert page.locator("#reader-tab-places").get_attribute("aria-selected") == "true"
    assert page.locator("#reader-view-places").is_visible()
    press_until_focused(page, '.reader-place[data-place="central-asia-china-gas-pipeline-kz"]')
    page.keyboard.press("Enter")
    page.locator('.leaflet-popup [data-popup-for="central-asia-china-gas-pipeline-kz"]').wait_for()
    wait_for(page, "document.activeElement.matches('[data-popup-for]')")
    assert "feature=central-asia-china-gas-pipeline-kz" in page.url
    # the close button is reachable and gives focus back
    page.keyboard.press("Tab")
    press_until_focused(page, ".leaflet-popup-close-button")
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Close"
    page.keyboard.press("Enter")
    wait_for(page, "document.activeElement.dataset.place === 'central-asia-china-gas-pipeline-kz'")


def test_list_view_holds_the_features_of_the_map(site, visit):
    page = visit(site.url("/")).page
    page.locator("#reader-tab-places").click()

    def listed() -> set[str]:
        return set(page.locator("#reader-view-places [data-place]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.place)"))

    def drawn() -> set[str]:
        return set(page.locator("[data-feature-id]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.featureId)"))

    assert listed() == drawn() and len(listed()) == 43
    page.get_by_role("checkbox", name="Oil and gas pipelines").uncheck()
    assert listed() == drawn() and len(listed()) == 36
    assert page.locator('#reader-view-places [data-place-layer="pipelines"]').count() == 0


def test_skip_link_focuses_the_map_and_keeps_the_view(site, visit):
    page = visit(site.url("/#5/45/70")).page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.classList.contains('leaflet-container')")
    assert page.evaluate("location.hash").startswith("#5/")
    assert page.locator(".leaflet-container").get_attribute("aria-label").startswith("Map:")


def test_language_switcher_keeps_the_view(site, visit):
    page = visit(site.url("/?layers=pipelines,turgusun-hpp&status=operating#6/46/75")).page
    page.locator('a[data-lang="ru"]').click()
    page.wait_for_selector("html[data-map-state=ready]")
    assert page.evaluate("document.documentElement.lang") == "ru"
    expected = "index.ru.html?" if site.kind == "static" else "/?"
    assert expected in page.url
    assert "layers=pipelines,turgusun-hpp&status=operating" in page.url
    assert page.url.endswith("#6/46.0000/75.0000")
    assert page.locator(".mapapp-layers summary").inner_text() == "Слои"
    assert page.locator('a[data-lang="ru"]').get_attribute("aria-current") == "true"
    assert page.get_by_role("checkbox", name="Нефте- и газопроводы").is_checked()


def test_names_follow_the_language(site, visit):
    page = visit(site.url("/?lang=zh&feature=kuryk-port")).page
    assert page.evaluate("document.documentElement.lang") == "zh"
    popup = page.locator(".leaflet-popup")
    assert popup.locator("h2").inner_text() == "库里克港"
    assert popup.locator("h2").get_attribute("lang") == "zh"
    assert "Морской порт Курык" in popup.locator(".mapapp-native-names").inner_text()
    assert popup.locator("blockquote").first.get_attribute("lang") == "en"
    assert popup.locator("blockquote").first.inner_text().startswith("We need to ensure")
    assert "海港" in popup.locator(".mapapp-meta").inner_text()


def test_static_site_follows_a_lang_parameter_to_its_file(static_site, visit):
    page = visit(f"{static_site}/embed.html?layers=pipelines&lang=kk#5/45/70", wait=False).page
    page.wait_for_url(re.compile(r".*/embed\.kk\.html\?layers=pipelines#5/45"))
    page.wait_for_selector("html[data-map-state=ready]")
    assert page.evaluate("document.documentElement.lang") == "kk"


def test_static_site_names_a_wrong_lang(static_site, visit):
    page = visit(f"{static_site}/index.html?lang=fr", wait=False).page
    page.wait_for_selector("html[data-map-state=error]")
    assert page.get_by_role("alert").inner_text() == (
        "This map URL has a wrong value: lang='fr' must be one of en, ru, kk, zh")


def test_embed_has_search_and_list_of_places(site, visit):
    page = visit(site.url("/embed?lang=ru")).page
    places = page.locator(".mapapp-places")
    places.locator("summary").focus()
    page.keyboard.press("Enter")
    page.locator("#places-search").focus()
    page.keyboard.type("Trans-Caspian")
    page.keyboard.press("Enter")
    page.locator('.leaflet-popup [data-popup-for="trans-caspian-international-transport-route"]') \
        .wait_for()
    wait_for(page, "document.activeElement.matches('[data-popup-for]')")
    page.keyboard.press("Escape")
    wait_for(page, "document.activeElement.id === 'places-search'")
    assert places.locator('[data-place-layer="pipelines"] h3').inner_text() == \
        "Нефте- и газопроводы"
    assert page.locator(".mapapp-credit a").first.inner_text() == "Полная карта"


def test_a_popup_opened_on_the_map_takes_focus_and_gives_it_to_the_map(live_server, visit):
    page = visit(f"{live_server}/").page
    page.locator('[data-feature-id="turgusun-hpp"]').click(force=True)
    page.locator('.leaflet-popup [data-popup-for="turgusun-hpp"]').wait_for()
    wait_for(page, "document.activeElement.matches('[data-popup-for]')")
    assert page.locator(".leaflet-popup").get_attribute("role") == "dialog"
    page.keyboard.press("Escape")
    wait_for(page, "!document.querySelector('.leaflet-popup')")
    assert page.evaluate("document.activeElement.classList.contains('leaflet-container')")
