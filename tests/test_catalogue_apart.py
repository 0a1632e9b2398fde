"""A large collection file is checked in a forked process while the next one is
parsed (mapapp.catalogue.CHECK_APART_FROM): the catalogue it loads, and every problem it
refuses one with, in order, are those of checking each file in the loading process."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from mapapp import catalogue as catalogue_module
from mapapp.catalogue import load_catalogue
from mapapp.problems import DataError, Problem
from tests.conftest import FIXTURE_DATA, edit_json
from tests.test_broken_data import CASES


def problems_of(data: Path) -> tuple[Problem, ...]:
    with pytest.raises(DataError) as refused:
        load_catalogue(data)
    return refused.value.problems


def test_checked_apart_the_catalogue_is_the_same(monkeypatch):
    here = load_catalogue(FIXTURE_DATA)
    monkeypatch.setattr(catalogue_module, "CHECK_APART_FROM", 1)
    apart = load_catalogue(FIXTURE_DATA)
    assert apart.version == here.version
    assert [c.id for c in apart.collections] == [c.id for c in here.collections]
    for mine, theirs in zip(apart.collections, here.collections, strict=True):
        assert mine.features == theirs.features
        assert shapely.to_wkb(mine.shapes).tolist() == shapely.to_wkb(theirs.shapes).tolist()


def test_checked_apart_a_broken_catalogue_is_refused_alike(real_data_copy: Path, monkeypatch):
    """Every corruption of test_broken_data at once, and a collection listed twice (the
    second of two entries is refused only if the first one loaded)."""
    for corrupt, _ in CASES.values():
        corrupt(real_data_copy)
    def list_twice(listing: dict) -> None:
        loads, fails = (next(c for c in listing["collections"] if c["file"] == name)
                        for name in ("we-wc-highway.geojson", "pipelines.geojson"))
        listing["collections"] += [dict(loads), dict(fails)]

    edit_json(real_data_copy / "catalogue.json", list_twice)
    here = problems_of(real_data_copy)
    monkeypatch.setattr(catalogue_module, "CHECK_APART_FROM", 1)
    apart = problems_of(real_data_copy)
    assert apart == here
    messages = "\n".join(map(str, here))
    for name in ("truncated JSON", "wrong encoding", "invalid geometry", "missing citation",
                 "catalogue points to a missing file"):
        assert CASES[name][1] in messages
    assert "catalogue.json: field 'id': collection 'we-wc-highway' listed twice" in messages
    assert "'pipelines' listed twice" not in messages
