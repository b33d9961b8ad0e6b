"""End-to-end fixtures: a temp root with data/ (the packaged NASDAQ-100 file imported by the real CLI) and configs/."""

from __future__ import annotations

import shutil

import pytest

from .server import cli

LAST_DAY = "2025-07-31"


@pytest.fixture(scope="session")
def imported_root(tmp_path_factory, nasdaq_csv):
    root = tmp_path_factory.mktemp("e2e-template")
    (root / "configs").mkdir()
    (root / "data").mkdir()
    # the packaged NASDAQ-100 file up to LAST_DAY, so "the most recent trading day with data" is LAST_DAY
    lines = nasdaq_csv.read_text(encoding="utf-8").splitlines()
    subset = root / f"nasdaq100_until_{LAST_DAY}.csv"
    subset.write_text("\n".join([lines[0], *(ln for ln in lines[1:] if ln[:10] <= LAST_DAY)]) + "\n", encoding="utf-8")
    cli(root, "data", "import", str(subset))
    return root


@pytest.fixture
def e2e_root(tmp_path, imported_root):
    shutil.copytree(imported_root / "data", tmp_path / "data")
    (tmp_path / "configs").mkdir()
    return tmp_path
