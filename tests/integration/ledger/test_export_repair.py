"""Issue 15 item 9: export files that could not be written after a commit (here `agent_data` is replaced by a
file, which blocks writes even for root) are owed in the database and written again automatically: by the
signature's next commit, by a worker's periodic check, and by `ai-trader export`; /health says they are behind."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest

from ai_trader.exports import export_signatures
from ai_trader.jobs import export_repair
from ai_trader.jobs.worker import Worker
from ai_trader.service.health import check_exports
from ai_trader.store import export_backlog
from ai_trader.timeutil import utcnow_iso
from tests.integration.ledger.test_exports_incremental import PLAN
from tests.support.exports import play

pytestmark = pytest.mark.both_engines

DAYS = ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-07"]


def same_tree(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all(filecmp.cmp(a / f, b / f, shallow=False) for f in files_a)


def regenerated(env, tmp_path: Path) -> Path:
    out = tmp_path / "regenerated"
    shutil.rmtree(out, ignore_errors=True)
    export_signatures(env.store, out)
    return out


def break_dir(agent_data: Path) -> Path:
    """`agent_data` becomes a file: every write under it fails (root included); returns where the directory went."""
    aside = agent_data.with_name("agent_data.aside")
    agent_data.rename(aside)
    agent_data.write_text("not a directory")
    return aside


def restore(agent_data: Path, aside: Path) -> None:
    agent_data.unlink()
    aside.rename(agent_data)


def test_the_next_commit_of_the_signature_writes_every_missed_file(env, tmp_path):
    live = tmp_path / "agent_data"
    play(env, "m", PLAN, DAYS[:1], live)
    aside = break_dir(live)
    play(env, "m", PLAN, DAYS[1:3], live)  # committed; their files cannot be written
    exports = check_exports(env.store)
    assert exports["status"] == "behind" and [b["signature"] for b in exports["behind"]] == ["m"]
    assert "NotADirectoryError" in exports["behind"][0]["error"]
    restore(live, aside)
    assert not (live / "m/log/2025-07-02/log.jsonl").exists()
    play(env, "m", PLAN, DAYS[3:], live)
    assert (live / "m/log/2025-07-02/log.jsonl").exists() and (live / "m/log/2025-07-03/log.jsonl").exists()
    assert same_tree(live, regenerated(env, tmp_path))
    assert check_exports(env.store) == {"status": "current", "behind": []}


def test_a_worker_writes_the_missed_files_without_any_new_commit(env, settings, tmp_path):
    live = settings.agent_data_dir
    play(env, "m", PLAN, DAYS[:1], live)
    aside = break_dir(live)
    play(env, "m", PLAN, DAYS[1:], live)
    Worker(settings, env.store).drain()  # nothing queued; the files are still blocked: they stay owed
    assert check_exports(env.store)["status"] == "behind"
    restore(live, aside)
    Worker(settings, env.store).drain()  # a worker's start (and its poll, every RETRY_SECONDS) writes them again
    assert same_tree(live, regenerated(env, tmp_path))
    assert check_exports(env.store)["status"] == "current"


def test_a_commit_whose_process_died_before_its_files_is_repaired_after_the_grace_period(env, tmp_path):
    live = tmp_path / "agent_data"
    play(env, "m", PLAN, DAYS[:2], live)
    (live / "m/log/2025-07-02/log.jsonl").unlink()  # as if the process died between the commit and this file
    with env.store.write() as conn:  # the commit transaction's mark, never cleared
        export_backlog.owe(conn, "m", "2025-07-02T00:00:00.000000Z")
    assert [o.signature for o in export_repair.due(env.store)] == ["m"]  # long past the grace period
    assert export_repair.repair(env.store, live) == ["m"]
    assert same_tree(live, regenerated(env, tmp_path))
    assert export_repair.due(env.store) == []


def test_a_write_in_progress_is_not_reported_behind(env):
    with env.store.write() as conn:
        export_backlog.owe(conn, "m", utcnow_iso())  # just marked: the files are being written
    assert check_exports(env.store)["status"] == "current"


def test_ai_trader_export_clears_what_was_owed(env, tmp_path):
    live = tmp_path / "agent_data"
    play(env, "m", PLAN, DAYS[:1], live)
    aside = break_dir(live)
    play(env, "m", PLAN, DAYS[1:2], live)
    restore(live, aside)
    assert check_exports(env.store)["status"] == "behind"
    export_repair.export_all(env.store, live)
    assert same_tree(live, regenerated(env, tmp_path))
    assert check_exports(env.store)["status"] == "current"
