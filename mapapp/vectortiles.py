"""The catalogue as vector tiles: one PMTiles archive, one MVT layer per collection.

Past what a browser can hold (MAPAPP_VECTOR_TILES_FROM, mapapp/drawing.py), the page does not
load the features: it reads the tiles in view from this archive with HTTP range
requests (the `pmtiles` client), so the same file works behind the app and behind a
plain static host. Tiles carry only what drawing, filters and picking need: the
feature's id, precision, error_km, status and the collection's `style.color_by`
property; a click reads the whole feature from the API item or the export's
per-feature file.

Zooms 0 to MAX_ZOOM. At MAX_ZOOM every feature is in every tile it touches, points
unsimplified (to the tile grid: a few metres at MAX_ZOOM, drawn over-zoomed beyond it);
below it, lines are simplified to a pixel and the densest features dropped (one point
per cell of DROP_CELL units, one line per pair of end cells), as tippecanoe does, so
that a tile stays small however many features share it. Tiles are gzip-compressed
(the archive's tile compression), so the archive is served as it is, never encoded.
"""

from __future__ import annotations

import gzip
import io
import math
import os
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import mapbox_vector_tile
import numpy
import shapely
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from shapely.geometry.base import BaseGeometry

from mapapp.catalogue import Catalogue

ARCHIVE_NAME = "features.pmtiles"
EXTENT = 4096  # MVT units across a tile below MAX_ZOOM
# ...and at MAX_ZOOM, where points are placed exactly: a unit is 2.4 m at the equator
# at zoom 7 (MVT allows any extent; the clients scale by each layer's own).
MAX_ZOOM_EXTENT = 1 << 17
# Measured (README "Scale", "Vector tiles"): each zoom level roughly doubles the build
# time of the lines; at 10 a point is placed to about 10 m at 45° N, below a marker's
# size until zoom 14, and the page draws over-zoomed past it.
MAX_ZOOM = 7
# Below MAX_ZOOM, points closer than this many tile units (16 px at the page's 512-px
# display of a data tile, about two markers) keep only the first of them: against 8 px,
# a 10,000-feature archive builds in 5.0 s instead of 6.8, its largest tile 47 KiB
# instead of 67.
DROP_CELL = 128
# Lines are simplified to about one display pixel below MAX_ZOOM.
SIMPLIFY_UNITS = 8
# Tile units a line runs on past a tile's edge, so that its stroke is not cut there.
LINE_MARGIN = 64
# Points are also written into the tiles within this share of a tile from them (16 px
# at the page's 512-px display of a data tile), so markers are not cut at tile edges.
POINT_BUFFER = 1 / 32
# Tiles encoded in worker processes from this many features (fork start-up costs more
# than it saves on small catalogues).
POOL_FROM_FEATURES = 20_000


@dataclass(frozen=True)
class TileFeature:
    """One feature as the tiles carry it: mercator geometry in [0, 1]² and its few
    properties."""

    layer: str
    geometry: BaseGeometry
    properties: dict[str, Any]
    is_point: bool


def mercator(lon: float, lat: float) -> tuple[float, float]:
    """Web mercator in the unit square (x east, y south), the tile grid's space."""
    lat = max(-85.0511, min(85.0511, lat))
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180.0) / 360.0, 0.5 - y / (2 * math.pi)


def tile_properties(feature: dict[str, Any], color_by: str | None) -> dict[str, Any]:
    """What drawing and picking read from a tile feature; nothing else travels."""
    props = feature["properties"]
    kept: dict[str, Any] = {"id": feature["id"], "precision": props.get("precision", "exact")}
    if isinstance(props.get("status"), str):  # the status= filter hides by it
        kept["status"] = props["status"]
    if props.get("error_km") is not None:
        kept["error_km"] = float(props["error_km"])
    if color_by and isinstance(props.get(color_by), str | int | float | bool):
        kept[color_by] = props[color_by]
    return kept


def tile_features(catalogue: Catalogue) -> list[TileFeature]:
    """Every feature of the catalogue, projected once."""
    found = []
    for collection in catalogue.collections:
        color_by = (collection.style.get("color_by") or {}).get("property")
        shapes = _array(collection.shapes)
        # one transform of the whole collection: the same arithmetic per coordinate as
        # one shape at a time, a hundredth of the calls
        projected = shapely.transform(shapes, _project_array).tolist()
        points = numpy.isin(shapely.get_type_id(shapes), POINT_TYPE_IDS).tolist()
        for feature, shape, is_point in zip(collection.features, projected, points, strict=True):
            found.append(TileFeature(collection.id, shape, tile_properties(feature, color_by),
                                     is_point))
    return found


