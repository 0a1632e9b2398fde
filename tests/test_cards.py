"""Preview cards and the oEmbed thumbnail, read as a card reader reads them: with
extruct's Open Graph parser (the tags a messenger unfurls) and lxml for Twitter's."""

from __future__ import annotations

import io
from urllib.parse import quote, urlsplit

import extruct
import lxml.html
import pytest
from flask import Flask
from PIL import Image

from mapapp import create_app
from mapapp.embedcode import SITE_TITLE
from mapapp.i18n import LANGUAGES, translate
from tests.conftest import REAL_DATA

PUBLIC = "https://map.example.org/news/"
LOCALES = {"en": "en_GB", "ru": "ru_RU", "kk": "kk_KZ", "zh": "zh_CN"}


@pytest.fixture(scope="module")
def public_app() -> Flask:
    return create_app({"MAPAPP_DATA_DIR": str(REAL_DATA), "MAPAPP_PUBLIC_URL": PUBLIC})


def card(client, url: str) -> dict[str, str]:
    """The page's Open Graph properties (each once) and its twitter:card."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    found = extruct.extract(html, base_url=PUBLIC, syntaxes=["opengraph"], uniform=False)
    properties = [pair for block in found["opengraph"] for pair in block["properties"]]
    names = [name for name, _ in properties]
    assert len(names) == len(set(names)), names
    twitter = lxml.html.fromstring(html).xpath('//meta[@name="twitter:card"]/@content')
    return {**dict(properties), "twitter:card": twitter[0] if twitter else ""}


def served_picture(client, url: str) -> Image.Image:
    """The picture an absolute URL of PUBLIC names, fetched from the app."""
    assert url.startswith(PUBLIC), url
    parts = urlsplit(url)
    response = client.get("/" + parts.path[len(urlsplit(PUBLIC).path):] +
                          (f"?{parts.query}" if parts.query else ""))
    assert response.status_code == 200
    assert response.content_type == "image/png"
    return Image.open(io.BytesIO(response.data))


@pytest.mark.parametrize("path", ["/", "/embed"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_and_language_has_a_large_card(public_app, path, lang):
    client = public_app.test_client()
    tags = card(client, f"{path}?lang={lang}")
    assert tags["og:title"] == translate(lang, SITE_TITLE)
    assert tags["og:description"]
    assert tags["og:locale"] == LOCALES[lang]
    assert tags["og:url"] == PUBLIC + path.lstrip("/") + f"?lang={lang}"
    assert tags["og:image"] == f"{PUBLIC}image.png?lang={lang}"
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert tags["twitter:card"] == "summary_large_image"
    image = served_picture(client, tags["og:image"])
    assert image.size == (1200, 630)


def test_the_card_follows_the_view_the_url_names(public_app):
    client = public_app.test_client()
    url = "/embed?layers=pipelines&feature=zhanatas-wind-farm&controls=0&status=operating&lang=kk"
    tags = card(client, url)
    assert tags["og:title"].startswith("Жаңатас жел электр станциясы · ")
    assert tags["og:image"] == (f"{PUBLIC}image.png?layers=pipelines&feature=zhanatas-wind-farm"
                                "&status=operating&lang=kk")
    served_picture(client, tags["og:image"])


def test_a_negotiated_language_names_itself_in_the_picture(public_app):
    tags = card(public_app.test_client(), "/")
    assert tags["og:image"] == f"{PUBLIC}image.png?lang=en"
    response = public_app.test_client().get("/", headers={"Accept-Language": "ru"})
    assert 'content="https://map.example.org/news/image.png?lang=ru"' in \
        response.get_data(as_text=True)


def test_without_the_setting_cards_use_the_request_url(real_client):
    tags = card(real_client, "/?lang=ru")
    assert tags["og:image"] == "http://localhost/image.png?lang=ru"


def test_oembed_gives_a_thumbnail_of_the_view(public_app):
    client = public_app.test_client()
    page = f"{PUBLIC}embed?feature=zhanatas-wind-farm&lang=ru#7/43.5/69.7"
    response = client.get(f"/oembed?url={quote(page, safe='')}&format=json")
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["thumbnail_url"] == (f"{PUBLIC}image.png?feature=zhanatas-wind-farm&lang=ru"
                                       "&view=7/43.5/69.7")
    assert (answer["thumbnail_width"], answer["thumbnail_height"]) == (1200, 630)
    assert served_picture(client, answer["thumbnail_url"]).size == (1200, 630)


def test_oembed_thumbnail_keeps_within_maxwidth(public_app):
    client = public_app.test_client()
    response = client.get(f"/oembed?url={quote(PUBLIC, safe='')}&maxwidth=600")
    answer = response.get_json()
    assert (answer["thumbnail_width"], answer["thumbnail_height"]) == (600, 315)
    image = served_picture(client, answer["thumbnail_url"])
    assert image.size == (answer["thumbnail_width"], answer["thumbnail_height"])
