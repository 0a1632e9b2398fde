"""OGC API – Features Part 2 (CRS by reference): the CRSs the API serves, and the
transformations between them, with pyproj.

The data is stored in CRS84 (longitude, latitude). An answer in another CRS is
transformed feature by feature when asked for; a `bbox` in another CRS is
transformed to CRS84 before it selects. Each CRS's axis order is its authority's:
EPSG:4326 is latitude, longitude (what `always_xy=False` gives).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Any

import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from mapapp.errors import BadParameter

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
# The URI each CRS is named by, and what pyproj calls it. CRS84 first: the storage CRS.
SUPPORTED: dict[str, str] = {CRS84: "OGC:CRS84", EPSG_4326: "EPSG:4326", EPSG_3857: "EPSG:3857"}
# Short forms clients send too ("EPSG:4326", a CURIE "[EPSG:4326]"), mapped to the URI.
_ALIASES = {"OGC:CRS84": CRS84, "EPSG:4326": EPSG_4326, "EPSG:3857": EPSG_3857}


def parse_crs(name: str, value: str) -> str:
    """The URI of a `crs`, `bbox-crs` or `filter-crs` value, or a 400 listing those served."""
    if value in SUPPORTED:
        return value
    alias = _ALIASES.get(value.strip("[]").upper() if value.startswith("[") else value)
    if alias is not None:
        return alias
    raise BadParameter(f"{name} {value!r} is not supported; the CRSs served are "
                       f"{', '.join(SUPPORTED)}")


@functools.cache
def _transformer(source: str, target: str) -> Transformer:
    """pyproj's transformation, built once per pair: axis order as each authority says."""
    return Transformer.from_crs(SUPPORTED[source], SUPPORTED[target], always_xy=False)


def transform_shape(geometry: BaseGeometry, source: str, target: str) -> BaseGeometry:
    """A shapely geometry in `target`'s coordinates and axis order."""
    if source == target:
        return geometry
    transformer = _transformer(source, target)
    return shapely.transform(geometry, lambda x, y: transformer.transform(x, y),
                             interleaved=False)


def transform_geojson(geometry: Mapping[str, Any], target: str) -> dict[str, Any]:
    """A GeoJSON geometry of the data (CRS84) in `target`."""
    moved = transform_shape(shape(geometry), CRS84, target)
    return _lists(mapping(moved))


def _lists(value: Any) -> Any:
    """shapely's mapping writes tuples; JSON writes lists alike, but equality in tests and
    the members' order stay those of GeoJSON."""
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_lists(v) for v in value]
    return value


def bbox_to_crs84(numbers: tuple[float, float, float, float],
                  source: str) -> tuple[float, float, float, float]:
    """A box given in `source`'s axis order (EPSG:4326: minlat, minlon, maxlat, maxlon),
    as the CRS84 box that covers it."""
    if source == CRS84:
        return numbers
    bounds = _transformer(source, CRS84).transform_bounds(*numbers, densify_pts=21)
    if not all(math.isfinite(v) for v in bounds):
        raise BadParameter(f"bbox {','.join(f'{v:g}' for v in numbers)} is outside the "
                           f"area of {source}")
    return bounds
