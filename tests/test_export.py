"""`mapapp export`: a static site whose every relative link resolves to a written file."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas
import pyogrio
import pytest

from mapapp.cli import main
from mapapp.export import ExportError, export_site
from mapapp.i18n import LANGUAGES
from tests.conftest import FIXTURE_DATA
from tests.test_i18n import data_block


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("export") / "site"
    export_site(root, {"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})
    return root


def test_export_writes_a_file_per_language(site: Path):
    for variant in ("index", "embed"):
        for lang in LANGUAGES:
            name = f"{variant}.html" if lang == "en" else f"{variant}.{lang}.html"
            html = (site / name).read_text(encoding="utf-8")
            assert f'<html lang="{lang}"' in html, name
            links = data_block(html)["links"]
            assert links["files"]["index"][lang] == ("index.html" if lang == "en"
                                                     else f"index.{lang}.html")
            for target in re.findall(r'(?:src|href)="([^"]+)"', html):
                if not target.startswith(("http://", "https://", "#")):
                    assert (site / target).is_file(), (name, target)
    ru = (site / "index.ru.html").read_text(encoding="utf-8")
    assert 'data-embed-path="embed.ru.html"' in ru
    assert 'href="index.zh.html" hreflang="zh"' in ru


def test_pages_and_files(site: Path):
    assert (site / "index.html").is_file() and (site / "embed.html").is_file()
    assert (site / "embed.js").is_file()
    names = {p.name for p in (site / "data").iterdir()}
    assert names == {f"{c}.{ext}" for c in ("energy", "routes")
                     for ext in ("geojson", "csv", "kml", "gpkg")} | {"mapapp.gpkg"}


@pytest.mark.parametrize("page", ["index.html", "embed.html"])
def test_every_link_of_a_page_is_a_file_of_the_site(site: Path, page: str):
    html = (site / page).read_text(encoding="utf-8")
    targets = re.findall(r'(?:src|href)="([^"]+)"', html)
    local = [t for t in targets if not t.startswith(("http://", "https://", "#"))]
    assert local, "no relative links found"
    for target in local:
        assert (site / target).is_file(), target
    assert "api/" not in html and "oembed" not in html
    assert 'data-embed-path="embed.html"' in html


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "kml"])
def test_data_files_reopen_with_the_same_ids(site: Path, fmt: str):
    path = site / "data" / f"energy.{fmt}"
    frame = geopandas.read_file(path)
    # GDAL's LIBKML reader keeps `id` for the placemark's own id and renames ours id2.
    column = "id2" if pyogrio.read_info(path)["driver"] == "LIBKML" else "id"
    assert frame[column].tolist() == ["wind-farm", "campus"]


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path, capsys):
    target = tmp_path / "taken"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="is not an empty folder"):
        export_site(target, {"MAPAPP_DATA_DIR": str(FIXTURE_DATA)})
    assert [p.name for p in target.iterdir()] == ["keep.txt"]
    assert main(["export", str(target)]) == 1
    assert "is not an empty folder" in capsys.readouterr().err


def test_bad_data_writes_nothing(data_copy: Path, tmp_path: Path, monkeypatch, capsys):
    (data_copy / "energy.geojson").write_text("{", encoding="utf-8")
    monkeypatch.setenv("MAPAPP_DATA_DIR", str(data_copy))
    assert main(["export", str(tmp_path / "out")]) == 1
    assert "energy.geojson: invalid JSON" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".export-")] == []


def test_site_is_readable_by_a_web_server(site: Path):
    assert site.stat().st_mode & 0o005 == 0o005


def test_export_writes_a_picture_per_language(site: Path):
    from PIL import Image

    for lang in LANGUAGES:
        name = "image.png" if lang == "en" else f"image.{lang}.png"
        with Image.open(site / name) as image:
            assert (image.format, image.size) == ("PNG", (1200, 630))
        page = "index.html" if lang == "en" else f"index.{lang}.html"
        assert f'<noscript><img class="map-picture" src="{name}"' in \
            (site / page).read_text(encoding="utf-8")


def open_graph(html: str) -> dict[str, str]:
    import extruct

    found = extruct.extract(html, syntaxes=["opengraph"], uniform=False)["opengraph"]
    return dict(pair for block in found for pair in block["properties"])


def test_without_a_base_url_cards_have_no_picture(site: Path):
    html = (site / "index.ru.html").read_text(encoding="utf-8")
    tags = open_graph(html)
    assert tags["og:locale"] == "ru_RU" and tags["og:title"]
    assert "og:image" not in tags and "og:url" not in tags
    assert '<meta name="twitter:card" content="summary">' in html


def test_base_url_makes_cards_absolute(tmp_path: Path):
    root = tmp_path / "site"
    assert main(["export", str(root), "--base-url", "https://map.example.org/maps"]) == 0
    for page, picture in [("index.html", "image.png"), ("embed.zh.html", "image.zh.png")]:
        html = (root / page).read_text(encoding="utf-8")
        tags = open_graph(html)
        assert tags["og:url"] == f"https://map.example.org/maps/{page}"
        assert tags["og:image"] == f"https://map.example.org/maps/{picture}"
        assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
        assert (root / picture).is_file()
        assert '<meta name="twitter:card" content="summary_large_image">' in html


@pytest.mark.parametrize("base", ["map.example.org", "ftp://map.example.org/",
                                  "https://map.example.org/?x=1"])
def test_a_wrong_base_url_writes_nothing(tmp_path: Path, base: str):
    with pytest.raises(ExportError, match="--base-url"):
        export_site(tmp_path / "site", {"MAPAPP_DATA_DIR": str(FIXTURE_DATA)}, base_url=base)
    assert not (tmp_path / "site").exists()
