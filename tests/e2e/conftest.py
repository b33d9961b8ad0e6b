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
def e2e_root(tmp_path, imported_root, database_url):
    """A root for `serve` and the CLI (their working directory). On PostgreSQL the imported data is copied into the
    test's schema (`ai-trader db copy`) and the root's `.env` sets DATABASE_URL; the SQLite file is removed."""
    shutil.copytree(imported_root / "data", tmp_path / "data")
    (tmp_path / "configs").mkdir()
    if database_url is not None:
        db = tmp_path / "data" / "jobs.db"
        cli(tmp_path, "db", "copy", "--from", f"sqlite:///{db}", "--to", database_url)
        for leftover in (tmp_path / "data").glob("jobs.db*"):
            leftover.unlink()
        (tmp_path / ".env").write_text(f"DATABASE_URL={database_url}\n", encoding="utf-8")
    return tmp_path