POINT_TYPE_IDS = (0, 4)  # shapely's type ids of Point and MultiPoint
LINE_TYPE_IDS = (1, 5)  # ...of LineString and MultiLineString


def _array(shapes: Any) -> Any:
    """Shapes as a numpy array of objects, the input of shapely's array functions."""
    array = numpy.empty(len(shapes), dtype=object)
    array[:] = list(shapes)
    return array


def _project_array(coords: Any) -> Any:
    lon, lat = coords[:, 0], numpy.clip(coords[:, 1], -85.0511, 85.0511)
    x = (lon + 180.0) / 360.0
    y = 0.5 - numpy.log(numpy.tan(numpy.pi / 4 + numpy.radians(lat) / 2)) / (2 * numpy.pi)
    return numpy.column_stack([x, y])


def zoom_tiles(features: list[TileFeature], z: int, max_zoom: int, part: int = 0, parts: int = 1
               ) -> dict[tuple[int, int], list[tuple[str, Any, dict[str, Any]]]]:
    """The features of each tile at zoom `z`, in tile units (y down): (layer, geometry
    in tile units, properties), dense ones dropped below `max_zoom`. With `parts`, only
    the tiles whose column is `part` modulo `parts` (the rest are another process's):
    what is dropped is decided per tile or per line, the same in every part."""
    tiles: dict[tuple[int, int], list[tuple[str, Any, dict[str, Any]]]] = defaultdict(list)
    thin = z < max_zoom
    extent = EXTENT if thin else MAX_ZOOM_EXTENT
    points = [feature for feature in features if feature.is_point]
    _add_points(tiles, points, z, thin, extent, part, parts)
    _add_lines(tiles, [feature for feature in features if not feature.is_point], z, thin,
               extent, part, parts)
    return tiles


def _add_points(tiles: dict[tuple[int, int], list[tuple[str, Any, dict[str, Any]]]],
                points: list[TileFeature], z: int, thin: bool, extent: int,
                part: int = 0, parts: int = 1) -> None:
    """Each point feature in the tile of each of its points and in the tiles whose edge
    a point is near (so its marker is not cut there), in tile units; when `thin`, a
    point whose cell (DROP_CELL units of its own tile) an earlier point has taken is
    dropped, whatever part is built. On arrays: the same arithmetic per point as one
    at a time (truncation, rounding half to even), in the same order."""
    if not points:
        return
    scale = 1 << z
    coords, owner = shapely.get_coordinates(_array([p.geometry for p in points]),
                                            return_index=True)
    grid = coords * scale
    tile = numpy.minimum(grid.astype(numpy.int64), scale - 1)
    if thin:
        cell = ((grid - tile) * EXTENT).astype(numpy.int64) // DROP_CELL  # 0..EXTENT/DROP_CELL
        side = EXTENT // DROP_CELL + 1
        keys = ((tile[:, 0] * scale + tile[:, 1]) * side + cell[:, 0]) * side + cell[:, 1]
        first = numpy.sort(numpy.unique(keys, return_index=True)[1])
        grid, owner = grid[first], owner[first]
    low = numpy.maximum(0, (grid - POINT_BUFFER).astype(numpy.int64))
    high = numpy.minimum(scale - 1, (grid + POINT_BUFFER).astype(numpy.int64))
    # each point's tiles, x before y as in two nested loops: (low, low), (low, low+1)…
    steps = numpy.array([(0, 0), (0, 1), (1, 0), (1, 1)])
    near = low[:, None, :] + steps[None, :, :]
    valid = (near <= high[:, None, :]).all(axis=2) & (near[:, :, 0] % parts == part)
    which = numpy.repeat(numpy.arange(len(grid)), len(steps)).reshape(-1, len(steps))[valid]
    near = near[valid]
    units = numpy.rint((grid[which] - near) * extent).astype(numpy.int64)
    owner = owner[which]
    # grouped by feature, then tile; in each group the points in their order
    keys = (owner * scale + near[:, 0]) * scale + near[:, 1]
    order = numpy.argsort(keys, kind="stable")
    keys, owner, near, units = keys[order], owner[order], near[order], units[order]
    starts = numpy.flatnonzero(numpy.diff(keys, prepend=-1)).tolist()
    ends = [*starts[1:], len(keys)]
    xs, ys = units[:, 0].tolist(), units[:, 1].tolist()
    for start, end, feature, x, y in zip(starts, ends, owner[starts].tolist(),
                                         near[starts, 0].tolist(), near[starts, 1].tolist(),
                                         strict=True):
        geometry = ({"type": "Point", "coordinates": (xs[start], ys[start])} if end - start == 1
                    else {"type": "MultiPoint",
                          "coordinates": list(zip(xs[start:end], ys[start:end], strict=True))})
        tiles[(x, y)].append((points[feature].layer, geometry, points[feature].properties))


