"""The index of places: what a map drawn from vector tiles lists, searches and focuses.

A map drawn from vector tiles (mapapp/vectortiles.py) loads no feature, yet its reading
panel keeps the list of places, the search, the article's places and the embed's Places
control. They read one content-hashed file per page language,
`assets/places.<lang>.<hash>.json`, which the page has a worker fetch and parse once the
map says ready and its first tiles are drawn (mapapp-placeindex.js,
mapapp-placeindex-worker.js). For each feature, one row (ROW) of what those read of a
data-file feature (reader.js): id, name and names (the search finds any of the four;
`names.en` left out where it is the name), kind, status (the filters), precision and
error_km (a list row's words), places and cited sentences (by position in tables of
their own, since thousands of features share a few), where to focus (a point's
[lon, lat], else its bounds [west, south, east, north]) and, for a feature without
places, its location note (in the page's language where it has a translation): what
the search reads instead. Rows, not objects: at 100,000 features the names of the keys
would be a third of the file the phone parses. Nothing a popup alone shows: a chosen
place is read whole (`features/<id>`).

Built once where the state is built (the gunicorn master, before the workers fork),
held compressed as the data files are; the static export writes it raw.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mapapp.assets import Assets
from mapapp.catalogue import Catalogue
from mapapp.datafiles import compressed
from mapapp.features import dumps
from mapapp.i18n import DEFAULT_LANGUAGE, LANGUAGES

# Degrees a focusing position is rounded to: 0.001° is about 110 m, under a pixel at the
# zoom a chosen place is shown at (9, about 300 m a pixel at these latitudes); the popup
# then opens on the feature read whole, at its own coordinates.
DECIMALS = 3
# A feature's row (mapapp-placeindex.js reads it in this order); `note` only where
# there is one.
ROW = ("id", "name", "names", "kind", "status", "precision", "error_km", "places",
       "citations", "position", "note")


def place_index_name(lang: str) -> str:
    """The asset name of the index in `lang` (its URL adds the hash)."""
    return f"places.{lang}.json"


def _down(value: float) -> float:
    return math.floor(value * 10 ** DECIMALS) / 10 ** DECIMALS


def _up(value: float) -> float:
    return math.ceil(value * 10 ** DECIMALS) / 10 ** DECIMALS


def focus_position(shape: Any) -> list[float]:
    """Where the map goes for a feature: its point [lon, lat], or its bounds [west,
    south, east, north] rounded outwards (so the whole feature stays inside them)."""
    if shape.geom_type == "Point":
        return [round(shape.x, DECIMALS), round(shape.y, DECIMALS)]
    west, south, east, north = shape.bounds
    return [_down(west), _down(south), _up(east), _up(north)]


class _Table:
    """Values kept once, each named by its position (places, sentences). The data
    shares equal values as one object (mapapp.catalogue.shared_json), so a value is
    looked up by its identity first, by its content (`key`) only when new."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._by_key: dict[Any, int] = {}
        self._by_id: dict[int, int] = {}

    def position(self, value: Any, key: Callable[[Any], Any]) -> int:
        found = self._by_id.get(id(value))
        if found is None:
            found = self._by_key.setdefault(key(value), len(self.items))
            if found == len(self.items):
                self.items.append(value)
            self._by_id[id(value)] = found  # the data's objects outlive the table
        return found


def _place_key(place: dict[str, Any]) -> tuple:
    return tuple(sorted(place.items()))


def _sentence(cite: dict[str, Any]) -> list[Any]:
    return [cite.get("source"), cite.get("paragraph"), cite.get("offset"), cite.get("quote")]


def _sentence_key(cite: dict[str, Any]) -> tuple:
    return tuple(_sentence(cite))


def _note(props: dict[str, Any], lang: str) -> dict[str, Any]:
    """A feature without places: its location note (what the search reads instead),
    with its translation in `lang` alone."""
    entry: dict[str, Any] = {"location_note": props["location_note"]}
    own = (props.get("translations") or {}).get(lang) or {}
    if lang != DEFAULT_LANGUAGE and isinstance(own.get("location_note"), str):
        entry["translations"] = {lang: {"location_note": own["location_note"]}}
    return entry


def _names(props: dict[str, Any]) -> dict[str, str]:
    """The feature's names without the English one where it is its `name`."""
    names = props.get("names") or {}
    return {lang: name for lang, name in names.items()
            if not (lang == DEFAULT_LANGUAGE and name == props.get("name"))}


def feature_row(props: dict[str, Any], feature_id: str, shape: Any,
                places: _Table, sentences: _Table) -> list[Any]:
    """A feature's row (ROW) but its note, its places and sentences put into their
    tables."""
    cites = [sentences.position(cite, _sentence_key) for cite in props.get("citations") or []]
    return [feature_id, props.get("name"), _names(props), props.get("kind"),
            props.get("status"), props.get("precision"), props.get("error_km"),
            [places.position(place, _place_key) for place in props.get("places") or []],
            cites, focus_position(shape)]


def place_indexes(catalogue: Catalogue) -> dict[str, dict[str, Any]]:
    """The index in every language: `sentences` ([source, paragraph, offset, quote]),
    `places` ({en, ru, kk, zh}) and each collection's features as rows, in catalogue
    order. The rows are built once: only the location notes differ by language."""
    places, sentences = _Table(), _Table()
    rows: list[list[list[Any]]] = []
    noted: list[tuple[int, int, dict[str, Any]]] = []  # where a row takes a note
    for at, collection in enumerate(catalogue.collections):
        built = []
        for feature, shape in zip(collection.features, collection.shapes, strict=True):
            props = feature["properties"]
            if not props.get("places") and props.get("location_note"):
                noted.append((at, len(built), props))
            built.append(feature_row(props, feature["id"], shape, places, sentences))
        rows.append(built)
    table = [_sentence(cite) for cite in sentences.items]

    def index(own: list[list[list[Any]]]) -> dict[str, Any]:
        return {"version": catalogue.version, "row": list(ROW), "sentences": table,
                "places": places.items,
                "collections": [{"id": collection.id, "features": own[at]}
                                for at, collection in enumerate(catalogue.collections)]}

    if not noted:  # one index, the same in every language
        return dict.fromkeys(LANGUAGES, index(rows))
    indexes = {}
    for lang in LANGUAGES:
        own = [list(built) for built in rows]
        for at, position, props in noted:
            own[at][position] = [*rows[at][position], _note(props, lang)]
        indexes[lang] = index(own)
    return indexes


def _packed(body: bytes) -> tuple[str, dict[str, bytes]]:
    return hashlib.sha256(body).hexdigest(), compressed(body)


def add_place_indexes(catalogue: Catalogue, assets: Assets, compress: bool = True) -> None:
    """The index in every language joins `assets`: held only compressed for the app (as
    the data files are; compressed on every core, brotli and zlib release Python's
    lock), raw for the static export."""
    indexes = place_indexes(catalogue)
    bodies: dict[int, bytes] = {}  # an index shared by languages is written once
    for index in indexes.values():
        if id(index) not in bodies:
            bodies[id(index)] = dumps(index)
    if not compress:
        for lang, index in indexes.items():
            assets.add(place_index_name(lang), bodies[id(index)])
        return
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        packed = dict(zip(bodies, pool.map(_packed, bodies.values()), strict=True))
    bodies.clear()
    for lang, index in indexes.items():
        assets.add_packed(place_index_name(lang), *packed[id(index)])
