"""Pictures of the map: a PNG or SVG of any view, drawn on the server from the catalogue.

A link shared on a social network, a print page and a reader without JavaScript all
need a picture of the map, so it is drawn from the same data with the field's own
tools: geopandas projects the layers and the built-in Natural Earth outlines to Web
Mercator (the projection of the live map, so `view=<zoom>/<lat>/<lon>` frames what the
page shows at that view), matplotlib draws them in the map's colours, dash patterns
and precision halos, and writes the title, the legend and the credits in the view's
language. Nothing is fetched: no tiles, no network.

Text needs Latin, Cyrillic with the Kazakh letters, and Chinese: matplotlib's own
DejaVu Sans draws the first two and falls back, glyph by glyph, to Noto Sans CJK
(Debian's `fonts-noto-cjk`) for Chinese. `missing_glyphs` says what no font has.
"""

from __future__ import annotations

import io
import json
import math
import textwrap
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import geopandas
import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.patheffects import withStroke

from mapapp.article import localised_article
from mapapp.catalogue import Catalogue, Collection
from mapapp.embedcode import SITE_TITLE
from mapapp.i18n import DEFAULT_LANGUAGE, translate
from mapapp.settings import PACKAGE_DIR
from mapapp.viewstate import PictureRequest, ViewState, group_ids, status_id

matplotlib.use("Agg")  # no display on a server; figures are built without pyplot

FONTS = ("DejaVu Sans", "Noto Sans CJK SC")  # in order: the first that has a glyph
BASEMAP = PACKAGE_DIR / "static" / "basemap.json"
MERCATOR = "EPSG:3857"
WORLD_METRES = 2 * math.pi * 6378137  # the width of the Web Mercator world
FRAME = (1200, 630)  # CSS pixels the picture stands for, whatever its resolution
INCHES = (12.0, 6.3)  # the figure's size: the resolution (dpi) scales it to `width`
PT = 0.75  # points per CSS pixel, so Leaflet's pixel sizes read the same
SEA, LAND, BORDER, INK = "#dde8ef", "#f6f4ee", "#8e9aa3", "#1f2328"
MIN_SPAN_M = 400_000  # a single feature is shown with this much of its surroundings
DEFAULT_BOUNDS = (45.0, 25.0, 125.0, 55.0)  # lon/lat: when nothing is drawn


@dataclass(frozen=True)
class Layer:
    """A collection projected once, with what drawing it needs per feature."""

    collection: Collection
    frame: geopandas.GeoDataFrame  # id, colour, precision, error_m, group, status


def feature_colour(collection: Collection, properties: dict[str, Any]) -> str:
    """The colour the live map gives a feature (mapapp.js `featureColour`)."""
    by = collection.style.get("color_by")
    if by and properties.get(by["property"]) in by["values"]:
        return by["values"][properties[by["property"]]]
    return collection.style["color"]


