"""The map's features as data files: one per collection and page language.

Pages carry only what describes the collections (titles, styles, counts); each
collection's features travel in a content-hashed asset, `assets/data/<id>.<lang>.<hash>.json`,
that the page fetches. A language's file holds the features as the scripts read them,
with only the text a page in that language can show: `translations` (of the summary,
the location note and each fact) keep the page's language alone, and the English file
has none. Names and places stay in every language, since every page shows a feature's
other names and searches them. Quotes and sources stay verbatim.

From DETAILS_APART_FROM features, a collection's file carries only what the map draws,
lists and searches; what only a feature's popup shows (POPUP_ONLY) travels in detail
files of DETAILS_PER_FILE features each, which the page fetches when a popup opens
(`details` in the file lists their URLs; each feature names its file by position).

Files are built and compressed once, where the state is built (the gunicorn master,
before the workers fork), at COMPRESS_LEVELS: the fast path serves these bytes as they
are, never compressing them again per worker.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from mapapp import readyanswer
from mapapp.assets import Assets, asset_path
from mapapp.catalogue import Catalogue, Collection
from mapapp.features import dumps
from mapapp.i18n import DEFAULT_LANGUAGE, LANGUAGES

# Measured on the data files in Russian (README "Scale"): at 1,000 features brotli 5 gives
# 193 KiB at 170 MB/s where 9 gives 187 KiB at 37 MB/s and 11 runs at 1 MB/s (a minute
# at 10,000 features); gzip 9 gains under 1 % over 6 for a third more time.
COMPRESS_LEVELS = {"br": 5, "gzip": 6}

# Features from which the popups' text travels apart (README "Scale"): at 10,000 features
# it is about 70 % of every file, which the browser would fetch and parse before drawing.
# The same size as clustering points (mapapp/drawing.py): the real map is unchanged.
DETAILS_APART_FROM = 500
# Features per detail file: one popup fetches tens of KiB, not a collection's text.
DETAILS_PER_FILE = 100
# What only a popup shows: the scripts' list and search read the names, places, kind and
# status, and a location note only where a feature has no places (reader.js).
POPUP_ONLY = ("summary", "facts", "location_sources", "via", "name_sources")


def data_file_name(collection_id: str, lang: str) -> str:
    """The asset name of a collection's file in `lang` (its URL adds the hash)."""
    return f"data/{collection_id}.{lang}.json"


def detail_file_name(collection_id: str, lang: str, index: int) -> str:
    """The asset name of a collection's `index`th detail file in `lang`."""
    return f"data/{collection_id}.{lang}.details-{index}.json"


def _in_language(translations: Any, lang: str) -> dict[str, Any] | None:
    """`translations` ({lang: {...}}) with only `lang`, or None when nothing is left."""
    if lang == DEFAULT_LANGUAGE or not isinstance(translations, dict) or lang not in translations:
        return None
    return {lang: translations[lang]}


def feature_for_language(feature: dict[str, Any], lang: str) -> dict[str, Any]:
    """The feature with only the translated text a page in `lang` shows."""
    props = dict(feature["properties"])
    own = _in_language(props.pop("translations", None), lang)
    if own:
        props["translations"] = own
    if isinstance(props.get("facts"), list):
        facts = []
        for fact in props["facts"]:
            fact = dict(fact)
            fact_own = _in_language(fact.pop("translations", None), lang)
            if fact_own:
                fact["translations"] = fact_own
            facts.append(fact)
        props["facts"] = facts
    return {**feature, "properties": props}


def _popup_only(props: dict[str, Any]) -> tuple[str, ...]:
    """The properties of `props` that only its popup shows."""
    return (*POPUP_ONLY, "location_note") if props.get("places") else POPUP_ONLY


