"""Loading the geodata folder into one immutable catalogue, or refusing it whole.

The catalogue is built once at start-up and feeds the API, the map pages and the
checks alike, so they cannot disagree. A folder with any problem raises DataError
listing all of them; nothing half-loaded is ever returned.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import math
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas
import shapely
from shapely.geometry.base import BaseGeometry

from mapapp.dataschema import SchemaReport, check_schema, without_explained
from mapapp.errors import NotFound
from mapapp.problems import DataError, Problem
from mapapp.translated import shared_names
from mapapp.validation import (
    check_catalogue_dates,
    check_catalogue_entry,
    check_feature_collection,
    check_previous_ids,
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
    # when this data was loaded (RFC 3339, UTC): the items' timeStamp, one for every
    # worker forked from the master that loaded it, so their bodies and ETags agree
    loaded_at: str = "1970-01-01T00:00:00Z"

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

    @cached_property
    def feature_ids(self) -> tuple[str, ...]:
        """Every feature's id, in catalogue order: the valid values of `feature=`."""
        return tuple(f["id"] for c in self.collections for f in c.features)

    @cached_property
    def former_ids(self) -> dict[str, str]:
        """Each former id (`previous_ids`) -> the id of the feature that has it now."""
        return {former: f["id"] for c in self.collections for f in c.features
                for former in f.get("previous_ids", ())}


class _NotJson(ValueError):
    """A number JSON has no way to write (NaN, Infinity, or one that overflows to it)."""


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotJson(f"{text} is too large for a JSON number")
    return number


def _not_json(text: str) -> Any:
    raise _NotJson(f"{text} is not a JSON value")


def _read_json(path: Path, problems: list[Problem], loaded: dict[str, bytes],
               memo: dict[Any, Any] | None = None) -> Any:
    """Parse one file, turning every way it can be unreadable into a Problem. The bytes
    read are kept in `loaded`: the data version is their hash, never a second read's.
    With `memo`, equal values are shared (`shared_json`)."""
    name = path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(name, "file not found"))
        return None
    except OSError as error:
        problems.append(Problem(name, f"cannot be read: {error.strerror or error}"))
        return None
    loaded[name] = raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        problems.append(Problem(name, f"not UTF-8: byte {error.start} is {raw[error.start]:#04x}"))
        return None
    try:
        if memo is not None:
            return shared_json(text, memo)
        return json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except json.JSONDecodeError as error:
        problems.append(Problem(
            name, f"invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"))
    except _NotJson as error:
        problems.append(Problem(name, f"invalid JSON: {error}"))
    except RecursionError:
        problems.append(Problem(name, "invalid JSON: nested too deeply"))
    return None


def _entries(document: Any, key: str, file: str, problems: list[Problem],
             report: SchemaReport) -> list[Any]:
    """The list under `key`, or [] when the schema (or the file) already refused it."""
    if isinstance(document, dict) and isinstance(document.get(key), list):
        return document[key]
    if document is not None and not report.problems:
        problems.append(Problem(file, f"must be an object with a {key!r} list", field=key))
    return []


def _checked(name: str, document: Any, file: str, found: list[Problem]) -> SchemaReport:
    """The schema's findings for a parsed file (none for a file that did not parse),
    added to `found`, the schema's list, merged with the rules' at the end."""
    report = check_schema(name, document, file) if document is not None else SchemaReport((), ())
    found += report.problems
    return report


def _safely(rule: Callable[..., list[Problem]], *args: Any) -> list[Problem]:
    """A rule of mapapp.validation on a value the schema refused: its message says why
    better than the schema's, but it was written for the right types and may fail on
    others; then the schema's line alone reports the value."""
    try:
        return rule(*args)
    except Exception:  # the schema has already refused this value
        return []


def _load_sources(data_dir: Path, problems: list[Problem], schema_problems: list[Problem],
                  loaded: dict[str, bytes]) -> tuple[dict[str, dict[str, Any]], set[str]]:
    """The valid sources by id, and every id sources.json names: a citation of a
    refused source is not reported again as a citation of an unknown one."""
    document = _read_json(data_dir / SOURCES_FILE, problems, loaded)
    report = _checked("sources", document, SOURCES_FILE, schema_problems)
    sources: dict[str, dict[str, Any]] = {}
    named: set[str] = set()
    for index, entry in enumerate(_entries(document, "sources", SOURCES_FILE, problems, report)):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            named.add(entry["id"])
        if report.refuses("sources", index):
            problems += _safely(check_source, entry, SOURCES_FILE, index)
            continue
        found = check_source(entry, SOURCES_FILE, index)
        problems += found
        if not found:
            sources[entry["id"]] = entry
    return sources, named