def _add_lines(tiles: dict[tuple[int, int], list[tuple[str, Any, dict[str, Any]]]],
               lines: list[TileFeature], z: int, thin: bool, extent: int,
               part: int = 0, parts: int = 1) -> None:
    """Each line clipped to every tile it crosses (with a margin, so strokes are not
    cut at the edge), in tile units; simplified, and the densest dropped, when `thin`.
    Done on arrays (shapely's vectorised operations): a long route crosses hundreds of
    tiles at the highest zoom."""
    if not lines:
        return
    scale = 1 << z
    geometries = _array([line.geometry for line in lines])
    keep = numpy.arange(len(lines))
    if thin:
        geometries = shapely.simplify(geometries, SIMPLIFY_UNITS / (EXTENT * scale),
                                      preserve_topology=False)
        coords, index = shapely.get_coordinates(geometries, return_index=True)
        first = numpy.searchsorted(index, numpy.arange(len(lines)))
        last = numpy.searchsorted(index, numpy.arange(len(lines)), side="right") - 1
        ends = numpy.hstack([coords[first], coords[last]])
        cells = numpy.floor(ends * scale * EXTENT / DROP_CELL)
        _, keep = numpy.unique(cells, axis=0, return_index=True)
        keep.sort()
    margin = LINE_MARGIN / EXTENT
    which_a, tx_a, ty_a = _crossed_tiles(geometries[keep], scale, margin)
    mine = tx_a % parts == part
    which_a, tx_a, ty_a = keep[which_a[mine]], tx_a[mine], ty_a[mine]
    # GEOS's rectangle clipping, one call a pair: tens of times faster than a general
    # intersection with a box; a line touching the box's edge may leave points, dropped
    # one call per tile, for every line crossing it
    clipped = numpy.empty(len(which_a), dtype=object)
    tile_of = tx_a * scale + ty_a
    order = numpy.argsort(tile_of, kind="stable")
    starts = numpy.flatnonzero(numpy.diff(tile_of[order], prepend=-1))
    for chosen in numpy.split(order, starts[1:]):
        x, y = int(tx_a[chosen[0]]), int(ty_a[chosen[0]])
        clipped[chosen] = shapely.clip_by_rect(
            geometries[which_a[chosen]], (x - margin) / scale, (y - margin) / scale,
            (x + 1 + margin) / scale, (y + 1 + margin) / scale)
    mixed = ~numpy.isin(shapely.get_type_id(clipped), LINE_TYPE_IDS)
    clipped[mixed] = [_lines_of(geometry) for geometry in clipped[mixed]]
    present = ~shapely.is_empty(clipped)
    clipped, which_a, tx_a, ty_a = clipped[present], which_a[present], tx_a[present], ty_a[present]
    coords, index = shapely.get_coordinates(clipped, return_index=True)
    offsets = numpy.column_stack([tx_a, ty_a])[index]
    units = numpy.round((coords * scale - offsets) * extent)
    local = shapely.set_coordinates(clipped.copy(), units)
    for geometry, position, x, y in zip(local, which_a.tolist(), tx_a.tolist(), ty_a.tolist(),
                                        strict=True):
        line = lines[position]
        tiles[(x, y)].append((line.layer, geometry, line.properties))


def _crossed_tiles(geometries: Any, scale: int, margin: float) -> tuple[Any, Any, Any]:
    """(line position, tile x, tile y) for every tile a segment's box (with `margin`,
    in tiles) touches: a long line's own box would name thousands of empty tiles."""
    coords, index = shapely.get_coordinates(geometries, return_index=True)
    coords = coords * scale
    same = index[1:] == index[:-1]  # consecutive vertices of one line make a segment
    start, end, owner = coords[:-1][same], coords[1:][same], index[:-1][same]
    low = numpy.clip(numpy.floor(numpy.minimum(start, end) - margin), 0, scale - 1)
    high = numpy.clip(numpy.floor(numpy.maximum(start, end) + margin), 0, scale - 1)
    low, high = low.astype(numpy.int64), high.astype(numpy.int64)
    width = high[:, 0] - low[:, 0] + 1
    counts = width * (high[:, 1] - low[:, 1] + 1)
    segment = numpy.repeat(numpy.arange(len(counts)), counts)
    step = numpy.arange(counts.sum()) - numpy.repeat(numpy.cumsum(counts) - counts, counts)
    tx = low[segment, 0] + step % width[segment]
    ty = low[segment, 1] + step // width[segment]
    # each (line, x, y) as one number, in the same order: sorting numbers is far
    # quicker than sorting rows
    keys = numpy.unique((owner[segment] * scale + tx) * scale + ty)
    return keys // (scale * scale), keys // scale % scale, keys % scale


