"""Embed and share: URL state, the 400 page, framing, oEmbed (Flask test client)."""

from __future__ import annotations

import pytest
from markupsafe import escape

from mapapp import create_app
from tests.conftest import FIXTURE_DATA


@pytest.mark.parametrize(("query", "message"), [
    ("layers=energy,nope", "unknown layer &#39;nope&#39; in layers="),
    ("feature=nope", "unknown feature &#39;nope&#39; in feature="),
    ("controls=2", "controls=&#39;2&#39; must be 0 (hide) or 1 (show)"),
    ("legend=no", "legend=&#39;no&#39; must be 0 (hide) or 1 (show)"),
    ("layers=energy&layers=routes",
     "query parameter &#39;layers&#39; is given 2 times; give it once"),
    ("zoom=5", "unknown query parameter &#39;zoom&#39; for /embed; it takes layers, feature, "
               "controls, legend, groups, status, lang, theme"),
    ("groups=energy,nope", "unknown group &#39;nope&#39; in groups="),
    ("status=operating,closed", "unknown status &#39;closed&#39; in status="),
    ("lang=fr", "lang=&#39;fr&#39; must be one of en, ru, kk, zh"),
    ("theme=sepia", "theme=&#39;sepia&#39; must be one of light, dark"),
])
def test_embed_refuses_a_wrong_value_with_the_map_and_a_notice_naming_it(client, query,
                                                                          message):
    """A published embed never shows only an error: status 400, the map page itself
    (map, data, scripts) with a notice over it that names the value."""
    response = client.get(f"/embed?{query}")
    assert response.status_code == 400
    assert response.content_type == "text/html; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    notice = html[html.index('<div class="mapapp-url-notice"'):]
    notice = notice[:notice.index("</div>")]
    assert 'role="alert"' in notice
    assert f'<span class="mapapp-url-notice-problem">{message}</span>' in notice
    assert '<button type="button" class="mapapp-url-notice-close"' in notice
    assert html.index("mapapp-url-notice") < html.index('class="folium-map"')
    assert 'id="mapapp-data"' in html and "assets/notice." in html
    assert '<meta name="robots" content="noindex">' in html
    assert "application/json+oembed" not in html  # no discovery for a wrong URL
    assert '<p id="problem">' not in html


@pytest.mark.parametrize(("query", "message"), [
    ("layers=energy,nope", "unknown layer &#39;nope&#39; in layers="),
    ("feature=nope", "unknown feature &#39;nope&#39; in feature="),
    ("theme=sepia", "theme=&#39;sepia&#39; must be one of light, dark"),
])
def test_full_page_refuses_a_wrong_value_with_a_page_naming_it(client, query, message):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<p id="problem">{message}</p>' in html
    assert "<code>energy, routes</code>" in html
    assert "<code>wind-farm, campus, oil-line</code>" in html
    assert 'class="folium-map"' not in html


def test_embed_notice_speaks_the_language_and_keeps_the_theme(client):
    response = client.get("/embed?layers=nowhere&lang=kk&theme=dark")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert html.startswith('<!doctype html>\n<html data-theme="dark" lang="kk"')
    assert "Карта сілтемесінде қате мән бар" in html
    assert escape("layers= ішінде белгісіз қабат: 'nowhere'") in html
    assert response.headers["Content-Language"] == "kk"
    assert "Accept-Language" not in response.headers.get("Vary", "")


def test_full_page_takes_only_layers_feature_filters_and_lang(client):
    assert client.get("/?layers=energy&feature=campus").status_code == 200
    assert client.get("/?layers=").status_code == 200
    assert client.get("/?groups=energy&status=operating,planned&lang=zh").status_code == 200
    assert client.get("/?groups=&status=").status_code == 200
    assert client.get("/?theme=dark").status_code == 200
    response = client.get("/?controls=0")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "for /; it takes layers, feature, groups, status, lang, theme" in html


