"""The map pages, rendered once per data version into ready bytes.

`/` and `/embed` share one folium map build and one JSON data block; they differ in
the chrome around the map. Everything a page needs is computed here at start-up, so
a request only picks bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from mapapp.assets import Assets
from mapapp.catalogue import Catalogue
from mapapp.downloads import CATALOGUE_FILENAME, FORMATS
from mapapp.embedcode import SITE_TITLE, iframe_title
from mapapp.mapbuild import Tiles, build_map, map_parts
from mapapp.settings import bundled_dir

PAGE_VARIANTS = {
    "index": {"template": "index.html", "mode": "page"},
    "embed": {"template": "embed.html", "mode": "embed"},
}


DISCOVERY_MARKER = "<!--mapapp:discovery-->"


@dataclass(frozen=True)
class DownloadLink:
    label: str
    href: str
    filename: str
    media_type: str


@dataclass(frozen=True)
class PageLinks:
    """Where a page's own links point, all relative: the app's routes, or the files
    of the static export (`static=True`), so one template serves both."""

    static: bool = False

    @property
    def embed(self) -> str:
        return "embed.html" if self.static else "embed"

    def downloads(self, collection_id: str) -> list[DownloadLink]:
        links = [DownloadLink("GeoJSON", self._items(collection_id, "geojson", None),
                              f"{collection_id}.geojson", "application/geo+json")]
        for name, fmt in FORMATS.items():
            links.append(DownloadLink(fmt.title.split(" (")[0],
                                      self._items(collection_id, fmt.extension, name),
                                      f"{collection_id}.{fmt.extension}",
                                      fmt.media_type.split(";")[0]))
        return links

    def _items(self, collection_id: str, extension: str, f: str | None) -> str:
        if self.static:
            return f"data/{collection_id}.{extension}"
        return f"api/collections/{collection_id}/items" + (f"?f={f}" if f else "")

    @property
    def catalogue_download(self) -> DownloadLink:
        href = f"data/{CATALOGUE_FILENAME}" if self.static else "api/download.gpkg"
        return DownloadLink("GeoPackage", href, CATALOGUE_FILENAME, FORMATS["gpkg"].media_type)


APP_LINKS = PageLinks()
STATIC_LINKS = PageLinks(static=True)


@dataclass(frozen=True)
class Page:
    """A page as ready bytes, split where the per-URL oEmbed discovery link goes."""

    head: bytes
    tail: bytes
    content_type: str = "text/html; charset=utf-8"

    @classmethod
    def from_html(cls, html: str) -> Page:
        head, marker, tail = html.partition(DISCOVERY_MARKER)
        if not marker:
            raise ValueError(f"page template lacks {DISCOVERY_MARKER}")
        return cls(head.encode(), tail.encode())

    def render(self, discovery_link: str = "") -> bytes:
        return self.head + discovery_link.encode() + self.tail


def page_data(catalogue: Catalogue) -> dict[str, Any]:
    """What mapapp.js draws from: every collection with its features, and the sources."""
    return {
        "version": catalogue.version,
        "collections": [
            {
                "id": c.id, "title": c.title, "group": c.group,
                "description": c.description, "style": c.style,
                "features": list(c.features),
            }
            for c in catalogue.collections
        ],
        "sources": catalogue.sources,
    }


def script_safe_json(document: Any) -> str:
    """JSON to place inside a <script> data block: '<', '>' and '&' are escaped, so
    no text in the data can close the element or open a comment."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def article_source(catalogue: Catalogue) -> dict[str, Any]:
    """The article the map is about: the first entry of sources.json."""
    return next(iter(catalogue.sources.values()))


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def long_date(iso_date: str) -> str:
    """'2024-07-02' -> '2 July 2024', as the citation line reads."""
    day = date.fromisoformat(iso_date)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def page_globals(catalogue: Catalogue) -> dict[str, Any]:
    """What every template may use, besides its own context."""
    article = article_source(catalogue)
    when = long_date(article["date"])
    return {"article_date": when, "site_title": SITE_TITLE,
            "iframe_title": iframe_title(article, when)}


def template_environment(catalogue: Catalogue) -> Environment:
    """The templates outside Flask (the static export), with the same globals."""
    jinja = Environment(loader=FileSystemLoader(bundled_dir("templates")),
                        autoescape=select_autoescape(("html",)))
    jinja.globals.update(page_globals(catalogue))
    return jinja


def build_pages(catalogue: Catalogue, tiles: Tiles, jinja: Environment,
                assets: Assets, links: PageLinks = APP_LINKS) -> dict[str, Page]:
    """Render every page variant; the generated map scripts join `assets`."""
    data_json = script_safe_json(page_data(catalogue))
    pages: dict[str, Page] = {}
    for variant, options in PAGE_VARIANTS.items():
        fmap = build_map(catalogue, tiles, mode=options["mode"])
        map_html, map_script = map_parts(fmap)
        script = assets.add(f"map-{variant}.js", map_script.encode())
        html = jinja.get_template(options["template"]).render(
            catalogue=catalogue,
            article=article_source(catalogue),
            map_html=map_html,
            map_script_url=script.path,
            data_json=data_json,
            asset=assets.url,
            discovery_marker=DISCOVERY_MARKER,
            links=links,
        )
        pages[variant] = Page.from_html(html)
    return pages
