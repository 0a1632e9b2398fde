"""How the browser draws the catalogue, chosen by its size.

The real map (43 features, about 30 points) is drawn as it always was: one SVG
element per feature, every point on its own. A big catalogue would build thousands of
elements and stall every zoom and pan, so above measured thresholds (README "Scale")
the page is told to cluster points at low zoom (Leaflet.markercluster, loaded only
then) and to draw on a canvas; the list of places renders only the rows in view.
"""

from __future__ import annotations

from typing import Any

from mapapp.catalogue import Catalogue

# Points above which they are clustered: zoom and pan cost grow with the points drawn;
# at 1,000 features (about 700 points) a zoom took 146 ms against 57 ms for the real
# map, past the 100 ms a frame may take; about 500 points cross it.
CLUSTER_MIN_POINTS = 500
# Features from which lines and unclustered points are drawn on one canvas instead of
# one SVG element each. With points clustered, a canvas did not win at 10,000 features
# (bench/drawing.py: zoom / pan 216 / 140 ms in SVG, 308 / 134 ms on canvas, ready 5.4
# against 7.2 s): SVG stays up to there; past it (about 14,000 lines at 50,000) the
# canvas is a choice not yet measured.
CANVAS_MIN_FEATURES = 50_000
# Zoom from which no point is clustered any more: close enough that points rarely
# overlap, and the zoom focusFeature flies to (mapapp-popups.js, maxZoom 9).
CLUSTER_UNTIL_ZOOM = 9


def vector_tiles_from(setting: str | int) -> int:
    """MAPAPP_VECTOR_TILES_FROM as a count of features (0: never)."""
    try:
        value = int(setting)
    except (TypeError, ValueError):
        value = -1
    if value < 0:
        raise ValueError(f"MAPAPP_VECTOR_TILES_FROM must be a whole number of features "
                         f"(0 for never); got {setting!r}")
    return value


def uses_vector_tiles(catalogue: Catalogue, vector_from: int) -> bool:
    """Is the catalogue drawn from vector tiles (mapapp/vectortiles.py)?"""
    return vector_from > 0 and catalogue.feature_count >= vector_from


def drawing_options(catalogue: Catalogue, vector: bool = False) -> dict[str, Any]:
    """What the page's data block says about drawing (`data.drawing` in mapapp.js).
    From vector tiles, the page draws only the features it read whole one by one (the
    one a popup shows; the index of places only lists them): nothing to cluster, nothing
    to put on a canvas of its own."""
    if vector:
        return {"cluster": False, "clusterUntilZoom": CLUSTER_UNTIL_ZOOM, "canvas": False,
                "vector": True}
    shapes = [shape for c in catalogue.collections for shape in c.shapes]
    points = sum(1 for shape in shapes if shape.geom_type.endswith("Point"))
    return {
        "cluster": points >= CLUSTER_MIN_POINTS,
        "clusterUntilZoom": CLUSTER_UNTIL_ZOOM,
        "canvas": len(shapes) >= CANVAS_MIN_FEATURES,
    }
