"""What a collection can be filtered by (OGC API – Features Part 3, Queryables), derived
from its data: every property whose values are all strings, all numbers or all booleans.

The same list feeds the property filters of the items (`status=operating`), the names a
CQL2 filter may use, the `/queryables` document and the OpenAPI parameters, so none of
them can name a property the others do not take.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mapapp.catalogue import Collection
from mapapp.errors import BadParameter

GEOMETRY = "geometry"  # the name a CQL2 filter gives the feature's geometry
INTEGER_TEXT = r"-?[0-9]+"
NUMBER_TEXT = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
BOOLEANS = {"true": True, "false": False}
# a string property lists its values when it is a code (short texts, few of them),
# not prose such as a summary
ENUM_MAX = 20
ENUM_TEXT_MAX = 40


@dataclass(frozen=True)
class Queryable:
    """A simple property: its JSON Schema type and, for a short list of strings, its values."""

    name: str
    type: str  # "string", "integer", "number" or "boolean"
    values: tuple[Any, ...]  # the distinct values in the data, in file order

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.type, "title": self.name}
        if (self.type == "string" and len(self.values) <= ENUM_MAX
                and max(len(v) for v in self.values) <= ENUM_TEXT_MAX and self.name != "name"):
            schema["enum"] = sorted(self.values)
        return schema

    def parse(self, parameter: str, text: str) -> Any:
        """A query parameter's text as a value of this property's type, or a 400."""
        if self.type == "string":
            enum = self.schema().get("enum")
            if enum is not None and text not in enum:
                raise BadParameter(f"{parameter} must be one of {', '.join(enum)}; got {text!r}")
            return text
        if self.type == "boolean":
            if text not in BOOLEANS:
                raise BadParameter(f"{parameter} must be true or false; got {text!r}")
            return BOOLEANS[text]
        if self.type == "integer":
            if not re.fullmatch(INTEGER_TEXT, text):
                raise BadParameter(f"{parameter} must be an integer; got {text!r}")
            return int(text)
        if not re.fullmatch(NUMBER_TEXT, text) or not math.isfinite(float(text)):
            raise BadParameter(f"{parameter} must be a number; got {text!r}")
        return float(text)


def _simple_type(values: list[Any]) -> str | None:
    """The one simple JSON type of every value (integers and decimals together are
    numbers), or None for objects, arrays or a mix."""
    kinds = set()
    for value in values:
        if isinstance(value, bool):
            kinds.add("boolean")
        elif isinstance(value, int):
            kinds.add("integer")
        elif isinstance(value, float):
            kinds.add("number")
        elif isinstance(value, str):
            kinds.add("string")
        else:
            return None
    if kinds == {"integer", "number"}:
        return "number"
    return kinds.pop() if len(kinds) == 1 else None


_FOUND: dict[int, tuple[Collection, dict[str, Queryable]]] = {}


def queryables(collection: Collection) -> dict[str, Queryable]:
    """The collection's simple properties, in the order they first appear in the file;
    found once per loaded collection (a data reload brings new ones)."""
    kept = _FOUND.get(id(collection))
    if kept is not None and kept[0] is collection:
        return kept[1]
    if len(_FOUND) > 256:
        _FOUND.clear()
    found = _find(collection)
    _FOUND[id(collection)] = (collection, found)
    return found


def _find(collection: Collection) -> dict[str, Queryable]:
    names = dict.fromkeys(n for f in collection.features for n in f["properties"])
    found: dict[str, Queryable] = {}
    for name in names:
        values = [f["properties"][name] for f in collection.features if name in f["properties"]]
        kind = _simple_type(values)
        if kind is not None:
            found[name] = Queryable(name, kind, tuple(dict.fromkeys(values)))
    return found


def queryables_document(collection: Collection, base: str) -> dict[str, Any]:
    """The `/queryables` JSON Schema (Part 3): the geometry and each simple property."""
    geometry_types = sorted({shape.geom_type for shape in collection.shapes})
    geometry_format = ("geometry-" + geometry_types[0].lower() if len(geometry_types) == 1
                       else "geometry-any")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{base}api/collections/{collection.id}/queryables",
        "type": "object",
        "title": collection.title,
        "properties": {
            GEOMETRY: {"format": geometry_format, "x-ogc-role": "primary-geometry"},
            **{q.name: q.schema() for q in queryables(collection).values()},
        },
        "additionalProperties": False,
    }


def property_filters(collection: Collection,
                     values: Mapping[str, str]) -> tuple[tuple[str, Any], ...]:
    """The `name=value` filters among the query's parameters, each parsed to its type."""
    available = queryables(collection)
    return tuple((name, available[name].parse(name, text))
                 for name, text in values.items() if name in available)
