"""Broken data never reaches a reader: each corruption of a copy of the real geodata
makes `mapapp check` exit non-zero and `create_app()` refuse to start, both naming the
file, the feature and the field."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from mapapp import create_app
from mapapp.problems import DataError
from tests.conftest import MAPAPP, edit_json, run_check


def truncate(root: Path) -> None:
    path = root / "pipelines.geojson"
    path.write_bytes(path.read_bytes()[:1000])


def recode(root: Path) -> None:
    path = root / "zhanatas-wind-farm.geojson"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))


def bowtie(root: Path) -> None:
    edit_json(root / "turgusun-hpp.geojson", lambda d: d["features"][0].update(geometry={
        "type": "Polygon",
        "coordinates": [[[84, 49], [85, 50], [85, 49], [84, 50], [84, 49]]]}))


def duplicate(root: Path) -> None:
    edit_json(root / "shymkent-refinery.geojson",
              lambda d: d["features"][0].update(id="zhanatas-wind-farm"))


def uncite(root: Path) -> None:
    edit_json(root / "history-diplomacy.geojson",
              lambda d: d["features"][0]["properties"].pop("citations"))


def unlink(root: Path) -> None:
    (root / "rail-routes.geojson").unlink()


CASES = {
    "truncated JSON": (truncate, "pipelines.geojson: invalid JSON at line "),
    "wrong encoding": (recode, "zhanatas-wind-farm.geojson: not UTF-8: byte 0 is 0xff"),
    "invalid geometry": (bowtie, "turgusun-hpp.geojson: feature 'turgusun-hpp': "
                                 "field 'geometry': invalid geometry: Self-intersection"),
    "duplicate id": (duplicate, "shymkent-refinery.geojson: feature 'zhanatas-wind-farm': "
                                "field 'id': id already used in zhanatas-wind-farm.geojson"),
    "missing citation": (uncite, "history-diplomacy.geojson: feature "
                                 "'almaty-xian-xinghai-baikadamov': field 'citations': missing"),
    "catalogue points to a missing file": (
        unlink, "rail-routes.geojson: catalogue entry 'rail-routes' points to a file "
                "that does not exist"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_corruption_is_refused_by_check_and_by_the_app(real_data_copy: Path, case: str):
    corrupt, expected = CASES[case]
    corrupt(real_data_copy)
    result = run_check("--data-dir", str(real_data_copy))
    assert result.returncode == 1
    assert any(line.strip().startswith(expected) for line in result.stderr.splitlines()), \
        result.stderr
    with pytest.raises(DataError) as caught:
        create_app({"MAPAPP_DATA_DIR": str(real_data_copy)})
    assert any(str(problem).startswith(expected) for problem in caught.value.problems)


def test_gunicorn_refuses_to_start_on_broken_data(real_data_copy: Path):
    uncite(real_data_copy)
    result = subprocess.run([MAPAPP, "serve", "--port", "0"], capture_output=True, text=True,
                            env={"MAPAPP_DATA_DIR": str(real_data_copy), "PATH": ""},
                            timeout=60, check=False)
    assert result.returncode == 1
    assert "geodata refused: 1 problem" in result.stderr
    assert "field 'citations': missing" in result.stderr
