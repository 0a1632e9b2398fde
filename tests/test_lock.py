"""The lock files: every pin hashed, the runtime lock within pyproject.toml's ranges,
and the test lock the same versions plus the test tools, so CI tests what production
installs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
# `name==version [; marker] \` then its `--hash=sha256:…` lines
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)[^\n]*\n"
                 r"((?:[ \t]+--hash=sha256:[0-9a-f]{64}.*\n)*)", re.M)


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(file: str) -> dict[str, tuple[str, str]]:
    text = (ROOT / file).read_text(encoding="utf-8")
    return {normal(name): (version, hashes) for name, version, hashes in PIN.findall(text)}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.mark.parametrize("file", ["requirements.txt", "requirements-test.txt"])
def test_every_pin_has_a_hash(file: str):
    text = (ROOT / file).read_text(encoding="utf-8")
    named = re.findall(r"^([A-Za-z0-9_.-]+)==", text, re.M)
    locked = pins(file)
    assert named and len(named) == len(locked)
    assert all("--hash=sha256:" in hashes for _, hashes in locked.values())


@pytest.mark.parametrize(("file", "extra"), [("requirements.txt", None),
                                             ("requirements-test.txt", "test")])
def test_the_lock_meets_pyproject(file: str, extra: str | None):
    wanted = [Requirement(text) for text in project()["dependencies"]]
    if extra:
        wanted += [Requirement(text) for text in project()["optional-dependencies"][extra]]
    locked = pins(file)
    for requirement in wanted:
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        version = locked[normal(requirement.name)][0]
        assert requirement.specifier.contains(version, prereleases=True), (requirement, version)


def test_ci_tests_the_versions_production_installs():
    runtime, test = pins("requirements.txt"), pins("requirements-test.txt")
    assert {name: test[name][0] for name in runtime} == \
        {name: version for name, (version, _) in runtime.items()}
