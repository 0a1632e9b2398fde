"""Writes mapapp/static/basemap.json: the built-in basemap drawn when tiles fail.

Country outlines from Natural Earth's 1:110m "admin 0 countries" (public domain,
https://www.naturalearthdata.com/about/terms-of-use/), as shipped in the test data of
the installed pyogrio package (no download): the countries within longitude 20–150 E,
latitude 5–70 N, clipped to that box, simplified to 0.1° and rounded to 0.01°.

    python tools/make_basemap.py        # rewrites mapapp/static/basemap.json
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas
import pyogrio
import shapely

SOURCE = (Path(pyogrio.__file__).parent / "tests" / "fixtures" / "naturalearth_lowres"
          / "naturalearth_lowres.shp")
TARGET = Path(__file__).resolve().parent.parent / "mapapp" / "static" / "basemap.json"
BOX = (20.0, 5.0, 150.0, 70.0)  # west, south, east, north
TOLERANCE = 0.1  # degrees
DIGITS = 2


def rounded(coordinates):
    if coordinates and isinstance(coordinates[0], int | float):
        return [round(coordinates[0], DIGITS), round(coordinates[1], DIGITS)]
    return [rounded(part) for part in coordinates]


def main() -> None:
    countries = geopandas.read_file(SOURCE)
    countries = countries[countries.intersects(shapely.box(*BOX))].copy()
    countries["geometry"] = countries.geometry.clip_by_rect(*BOX).simplify(
        TOLERANCE, preserve_topology=True)
    features = []
    for _, row in countries.sort_values(["iso_a3", "name"]).iterrows():
        geometry = shapely.set_precision(row.geometry, 10 ** -DIGITS)
        if geometry.is_empty:
            continue
        mapped = shapely.geometry.mapping(geometry)
        features.append({"type": "Feature", "properties": {"name": row["name"]},
                         "geometry": {"type": mapped["type"],
                                      "coordinates": rounded(mapped["coordinates"])}})
    document = {
        "type": "FeatureCollection",
        "attribution": "Made with Natural Earth (public domain): 1:110m admin 0 countries, "
                       "clipped to 20–150 E, 5–70 N and simplified",
        "features": features,
    }
    TARGET.write_text(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n",
                      encoding="utf-8")
    print(f"{TARGET.name}: {len(features)} countries, {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main()