def _gdal_view(raw: bytes) -> geopandas.GeoDataFrame | Exception:
    """The file as GDAL reads it (its ids and geometries), or why it cannot. Only the
    ids and geometries are read into the frame (GDAL parses the whole file either way):
    a third of the time of reading every field, which at start-up is a second parse of
    every file."""
    try:
        return geopandas.read_file(io.BytesIO(raw), engine="pyogrio", columns=["id"])
    except Exception as error:  # GDAL's errors are many; any of them refuses the file
        return error


def _check_gdal_reads(name: str, raw: bytes, features: list[dict[str, Any]],
                      view: Future[geopandas.GeoDataFrame | Exception] | None = None
                      ) -> list[Problem]:
    """GIS clients read the file through GDAL: load the same bytes with geopandas and
    make sure GDAL sees the same features, in the same order, as the JSON does. `view`:
    GDAL's reading of `raw` begun before (`_gdal_view`)."""
    frame = view.result() if view is not None else _gdal_view(raw)
    if isinstance(frame, Exception):
        return [Problem(name, f"GDAL cannot read the file: {frame}")]
    expected = [feature["id"] for feature in features]
    seen = frame["id"].tolist() if "id" in frame.columns else []
    if seen != expected:
        return [Problem(name, f"GDAL reads {len(frame)} features with ids {seen[:3]}…, "
                              f"the JSON has {len(expected)} with ids {expected[:3]}…")]
    return []


# A collection file of this many features is checked in a process of its own, forked
# once the master has parsed it, while the master parses the next file: the rules are
# pure Python and take a core for longer than parsing does (README "Scale").
CHECK_APART_FROM = 2_000


class _Checking:
    """One listed collection file, read and parsed; its checks running in this
    process or in a forked one. `result()` waits for them, once, and adds what they
    found to `problems` and `schema_problems`, this entry's own lists (merged into the
    catalogue's in entry order, so a report reads the same however it was checked)."""

    def __init__(self, entry: dict[str, Any], problems: list[Problem],
                 schema_problems: list[Problem],
                 finish: Callable[[], Collection | None] | None = None) -> None:
        self.entry = entry
        self.problems = problems
        self.schema_problems = schema_problems
        self._finish = finish
        self._pool: Executor | None = None
        self._done = finish is None
        self._collection: Collection | None = None

    def result(self) -> Collection | None:
        if not self._done:
            try:
                self._collection = self._finish()  # type: ignore[misc]
            finally:
                self._done = True
                self.close()
        return self._collection

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


def _check_collection(document: Any, entry: dict[str, Any], source_ids: set[str], raw: bytes,
                      view: Future[geopandas.GeoDataFrame | Exception]
                      ) -> tuple[list[Problem], list[Problem], list[BaseGeometry] | None]:
    """The schema, then the rules, then GDAL's `view` of a parsed collection file:
    (problems, the schema's problems, each feature's shape as the rules built it, or
    None when the rules refused the file)."""
    problems: list[Problem] = []
    schema_problems: list[Problem] = []
    rules = (document, entry["file"], entry["style"], source_ids)
    if _checked("collection", document, entry["file"], schema_problems).problems:
        problems += _safely(check_feature_collection, *rules)
        return problems, schema_problems, None
    shapes: list[Any] = []  # each feature's shape, as the rules built it
    found = check_feature_collection(*rules, shapes=shapes)
    problems += found
    if found:
        return problems, schema_problems, None
    problems += _check_gdal_reads(entry["file"], raw, document["features"], view)
    return problems, schema_problems, shapes


# What the forked checking process reads: set just before it forks (never pickled).
_APART: tuple[Any, dict[str, Any], set[str], bytes] | None = None


def _check_apart() -> tuple[list[Problem], list[Problem], Any]:
    """`_check_collection` in the forked process, GDAL reading in a thread of its own
    meanwhile; the shapes go back as WKB (exact, and one array to send). The collector
    stays off: a full collection would touch, and so copy, every page of the master."""
    gc.disable()
    document, entry, source_ids, raw = _APART  # type: ignore[misc]
    with ThreadPoolExecutor(1, thread_name_prefix="mapapp-gdal") as gdal:
        view = gdal.submit(_gdal_view, raw)
        problems, schema_problems, shapes = _check_collection(document, entry, source_ids,
                                                              raw, view)
    return problems, schema_problems, None if shapes is None else shapely.to_wkb(shapes)


