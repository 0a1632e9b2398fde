"""Building the Leaflet map with folium: a Map, one layer group per collection, controls.

folium writes the map's JavaScript; the app's own behaviour (drawing features with
escaped popups, the grouped layer control, legend, fullscreen, the ready signal) lives
in static/mapapp.js and is wired in by small folium elements below, each a Jinja macro
that passes every value through `tojson`, as folium's own elements do. Features are not
given to folium: they travel in the page's JSON data block and are drawn by mapapp.js,
because folium's GeoJson popups insert property values as raw HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import folium
import xyzservices
from branca.element import Element
from folium.elements import MacroElement
from jinja2 import Template

from mapapp.catalogue import Catalogue


@dataclass(frozen=True)
class Tiles:
    """The basemap: a URL template and its attribution (HTML from the provider)."""

    url: str
    attribution: str
    max_zoom: int = 19
    subdomains: str = "abc"

    @property
    def origins(self) -> list[str]:
        """The servers the tiles come from, for the pages' `preconnect`: a phone's
        connection to them is ready when the first view asks. At most two of the
        subdomains: each connection opened early costs the page's own requests."""
        hosts = [self.url.replace("{s}", sub) for sub in self.subdomains] \
            if "{s}" in self.url else [self.url]
        origins = []
        for host in hosts:
            parts = urlsplit(host)
            origin = f"{parts.scheme}://{parts.netloc}"
            if parts.scheme in ("http", "https") and parts.netloc and origin not in origins:
                origins.append(origin)
        return origins[:2]

    @classmethod
    def from_setting(cls, tiles: str, attribution: str = "") -> Tiles:
        """Resolve MAPAPP_TILES: a URL template, or an xyzservices provider name."""
        if "{z}" in tiles and "{x}" in tiles and "{y}" in tiles:
            if not attribution:
                raise ValueError("MAPAPP_TILES is a URL template: set MAPAPP_TILES_ATTRIBUTION")
            return cls(url=tiles, attribution=attribution)
        try:
            provider = xyzservices.providers.query_name(tiles)
        except ValueError:
            raise ValueError(f"MAPAPP_TILES: {tiles!r} is neither a URL template with "
                             "{z}/{x}/{y} nor an xyzservices provider name") from None
        if provider.requires_token():
            raise ValueError(f"MAPAPP_TILES: provider {tiles!r} needs an API key; "
                             "give a URL template instead")
        return cls(
            url=provider.build_url(fill_subdomain=False),
            attribution=attribution or provider.html_attribution,
            max_zoom=int(provider.get("max_zoom", 19)),
            subdomains="".join(provider.get("subdomains", "abc")),
        )


class _AppCall(MacroElement):
    """Calls one function of mapapp.js with the parent element and JSON options."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "mapapp.{{ this.function }}({{ this._parent.get_name() }}, {{ this.options|tojson }});\n"
        "{% endmacro %}"
    )

    def __init__(self, function: str, options: dict[str, Any] | None = None) -> None:
        super().__init__()
        self._name = function
        self.function = function
        self.options = options or {}


def CollectionLayer(collection_id: str) -> _AppCall:
    """Registers a folium FeatureGroup as the layer that draws one collection."""
    return _AppCall("registerLayer", {"collection": collection_id})


def GroupedLayerControl(groups: list[dict[str, Any]]) -> _AppCall:
    """A layer control with one fieldset per catalogue group."""
    return _AppCall("addLayerControl", {"groups": groups})


def Legend() -> _AppCall:
    return _AppCall("addLegend")


def Fullscreen() -> _AppCall:
    return _AppCall("addFullscreen")


def Start(options: dict[str, Any]) -> _AppCall:
    """Draws the visible layers and raises the ready signal; must come last."""
    return _AppCall("start", options)


def build_map(catalogue: Catalogue, tiles: Tiles, *, mode: str = "page") -> folium.Map:
    """The map of the full page (`mode="page"`) or of the embed page (`"embed"`); the
    embed hides its controls at run time when its URL asks (`controls=0`, `legend=0`)."""
    bounds = _bounds(catalogue)
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    fmap = folium.Map(location=centre, zoom_start=4, tiles=None, control_scale=True,
                      width="100%", height="100%")
    # Off the map until the first view is known (mapapp.registerTiles): folium's
    # opening view would fetch tiles only to throw them away.
    tile_layer = folium.TileLayer(tiles=tiles.url, attr=tiles.attribution, name="Basemap",
                                  max_zoom=tiles.max_zoom, subdomains=tiles.subdomains,
                                  overlay=False, control=False, show=False)
    _AppCall("registerTiles").add_to(tile_layer)
    tile_layer.add_to(fmap)
    for collection in catalogue.collections:
        group = folium.FeatureGroup(name=collection.title, show=True, control=False)
        CollectionLayer(collection.id).add_to(group)
        group.add_to(fmap)
    Fullscreen().add_to(fmap)
    GroupedLayerControl([
        {"group": name, "collections": [c.id for c in catalogue.collections if c.group == name]}
        for name in catalogue.groups
    ]).add_to(fmap)
    Legend().add_to(fmap)
    Start({"bounds": bounds, "mode": mode}).add_to(fmap)
    _stable_ids(fmap)
    return fmap


def map_parts(fmap: folium.Map) -> tuple[str, str]:
    """The map's HTML container and its script, rendered once."""
    root = fmap.get_root()
    root.render()
    return root.html.render(), root.script.render()


def _bounds(catalogue: Catalogue) -> list[list[float]]:
    """[[south, west], [north, east]] of every feature, as Leaflet takes bounds."""
    boxes = [shape.bounds for c in catalogue.collections for shape in c.shapes]
    west = min(b[0] for b in boxes)
    south = min(b[1] for b in boxes)
    east = max(b[2] for b in boxes)
    north = max(b[3] for b in boxes)
    return [[south, west], [north, east]]


def _stable_ids(element: Element, counter: list[int] | None = None) -> None:
    """folium names elements with random ids; number them instead, so that every
    worker and every machine builds byte-identical pages (and so equal ETags)."""
    counter = counter if counter is not None else [0]
    element._id = f"{counter[0]:04d}"
    counter[0] += 1
    for child in element._children.values():
        _stable_ids(child, counter)
