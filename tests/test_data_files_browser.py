"""The map's features come from data files that the page preloads and its scripts fetch
(mapapp/datafiles.py): each is fetched once, the plugins see the features as before,
and a file that cannot be loaded leaves the map in its error state, in the page's
language, never blank."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

DATA_FILES = "/assets/data/"


def collection_counts(page) -> dict[str, int]:
    """Each collection's features as the page's scripts hold them."""
    return page.evaluate("""() => Object.fromEntries(window.mapapp.data.collections
        .map((c) => [c.id, c.features.length]))""")


@pytest.mark.parametrize("path", ["/", "/embed?lang=ru"])
def test_each_data_file_is_fetched_once_and_fills_the_map(site, visit, path):
    requested: list[str] = []
    record = visit(site.url(path), wait=False)
    page = record.page
    page.on("request", lambda request: requested.append(request.url))
    page.reload()
    page.wait_for_selector("html[data-map-state=ready]", timeout=15000)
    page.wait_for_timeout(3500)  # Chromium warns of an unused preload after 3 s
    data = [url for url in requested if DATA_FILES in url]
    counts = collection_counts(page)
    assert len(data) == len(set(data)) == len(counts), data  # one request each: preload used
    preloaded = page.eval_on_selector_all('link[rel=preload][as=fetch]',
                                          "links => links.map((link) => link.href)")
    assert sorted(preloaded) == sorted(data)
    lang = "ru" if "ru" in path else "en"
    assert all(f".{lang}." in url for url in data)
    drawn = page.eval_on_selector_all(
        "[data-feature-id]", "nodes => new Set(nodes.map((n) => n.dataset.featureId)).size")
    assert drawn == sum(counts.values()) > 40


def test_plugins_see_every_feature_of_the_data_files(live_server, visit):
    page = visit(f"{live_server}/?lang=kk").page
    found = page.evaluate("""async () => {
        const files = await Promise.all(window.mapapp.data.collections.map(
          (c) => fetch(c.data).then((r) => r.json())));
        return files.map((f) => f.features.map((x) => x.id));
    }""")
    held = page.evaluate("""() => window.mapapp.data.collections.map(
        (c) => c.features.map((x) => x.id))""")
    assert held == found
    assert page.locator(".reader-places li").count() == sum(map(len, found))


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_a_data_file_that_fails_shows_the_error_state(browser, site, lang):
    context = browser.new_context(viewport={"width": 375, "height": 667})
    page = context.new_page()
    page.route(f"**{DATA_FILES}**", lambda route: route.abort())
    # the export's file in that language (its English file goes there once it starts)
    page.goto(site.url(f"/embed?lang={lang}") if site.kind == "app"
              else f"{site.base}/embed.{lang}.html")
    page.wait_for_selector("html[data-map-state=error]", timeout=15000)
    alert = page.locator(".mapapp-error[role=alert]")
    assert alert.inner_text() == {
        "ru": "Не удалось загрузить данные карты. Обновите страницу, чтобы попробовать снова.",
        "kk": "Картаның деректері жүктелмеді. Қайталап көру үшін бетті жаңартыңыз.",
    }[lang]
    assert alert.is_visible()
    assert page.locator("#mapapp-credit").is_visible()  # the frame keeps its credit line
    context.close()
