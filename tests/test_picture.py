"""Pictures of the map: what they show, their routes, errors and cache."""

from __future__ import annotations

import io
import math
import threading
import time
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from mapapp.embedcode import SITE_TITLE
from mapapp.i18n import LANGUAGES, translate
from mapapp.picture import Renderer, missing_glyphs, picture_texts
from mapapp.picturecache import PictureCache
from mapapp.viewstate import PictureRequest, ViewState

ZHANATAS = "zhanatas-wind-farm"
ZHANATAS_COLOUR = (0x1B, 0x78, 0x37)  # its style in geodata/catalogue.json
ZHANATAS_LON_LAT = (69.70, 43.48)  # the middle of its turbines


def png(client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.content_type == "image/png"
    return Image.open(io.BytesIO(response.data)).convert("RGB")


def near_colour(image: Image.Image, centre: tuple[float, float], radius: int,
                colour: tuple[int, int, int], tolerance: int = 40) -> int:
    """How many pixels within `radius` of `centre` are close to `colour`."""
    cx, cy = centre
    count = 0
    for x in range(int(cx) - radius, int(cx) + radius):
        for y in range(int(cy) - radius, int(cy) + radius):
            pixel = image.getpixel((x, y))
            if sum(abs(a - b) for a, b in zip(pixel, colour, strict=True)) <= tolerance:
                count += 1
    return count


def mercator_pixel(lon: float, lat: float, zoom: int, centre: tuple[float, float],
                   size: tuple[int, int]) -> tuple[float, float]:
    """Where Leaflet would put lon/lat in a map of `size` px at `zoom` around `centre`
    (lat, lon): the standard Web Mercator pixel formula, written here independently."""
    def world(lo: float, la: float) -> tuple[float, float]:
        scale = 256 * 2**zoom
        x = (lo + 180) / 360 * scale
        y = (1 - math.log(math.tan(math.radians(la)) + 1 / math.cos(math.radians(la)))
             / math.pi) / 2 * scale
        return x, y

    x, y = world(lon, lat)
    x0, y0 = world(centre[1], centre[0])
    return size[0] / 2 + x - x0, size[1] / 2 + y - y0


def test_default_picture_is_a_card(real_client):
    image = png(real_client, "/image.png")
    assert image.size == (1200, 630)
    assert len(image.getcolors(1_000_000)) > 20  # a map, not a blank


def test_feature_picture_differs_and_shows_the_feature_in_its_colour(real_client):
    default = png(real_client, "/image.png")
    opened = png(real_client, f"/image.png?feature={ZHANATAS}")
    assert default.tobytes() != opened.tobytes()
    # with no view given, the picture frames the open feature: it is in the middle
    assert near_colour(opened, (600, 315), 80, ZHANATAS_COLOUR) > 200
    assert near_colour(default, (600, 315), 80, ZHANATAS_COLOUR) < 50


def test_view_parameter_puts_the_feature_where_the_live_map_would(real_client):
    zoom, lat, lon = 8, 43.0, 69.0
    image = png(real_client, f"/image.png?feature={ZHANATAS}&view={zoom}/{lat}/{lon}")
    x, y = mercator_pixel(*ZHANATAS_LON_LAT, zoom, (lat, lon), (1200, 630))
    assert 0 < x < 1200 and 0 < y < 630
    assert near_colour(image, (x, y), 30, ZHANATAS_COLOUR) > 100
    assert near_colour(image, (1200 - x, 630 - y), 30, ZHANATAS_COLOUR) == 0


def test_hidden_layers_are_not_drawn(real_client):
    shown = png(real_client, "/image.png?layers=zhanatas-wind-farm&view=8/43.48/69.7")
    hidden = png(real_client, "/image.png?layers=pipelines&view=8/43.48/69.7")
    assert near_colour(shown, (600, 315), 40, ZHANATAS_COLOUR) > 100
    assert near_colour(hidden, (600, 315), 40, ZHANATAS_COLOUR) == 0


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_draws_its_title_without_missing_glyphs(real_app, lang):
    """Fails on any glyph no font has (and matplotlib's missing-glyph warning is an
    error under the test settings, so drawing it would fail too)."""
    renderer = Renderer(real_app.extensions["mapapp"].catalogue)
    state = ViewState(feature=ZHANATAS, lang=lang)
    texts = picture_texts(renderer.figure(state))
    assert translate(lang, SITE_TITLE) in texts
    assert missing_glyphs("".join(texts)) == ""
    assert renderer.render(PictureRequest(state, "png", 600)).startswith(b"\x89PNG")


def test_the_glyph_check_can_fail():
    assert missing_glyphs("Жаңатас ә ғ қ ң ө ұ ү һ і 扎纳塔斯") == ""
    assert missing_glyphs("\U0001F5FA x") == "\U0001F5FA"


def test_svg_picture(real_client):
    response = real_client.get("/image.svg?lang=kk")
    assert response.status_code == 200
    assert response.content_type == "image/svg+xml"
    assert response.headers["Content-Language"] == "kk"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_pictures_are_the_same_bytes_in_every_process(real_app):
    """Workers each draw a picture once; caches and ETags agree only if the bytes do."""
    catalogue = real_app.extensions["mapapp"].catalogue
    for picture_format in ("png", "svg"):
        request = PictureRequest(ViewState(feature=ZHANATAS, lang="zh"), picture_format)
        assert Renderer(catalogue).render(request) == Renderer(catalogue).render(request)


def test_png_width_for_print(real_client):
    assert png(real_client, "/image.png?width=2400&lang=ru").size == (2400, 1260)
    assert png(real_client, "/image.png?width=300").size == (300, 158)


@pytest.mark.parametrize(("url", "named"), [
    ("/image.png?feature=nowhere", "nowhere"),
    ("/image.png?layers=pipelines,nope", "nope"),
    ("/image.png?width=2401", "2401"),
    ("/image.png?width=299", "299"),
    ("/image.png?width=12x", "12x"),
    ("/image.png?view=20/43/69", "20/43/69"),
    ("/image.png?view=6/91/69", "6/91/69"),
    ("/image.png?view=6/43", "6/43"),
    ("/image.svg?width=600", "width"),
    ("/image.png?lang=fr", "fr"),
    ("/image.png?zoom=3", "zoom"),
    ("/image.png?status=done", "done"),
    ("/image.png?lang=ru&lang=kk", "lang"),
])
def test_wrong_value_gets_the_pages_400_and_draws_nothing(real_app, url, named):
    client = real_app.test_client()
    cache = real_app.extensions["mapapp"].pictures
    before = cache.renders
    response = client.get(url)
    assert response.status_code == 400
    assert response.content_type == "text/html; charset=utf-8"
    assert named in response.get_data(as_text=True).replace("&#39;", "'")
    page = client.get(url.replace("/image.png", "/").replace("/image.svg", "/"))
    if "width" not in url and "view" not in url:  # the pages take the same state
        assert page.status_code == 400
    assert cache.renders == before


def test_a_picture_is_rendered_once_per_view(real_app):
    client = real_app.test_client()
    cache = real_app.extensions["mapapp"].pictures
    before = cache.renders
    first = client.get("/image.png?layers=pipelines&lang=zh&width=400")
    again = client.get("/image.png?layers=pipelines&lang=zh&width=400")
    spelled_otherwise = client.get("/image.png?width=400&lang=zh&layers=pipelines")
    assert first.data == again.data == spelled_otherwise.data
    assert first.headers["ETag"] == again.headers["ETag"]
    assert cache.renders == before + 1


def test_concurrent_first_requests_render_once_and_the_cache_is_bounded():
    calls = []

    def slow_render(key: int) -> bytes:
        calls.append(key)
        time.sleep(0.2)
        return bytes(100)

    cache = PictureCache(slow_render, max_bytes=350)
    results: list[bytes] = []
    threads = [threading.Thread(target=lambda: results.append(cache.get(1))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and results == [bytes(100)] * 8
    for key in range(2, 10):
        cache.get(key)
        assert cache.size <= 350
    assert len(cache) == 3
    cache.get(9)  # kept: no new render
    assert calls.count(9) == 1
    cache.get(1)  # dropped long ago: drawn again
    assert calls.count(1) == 2
