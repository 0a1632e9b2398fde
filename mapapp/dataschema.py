"""The JSON Schemas (2020-12) of the data files, and their findings as Problems.

The schemas in mapapp/schemas/ state the shape and the type of every value, so the
rules of mapapp.validation, which compare values, only ever see the types they expect:
a number where a date belongs is a problem line, never a TypeError at a reload. The
same files are served under /api/schemas/ for anyone who writes the data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError

from mapapp.problems import Problem

Path = tuple[str | int, ...]
SCHEMAS = ("collection", "catalogue", "sources")
SHOWN_CHARS = 60  # a wrong value is quoted up to this length in a problem line
JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "true or false",
              int: "a number", float: "a number", type(None): "null"}
TYPE_NAMES = {"object": "an object", "array": "a list", "string": "a string",
              "integer": "an integer", "number": "a number", "boolean": "true or false",
              "null": "null"}


@cache
def schema_bytes(name: str) -> bytes:
    """The schema file as shipped; KeyError for a name that is not one."""
    if name not in SCHEMAS:
        raise KeyError(name)
    return resources.files("mapapp").joinpath(f"schemas/{name}.schema.json").read_bytes()


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = json.loads(schema_bytes(name))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@cache
def _fast_validator(name: str) -> Any:
    """The same schema compiled by jsonschema-rs: it says whether a document is valid
    about a hundred times faster than jsonschema (at 1,000 features, 0.1 s instead of
    7 s a file), which then reports the findings of an invalid one, in its words."""
    return jsonschema_rs.validator_for(json.loads(schema_bytes(name)))


@dataclass(frozen=True)
class SchemaReport:
    """What the schema refused in one document: the problem lines and, for each, the
    path of the value it concerns (so the loader skips the rules below it)."""

    problems: tuple[Problem, ...]
    paths: tuple[Path, ...]

    def refuses(self, *path: str | int) -> bool:
        """True when a value at `path`, above it or below it was refused."""
        return any(found[:len(path)] == path or path[:len(found)] == found
                   for found in self.paths)


def check_schema(name: str, document: Any, file: str) -> SchemaReport:
    """Validate `document` against schema `name`; every finding becomes one Problem
    naming the file, the feature (in collection files) and the field."""
    if _fast_validator(name).is_valid(document):
        return SchemaReport((), ())
    found: list[tuple[Path, str]] = []
    for error in _validator(name).iter_errors(document):
        found += _findings(error)
    unique = list(dict.fromkeys(found))
    return SchemaReport(
        problems=tuple(_problem(name, document, file, path, message)
                       for path, message in unique),
        paths=tuple(path for path, _ in unique))


def _findings(error: ValidationError) -> Iterator[tuple[Path, str]]:
    """(path of the value, message) for one error: a required or unknown member is
    reported at its own path, so the line names the field to add or remove."""
    path = tuple(error.absolute_path)
    instance = error.instance
    if error.validator == "required":
        for name in error.validator_value:
            if isinstance(instance, dict) and name not in instance:
                yield (*path, name), "missing (required)"
        return
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = error.schema.get("properties", {})
        for name in instance:
            if name not in allowed:
                yield (*path, name), f"unknown field; allowed: {', '.join(allowed)}"
        return
    yield path, _message(error)


def _message(error: ValidationError) -> str:
    value, rule = error.instance, error.validator_value
    shown = _shown(value)
    match error.validator:
        case "type":
            wanted = [rule] if isinstance(rule, str) else rule
            names = " or ".join(TYPE_NAMES.get(t, t) for t in wanted)
            return f"must be {names}, not {JSON_TYPES.get(type(value), 'that')} ({shown})"
        case "minLength" | "pattern" if rule in (1, r"\S"):
            return "must be a non-empty string"
        case "pattern":
            return f"{shown} does not match {rule}"
        case "enum":
            return f"{shown} is not one of {', '.join(map(_shown, rule))}"
        case "const":
            return f"must be {_shown(rule)}, not {shown}"
        case "minItems" | "minProperties":
            return f"needs at least {rule} item{'s' if rule != 1 else ''}"
        case "maxItems":
            return f"has more than {rule} items"
        case "minimum" | "maximum" | "exclusiveMinimum" | "exclusiveMaximum":
            words = {"minimum": "at least", "maximum": "at most",
                     "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}
            return f"must be {words[error.validator]} {rule}, not {shown}"
    return error.message[:200]


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "…"


def _field(path: Path) -> str | None:
    """`citations[0].source` from ('citations', 0, 'source')."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text or None


def _problem(name: str, document: Any, file: str, path: Path, message: str) -> Problem:
    """Collection files name the feature and the field within it (as the rules do);
    catalogue.json and sources.json name the whole path."""
    if name == "collection" and len(path) >= 2 and path[0] == "features":
        index = path[1]
        feature = document["features"][index]
        fid = feature.get("id") if isinstance(feature, dict) else None
        label = fid if isinstance(fid, str) else f"#{index}"
        rest = path[2:]
        if rest[:1] == ("properties",) and len(rest) > 1:
            rest = rest[1:]
        return Problem(file, message, label, _field(rest))
    return Problem(file, message, field=_field(path))


ENTRY = re.compile(r"^(?:sources|collections)\[[0-9]+\]\.?")


def _related(schema_field: str | None, rule_field: str | None) -> bool:
    a, b = ENTRY.sub("", schema_field or ""), rule_field or ""
    return a == b or a.startswith((f"{b}.", f"{b}[")) or b.startswith((f"{a}.", f"{a}["))


def without_explained(schema: list[Problem], rules: list[Problem]) -> list[Problem]:
    """The schema's findings that no rule explains better: where a rule of
    mapapp.validation names the same file, feature and field (or one above or below it),
    its message says why, so the schema's line is dropped."""
    return [found for found in schema
            if not any(rule.file == found.file and rule.feature == found.feature
                       and _related(found.field, rule.field) for rule in rules)]
