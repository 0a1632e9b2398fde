"""Touch that respects the page: in an article on a phone, one finger over the embedded
map scrolls the article (the map stays where it was, and says how to move it), two
fingers move the map. Driven by Chromium's own touch input (DevTools Input domain),
so the browser decides, as on a phone, whether a gesture scrolls the page. The touches
go to the map's frame (its own DevTools session: it runs in its own process, being of
another site than the article), in the frame's coordinates."""

from __future__ import annotations

import pytest

from tests.conftest import static_server, wait_for

pytestmark = pytest.mark.browser

ARTICLE = """<!doctype html><html lang="ru"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Article</title>
<style>body {{ margin: 12px; font: 16px/1.5 sans-serif; }} p {{ margin: 0 0 1em; }}</style></head>
<body><h1>Статья</h1>{before}
<iframe id="map" src="{src}" title="Map" allowfullscreen
 style="width: 100%; height: 300px; border: 0"></iframe>
{after}</body></html>"""


@pytest.fixture
def article(live_server, tmp_path):
    """A tall article page on another origin with the embed in its middle."""
    text = "<p>" + "Текст статьи о сотрудничестве. " * 12 + "</p>"
    (tmp_path / "article.html").write_text(ARTICLE.format(
        before=text * 2, after=text * 12, src=f"{live_server}/embed?lang=ru"), encoding="utf-8")
    with static_server(tmp_path) as base:
        yield f"{base}/article.html"


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 375, "height": 667}, has_touch=True,
                                  is_mobile=True, device_scale_factor=2)
    yield context
    context.close()


def open_article(phone, url):
    page = phone.new_page()
    page.goto(url)
    page.frame_locator("#map").locator("html[data-map-state=ready]").wait_for(timeout=15000)
    frame = page.locator("#map").element_handle().content_frame()
    page.evaluate("window.scrollTo(0, document.getElementById('map').offsetTop - 150)")
    page.wait_for_timeout(200)
    return page, frame


def map_view(frame) -> dict:
    return frame.evaluate("""() => { const m = window.map_0000;
        const c = m.getCenter(); return {lat: c.lat, lng: c.lng, zoom: m.getZoom()}; }""")


def touches(cdp, kind: str, points: list[tuple[float, float]]) -> None:
    cdp.send("Input.dispatchTouchEvent", {
        "type": kind,
        "touchPoints": [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points)]})


def swipe(page, cdp, points: list[tuple[float, float]], dy: float, steps: int = 8) -> None:
    """Fingers down at `points`, moved up by `dy` px in steps, then lifted."""
    touches(cdp, "touchStart", points)
    for step in range(1, steps + 1):
        touches(cdp, "touchMove", [(x, y - dy * step / steps) for x, y in points])
        page.wait_for_timeout(16)
    touches(cdp, "touchEnd", [])
    page.wait_for_timeout(400)


def test_one_finger_scrolls_the_article_and_leaves_the_map(phone, article):
    page, frame = open_article(phone, article)
    cdp = page.context.new_cdp_session(frame)
    before_scroll = page.evaluate("window.scrollY")
    before_view = map_view(frame)
    swipe(page, cdp, [(180, 200)], dy=120)
    assert page.evaluate("window.scrollY") > before_scroll + 100
    assert map_view(frame) == before_view


def test_one_finger_shows_the_hint_in_the_page_language(phone, article):
    page, frame = open_article(phone, article)
    cdp = page.context.new_cdp_session(frame)
    assert not frame.locator(".mapapp-touch-hint").is_visible()
    touches(cdp, "touchStart", [(150, 200)])
    touches(cdp, "touchMove", [(150, 180)])
    touches(cdp, "touchMove", [(150, 160)])
    hint = frame.locator(".mapapp-touch-hint")
    wait_for(frame, "document.querySelector('.mapapp-touch-hint.is-shown') !== null", 3)
    touches(cdp, "touchEnd", [])
    assert hint.inner_text() == "Чтобы сдвинуть карту, проведите по ней двумя пальцами"
    assert hint.is_visible()


def test_two_fingers_move_the_map(phone, article):
    page, frame = open_article(phone, article)
    cdp = page.context.new_cdp_session(frame)
    before_scroll = page.evaluate("window.scrollY")
    before_view = map_view(frame)
    swipe(page, cdp, [(140, 220), (220, 220)], dy=80)
    after = map_view(frame)
    assert after["lat"] < before_view["lat"] - 0.5  # the map moved up: the centre went south
    assert page.evaluate("window.scrollY") == before_scroll
    assert frame.locator(".mapapp-touch-hint.is-shown").count() == 0


def test_in_full_screen_one_finger_pans(phone, article):
    page, frame = open_article(phone, article)
    container = frame.locator(".leaflet-container")
    assert "mapapp-two-finger" in container.get_attribute("class")
    frame.locator(".mapapp-fullscreen").click()
    wait_for(frame, "document.fullscreenElement !== null")
    wait_for(frame, "!document.querySelector('.leaflet-container.mapapp-two-finger')")
    cdp = page.context.new_cdp_session(frame)
    before_scroll = page.evaluate("window.scrollY")
    before_view = map_view(frame)
    swipe(page, cdp, [(180, 400)], dy=120)
    assert map_view(frame)["lat"] < before_view["lat"] - 0.5
    frame.evaluate("document.exitFullscreen()")
    assert page.evaluate("window.scrollY") == before_scroll