def _lines_of(geometry: BaseGeometry) -> BaseGeometry:
    """The line parts of a clipped line (an intersection may add points)."""
    if geometry.geom_type in ("LineString", "MultiLineString"):
        return geometry
    parts = [part for part in shapely.get_parts(geometry) if part.geom_type == "LineString"]
    return shapely.multilinestrings(parts) if parts else shapely.LineString()


def encode_tile(entries: list[tuple[str, Any, dict[str, Any]]], extent: int = EXTENT) -> bytes:
    """One tile's MVT bytes, gzip-compressed, its layers in catalogue order."""
    layers: dict[str, list[dict[str, Any]]] = {}
    for layer, geometry, properties in entries:
        layers.setdefault(layer, []).append({"geometry": geometry, "properties": properties})
    encoded = mapbox_vector_tile.encode(
        [{"name": name, "features": features} for name, features in layers.items()],
        default_options={"extents": extent, "y_coord_down": True, "check_winding_order": False})
    return gzip.compress(encoded, compresslevel=6, mtime=0)


# The features the pool's processes read, set before they fork (not pickled per job).
_SHARED: list[TileFeature] = []


def _encode_part(job: tuple[int, int, int, int]) -> list[tuple[int, bytes]]:
    z, max_zoom, part, parts = job
    extent = EXTENT if z < max_zoom else MAX_ZOOM_EXTENT
    return [(zxy_to_tileid(z, x, y), encode_tile(entries, extent))
            for (x, y), entries in zoom_tiles(_SHARED, z, max_zoom, part, parts).items()]


def encoded_tiles(features: list[TileFeature], max_zoom: int) -> list[tuple[int, bytes]]:
    """Every tile as (tile id, bytes). A big catalogue's tiles are encoded on every core
    (processes forked with the features; mapbox-vector-tile is pure Python, so threads
    would not help), each zoom from 4 split by tile columns so the parts even out."""
    global _SHARED
    cores = os.cpu_count() or 1
    _SHARED = features
    try:
        if len(features) < POOL_FROM_FEATURES or cores < 2:
            return [t for z in range(max_zoom + 1) for t in _encode_part((z, max_zoom, 0, 1))]
        jobs = [(z, max_zoom, part, cores if z >= 4 else 1)
                for z in range(max_zoom, -1, -1) for part in range(cores if z >= 4 else 1)]
        with ProcessPoolExecutor(max_workers=cores, mp_context=get_context("fork")) as pool:
            return [t for result in pool.map(_encode_part, jobs) for t in result]
    finally:
        _SHARED = []


def build_archive(catalogue: Catalogue, max_zoom: int = MAX_ZOOM) -> bytes:
    """The catalogue's PMTiles v3 archive (MVT tiles, gzip), tiles in id order."""
    features = tile_features(catalogue)
    tiles = sorted(encoded_tiles(features, max_zoom))
    out = io.BytesIO()
    writer = Writer(out)
    for tile_id, data in tiles:
        writer.write_tile(tile_id, data)
    bounds = shapely.bounds(_array([s for c in catalogue.collections for s in c.shapes]))
    if len(bounds):
        west, east = float(bounds[:, 0].min()), float(bounds[:, 2].max())
        south, north = float(bounds[:, 1].min()), float(bounds[:, 3].max())
    else:
        west, east, south, north = -180.0, 180.0, -85.0, 85.0
    header = {
        "tile_type": TileType.MVT,
        "tile_compression": Compression.GZIP,
        "min_zoom": 0,
        "max_zoom": max_zoom,
        "min_lon_e7": int(west * 1e7), "min_lat_e7": int(south * 1e7),
        "max_lon_e7": int(east * 1e7), "max_lat_e7": int(north * 1e7),
        "center_zoom": 4,
        "center_lon_e7": int((west + east) / 2 * 1e7),
        "center_lat_e7": int((south + north) / 2 * 1e7),
    }
    metadata = {
        "name": "mapapp features",
        "version": catalogue.version,
        "vector_layers": [{"id": c.id, "fields": {}, "minzoom": 0, "maxzoom": max_zoom}
                          for c in catalogue.collections],
    }
    writer.finalize(header, metadata)
    return out.getvalue()
