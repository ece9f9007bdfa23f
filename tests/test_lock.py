"""The lock files are what pyproject.toml asks for, exactly, and the environment was installed
from them. A change to pyproject.toml without `make lock` fails here, offline.

The walk goes through the metadata of the installed distributions, so it covers the
dependencies that apply to this interpreter and platform; the entries for other ones
(markers that are false here) are uv's universal resolution and are only checked for pins
and hashes.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from app.config import PROJECT_ROOT

RUNTIME_LOCK = PROJECT_ROOT / "requirements.lock"
DEV_LOCK = PROJECT_ROOT / "requirements-dev.lock"
STALE = "run `make lock`"


@dataclass(frozen=True)
class Pin:
    version: Version
    marker: Marker | None
    hashes: frozenset[str]

    def applies_here(self) -> bool:
        return self.marker is None or self.marker.evaluate()


def read_lock(path: Path) -> dict[NormalizedName, Pin]:
    pins: dict[NormalizedName, Pin] = {}
    for line in path.read_text().replace("\\\n", " ").splitlines():
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        spec, *hashes = entry.split("--hash=")
        requirement = Requirement(spec)
        (pinned,) = requirement.specifier
        assert pinned.operator == "==", f"{path.name}: {spec} is not pinned to one version"
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{path.name}: {name} twice"
        pins[name] = Pin(
            Version(pinned.version), requirement.marker, frozenset(h.strip() for h in hashes)
        )
    return pins


def pyproject() -> dict[str, Any]:
    with (PROJECT_ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)


def runtime_roots() -> list[Requirement]:
    return [Requirement(r) for r in pyproject()["project"]["dependencies"]]


def dev_roots() -> list[Requirement]:
    project = pyproject()
    return runtime_roots() + [
        Requirement(r)
        for r in project["project"]["optional-dependencies"]["dev"]
        + project["build-system"]["requires"]
    ]


def applies(requirement: Requirement, extras: Iterable[str]) -> bool:
    marker = requirement.marker
    return marker is None or any(marker.evaluate({"extra": e}) for e in {"", *extras})


def walk(
    roots: Iterable[Requirement], pins: Mapping[NormalizedName, Pin], lock: str
) -> set[NormalizedName]:
    """Every distribution the roots need here, each checked against its pin and install."""
    extras_seen: dict[NormalizedName, set[str]] = {}
    pending: list[tuple[Requirement, set[str]]] = [(r, set()) for r in roots]
    while pending:
        requirement, parent_extras = pending.pop()
        if not applies(requirement, parent_extras):
            continue
        name = canonicalize_name(requirement.name)
        pin = pins.get(name)
        assert pin is not None, f"{lock} lacks {requirement}: {STALE}"
        assert requirement.specifier.contains(pin.version, prereleases=True), (
            f"{lock} pins {name}=={pin.version}, outside {requirement}: {STALE}"
        )
        known = extras_seen.get(name)
        if known is not None and set(requirement.extras) <= known:
            continue
        extras = extras_seen.setdefault(name, set())
        extras |= requirement.extras
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            pytest.fail(f"{name} is locked but not installed: run `make install`")
        installed = Version(distribution.version)
        assert installed == pin.version, (
            f"{name} {installed} is installed, {lock} pins {pin.version}: run `make install`"
        )
        pending += [(Requirement(r), extras) for r in distribution.requires or ()]
    return set(extras_seen)


class TestLockFiles:
    @pytest.mark.parametrize(
        ("lock", "roots"),
        [(RUNTIME_LOCK, runtime_roots), (DEV_LOCK, dev_roots)],
        ids=["runtime", "dev"],
    )
    def test_the_lock_holds_exactly_what_pyproject_needs(
        self, lock: Path, roots: Callable[[], list[Requirement]]
    ) -> None:
        pins = read_lock(lock)
        needed = walk(roots(), pins, lock.name)
        extra = {name for name, pin in pins.items() if pin.applies_here()} - needed
        assert not extra, f"{lock.name} pins what pyproject.toml no longer needs {extra}: {STALE}"

    @pytest.mark.parametrize("lock", [RUNTIME_LOCK, DEV_LOCK], ids=["runtime", "dev"])
    def test_every_pin_has_hashes(self, lock: Path) -> None:
        for name, pin in read_lock(lock).items():
            assert pin.hashes, f"{lock.name}: {name} has no hash"
            assert all(h.startswith("sha256:") for h in pin.hashes), name

    def test_the_runtime_lock_is_part_of_the_dev_lock(self) -> None:
        dev = read_lock(DEV_LOCK)
        for name, pin in read_lock(RUNTIME_LOCK).items():
            assert dev.get(name) == pin, f"{name} differs between the two lock files: {STALE}"
