"""The import direction of docs/architecture.md, checked on the source: a module imports only from its own layer or
the layers below it (type-only imports included: a cycle through TYPE_CHECKING is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import ai_trader

ROOT = Path(ai_trader.__file__).parent

# bottom first; a unit is a subpackage or a top-level module of ai_trader
LAYERS: list[set[str]] = [
    {"errors", "redact", "timeutil", "settings", "logs"},
    {"store"},
    {"market"},
    {"ledger", "leaderboard"},
    {"config", "config_keys", "config_paths", "model_settings", "runs", "exports"},
    {"tools"},
    {"agents"},
    {"jobs"},
    {"service"},
    {"api", "dashboard"},
    {"supervisor"},
    {"cli", "__main__", "__init__"},
]
LEVEL = {unit: i for i, layer in enumerate(LAYERS) for unit in layer}


def _unit(parts: list[str]) -> str:
    return parts[0].removesuffix(".py")


def imports_of(path: Path, root: Path = ROOT) -> set[str]:
    """The ai_trader units a module imports (relative or absolute), itself excluded."""
    package = list(path.relative_to(root).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            targets = [base + node.module.split(".")] if node.module else [base + [a.name] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ai_trader."):
            targets = [node.module.split(".")[1:]]  # type: ignore[union-attr]
        elif isinstance(node, ast.Import):
            targets = [a.name.split(".")[1:] for a in node.names if a.name.startswith("ai_trader.")]
        else:
            continue
        found.update(_unit(t) for t in targets if t)
    return found - {_unit(list(path.relative_to(root).parts))}


def _sources() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def test_every_unit_has_a_layer():
    units = {_unit(list(p.relative_to(ROOT).parts)) for p in _sources()}
    assert units <= set(LEVEL), f"add to LAYERS (and docs/architecture.md): {sorted(units - set(LEVEL))}"


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for path in _sources():
        me = _unit(list(path.relative_to(ROOT).parts))
        for target in imports_of(path):
            if target in LEVEL and LEVEL[target] > LEVEL[me]:
                upward.append(f"{path.relative_to(ROOT)} imports {target}")
    assert upward == []


def test_the_store_imports_nothing_but_the_foundations():
    for path in (ROOT / "store").rglob("*.py"):
        assert imports_of(path) <= LAYERS[0], path


def test_the_checker_sees_relative_type_only_and_absolute_imports(tmp_path):
    """The rule can fail: the kinds of import it must notice are noticed."""
    sample = ROOT / "store" / "sessions.py"
    text = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..ledger.rules import Costs\n"
    text += "import ai_trader.jobs.states\nfrom .. import service\n"
    fake = tmp_path / "ai_trader" / "store" / "fake.py"
    fake.parent.mkdir(parents=True)
    fake.write_text(text)
    assert imports_of(fake, tmp_path / "ai_trader") == {"ledger", "jobs", "service"}
    assert "ledger" not in imports_of(sample)