class Renderer:
    """Draws pictures of one catalogue; everything a picture shares is prepared once."""

    def __init__(self, catalogue: Catalogue, basemap: Path = BASEMAP) -> None:
        self.catalogue = catalogue
        outlines = json.loads(basemap.read_text(encoding="utf-8"))
        self.basemap = geopandas.GeoDataFrame.from_features(
            outlines["features"], crs="EPSG:4326").to_crs(MERCATOR)
        self.groups = group_ids(catalogue)
        self.layers = tuple(self._layer(c) for c in catalogue.collections)
        _check_fonts()

    def _layer(self, collection: Collection) -> Layer:
        rows = []
        for feature, shape in zip(collection.features, collection.shapes, strict=True):
            props = feature["properties"]
            rows.append({
                "id": feature["id"], "colour": feature_colour(collection, props),
                "precision": props.get("precision"),
                # a ground distance grows by 1/cos(latitude) in Mercator
                "error_m": (props.get("error_km") or 0) * 1000
                / math.cos(math.radians(shape.centroid.y)),
                "status": status_id(props.get("status", "")),
                "name": props.get("name", feature["id"]),
                "names": props.get("names") or {},
                "geometry": shape,
            })
        frame = geopandas.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
        return Layer(collection, frame.to_crs(MERCATOR))

    def drawn(self, state: ViewState) -> list[tuple[Layer, geopandas.GeoDataFrame]]:
        """The features the page draws for `state`: shown layers, passing the filters;
        the open feature always, as on the page."""
        out = []
        for layer in self.layers:
            collection, frame = layer.collection, layer.frame
            shown = state.layers is None or collection.id in state.layers
            keep = frame["id"] == state.feature
            if shown and (state.groups is None or self.groups[collection.group] in state.groups):
                passing = frame["status"].isin(state.status) if state.status is not None \
                    else frame["id"].notna()
                keep = keep | passing
            if keep.any():
                out.append((layer, frame[keep]))
        return out

    def render(self, request: PictureRequest) -> bytes:
        """The picture's bytes (PNG or SVG)."""
        figure = self.figure(request.state)
        buffer = io.BytesIO()
        if request.format == "svg":  # a fixed salt for its ids: the same bytes in every worker
            with matplotlib.rc_context({"svg.hashsalt": "mapapp"}):
                FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
        else:
            dpi = request.width / INCHES[0]
            figure.set_dpi(dpi)  # a quarter pixel more, as Agg truncates the size
            figure.set_size_inches((request.width + 0.25) / dpi, (request.height + 0.25) / dpi)
            FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
        return buffer.getvalue()

    def figure(self, state: ViewState) -> Figure:
        """The figure of a view: map, open feature, title, legend, credits."""
        lang = state.lang or DEFAULT_LANGUAGE
        figure = Figure(figsize=INCHES, dpi=100, facecolor=SEA)
        axes = figure.add_axes((0, 0, 1, 1))
        axes.set_axis_off()
        axes.set_facecolor(SEA)
        drawn = self.drawn(state)
        x0, y0, x1, y1 = self.extent(state, drawn)
        axes.set_xlim(x0, x1)
        axes.set_ylim(y0, y1)
        self.basemap.plot(ax=axes, color=LAND, edgecolor=BORDER, linewidth=1 * PT, zorder=1)
        for layer, frame in drawn:
            self._draw_layer(axes, layer, frame, state.feature)
        if state.feature:
            self._label(axes, drawn, state.feature, lang)
        self._title(figure, lang)
        in_view = [(layer, frame.cx[x0:x1, y0:y1]) for layer, frame in drawn]
        self._legend(axes, [(layer, frame) for layer, frame in in_view if len(frame)], lang)
        self._credits(figure, lang)
        return figure

    def extent(self, state: ViewState,
               drawn: list[tuple[Layer, geopandas.GeoDataFrame]]) -> tuple[float, ...]:
        """The Mercator bounds of the picture: the view given, else the open feature
        with its surroundings, else every feature drawn, in the frame's proportions."""
        if state.view is not None:
            zoom, lat, lon = state.view
            x, y = _mercator(lon, lat)
            metres_per_px = WORLD_METRES / (256 * 2**zoom)
            half_w, half_h = FRAME[0] / 2 * metres_per_px, FRAME[1] / 2 * metres_per_px
            return x - half_w, y - half_h, x + half_w, y + half_h
        frames = [frame for _, frame in drawn]
        if state.feature:
            frames = [frame[frame["id"] == state.feature] for frame in frames]
            frames = [frame for frame in frames if len(frame)]
        if frames:
            bounds = [frame.total_bounds for frame in frames]
            x0, y0 = min(b[0] for b in bounds), min(b[1] for b in bounds)
            x1, y1 = max(b[2] for b in bounds), max(b[3] for b in bounds)
        else:
            x0, y0 = _mercator(*DEFAULT_BOUNDS[:2])
            x1, y1 = _mercator(*DEFAULT_BOUNDS[2:])
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        width = max(x1 - x0, MIN_SPAN_M) * 1.15
        height = max(y1 - y0, MIN_SPAN_M * FRAME[1] / FRAME[0]) * 1.25  # room for the title
        width = max(width, height * FRAME[0] / FRAME[1])
        height = width * FRAME[1] / FRAME[0]
        return cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2

    def _draw_layer(self, axes: Any, layer: Layer, frame: geopandas.GeoDataFrame,
                    open_id: str | None) -> None:
        """One collection, a call per colour and precision (not per feature: drawing
        calls, not pixels, are what a picture spends its time on); the open feature
        again on top, larger, on a white casing."""
        style = layer.collection.style
        weight = style.get("weight", 4) * PT
        dash = [float(n) * PT / weight for n in str(style.get("schematic_dash", "8 6")).split()]
        radius = style.get("radius", 7)
        is_line = frame.geometry.geom_type.str.contains("Line")
        lines, points = frame[is_line], frame[~is_line].explode(index_parts=False)
        halos = points[(points["precision"] == "approximate") & (points["error_m"] > 0)]
        if len(halos):
            rings = geopandas.GeoSeries(halos.geometry.buffer(halos["error_m"]).values)
            rings.plot(ax=axes, color=list(halos["colour"]), alpha=0.12, zorder=2)
            rings.boundary.plot(ax=axes, color=list(halos["colour"]), alpha=0.5,
                                linewidth=1 * PT, zorder=2)
        for opened in (False, True):
            lines_now = lines[lines["id"] == open_id] if opened else lines
            points_now = points[points["id"] == open_id] if opened else points
            scale, zorder = (1.6, 6) if opened else (1.0, 3)
            if opened and len(lines_now):
                geopandas.GeoSeries(lines_now.geometry.values).plot(
                    ax=axes, color="white", linewidth=weight * scale + 5 * PT, zorder=zorder - 1)
            for (colour, precision), group in lines_now.groupby(["colour", "precision"]):
                geopandas.GeoSeries(group.geometry.values).plot(
                    ax=axes, color=colour, linewidth=weight * scale, alpha=0.9, zorder=zorder,
                    linestyle=(0, dash) if precision == "schematic" else "solid")
            size = (2 * (radius + (3 if opened else 0)) * PT) ** 2
            if opened and len(points_now):
                axes.scatter(points_now.geometry.x, points_now.geometry.y, s=size * 2.2,
                             color="white", zorder=zorder - 1, linewidths=0)
            for (colour, precision), group in points_now.groupby(["colour", "precision"]):
                xs, ys = group.geometry.x, group.geometry.y
                if precision == "approximate":
                    axes.scatter(xs, ys, s=size, facecolor="white", edgecolor=colour,
                                 linewidths=2.5 * PT, linestyle=(0, (3 * PT, 2 * PT)),
                                 zorder=zorder)
                else:
                    axes.scatter(xs, ys, s=size, facecolor=colour, edgecolor="white",
                                 linewidths=2 * PT, zorder=zorder)

    def _label(self, axes: Any, drawn: list[tuple[Layer, geopandas.GeoDataFrame]],
               feature_id: str, lang: str) -> None:
        for _, frame in drawn:
            found = frame[frame["id"] == feature_id]
            if len(found):
                row = found.iloc[0]
                point = row.geometry.representative_point()
                axes.annotate(row["names"].get(lang) or row["name"], (point.x, point.y),
                              xytext=(12, 10), textcoords="offset points", fontsize=15,
                              fontweight="bold", color=INK, family=list(FONTS), zorder=8,
                              path_effects=[withStroke(linewidth=4, foreground="white")])
                return

    def _title(self, figure: Figure, lang: str) -> None:
        article = localised_article(self.catalogue, lang)
        figure.text(0.015, 0.975, translate(lang, SITE_TITLE), ha="left", va="top",
                    fontsize=20, fontweight="bold", color=INK, family=list(FONTS),
                    bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "none",
                          "boxstyle": "round,pad=0.35"})
        figure.text(0.015, 0.885, "\n".join(textwrap.wrap(article["citation"], 125)),
                    ha="left", va="top", fontsize=11, color=INK, family=list(FONTS),
                    bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none",
                          "boxstyle": "round,pad=0.3"})

    def _legend(self, axes: Any, drawn: list[tuple[Layer, geopandas.GeoDataFrame]],
                lang: str) -> None:
        handles: list[Any] = []
        for layer, frame in drawn:
            style = layer.collection.style
            label = translate(lang, layer.collection.title)
            if frame.geometry.geom_type.str.contains("Line").all():
                handles.append(Line2D([], [], color=style["color"], linewidth=3, label=label))
            else:
                handles.append(Patch(facecolor=style["color"], edgecolor="white", label=label))
        precision = set().union(*(set(frame["precision"]) for _, frame in drawn)) if drawn \
            else set()
        if "schematic" in precision:
            handles.append(Line2D([], [], color=INK, linewidth=2, linestyle=(0, (4, 3)),
                                  label=translate(lang, "Schematic route through known places")))
        if "approximate" in precision:
            handles.append(Line2D([], [], marker="o", linestyle="none", markersize=9,
                                  markerfacecolor="white", markeredgecolor=INK,
                                  label=translate(
                                      lang, "Approximate location; the halo is the stated error")))
        if handles:
            legend = axes.legend(handles=handles, loc="lower left", framealpha=0.9,
                                 title=translate(lang, "Legend"), title_fontsize=9,
                                 ncols=2 if len(handles) > 6 else 1, borderaxespad=0.3,
                                 prop={"family": list(FONTS), "size": 8})
            legend.get_title().set_fontfamily(list(FONTS))

    def _credits(self, figure: Figure, lang: str) -> None:
        figure.text(0.995, 0.008, f"{translate(lang, 'Country outlines:')} Natural Earth · "
                    "© OpenStreetMap contributors",
                    ha="right", va="bottom", fontsize=8, color=INK, family=list(FONTS),
                    bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none",
                          "boxstyle": "square,pad=0.25"})


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(min(lat, 85.0511), -85.0511)
    x = math.radians(lon) * 6378137
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * 6378137
    return x, y


@cache
def _font_charmaps() -> tuple[frozenset[int], ...]:
    """The code points of each font of FONTS, in order."""
    from matplotlib.ft2font import FT2Font

    maps = []
    for family in FONTS:
        path = font_manager.findfont(font_manager.FontProperties(family=family),
                                     fallback_to_default=False)
        maps.append(frozenset(FT2Font(path).get_charmap()))
    return tuple(maps)


def _check_fonts() -> None:
    """Refuse to start without the fonts (a picture with boxes for letters is worse
    than none): findfont raises ValueError naming the missing family."""
    _font_charmaps()


def missing_glyphs(text: str) -> str:
    """The characters of `text` (spaces aside) that no font of FONTS can draw."""
    maps = _font_charmaps()
    return "".join(sorted({c for c in text if not c.isspace()
                           and not any(ord(c) in m for m in maps)}))


def picture_texts(figure: Figure) -> list[str]:
    """Every text a figure writes (title, labels, legend, credits), for checks."""
    return [t.get_text() for t in figure.findobj(matplotlib.text.Text) if t.get_text()]
