"""The map pages, rendered once per data version into ready bytes.

`/` and `/embed` share one folium map build and one JSON data block; they differ in
the chrome around the map. Everything a page needs is computed here at start-up, so
a request only picks bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment

from mapapp.assets import Assets
from mapapp.catalogue import Catalogue
from mapapp.mapbuild import Tiles, build_map, map_parts

PAGE_VARIANTS = {
    "index": {"template": "index.html", "mode": "page"},
    "embed": {"template": "embed.html", "mode": "embed"},
}


DISCOVERY_MARKER = "<!--mapapp:discovery-->"


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


def build_pages(catalogue: Catalogue, tiles: Tiles, jinja: Environment,
                assets: Assets) -> dict[str, Page]:
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
        )
        pages[variant] = Page.from_html(html)
    return pages