def _load_collection(data_dir: Path, entry: dict[str, Any], source_ids: set[str],
                     loaded: dict[str, bytes], memo: dict[Any, Any],
                     gdal: Executor, apart: bool = True) -> _Checking:
    """One collection file: read once and parsed here, its values shared with the
    other files' (`shared_json`, through `memo`); then the schema, the rules and GDAL's
    view, here or, for a large file (`CHECK_APART_FROM`) unless not `apart`, in a forked
    process."""
    checking = _Checking(entry, [], [])
    path = data_dir / entry["file"]
    if not path.is_file():
        checking.problems.append(Problem(entry["file"], f"catalogue entry {entry['id']!r} "
                                                        "points to a file that does not exist"))
        return checking
    document = _read_json(path, checking.problems, loaded, memo)
    if document is None:
        return checking
    raw = loaded[path.name]
    features = document.get("features") if isinstance(document, dict) else None
    if apart and isinstance(features, list) and len(features) >= CHECK_APART_FROM \
            and _can_fork():
        global _APART
        _APART = (document, entry, source_ids, raw)
        pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
        try:
            future = pool.submit(_check_apart)  # forks now, with `_APART` set
        finally:
            _APART = None
        checking._pool = pool

        def finish_apart() -> Collection | None:
            problems, schema_problems, wkb = future.result()
            checking.problems.extend(problems)
            checking.schema_problems.extend(schema_problems)
            if wkb is None:
                return None
            return _collection(entry, features, list(shapely.from_wkb(wkb)))

        checking._finish = finish_apart
        checking._done = False
        return checking
    # GDAL reads the same bytes meanwhile, in `gdal`'s thread (it lets go of Python's
    # lock while it parses): its view is compared once the rules have passed
    view = gdal.submit(_gdal_view, raw)

    def finish_here() -> Collection | None:
        try:
            problems, schema_problems, shapes = _check_collection(document, entry, source_ids,
                                                                  raw, view)
        finally:
            wait([view])  # GDAL idle before a later file's checks fork this process
        checking.problems.extend(problems)
        checking.schema_problems.extend(schema_problems)
        return None if shapes is None else _collection(entry, document["features"], shapes)

    checking._finish = finish_here
    checking._done = False
    checking.result()  # checked before the next file is read, as it always was
    return checking


def _can_fork() -> bool:
    """Forking pays only with a second core, and exists only where fork does."""
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods()


def load_catalogue(data_dir: str | Path) -> Catalogue:
    """Read and validate every file of `data_dir`; raise DataError with all problems.
    Each file is read once: the version is the hash of exactly the bytes checked.
    The garbage collector waits meanwhile: parsing makes millions of objects and no
    cycles, and each full collection would walk them all (and, with a forked checking
    process alive, copy every page it writes to)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load_catalogue(Path(data_dir))
    finally:
        if collecting:
            gc.enable()


def _load_catalogue(data_dir: Path) -> Catalogue:
    problems: list[Problem] = []
    loaded: dict[str, bytes] = {}
    if not data_dir.is_dir():
        raise DataError([Problem(str(data_dir), "data folder not found")])
    schema_problems: list[Problem] = []
    sources, source_ids = _load_sources(data_dir, problems, schema_problems, loaded)
    listing = _read_json(data_dir / CATALOGUE_FILE, problems, loaded)
    report = _checked("catalogue", listing, CATALOGUE_FILE, schema_problems)
    entries = _entries(listing, "collections", CATALOGUE_FILE, problems, report)
    problems += _safely(check_catalogue_dates, listing, CATALOGUE_FILE)
    listed_files: set[str] = set()
    memo: dict[Any, Any] = {}  # values seen, shared by every collection
    checkings: list[_Checking] = []  # one per entry, in order
    loads: list[_Checking] = []  # those whose file is loaded
    # GDAL reads each file in this thread while the rules check it (`_load_collection`)
    with ThreadPoolExecutor(1, thread_name_prefix="mapapp-gdal") as gdal:
        try:
            for index, entry in enumerate(entries):
                checking = _Checking(entry, [], [])
                checkings.append(checking)
                if isinstance(entry, dict) and isinstance(entry.get("file"), str):
                    listed_files.add(entry["file"])  # refused or not, the file has its entry
                if report.refuses("collections", index):
                    checking.problems += _safely(check_catalogue_entry, entry, CATALOGUE_FILE,
                                                 index)
                    continue
                checking.problems += check_catalogue_entry(entry, CATALOGUE_FILE, index)
                if checking.problems:
                    continue
                if any(c.entry["id"] == entry["id"] and c.result() is not None
                       for c in loads):
                    checking.problems.append(Problem(
                        CATALOGUE_FILE, f"collection {entry['id']!r} listed twice", field="id"))
                    continue
                _limit_running(loads)
                # the last file is checked here: nothing is left to parse meanwhile
                checkings[-1] = _load_collection(data_dir, entry, source_ids, loaded, memo, gdal,
                                                 apart=index < len(entries) - 1)
                loads.append(checkings[-1])
            version = _version(loaded)  # meanwhile, forked processes check the last files
            collections: list[Collection] = []
            owner: dict[str, str] = {}
            for checking in checkings:
                collection = checking.result()
                problems += checking.problems
                schema_problems += checking.schema_problems
                if collection is None:
                    continue
                for feature in collection.features:
                    if feature["id"] in owner:
                        problems.append(Problem(collection.file,
                                                f"id already used in {owner[feature['id']]}",
                                                feature["id"], "id"))
                    owner[feature["id"]] = collection.file
                collections.append(collection)
        finally:
            for checking in checkings:
                checking.close()
    for path in sorted(data_dir.glob("*.geojson")):
        if path.name not in listed_files:
            problems.append(Problem(path.name, f"no entry in {CATALOGUE_FILE} for this file"))
    problems += shared_names((c.file, f) for c in collections for f in c.features)
    problems += check_previous_ids((c.file, f) for c in collections for f in c.features)
    problems += without_explained(schema_problems, problems)
    if problems:
        raise DataError(problems)
    collections.sort(key=lambda c: c.order)
    return Catalogue(tuple(collections), sources, version,
                     data_as_of=listing["data_as_of"], checked_on=listing["checked_on"],
                     loaded_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _limit_running(loads: list[_Checking]) -> None:
    """At most one forked checking process per core at a time: each copies the pages
    of its file's features as it reads them, so more would only add memory."""
    running = [c for c in loads if c._pool is not None and not c._done]
    for checking in running[:max(0, len(running) - (os.cpu_count() or 1) + 1)]:
        checking.result()


