"""The map without JavaScript and on paper, in a real Chromium against a real gunicorn."""

from __future__ import annotations

import json

import pytest
from PIL import Image

from tests.conftest import REAL_DATA, is_loopback
from tests.test_picture import ZHANATAS_COLOUR, near_colour

pytestmark = pytest.mark.browser

ZHANATAS_QUOTE = json.loads((REAL_DATA / "zhanatas-wind-farm.geojson").read_text(
    encoding="utf-8"))["features"][0]["properties"]["citations"][0]["quote"]


@pytest.fixture
def no_script(browser):
    """A page with JavaScript off, that may reach loopback only."""
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if is_loopback(route.request.url)
               else route.abort())
    yield page
    context.close()


def picture_loaded(page) -> dict:
    return page.evaluate("""() => {
        const img = document.querySelector("img.map-picture");
        if (!img) return null;
        const box = img.getBoundingClientRect();
        return {complete: img.complete, width: img.naturalWidth, shown: box.width * box.height,
                src: img.getAttribute("src")};
    }""")


def test_without_javascript_the_page_shows_its_picture_and_the_quotes(no_script, live_server):
    """JavaScript off, so evaluate() above runs in Playwright's isolated world only."""
    no_script.goto(f"{live_server}/?feature=zhanatas-wind-farm&lang=ru")
    no_script.wait_for_load_state("load")
    picture = picture_loaded(no_script)
    assert picture["src"] == "image.png?feature=zhanatas-wind-farm&lang=ru"
    assert picture["complete"] and picture["width"] == 1200 and picture["shown"] > 100_000
    quote = no_script.locator("#reader blockquote", has_text=ZHANATAS_QUOTE).first
    quote.scroll_into_view_if_needed()
    assert quote.is_visible()
    assert no_script.locator("#reader li strong", has_text="Жанатасская ВЭС").is_visible()


def test_without_javascript_the_embed_shows_its_picture(no_script, live_server):
    no_script.goto(f"{live_server}/embed?layers=pipelines&lang=zh")
    no_script.wait_for_load_state("load")
    picture = picture_loaded(no_script)
    assert picture["src"] == "image.png?layers=pipelines&lang=zh"
    assert picture["complete"] and picture["width"] == 1200 and picture["shown"] > 100_000


def test_print_puts_the_map_first_then_the_places(visit, live_server, tmp_path):
    record = visit(f"{live_server}/?feature=zhanatas-wind-farm")
    page = record.page
    page.emulate_media(media="print")
    boxes = page.evaluate("""() => Object.fromEntries(
        ["#map-region", "#reader", ".site-actions", "#reader-body"].map((s) => {
            const box = document.querySelector(s).getBoundingClientRect();
            return [s, {top: box.top, height: box.height, width: box.width}];
        }))""")
    assert boxes[".site-actions"]["height"] == 0  # buttons do not print
    assert boxes["#map-region"]["height"] > 300
    assert boxes["#reader"]["top"] >= boxes["#map-region"]["top"] + boxes["#map-region"]["height"]
    assert boxes["#reader"]["width"] >= 1000  # the whole width of the page, not a side column
    assert page.get_by_text(ZHANATAS_QUOTE).count() >= 1
    pdf = page.pdf(path=str(tmp_path / "print.pdf"))
    assert pdf.startswith(b"%PDF")


def test_share_dialog_downloads_the_picture_of_the_view(site, visit):
    page = visit(site.url("/?layers=zhanatas-wind-farm,pipelines&lang=kk#8/43.5/69.7")).page
    page.get_by_role("button", name="Бөлісу").click()
    png = page.locator("#share-png")
    assert png.is_visible()
    with page.expect_download() as download_info:
        png.click()
    download = download_info.value
    path = download.path()
    with Image.open(path) as image:
        assert (image.format, image.size) == ("PNG", (1200, 630))
    href = png.get_attribute("href")
    if site.kind == "app":
        assert href == "image.png?layers=pipelines,zhanatas-wind-farm&lang=kk&view=8/43.5/69.7"
        with Image.open(path) as image:  # the view: the wind farm in the middle
            assert near_colour(image.convert("RGB"), (600, 315), 40, ZHANATAS_COLOUR) > 50
        svg = page.locator("#share-svg")
        assert svg.get_attribute("href") == href.replace("image.png", "image.svg")
    else:  # the static export has the default picture of each language
        assert href == "image.kk.png"
        assert page.locator("#share-svg").count() == 0
