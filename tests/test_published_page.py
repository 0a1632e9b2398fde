"""The basics of a published page (Flask test client): the icon, the description and
language of each page, its language alternates, and the theme a URL may ask for."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

import pytest
from PIL import Image

from mapapp.export import export_site
from tests.conftest import FIXTURE_DATA
from tests.test_pages import parse

LANGS = ("en", "ru", "kk", "zh")


def test_favicon_ico_is_served_with_long_caching(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.content_type == "image/x-icon"
    assert response.headers["Cache-Control"] == "public, max-age=2592000"
    icon = Image.open(io.BytesIO(response.data))
    assert icon.format == "ICO"
    assert {(16, 16), (32, 32), (48, 48)} <= icon.info["sizes"]
    assert len(response.data) < 4096
    assert client.get("/favicon.ico?x=1").status_code == 400


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_both_pages_link_the_icons(client, path):
    tags = parse(client.get(path).get_data(as_text=True)).tags
    icons = [a for t, a in tags if t == "link" and a.get("rel") == "icon"]
    assert icons[0] == {"rel": "icon", "href": "favicon.ico", "sizes": "32x32"}
    assert icons[1]["type"] == "image/svg+xml"
    svg = client.get("/" + icons[1]["href"])
    assert svg.status_code == 200 and svg.content_type == "image/svg+xml"
    assert svg.data.startswith(b"<svg") and "immutable" in svg.headers["Cache-Control"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("path", ["/", "/embed"])
def test_page_states_its_language_and_a_description_in_it(client, path, lang):
    html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
    assert html.startswith(f'<!doctype html>\n<html lang="{lang}"')
    tags = parse(html).tags
    description = next(a["content"] for t, a in tags
                       if t == "meta" and a.get("name") == "description")
    words = {"en": "cooperation projects", "ru": "сотрудничества", "kk": "ынтымақтастығы",
             "zh": "合作"}
    assert words[lang] in description, description


def alternates(html: str) -> dict[str, str]:
    return {a["hreflang"]: a["href"] for t, a in parse(html).tags
            if t == "link" and a.get("rel") == "alternate" and a.get("hreflang")}


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_each_page_has_absolute_alternates_in_four_languages_and_x_default(client, path):
    html = client.get(f"{path}?lang=ru").get_data(as_text=True)
    base = "http://localhost" + path
    assert alternates(html) == {"en": f"{base}?lang=en", "ru": f"{base}?lang=ru",
                                "kk": f"{base}?lang=kk", "zh": f"{base}?lang=zh",
                                "x-default": base}


def test_alternates_keep_the_state_of_the_url(client):
    html = client.get("/embed?feature=campus&legend=0&theme=dark").get_data(as_text=True)
    found = alternates(html)
    assert found["kk"] == "http://localhost/embed?feature=campus&legend=0&lang=kk&theme=dark"
    assert found["x-default"] == "http://localhost/embed?feature=campus&legend=0&theme=dark"


def test_the_static_export_has_alternates_only_with_its_base_url(tmp_path):
    export_site(tmp_path / "plain", {"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})
    assert alternates((tmp_path / "plain" / "index.ru.html").read_text()) == {}
    assert (tmp_path / "plain" / "favicon.ico").read_bytes()[:4] == b"\0\0\1\0"
    export_site(tmp_path / "site", {"MAPAPP_DATA_DIR": str(FIXTURE_DATA)},
                base_url="https://map.example.org/")
    found = alternates((tmp_path / "site" / "embed.kk.html").read_text())
    assert found == {"en": "https://map.example.org/embed.html",
                     "ru": "https://map.example.org/embed.ru.html",
                     "kk": "https://map.example.org/embed.kk.html",
                     "zh": "https://map.example.org/embed.zh.html",
                     "x-default": "https://map.example.org/embed.html"}


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_theme_in_the_url_is_set_on_the_page(client, path):
    for theme in ("light", "dark"):
        html = client.get(f"{path}?theme={theme}").get_data(as_text=True)
        assert re.match(rf'<!doctype html>\n<html data-theme="{theme}" lang="en"', html)
    assert "data-theme" not in client.get(path).get_data(as_text=True)[:200]


def test_oembed_keeps_the_theme_of_the_url_in_its_code(client):
    url = "http://localhost/embed?legend=0&theme=dark"
    answer = client.get(f"/oembed?url={quote(url, safe='')}").get_json()
    assert 'src="http://localhost/embed?legend=0&amp;theme=dark"' in answer["html"]
    assert "theme" not in answer["thumbnail_url"]  # a picture has one look


def test_a_picture_takes_no_theme(client):
    assert client.get("/image.svg?theme=dark").status_code == 400
