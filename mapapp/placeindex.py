"""The index of places: what a map drawn from vector tiles lists, searches and focuses.

A map drawn from vector tiles (mapapp/vectortiles.py) loads no feature, yet its reading
panel keeps the list of places, the search, the article's places and the embed's Places
control. They read one content-hashed file per page language,
`assets/places.<lang>.<hash>.json`, which the page fetches once the map says ready
(mapapp-placeindex.js). For each feature, one row (ROW) of what those read of a
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
    """Values kept once, each named by its position (places, sentences)."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._positions: dict[str, int] = {}

    def position(self, value: Any, key: str) -> int:
        if key not in self._positions:
            self._positions[key] = len(self.items)
            self.items.append(value)
        return self._positions[key]


def _place_key(place: dict[str, Any]) -> str:
    return "\u0000".join(f"{k}\u0001{v}" for k, v in sorted(place.items()))


def _note(props: dict[str, Any], lang: str) -> dict[str, Any] | None:
    """A feature without places: its location note (what the search reads instead),
    with its translation in `lang` alone."""
    if props.get("places") or not props.get("location_note"):
        return None
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


def feature_row(props: dict[str, Any], feature_id: str, shape: Any, lang: str,
                places: _Table, sentences: _Table) -> list[Any]:
    """A feature's row (ROW), its places and sentences put into their tables."""
    place_ids = [places.position(place, _place_key(place))
                 for place in props.get("places") or []]
    cites = []
    for cite in props.get("citations") or []:
        sentence = [cite.get("source"), cite.get("paragraph"), cite.get("offset"),
                    cite.get("quote")]
        cites.append(sentences.position(sentence, dumps(sentence).decode()))
    row = [feature_id, props.get("name"), _names(props), props.get("kind"),
           props.get("status"), props.get("precision"), props.get("error_km"),
           place_ids, cites, focus_position(shape)]
    note = _note(props, lang)
    if note:
        row.append(note)
    return row


def place_index(catalogue: Catalogue, lang: str) -> dict[str, Any]:
    """The index in `lang`: `sentences` ([source, paragraph, offset, quote]), `places`
    ({en, ru, kk, zh}) and each collection's features as rows, in catalogue order."""
    places, sentences = _Table(), _Table()
    collections = [
        {"id": collection.id,
         "features": [feature_row(feature["properties"], feature["id"], shape, lang,
                                  places, sentences)
                      for feature, shape in zip(collection.features, collection.shapes,
                                                strict=True)]}
        for collection in catalogue.collections]
    return {"version": catalogue.version, "row": list(ROW), "sentences": sentences.items,
            "places": places.items, "collections": collections}


def place_index_body(catalogue: Catalogue, lang: str) -> bytes:
    return dumps(place_index(catalogue, lang))


def add_place_indexes(catalogue: Catalogue, assets: Assets, compress: bool = True) -> None:
    """The index in every language joins `assets`: held only compressed for the app (as
    the data files are), raw for the static export."""
    for lang in LANGUAGES:
        body = place_index_body(catalogue, lang)
        if compress:
            assets.add_packed(place_index_name(lang), hashlib.sha256(body).hexdigest(),
                              compressed(body))
        else:
            assets.add(place_index_name(lang), body)
