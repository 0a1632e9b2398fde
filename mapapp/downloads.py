"""Whole-collection downloads (CSV, KML, GeoPackage) written from the catalogue.

The API serves GeoJSON itself; these are the files analysts open in a spreadsheet,
Google Earth or QGIS. Nested properties are flattened into readable columns (one
column per language for names, summaries, notes, facts and places; facts and
citations as text), geometry goes to WKT in
CSV, and GDAL (through pyogrio) writes KML and GeoPackage in EPSG:4326. Each file
is written once, on first request, into a folder of the worker's own, and served from
there: the catalogue never changes under a running app, and a big catalogue's files
(a GeoPackage of every collection is over 100 MiB at 10,000 features) stay on disk,
not in the worker's memory.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas
import pandas
import pyogrio
import shapely

from mapapp.catalogue import Catalogue, Collection
from mapapp.translated import FEATURE_TEXTS, LANGUAGES, SOURCE_LANGUAGE

CRS = "EPSG:4326"
CATALOGUE_FILENAME = "mapapp.gpkg"


@dataclass(frozen=True)
class DownloadFormat:
    extension: str
    media_type: str
    title: str


FORMATS: dict[str, DownloadFormat] = {
    "csv": DownloadFormat("csv", "text/csv; charset=utf-8", "CSV (geometry as WKT)"),
    "kml": DownloadFormat("kml", "application/vnd.google-earth.kml+xml", "KML"),
    "gpkg": DownloadFormat("gpkg", "application/geopackage+sqlite3", "GeoPackage"),
}


@dataclass(frozen=True)
class Download:
    """A written file: where it is, what it is, the name it is saved as, and its
    strong ETag (its SHA-256, as the ready answers' are named); and its gzip form
    beside it, with its own ETag, for the clients that accept gzip."""

    path: Path
    media_type: str
    filename: str
    etag: str
    gzip_path: Path
    gzip_etag: str


def _join(items: list[Any], render: Callable[[Any], str]) -> str:
    return "; ".join(render(item) for item in items)


def _fact(fact: Mapping[str, Any], lang: str = SOURCE_LANGUAGE) -> str:
    texts = fact if lang == SOURCE_LANGUAGE else fact["translations"][lang]
    as_of = f" [{fact['as_of']}]" if "as_of" in fact else ""
    return f"{texts['label']}: {texts['value']}{as_of} ({fact['source']})"


def _citation(citation: Mapping[str, Any]) -> str:
    return f"¶{citation['paragraph']}: “{citation['quote']}” ({citation['source']})"


def _location_source(entry: Mapping[str, Any]) -> str:
    return f"{entry['name']}: {entry['gives']} ({entry['url']})"


def _any(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_any(item)}" for key, item in value.items())
    if isinstance(value, list):
        return _join(value, _any)
    return str(value)


READABLE: dict[str, Callable[[Any], str]] = {
    "citations": _citation, "location_sources": _location_source,
    "via": lambda stop: stop["name"],
}

Column = tuple[str, str, Any]  # the property it comes from, the column, the value


def _columns_of(name: str, value: Any) -> list[Column]:
    """The readable columns of one property: `names` gives names_en, names_ru…;
    `translations` gives summary_ru, location_note_ru…; facts in every language,
    facts_ru…; places per language, places_ru…"""
    if name == "translations":
        return [(name, f"{text}_{lang}", translated)
                for lang, texts in value.items() for text, translated in texts.items()]
    if name == "facts":
        return [(name, "facts" if lang == SOURCE_LANGUAGE else f"facts_{lang}",
                 _join(value, lambda fact, lang=lang: _fact(fact, lang)))
                for lang in LANGUAGES]
    if name == "places":
        return [(name, f"places_{lang}", "; ".join(place[lang] for place in value))
                for lang in LANGUAGES]
    if isinstance(value, Mapping):
        return [(name, f"{name}_{key}", _any(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [(name, name, _join(value, READABLE.get(name, _any)))]
    return [(name, name, value)]


def flatten_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """One readable column per value (see `_columns_of`); facts read
    "Label: value [as of] (source); …", citations "¶8: “quote” (source-id)"."""
    return {column: value for name, value in properties.items()
            for _, column, value in _columns_of(name, value)}


def _columns(collection: Collection) -> list[str]:
    """id, then each property's columns where the property first appears, a nested
    one's columns together (names_en, names_ru, names_zh) even when the first feature
    lacks some."""
    groups: dict[str, dict[str, None]] = {}
    for feature in collection.features:
        for name, value in feature["properties"].items():
            keys = groups.setdefault(name, {})
            keys.update(dict.fromkeys(column for _, column, _ in _columns_of(name, value)))
    columns = [column for keys in groups.values() for column in keys]
    for text in FEATURE_TEXTS:  # summary_ru… beside summary
        translated = [c for c in columns if c.startswith(f"{text}_")]
        if text in columns and translated:
            columns = [c for c in columns if c not in translated]
            at = columns.index(text) + 1
            columns[at:at] = translated
    return ["id", *columns]


def flat_frame(collection: Collection) -> geopandas.GeoDataFrame:
    """The collection as a table: id first, properties in the order they first
    appear, nullable integer and boolean columns (a missing year stays empty)."""
    rows = [{"id": f["id"], **flatten_properties(f["properties"])} for f in collection.features]
    table = pandas.DataFrame(rows, columns=_columns(collection)).convert_dtypes()
    return geopandas.GeoDataFrame(table, geometry=list(collection.shapes), crs=CRS)


def csv_bytes(frame: geopandas.GeoDataFrame) -> bytes:
    table = pandas.DataFrame(frame.drop(columns="geometry"))
    table["wkt"] = shapely.to_wkt(frame.geometry.array, rounding_precision=-1)
    return table.to_csv(index=False, lineterminator="\r\n").encode("utf-8")


Layer = tuple[str, geopandas.GeoDataFrame, dict[str, str]]


def write_gdal(layers: list[Layer], driver: str, path: Path,
               dataset_options: dict[str, str] | None = None) -> None:
    """Write (name, frame, layer options) layers with GDAL into the file `path`."""
    for name, frame, layer_options in layers:
        pyogrio.write_dataframe(frame, path, driver=driver, layer=name,
                                append=path.exists(), layer_options=layer_options,
                                dataset_options=dataset_options)


def _gpkg_layer(collection: Collection) -> Layer:
    """A GeoPackage layer named by the collection id, titled and described."""
    options = {"IDENTIFIER": collection.title, "DESCRIPTION": collection.description}
    return collection.id, flat_frame(collection), options


def write_collection_download(collection: Collection, name: str, path: Path) -> None:
    """One collection in format `name` (a key of FORMATS), written to `path`."""
    if name == "csv":
        path.write_bytes(csv_bytes(flat_frame(collection)))
    elif name == "kml":
        # KML layer names must be XML names; the summary becomes each placemark's text.
        layer = (collection.id.replace("-", "_"), flat_frame(collection), {})
        write_gdal([layer], "KML", path, {"NameField": "name", "DescriptionField": "summary"})
    else:
        write_gdal([_gpkg_layer(collection)], "GPKG", path)


def write_catalogue_download(catalogue: Catalogue, path: Path) -> None:
    """Every collection as one layer of a single GeoPackage, in catalogue order."""
    write_gdal([_gpkg_layer(c) for c in catalogue.collections], "GPKG", path)


def gzip_file(path: Path, target: Path) -> None:
    """`path` compressed into `target` (gzip 6, no timestamp: the same bytes each time),
    in blocks."""
    with path.open("rb") as source, target.open("wb") as raw, \
            gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as packed:
        shutil.copyfileobj(source, packed, 1 << 20)


def file_etag(path: Path) -> str:
    """A file's strong ETag: its SHA-256, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()[:24]


class Downloads:
    """Each file is written on its first request into this object's folder (made on
    first use, so each worker has its own after the fork, and removed with the object
    or at exit) and served from there; the lock keeps two threads of a worker from
    writing the same file twice."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._built: dict[tuple[str, str], Download] = {}
        self._lock = threading.Lock()
        self._folder: Path | None = None

    def collection(self, collection_id: str, name: str) -> Download:
        fmt = FORMATS[name]
        return self._get((collection_id, name), f"{collection_id}.{fmt.extension}",
                         fmt.media_type, lambda path: write_collection_download(
                             self._catalogue.collection(collection_id), name, path))

    def catalogue(self) -> Download:
        return self._get(("", "gpkg"), CATALOGUE_FILENAME, FORMATS["gpkg"].media_type,
                         lambda path: write_catalogue_download(self._catalogue, path))

    def _get(self, key: tuple[str, str], filename: str, media_type: str,
             write: Callable[[Path], None]) -> Download:
        with self._lock:
            if key not in self._built:
                folder = self._make_folder()
                final = folder / filename
                partial = folder / f"partial-{filename}"  # GDAL names its side files after it
                write(partial)
                packed = folder / f"{filename}.gz"
                gzip_file(partial, folder / f"partial-{filename}.gz")
                os.replace(folder / f"partial-{filename}.gz", packed)
                os.replace(partial, final)  # a file that exists is whole
                self._built[key] = Download(final, media_type, filename, file_etag(final),
                                            packed, file_etag(packed))
            return self._built[key]

    def _make_folder(self) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="mapapp-downloads-"))
            weakref.finalize(self, shutil.rmtree, self._folder, True)
        return self._folder
