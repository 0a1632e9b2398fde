"""How sure the data is of where a feature is: the precision rules, as pure checks.

A precision flag is a promise to the reader, so each one is held to something a
script can measure (see geodata/README.md, "How precision is shown"):

- `exact`: two independent sources, each giving a position within 1 km of the
  geometry, and the geometry is the thing itself;
- `approximate`: an error radius (`error_km`) for points and lines alike, and every
  position a source gives lies within it;
- `schematic`: a line through every town or station its sources name (`via`), in
  order, with how far it may be from the real route (`error_km`).

A feature with a single source cannot be `exact` and says "single source" in its
note. Distances are in km on a local equirectangular projection around each
position: good to a few metres over the tens of km these rules look at.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from mapapp.fields import is_number, is_position, is_web_url, nonempty_str

PRECISIONS = ("exact", "approximate", "schematic")
EXACT_KM = 1.0  # sources of an exact feature agree with its geometry within this
VIA_KM = 2.0  # a schematic line passes this close to every place its sources name
SINGLE_SOURCE_WORDS = "single source"
ORIGIN = shapely.Point(0.0, 0.0)
LINE_TYPES = ("LineString", "MultiLineString")
KM_PER_DEGREE_LAT = 110.574
KM_PER_DEGREE_LON_AT_EQUATOR = 111.320


def _local_km(geometry: Any, position: list[float]) -> Any:
    """`geometry` (one shape or an array of them) in km on a plane centred on
    [lon, lat] `position` (the origin), where distances near the position are true."""
    lon, lat = position
    scale_x = KM_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(lat))

    def scaled(xy: Any) -> Any:
        out = xy.copy()
        out[:, 0] = (xy[:, 0] - lon) * scale_x
        out[:, 1] = (xy[:, 1] - lat) * KM_PER_DEGREE_LAT
        return out

    return shapely.transform(geometry, scaled)


def distance_km(position: list[float], geometry: BaseGeometry) -> float:
    """Shortest distance in km from [lon, lat] to `geometry`."""
    return float(_local_km(geometry, position).distance(ORIGIN))


def distances_km(positions: list[list[float]], geometry: BaseGeometry) -> list[float]:
    """`distance_km` from each position to `geometry`, in one call: one copy of the
    geometry per position, each moved onto its own position's plane in one transform
    (the same arithmetic per coordinate as one by one, so the same distances). A
    transform each was most of the precision rules' time."""
    if not positions:
        return []
    copies = np.full(len(positions), geometry, dtype=object)
    _, index = shapely.get_coordinates(copies, return_index=True)  # transform's order
    lon = np.array([position[0] for position in positions], dtype=float)[index]
    lat = np.array([position[1] for position in positions], dtype=float)[index]
    scale_x = np.array([KM_PER_DEGREE_LON_AT_EQUATOR * math.cos(math.radians(position[1]))
                        for position in positions])[index]

    def scaled(xy: Any) -> Any:
        out = xy.copy()
        out[:, 0] = (xy[:, 0] - lon) * scale_x
        out[:, 1] = (xy[:, 1] - lat) * KM_PER_DEGREE_LAT
        return out

    moved = shapely.transform(copies, scaled)
    return [float(away) for away in shapely.distance(moved, ORIGIN)]


def along_km(positions: list[list[float]], line: BaseGeometry) -> list[float]:
    """How far along `line` the point nearest to each position lies (km, on one
    plane centred on the line): the order of places on a route."""
    if not positions:
        return []
    centre = [line.centroid.x, line.centroid.y]
    local = _local_km(line, centre)
    # all the positions as points in one call and moved in one transform (the same
    # arithmetic per coordinate as one by one): a Point each was most of this check
    points = _local_km(shapely.points(positions), centre)
    return [float(along) for along in shapely.line_locate_point(local, points)]


def try_shape(geometry: Any) -> BaseGeometry | Exception:
    """`geometry` as a shapely shape, or why it is none: built once per feature and
    handed to every rule that needs it, since building it is a large part of loading."""
    try:
        return shape(geometry)
    except Exception as error:  # shapely raises several types for malformed input
        return error


