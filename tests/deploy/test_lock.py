"""requirements.lock pins the whole runtime dependency tree of pyproject.toml at exact versions."""

from __future__ import annotations

import tomllib
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from .helpers import LOCK, ROOT


def _lock() -> dict[str, Version]:
    pins = {}
    for raw in LOCK.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==" and not req.marker, f"not an exact pin: {line}"
        name = canonicalize_name(req.name)
        assert name not in pins, f"pinned twice: {name}"
        pins[name] = Version(spec.version)
    return pins


def _project_requirements() -> list[Requirement]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [Requirement(r) for r in data["project"]["dependencies"]]


def test_every_direct_dependency_is_pinned_within_its_range():
    pins = _lock()
    for req in _project_requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in pyproject.toml but not in requirements.lock: regenerate it"
        assert req.specifier.contains(pins[name], prereleases=True), f"{name}=={pins[name]} breaks {req}"
    assert "ai-trader" not in pins


def test_every_transitive_dependency_is_pinned():
    """Walks the installed distributions' metadata (markers evaluated for Linux, extras followed)."""
    pins = _lock()
    env = {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"}
    todo = [(r, "") for r in _project_requirements()]
    seen: set[tuple[str, str]] = set()
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({**env, "extra": extra}):
            continue
        name = canonicalize_name(req.name)
        assert name in pins, f"{name} (needed via {req}) is not in requirements.lock: regenerate it"
        for ex in req.extras or {""}:
            if (name, ex) in seen:
                continue
            seen.add((name, ex))
            try:
                dist_reqs = metadata.requires(name) or []
            except metadata.PackageNotFoundError:
                continue  # not installed here; its own pins were checked above
            todo.extend((Requirement(r), ex) for r in dist_reqs)
