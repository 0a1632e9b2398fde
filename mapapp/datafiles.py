"""The map's features as data files: one per collection and page language.

Pages carry only what describes the collections (titles, styles, counts); each
collection's features travel in a content-hashed asset, `assets/data/<id>.<lang>.<hash>.json`,
that the page fetches. A language's file holds the features as the scripts read them,
with only the text a page in that language can show: `translations` (of the summary,
the location note and each fact) keep the page's language alone, and the English file
has none. Names and places stay in every language, since every page shows a feature's
other names and searches them. Quotes and sources stay verbatim.

Files are built and compressed once, where the state is built (the gunicorn master,
before the workers fork), at COMPRESS_LEVELS: the fast path serves these bytes as they
are, never compressing them again per worker.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mapapp import fastpath
from mapapp.assets import Assets
from mapapp.catalogue import Catalogue, Collection
from mapapp.features import dumps
from mapapp.i18n import DEFAULT_LANGUAGE, LANGUAGES

# Measured on the data files in Russian (README "Scale"): at 1,000 features brotli 5 gives
# 193 KiB at 170 MB/s where 9 gives 187 KiB at 37 MB/s and 11 runs at 1 MB/s (a minute
# at 10,000 features); gzip 9 gains under 1 % over 6 for a third more time.
COMPRESS_LEVELS = {"br": 5, "gzip": 6}


def data_file_name(collection_id: str, lang: str) -> str:
    """The asset name of a collection's file in `lang` (its URL adds the hash)."""
    return f"data/{collection_id}.{lang}.json"


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


def collection_body(collection: Collection, lang: str) -> bytes:
    """A collection's data file in `lang`: a GeoJSON FeatureCollection."""
    features = [feature_for_language(feature, lang) for feature in collection.features]
    return dumps({"type": "FeatureCollection", "features": features})


def compressed(body: bytes) -> dict[str, bytes]:
    """The body in each encoding the fast path offers, at COMPRESS_LEVELS."""
    return {encoding: fastpath.compress(body, encoding, COMPRESS_LEVELS)
            for encoding in COMPRESS_LEVELS}


def data_files(catalogue: Catalogue) -> dict[str, bytes]:
    """Every data file by asset name: each collection in each language."""
    return {data_file_name(collection.id, lang): collection_body(collection, lang)
            for collection in catalogue.collections for lang in LANGUAGES}


def add_data_files(catalogue: Catalogue, assets: Assets, compress: bool = True) -> None:
    """Every data file joins `assets`, with its compressed forms when `compress` (the
    app's; the static export leaves compression to its host). brotli and zlib release
    Python's lock, so the files are compressed on every core at once."""
    files = data_files(catalogue)
    if not compress:
        for name, body in files.items():
            assets.add(name, body)
        return
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for (name, body), encoded in zip(files.items(), pool.map(compressed, files.values()),
                                         strict=True):
            assets.add(name, body, encoded)