def split_feature(feature: dict[str, Any], file_index: int
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """A feature (in one language) as drawn and listed, naming its detail file, and
    the properties only its popup shows (their translations under `translations`)."""
    props = dict(feature["properties"])
    apart = _popup_only(props)
    details = {key: props.pop(key) for key in apart if key in props}
    translations = props.pop("translations", None)
    if translations:
        kept, moved = {}, {}
        for lang, fields in translations.items():
            kept_fields = {k: v for k, v in fields.items() if k not in apart}
            moved_fields = {k: v for k, v in fields.items() if k in apart}
            if kept_fields:
                kept[lang] = kept_fields
            if moved_fields:
                moved[lang] = moved_fields
        if kept:
            props["translations"] = kept
        if moved:
            details["translations"] = moved
    return {**feature, "properties": props, "details": file_index}, details


def collection_body(collection: Collection, lang: str) -> bytes:
    """A collection's data file in `lang`: a GeoJSON FeatureCollection."""
    features = [feature_for_language(feature, lang) for feature in collection.features]
    return dumps({"type": "FeatureCollection", "features": features})


def split_collection(collection: Collection, lang: str
                     ) -> tuple[list[dict[str, Any]], list[bytes]]:
    """A collection's features in `lang` as drawn and listed, and its detail files: each
    `{"features": {id: properties}}` for DETAILS_PER_FILE features in catalogue order."""
    light: list[dict[str, Any]] = []
    files: list[bytes] = []
    features = collection.features
    for start in range(0, len(features), DETAILS_PER_FILE):
        details = {}
        for feature in features[start:start + DETAILS_PER_FILE]:
            drawn, details[feature["id"]] = split_feature(
                feature_for_language(feature, lang), len(files))
            light.append(drawn)
        files.append(dumps({"features": details}))
    return light, files


def details_apart(catalogue: Catalogue) -> bool:
    """Do the popups' texts travel in detail files (a big catalogue)?"""
    return catalogue.feature_count >= DETAILS_APART_FROM


def compressed(body: bytes) -> dict[str, bytes]:
    """The body in each encoding the fast path offers, at COMPRESS_LEVELS."""
    return {encoding: readyanswer.compress(body, encoding, COMPRESS_LEVELS)
            for encoding in COMPRESS_LEVELS}


File = tuple[str, bytes, str]  # asset name, body, SHA-256 (hex) of the body
Packed = tuple[str, str, dict[str, bytes]]  # asset name, SHA-256 (hex), compressed forms


def _file(name: str, body: bytes) -> File:
    return name, body, hashlib.sha256(body).hexdigest()


def collection_files(collection: Collection, lang: str, apart: bool
                     ) -> tuple[list[File], File]:
    """A collection's files in `lang`: its detail files (when the popups' text travels
    `apart`) and its data file, which links them by their content-hashed paths."""
    name = data_file_name(collection.id, lang)
    if not apart:
        return [], _file(name, collection_body(collection, lang))
    light, bodies = split_collection(collection, lang)
    details = [_file(detail_file_name(collection.id, lang, index), body)
               for index, body in enumerate(bodies)]
    urls = [asset_path(detail, sha256) for detail, _, sha256 in details]
    return details, _file(name, dumps({"type": "FeatureCollection", "features": light,
                                       "details": urls}))


def _add_in_order(built: Sequence[tuple[list[Any], Any]], add: Callable[..., object]) -> None:
    """Each job's files, in the catalogue's order: every detail file, then every data
    file (which links them), whether held raw (the export's) or packed (the app's)."""
    for details, _ in built:
        for file in details:
            add(*file)
    for _, file in built:
        add(*file)


# From this many features on, the files are built in forked processes: building a file
# is Python (holding the lock), so threads would build one at a time; and what building
# leaves behind (freed but not given back to the system) stays out of the master that
# the workers fork from. Below it, forking costs more than it saves.
PROCESSES_FROM = 2000
_BUILDING: Catalogue | None = None  # the catalogue a forked builder reads


def packed_files(collection_index: int, lang: str) -> tuple[list[Packed], Packed]:
    """A collection's files in `lang` (`collection_files`), each held raw only while
    it is compressed."""
    assert _BUILDING is not None
    details, main = collection_files(_BUILDING.collections[collection_index], lang,
                                     details_apart(_BUILDING))
    return ([(name, sha256, compressed(body)) for name, body, sha256 in details],
            (main[0], main[2], compressed(main[1])))


def add_packed_files(catalogue: Catalogue, assets: Assets,
                     processes_from: int = PROCESSES_FROM) -> None:
    """Every data file (and detail file) joins `assets` held only compressed (packed
    assets): raw, the files of a large catalogue would take more memory than all the
    rest. A job builds one collection's files in one language, on every core: in forked
    processes for a catalogue of `processes_from` features or more, else in threads
    (brotli, zlib and hashlib release Python's lock), the largest collections first,
    so that no core is left with one at the end."""
    global _BUILDING
    jobs = [(index, lang) for index in range(len(catalogue.collections)) for lang in LANGUAGES]
    sizes = [len(collection.features) for collection in catalogue.collections]
    largest_first = sorted(jobs, key=lambda job: -sizes[job[0]])
    cores = os.cpu_count() or 1
    forked = cores > 1 and catalogue.feature_count >= processes_from \
        and "fork" in multiprocessing.get_all_start_methods()
    _BUILDING = catalogue
    try:
        pool: Executor = (ProcessPoolExecutor(cores, mp_context=multiprocessing.get_context("fork"))
                          if forked else ThreadPoolExecutor(cores))
        with pool:
            built = dict(zip(largest_first,
                             pool.map(packed_files, *zip(*largest_first, strict=True)),
                             strict=True))
    finally:
        _BUILDING = None
    _add_in_order([built[job] for job in jobs], assets.add_packed)


def add_data_files(catalogue: Catalogue, assets: Assets, compress: bool = True,
                   processes_from: int = PROCESSES_FROM) -> None:
    """Every data file (each collection in each language) joins `assets`, held only
    compressed when `compress` (the app's, `add_packed_files`; the static export leaves
    compression to its host); in a big catalogue, its detail files first, since it
    links them."""
    if compress:
        add_packed_files(catalogue, assets, processes_from)
        return
    apart = details_apart(catalogue)
    _add_in_order([collection_files(collection, lang, apart)
                   for collection in catalogue.collections for lang in LANGUAGES],
                  lambda name, body, sha256: assets.add(name, body, sha256=sha256))
