"""Loading the geodata folder into one immutable catalogue, or refusing it whole.

The catalogue is built once at start-up and feeds the API, the map pages and the
checks alike, so they cannot disagree. A folder with any problem raises DataError
listing all of them; nothing half-loaded is ever returned.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from mapapp.errors import NotFound
from mapapp.problems import DataError, Problem
from mapapp.translated import shared_names
from mapapp.validation import (
    check_catalogue_dates,
    check_catalogue_entry,
    check_feature_collection,
    check_source,
)

CATALOGUE_FILE = "catalogue.json"
SOURCES_FILE = "sources.json"


@dataclass(frozen=True)
class Collection:
    id: str
    file: str
    title: str
    group: str
    description: str
    order: int
    style: dict[str, Any]
    features: tuple[dict[str, Any], ...]
    shapes: tuple[BaseGeometry, ...]

    def feature(self, feature_id: str) -> dict[str, Any]:
        for feature in self.features:
            if feature["id"] == feature_id:
                return feature
        raise NotFound(f"collection {self.id!r} has no feature {feature_id!r}")

    def as_feature_collection(self) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": list(self.features)}


@dataclass(frozen=True)
class Catalogue:
    collections: tuple[Collection, ...]
    sources: dict[str, dict[str, Any]]
    version: str
    data_as_of: str  # the day statuses and facts describe (YYYY-MM-DD)
    checked_on: str  # the day the data was last checked against its sources

    def collection(self, collection_id: str) -> Collection:
        for collection in self.collections:
            if collection.id == collection_id:
                return collection
        valid = ", ".join(c.id for c in self.collections)
        raise NotFound(f"no collection {collection_id!r}; valid ids: {valid}")

    @property
    def feature_count(self) -> int:
        return sum(len(c.features) for c in self.collections)

    @property
    def groups(self) -> list[str]:
        """Group names in the order their first collection appears."""
        return list(dict.fromkeys(c.group for c in self.collections))

    def find_feature(self, feature_id: str) -> tuple[Collection, dict[str, Any]]:
        for collection in self.collections:
            for feature in collection.features:
                if feature["id"] == feature_id:
                    return collection, feature
        raise NotFound(f"no feature {feature_id!r}")


def _read_json(path: Path, problems: list[Problem]) -> Any:
    """Parse one file, turning every way it can be unreadable into a Problem."""
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(name, "file not found"))
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(name, f"not UTF-8: byte {error.start} is {raw[error.start]:#04x}"))
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        problems.append(Problem(
            name, f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"))
        return None


def _entries(document: Any, key: str, file: str, problems: list[Problem]) -> list[Any]:
    if not isinstance(document, dict) or not isinstance(document.get(key), list):
        problems.append(Problem(file, f"must be an object with a {key!r} list", field=key))
        return []
    return document[key]


def _load_sources(data_dir: Path, problems: list[Problem]) -> dict[str, dict[str, Any]]:
    entries = _entries(_read_json(data_dir / SOURCES_FILE, problems), "sources",
                       SOURCES_FILE, problems)
    sources: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(entries):
        found = check_source(entry, SOURCES_FILE, index)
        problems += found
        if not found:
            sources[entry["id"]] = entry
    return sources


def _check_gdal_reads(path: Path, features: list[dict[str, Any]]) -> list[Problem]:
    """GIS clients read the file through GDAL: load it with geopandas and make sure
    GDAL sees the same features, in the same order, as the JSON does."""
    try:
        frame = geopandas.read_file(path, engine="pyogrio")
    except Exception as error:  # GDAL's errors are many; any of them refuses the file
        return [Problem(path.name, f"GDAL cannot read the file: {error}")]
    expected = [feature["id"] for feature in features]
    seen = frame["id"].tolist() if "id" in frame.columns else []
    if seen != expected:
        return [Problem(path.name, f"GDAL reads {len(frame)} features with ids {seen[:3]}…, "
                                   f"the JSON has {len(expected)} with ids {expected[:3]}…")]
    return []


def load_catalogue(data_dir: str | Path) -> Catalogue:
    """Read and validate every file of `data_dir`; raise DataError with all problems."""
    data_dir = Path(data_dir)
    problems: list[Problem] = []
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), "data folder not found")])
    sources = _load_sources(data_dir, problems)
    listing = _read_json(data_dir / CATALOGUE_FILE, problems)
    entries = _entries(listing, "collections", CATALOGUE_FILE, problems)
    problems += check_catalogue_dates(listing, CATALOGUE_FILE)
    collections: list[Collection] = []
    owner: dict[str, str] = {}
    listed_files: set[str] = set()
    for index, entry in enumerate(entries):
        entry_problems = check_catalogue_entry(entry, CATALOGUE_FILE, index)
        problems += entry_problems
        if entry_problems:
            continue
        if entry["id"] in {c.id for c in collections}:
            problems.append(Problem(CATALOGUE_FILE, f"collection {entry['id']!r} listed twice",
                                    field="id"))
            continue
        listed_files.add(entry["file"])
        path = data_dir / entry["file"]
        if not path.is_file():
            problems.append(Problem(entry["file"], f"catalogue entry {entry['id']!r} "
                                                   "points to a file that does not exist"))
            continue
        document = _read_json(path, problems)
        if document is None:
            continue
        found = check_feature_collection(document, entry["file"], entry["style"], set(sources))
        problems += found
        if found:
            continue
        problems += _check_gdal_reads(path, document["features"])
        for feature in document["features"]:
            if feature["id"] in owner:
                problems.append(Problem(entry["file"], f"id already used in {owner[feature['id']]}",
                                        feature["id"], "id"))
            owner[feature["id"]] = entry["file"]
        collections.append(_collection(entry, document["features"]))
    for path in sorted(data_dir.glob("*.geojson")):
        if path.name not in listed_files:
            problems.append(Problem(path.name, f"no entry in {CATALOGUE_FILE} for this file"))
    problems += shared_names((c.file, f) for c in collections for f in c.features)
    if problems:
        raise DataError(problems)
    collections.sort(key=lambda c: c.order)
    return Catalogue(tuple(collections), sources, _version(data_dir, listed_files),
                     data_as_of=listing["data_as_of"], checked_on=listing["checked_on"])


def _collection(entry: dict[str, Any], features: list[dict[str, Any]]) -> Collection:
    return Collection(
        id=entry["id"], file=entry["file"], title=entry["title"], group=entry["group"],
        description=entry["description"], order=entry["order"], style=entry["style"],
        features=tuple(features),
        shapes=tuple(shape(f["geometry"]) for f in features),
    )


def _version(data_dir: Path, files: set[str]) -> str:
    """A digest of every data file: the data version that keys built pages and ETags."""
    digest = hashlib.sha256()
    for name in sorted({CATALOGUE_FILE, SOURCES_FILE, *files}):
        digest.update(name.encode() + b"\0" + (data_dir / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]
