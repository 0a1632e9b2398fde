"""Whole-collection downloads (CSV, KML, GeoPackage) written from the catalogue.

The API serves GeoJSON itself; these are the files analysts open in a spreadsheet,
Google Earth or QGIS. Nested properties are flattened into readable columns (one
column per name language, facts and citations as text), geometry goes to WKT in
CSV, and GDAL (through pyogrio) writes KML and GeoPackage in EPSG:4326. Each file
is built once, on first request, and kept: the catalogue never changes under a
running app.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas
import pandas
import pyogrio
import shapely

from mapapp.catalogue import Catalogue, Collection

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
    body: bytes
    media_type: str
    filename: str


def _join(items: list[Any], render: Callable[[Any], str]) -> str:
    return "; ".join(render(item) for item in items)


def _fact(fact: Mapping[str, Any]) -> str:
    return f"{fact['label']}: {fact['value']} ({fact['source']})"


def _citation(citation: Mapping[str, Any]) -> str:
    return f"¶{citation['paragraph']}: “{citation['quote']}” ({citation['source']})"


def _any(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{key}: {_any(item)}" for key, item in value.items())
    if isinstance(value, list):
        return _join(value, _any)
    return str(value)


READABLE: dict[str, Callable[[Any], str]] = {"facts": _fact, "citations": _citation}


def flatten_properties(properties: Mapping[str, Any]) -> dict[str, Any]:
    """One readable column per value: `names` becomes names_en, names_ru…; facts
    read "Label: value (source); …", citations "¶8: “quote” (source-id)"."""
    flat: dict[str, Any] = {}
    for name, value in properties.items():
        if isinstance(value, Mapping):
            flat.update({f"{name}_{key}": _any(item) for key, item in value.items()})
        elif isinstance(value, list):
            flat[name] = _join(value, READABLE.get(name, _any))
        else:
            flat[name] = value
    return flat


def _columns(collection: Collection) -> list[str]:
    """id, then each property where it first appears, a nested one's keys together
    (names_en, names_ru, names_zh) even when the first feature lacks some."""
    groups: dict[str, dict[str, None]] = {}
    for feature in collection.features:
        for name, value in feature["properties"].items():
            keys = groups.setdefault(name, {})
            if isinstance(value, Mapping):
                keys.update(dict.fromkeys(f"{name}_{key}" for key in value))
            else:
                keys[name] = None
    return ["id", *(column for keys in groups.values() for column in keys)]


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


def gdal_bytes(layers: list[Layer], driver: str, extension: str,
               dataset_options: dict[str, str] | None = None) -> bytes:
    """Write (name, frame, layer options) layers with GDAL into a temporary file and
    return its bytes; GDAL writes GeoPackage only to real files."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"download.{extension}"
        for name, frame, layer_options in layers:
            pyogrio.write_dataframe(frame, path, driver=driver, layer=name,
                                    append=path.exists(), layer_options=layer_options,
                                    dataset_options=dataset_options)
        return path.read_bytes()


def _gpkg_layer(collection: Collection) -> Layer:
    """A GeoPackage layer named by the collection id, titled and described."""
    options = {"IDENTIFIER": collection.title, "DESCRIPTION": collection.description}
    return collection.id, flat_frame(collection), options


def collection_download(collection: Collection, name: str) -> Download:
    """One collection in format `name` (a key of FORMATS)."""
    fmt = FORMATS[name]
    if name == "csv":
        body = csv_bytes(flat_frame(collection))
    elif name == "kml":
        # KML layer names must be XML names; the summary becomes each placemark's text.
        layer = (collection.id.replace("-", "_"), flat_frame(collection), {})
        body = gdal_bytes([layer], "KML", "kml",
                          {"NameField": "name", "DescriptionField": "summary"})
    else:
        body = gdal_bytes([_gpkg_layer(collection)], "GPKG", "gpkg")
    return Download(body, fmt.media_type, f"{collection.id}.{fmt.extension}")


def catalogue_download(catalogue: Catalogue) -> Download:
    """Every collection as one layer of a single GeoPackage, in catalogue order."""
    body = gdal_bytes([_gpkg_layer(c) for c in catalogue.collections], "GPKG", "gpkg")
    return Download(body, FORMATS["gpkg"].media_type, CATALOGUE_FILENAME)


class Downloads:
    """Each file is written on its first request and then served from memory; the
    lock keeps two threads of a worker from writing the same file twice."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._built: dict[tuple[str, str], Download] = {}
        self._lock = threading.Lock()

    def collection(self, collection_id: str, name: str) -> Download:
        return self._get((collection_id, name), lambda: collection_download(
            self._catalogue.collection(collection_id), name))

    def catalogue(self) -> Download:
        return self._get(("", "gpkg"), lambda: catalogue_download(self._catalogue))

    def _get(self, key: tuple[str, str], build: Callable[[], Download]) -> Download:
        with self._lock:
            if key not in self._built:
                self._built[key] = build()
            return self._built[key]
