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
    "index": {"template": "index.html", "controls": True, "legend": True},
    "embed": {"template": "embed.html", "controls": True, "legend": True},
}


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"


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
        fmap = build_map(catalogue, tiles, controls=options["controls"],
                         legend=options["legend"])
        map_html, map_script = map_parts(fmap)
        script = assets.add(f"map-{variant}.js", map_script.encode())
        html = jinja.get_template(options["template"]).render(
            catalogue=catalogue,
            article=article_source(catalogue),
            map_html=map_html,
            map_script_url=script.path,
            data_json=data_json,
            asset=assets.url,
        )
        pages[variant] = Page(html.encode())
    return pages