def test_embed_accepts_every_documented_parameter(client):
    response = client.get("/embed?layers=routes&feature=campus&controls=0&legend=1"
                          "&groups=transport&status=under-construction&lang=kk")
    assert response.status_code == 200


def test_the_400_page_lists_groups_statuses_and_languages(client):
    html = client.get("/?status=closed").get_data(as_text=True)
    assert "<code>energy, transport</code>" in html
    assert "<code>operating, under-construction, planned, historical, event</code>" in html
    assert "<code>en, ru, kk, zh</code>" in html
    assert "<code>light, dark</code>" in html


@pytest.mark.parametrize("query, headers, lang, heading, problem", [
    ("/?layers=nowhere&lang=ru", {}, "ru", "В адресе карты неверное значение",
     "неизвестный слой 'nowhere' в layers="),
    ("/?layers=nowhere", {"Accept-Language": "kk-KZ,kk;q=0.9"}, "kk",
     "Карта сілтемесінде қате мән бар", "layers= ішінде белгісіз қабат: 'nowhere'"),
    ("/?feature=gone", {"Accept-Language": "zh-CN"}, "zh", "此地图网址中有错误的值",
     "feature= 中的地点 'gone' 不存在"),
    ("/?lang=fr", {"Accept-Language": "ru"}, "ru", "В адресе карты неверное значение",
     "lang='fr': допустимые значения — en, ru, kk, zh"),
])
def test_the_400_page_speaks_the_language_asked_for(client, query, headers, lang, heading,
                                                     problem):
    response = client.get(query, headers=headers)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert f"<h1>{heading}</h1>" in html
    assert f'<p id="problem">{escape(problem)}</p>' in html
    assert response.headers["Content-Language"] == lang
    assert ("Accept-Language" in response.headers.get("Vary", "")) == ("lang=" not in query
                                                                       or "lang=fr" in query)


def test_pages_carry_the_oembed_discovery_link(client):
    html = client.get("/embed?layers=energy").get_data(as_text=True)
    assert ('<link rel="alternate" type="application/json+oembed" href="http://localhost/oembed'
            '?url=http%3A%2F%2Flocalhost%2Fembed%3Flayers%3Denergy&amp;format=json" '
            'title="China–Kazakhstan cooperation map">') in html


def directive(response, name: str) -> str:
    """One directive of the response's Content-Security-Policy."""
    [found] = [d.strip() for d in response.headers["Content-Security-Policy"].split(";")
               if d.strip().startswith(name + " ")]
    return found


def test_embed_may_be_framed_by_any_site(client):
    response = client.get("/embed")
    assert directive(response, "frame-ancestors") == "frame-ancestors *"
    assert "X-Frame-Options" not in response.headers


def test_other_pages_only_by_this_site(client):
    response = client.get("/")
    assert directive(response, "frame-ancestors") == "frame-ancestors 'self'"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_frame_ancestors_setting_restricts_embed():
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA),
                      "MAPAPP_FRAME_ANCESTORS": "https://news.example.org, https://b.example"})
    response = app.test_client().get("/embed")
    assert directive(response, "frame-ancestors") == \
        "frame-ancestors https://news.example.org https://b.example"
    assert "X-Frame-Options" not in response.headers


def test_frame_ancestors_setting_is_checked():
    with pytest.raises(ValueError, match=r"'news\.example\.org' is not an origin"):
        create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA),
                    "MAPAPP_FRAME_ANCESTORS": "news.example.org"})


def oembed(client, **params):
    return client.get("/oembed", query_string=params)