def check_location(props: Mapping[str, Any], geometry: Any,
                   shaped: BaseGeometry | Exception | None = None,
                   ) -> Iterator[tuple[str, str]]:
    """Yields (field, message) for every broken promise of the feature's precision.
    `shaped`: `try_shape(geometry)` if the caller has it already."""
    precision = props.get("precision")
    if precision not in PRECISIONS:
        yield "precision", f"{precision!r} is not one of {', '.join(PRECISIONS)}"
        return
    note = props.get("location_note")
    if precision != "exact" and not nonempty_str(note):
        yield "location_note", f"a {precision} location must say what it shows and its error"
    error_km = props.get("error_km")
    if error_km is not None and not (is_number(error_km) and error_km > 0):
        yield "error_km", "must be a positive number of kilometres"
        error_km = None
    elif precision in ("approximate", "schematic") and error_km is None:
        article = "an" if precision == "approximate" else "a"
        yield "error_km", (f"{article} {precision} location needs its error in km (how far "
                           "the geometry can be from the real thing)")
    elif precision == "exact" and error_km is not None:
        yield "error_km", "an exact location has no error radius; use approximate"
    sources = list(_check_sources(props.get("location_sources")))
    yield from (problem for problem in sources if isinstance(problem, tuple))
    entries = [entry for entry in sources if isinstance(entry, dict)]
    shaped = _usable(try_shape(geometry) if shaped is None else shaped)
    names = {entry["name"].strip().casefold() for entry in entries}
    if len(names) < 2:
        if precision == "exact":
            yield "precision", ("exact needs two independent sources (location_sources with "
                                f"different names); this has {len(names)}")
        elif nonempty_str(note) and SINGLE_SOURCE_WORDS not in note.casefold():
            yield "location_note", (f"a location with one source must say so: the note "
                                    f"needs the words {SINGLE_SOURCE_WORDS!r}")
    if shaped is None:
        return
    if precision == "exact":
        yield from _check_exact(entries, shaped)
    elif error_km is not None:
        yield from _check_within(entries, shaped, error_km)
    if precision == "schematic":
        yield from _check_schematic(props.get("via"), geometry, shaped)
    elif "via" in props:
        yield "via", "only schematic lines list the places they pass through"


def _usable(shaped: BaseGeometry | Exception) -> BaseGeometry | None:
    """The shape, unless it could not be built or is empty (the geometry's own check
    reports those)."""
    return None if isinstance(shaped, Exception) or shaped.is_empty else shaped


def _check_sources(sources: Any) -> Iterator[tuple[str, str] | dict[str, Any]]:
    """Problems with the list, and each well-formed entry (a dict) for the rules."""
    if not isinstance(sources, list) or not sources:
        yield "location_sources", "name at least one source of the geometry"
        return
    for index, entry in enumerate(sources):
        field = f"location_sources[{index}]"
        if not isinstance(entry, dict):
            yield field, ("must be an object: {\"name\", \"url\", \"gives\", "
                          "\"coordinates\"?}")
            continue
        ok = True
        if not nonempty_str(entry.get("name")):
            yield f"{field}.name", "the source's name in plain words (e.g. OpenStreetMap)"
            ok = False
        if not is_web_url(entry.get("url")):
            yield f"{field}.url", "the http(s) page of the object or document"
            ok = False
        if not nonempty_str(entry.get("gives")):
            yield f"{field}.gives", "say what this source gives (object, position, text)"
            ok = False
        if "coordinates" in entry and not is_position(entry["coordinates"]):
            yield f"{field}.coordinates", "must be [lon, lat] in range"
            ok = False
        if ok:
            yield entry


def _located(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [entry for entry in entries if "coordinates" in entry]


def _check_exact(entries: list[dict[str, Any]], geometry: BaseGeometry,
                 ) -> Iterator[tuple[str, str]]:
    located = _located(entries)
    if len({entry["name"].strip().casefold() for entry in located}) < 2:
        yield "precision", ("exact needs two independent sources that each give a position "
                            "(location_sources[].coordinates)")
    yield from _check_within(entries, geometry, EXACT_KM)


def _check_within(entries: list[dict[str, Any]], geometry: BaseGeometry,
                  limit_km: float) -> Iterator[tuple[str, str]]:
    located = _located(entries)
    aways = distances_km([entry["coordinates"] for entry in located], geometry)
    for entry, away in zip(located, aways, strict=True):
        if away > limit_km:
            yield "location_sources", (
                f"{entry['name']} gives {entry['coordinates']}, {away:.1f} km from the "
                f"geometry; more than the {limit_km:g} km this precision allows")


def _check_schematic(via: Any, geometry: Any, line: BaseGeometry,
                     ) -> Iterator[tuple[str, str]]:
    if (geometry or {}).get("type") not in LINE_TYPES:
        yield "precision", "schematic is for lines drawn through named places"
        return
    if not (isinstance(via, list) and len(via) >= 2):
        yield "via", ("a schematic line lists the towns or stations its sources name, in "
                      "order (at least two)")
        return
    named: list[dict[str, Any]] = []
    aways = iter(distances_km([stop["coordinates"] for stop in via if _is_stop(stop)], line))
    for index, stop in enumerate(via):
        field = f"via[{index}]"
        if not _is_stop(stop):
            yield field, "must be {\"name\": …, \"coordinates\": [lon, lat]}"
            continue
        away = next(aways)
        if away > VIA_KM:
            yield field, (f"the line passes {away:.1f} km from {stop['name']}; a schematic "
                          f"line goes through every place it names (within {VIA_KM:g} km)")
        named.append(stop)
    if line.geom_type != "LineString":
        return  # the parts of a multi-line have no order between them
    along = along_km([stop["coordinates"] for stop in named], line)
    for index in range(1, len(named)):
        if along[index] < along[index - 1]:
            yield "via", (f"{named[index]['name']} comes before {named[index - 1]['name']} "
                          "along the line, not after")


def _is_stop(stop: Any) -> bool:
    """A place a schematic line names: {"name": …, "coordinates": [lon, lat]}."""
    return (isinstance(stop, dict) and nonempty_str(stop.get("name"))
            and is_position(stop.get("coordinates")))