def _collection(entry: dict[str, Any], features: list[dict[str, Any]],
                shapes: list[BaseGeometry]) -> Collection:
    """`shapes`: the features' shapes as the rules built them (every one valid, since
    the rules passed), not built a third time."""
    return Collection(
        id=entry["id"], file=entry["file"], title=entry["title"], group=entry["group"],
        description=entry["description"], order=entry["order"], style=entry["style"],
        features=tuple(features), shapes=tuple(shapes),
    )


def shared_json(text: str, memo: dict[Any, Any]) -> Any:
    """JSON parsed with every value equal to one seen before (in `memo`) replaced by
    that one: a text, a citation, a list of facts is held once however many features
    repeat it (quotes of one article, sources, statuses, translated facts), where plain
    parsing holds each occurrence apart. Values are shared as they are parsed, so the
    copies never pile up (and leave memory behind). The catalogue is never changed
    once loaded, so shared values are safe; coordinates, which rarely repeat, are left
    as they are."""
    return json.loads(text, parse_constant=_not_json, parse_float=_finite,
                      object_pairs_hook=_object_sharer(memo))


def _object_sharer(memo: dict[Any, Any]) -> Callable[[list[tuple[str, Any]]], Any]:
    """The parser's hook for each object as it ends: its members shared (`_shared`; an
    object member is shared already), then the object itself, keyed by its names and
    the identity of its members."""
    setdefault = memo.setdefault

    def shared_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = {}
        for name, member in pairs:
            kind = type(member)
            if kind is str:
                member = setdefault(member, member)
            elif kind is not dict and name != "coordinates":
                member = _shared(member, memo)
            value[name] = member
        return setdefault(("{", *value, *map(id, value.values())), value)

    return shared_object


def _shared(value: Any, memo: dict[Any, Any]) -> Any:
    """`value`, or the equal one in `memo`; its objects are already shared (the parser
    shares each as it ends), its lists not yet. A list is keyed by the identity of its
    (shared) members, a number by its type and exact value (1, 1.0 and true, 0.0 and
    -0.0 stay apart)."""
    kind = type(value)
    if kind is str:
        return memo.setdefault(value, value)
    if kind is list:
        value = [_shared(v, memo) for v in value]
        return memo.setdefault(("[", *map(id, value)), value)
    if kind is float:
        return memo.setdefault((float, value.hex()), value)
    if kind is int:
        return memo.setdefault((int, value), value)
    return value  # an object (shared already), true, false, null


def _version(loaded: dict[str, bytes]) -> str:
    """A digest of the bytes of every data file loaded: the data version that keys
    built pages and ETags, true to what was checked even if a file changes meanwhile."""
    digest = hashlib.sha256()
    for name in sorted(loaded):
        digest.update(name.encode() + b"\0" + loaded[name] + b"\0")
    return digest.hexdigest()[:16]
