"""The map pages as HTML: self-hosted assets, the article reference, safe data."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from mapapp import create_app
from mapapp.problems import DataError
from tests.conftest import FIXTURE_DATA


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.data_block = ""
        self._in_data = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        self._in_data = tag == "script" and attributes.get("id") == "mapapp-data"

    def handle_data(self, data):
        if self._in_data:
            self.data_block += data

    def handle_endtag(self, tag):
        self._in_data = False


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


@pytest.mark.parametrize(("path", "count"), [("/", 8), ("/embed", 7)])
def test_page_loads_scripts_and_styles_only_from_the_app(client, path, count):
    response = client.get(path)
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    tags = parse(response.get_data(as_text=True)).tags
    urls = [a.get("src") for t, a in tags if t == "script" and a.get("src")]
    urls += [a["href"] for t, a in tags if t == "link" and a.get("rel") == "stylesheet"]
    assert len(urls) == count
    assert all(url.startswith("assets/") for url in urls), urls
    assert all(client.get("/" + url).status_code == 200 for url in urls)


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_page_has_no_inline_script(client, path):
    tags = parse(client.get(path).get_data(as_text=True)).tags
    inline = [a for t, a in tags if t == "script" and not a.get("src")]
    assert inline == [{"type": "application/json", "id": "mapapp-data"}]


@pytest.mark.parametrize("path", ["/", "/embed", "/?lang=zh", "/embed?lang=ru"])
def test_viewport_allows_zooming(client, path):
    """folium's own page forbids zooming (maximum-scale=1, user-scalable=no); ours not."""
    tags = parse(client.get(path).get_data(as_text=True)).tags
    [viewport] = [a["content"] for t, a in tags if t == "meta" and a.get("name") == "viewport"]
    assert "user-scalable" not in viewport and "maximum-scale" not in viewport


def test_index_names_the_article_and_links_downloads(client):
    html = client.get("/").get_data(as_text=True)
    assert "«A Test Article»" in html and "2 July 2024" in html
    tags = parse(html).tags
    links = [a["href"] for t, a in tags if t == "a" and a.get("download")]
    assert links == [
        f"api/collections/{collection}/items{query}"
        for collection in ("energy", "routes") for query in ("", "?f=csv", "?f=kml", "?f=gpkg")
    ] + ["api/download.gpkg", "image.png", "image.svg"]  # the last two: the share dialog's
    assert all(client.get("/" + link).status_code == 200 for link in links)
    [article] = [a for t, a in tags if t == "a" and a.get("href") == "https://example.org/article"]
    assert article["rel"] == "noopener noreferrer"


def test_data_block_describes_every_collection(client):
    data = json.loads(parse(client.get("/").get_data(as_text=True)).data_block)
    assert [c["id"] for c in data["collections"]] == ["energy", "routes"]
    assert sum(c["count"] for c in data["collections"]) == 3
    features = [json.loads(client.get("/" + c["data"]).get_data())["features"]
                for c in data["collections"]]
    assert [len(f) for f in features] == [c["count"] for c in data["collections"]]
    assert data["sources"]["article"]["citation"].startswith("A. Author")


def test_hostile_text_cannot_leave_the_data_block(data_copy: Path):
    path = data_copy / "energy.geojson"
    document = json.loads(path.read_text(encoding="utf-8"))
    payload = '</script><script>alert(1)</script><!-- & <img src=x onerror=alert(2)>'
    document["features"][0]["properties"]["name"] = payload
    document["features"][0]["properties"]["names"]["en"] = payload
    path.write_text(json.dumps(document), encoding="utf-8")
    client = create_app({"MAPAPP_DATA_DIR": str(data_copy)}).test_client()
    html = client.get("/").get_data(as_text=True)
    tags = parse(html)
    assert [t for t, a in tags.tags if t == "script"] == ["script"] * 7
    data = json.loads(tags.data_block)
    data_file = json.loads(client.get("/" + data["collections"][0]["data"]).get_data())
    assert data_file["features"][0]["properties"]["name"] == payload
    assert "<img src=x" not in html  # the picture's own <img> is the only one
    assert "&lt;img src=x onerror=alert(2)&gt;" in html  # the list of places, as text


def test_pages_are_identical_across_builds():
    """Workers and machines must serve the same bytes for the same data."""
    first = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}).test_client()
    second = create_app({"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}).test_client()
    for path in ("/", "/embed"):
        assert first.get(path).data == second.get(path).data
    script = re.search(r'src="(assets/map-index\.[0-9a-f]+\.js)"',
                       first.get("/").get_data(as_text=True)).group(1)
    assert second.get("/" + script).status_code == 200


def test_app_refuses_to_start_on_bad_data(data_copy: Path):
    (data_copy / "energy.geojson").write_text("[]", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        create_app({"MAPAPP_DATA_DIR": str(data_copy)})
    assert "energy.geojson: field 'type': not a GeoJSON FeatureCollection" in str(caught.value)
