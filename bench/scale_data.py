"""Synthetic catalogues of any size, made from the real features, for bench/scale.py.

Each copy of a real feature gets a new id (`<id>-<n>`), its names a number, and its whole
position (geometry, the positions its sources give, the towns it passes) shifted by one
random offset, so that the copies spread over the region and still pass every data rule.
Quotes, sources and facts stay as they are.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REAL_DATA = ROOT / "geodata"


def _shift(value: Any, dx: float, dy: float) -> Any:
    """Every [lon, lat] inside `value`, moved by (dx, dy)."""
    if isinstance(value, list) and len(value) >= 2 and all(
            isinstance(v, int | float) for v in value[:2]):
        return [round(value[0] + dx, 5), round(value[1] + dy, 5), *value[2:]]
    if isinstance(value, list):
        return [_shift(v, dx, dy) for v in value]
    return value


def _moved(value: Any, dx: float, dy: float) -> Any:
    """`value` with every `coordinates` member (at any depth) shifted."""
    if isinstance(value, dict):
        return {k: (_shift(v, dx, dy) if k == "coordinates" else _moved(v, dx, dy))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, dx, dy) for v in value]
    return value


def _positions(value: Any) -> list[list[float]]:
    """Every [lon, lat] inside `value`."""
    if isinstance(value, dict):
        return [p for v in value.values() for p in _positions(v)]
    if isinstance(value, list) and len(value) >= 2 and all(
            isinstance(v, int | float) for v in value[:2]):
        return [value]
    if isinstance(value, list):
        return [p for v in value for p in _positions(v)]
    return []


def _offset(low: float, high: float, limit: tuple[float, float], span: float,
            rng: random.Random) -> float:
    """A random offset within ±span that keeps [low, high] inside `limit`."""
    return rng.uniform(max(-span, limit[0] - low), min(span, limit[1] - high))


REGION = {"lon": (41.0, 124.0), "lat": (26.0, 55.0)}  # inside the checker's bounds


def copy_of(feature: dict, n: int, rng: random.Random) -> dict:
    """The n-th synthetic copy of a real feature."""
    points = _positions(feature["geometry"]) + [
        p for key in ("location_sources", "via")
        for p in _positions(feature["properties"].get(key, []))]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    dx = _offset(min(lons), max(lons), REGION["lon"], 4, rng)
    dy = _offset(min(lats), max(lats), REGION["lat"], 2, rng)
    result = _moved(copy.deepcopy(feature), dx, dy)
    result["id"] = f"{feature['id']}-{n}"
    props = result["properties"]
    props["name"] = f"{props['name']} {n}"
    props["names"] = {lang: f"{name} {n}" for lang, name in props.get("names", {}).items()}
    return result


def build(size: int, target: Path, seed: int = 2024) -> Path:
    """A data directory at `target` with `size` features in all, in the real proportions."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REAL_DATA, target)
    files = sorted(target.glob("*.geojson"))
    collections = {path: json.loads(path.read_text(encoding="utf-8")) for path in files}
    real = sum(len(doc["features"]) for doc in collections.values())
    rng = random.Random(seed)
    made = 0
    for index, (path, doc) in enumerate(collections.items()):
        originals = doc["features"]
        # the last collection takes the remainder, so the total is exactly `size`
        want = (size - made if index == len(collections) - 1
                else max(1, round(size * len(originals) / real)))
        features = list(originals[:want])
        n = 1
        while len(features) < want:
            for original in originals:
                if len(features) == want:
                    break
                features.append(copy_of(original, n, rng))
            n += 1
        doc["features"] = features
        made += len(features)
        path.write_text(json.dumps(doc, ensure_ascii=False) + "\n", encoding="utf-8")
    return target