def test_oembed_answers_rich_iframe_code(client):
    response = oembed(client, url="http://localhost/?layers=routes&feature=oil-line#6/45/70")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    title = ("China–Kazakhstan cooperation map: the places named in A. Author's article "
             "of 2 July 2024")
    assert body == {
        "version": "1.0", "type": "rich", "title": title,
        "provider_name": "China–Kazakhstan cooperation map",
        "provider_url": "http://localhost/", "width": 800, "height": 450,
        "html": '<div data-mapapp-embed '
                'style="position:relative;width:100%;max-width:800px;height:450px">'
                '<iframe src="http://localhost/embed?layers=routes&amp;feature=oil-line#6/45/70" '
                f'title="{title.replace(chr(39), "&#x27;")}" loading="lazy" allowfullscreen '
                'style="position:absolute;inset:0;width:100%;height:100%;border:0"></iframe></div>'
                '<script src="http://localhost/embed.js" async></script>',
        "thumbnail_url": "http://localhost/image.png?layers=routes&feature=oil-line&lang=en"
                         "&view=6/45/70",
        "thumbnail_width": 1200, "thumbnail_height": 630,
    }


def test_oembed_sizes_within_max(client):
    body = oembed(client, url="http://localhost/embed", maxwidth="400", maxheight="200").get_json()
    assert (body["width"], body["height"]) == (400, 200)
    assert "max-width:400px;height:200px" in body["html"]
    body = oembed(client, url="http://localhost/embed", maxwidth="600").get_json()
    assert (body["width"], body["height"]) == (600, 338)


def test_oembed_uses_the_public_url_setting():
    app = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA),
                      "MAPAPP_PUBLIC_URL": "https://map.example.org"})
    body = oembed(app.test_client(), url="https://map.example.org/embed?layers=energy").get_json()
    assert 'src="https://map.example.org/embed?layers=energy"' in body["html"]
    assert oembed(app.test_client(), url="http://localhost/embed").status_code == 404


@pytest.mark.parametrize(("params", "status", "description"), [
    ({"url": "https://elsewhere.example/embed"}, 404,
     "'https://elsewhere.example/embed' is not a map URL of this site "
     "(http://localhost/ or http://localhost/embed)"),
    ({"url": "http://localhost/api/collections"}, 404,
     "'http://localhost/api/collections' is not a map URL of this site "
     "(http://localhost/ or http://localhost/embed)"),
    ({"url": "http://localhost/embed", "format": "xml"}, 501,
     "format 'xml' is not served; use json"),
    ({"url": "http://localhost/embed", "format": ""}, 400,
     "format must be json (or xml, which is not served); got ''"),
    ({"url": "http://localhost/embed", "maxwidth": "wide"}, 400,
     "maxwidth='wide' must be a positive whole number of pixels"),
    ({}, 400, "parameter 'url' is required: a URL of this map"),
    ({"url": "http://localhost/embed?layers=nope"}, 400, "unknown layer 'nope' in layers="),
    ({"url": "http://localhost/embed#6/95/70"}, 400, "latitude 95 in #6/95/70 must be -90 to 90"),
    ({"url": "http://localhost/embed#x/1/2"}, 400,
     "view #x/1/2 must be #<zoom>/<lat>/<lon> in numbers"),
])
def test_oembed_errors(client, params, status, description):
    response = oembed(client, **params)
    assert response.status_code == status
    assert response.content_type == "application/json"
    assert response.get_json() == {"code": status, "description": description}


def test_embed_helper_script(client):
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.content_type == "text/javascript; charset=utf-8"
    assert b"postMessage" not in response.data and b'addEventListener("message"' in response.data


@pytest.mark.parametrize(("lang", "more"), [("en", "and {} more"), ("ru", "и ещё {}"),
                                            ("kk", "және тағы {}"), ("zh", "以及另外 {} 个")])
def test_the_wrong_url_page_names_the_first_feature_ids_and_counts_the_rest(
        real_app, real_client, lang, more):
    """A catalogue of 100,000 features would list them all: the first 20, then a count."""
    ids = real_app.extensions["mapapp"].catalogue.feature_ids
    assert len(ids) > 20
    html = real_client.get(f"/?feature=nope&lang={lang}").get_data(as_text=True)
    assert f"<code>{', '.join(ids[:20])}</code> {more.format(len(ids) - 20)}." in html
    assert ids[20] not in html
