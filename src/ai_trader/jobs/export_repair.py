"""AI-Trader export files that failed are written again automatically (issue 15 item 9).

The database is the truth and the files follow it, but a file write can fail after a commit went through (DATA_DIR
read-only or full, `agent_data` replaced by a file): the day is committed, its files are not. So a model-day's
commit transaction marks its signature's files owed (`store/export_backlog.py`, migration 0015), and writing them
clears that mark; a failed write records when and why. Owed files are written again:

- by the signature's next commit: when its files were already owed, the commit rewrites all of the signature's
  files (`exports.export_signatures`), not just that day's;
- by every worker, at its start and then on its poll, at most every `RETRY_SECONDS` while any signature is due
  (`store.export_backlog.due`: a write failed, or a mark older than `GRACE_SECONDS`, which a process that died
  between a commit and its files leaves);
- by `ai-trader export` (which rewrites everything and clears what it wrote).

`/health` reports `exports: {"status": "behind", "behind": [...]}` (and 503) while any signature is due.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from pathlib import Path

from .. import exports
from ..redact import redact
from ..store import Store, db
from ..store import export_backlog as backlog
from ..timeutil import utcnow_iso

log = logging.getLogger(__name__)

GRACE_SECONDS = 60.0  # a mark younger than this without a failure is a write in progress, not a backlog
RETRY_SECONDS = 5.0  # a worker tries the due signatures again at most this often


def stale_before(now: dt.datetime | None = None) -> str:
    at = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(seconds=GRACE_SECONDS)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def due(store: Store) -> list[backlog.OwedExport]:
    with store.read() as conn:
        return backlog.due(conn, stale_before=stale_before())


def _describe(exc: BaseException) -> str:
    return redact(f"{type(exc).__name__}: {exc}")


def _record(store: Store, signature: str, *, mark: str | None, error: str | None) -> None:
    """Clear the mark the files were written for, or record the failure; a busy database is only logged (the mark
    stays, so the files are written again later)."""
    try:
        with store.write() as conn:
            if error is None:
                assert mark is not None
                backlog.settle(conn, signature, mark)
            else:
                backlog.failed(conn, signature, utcnow_iso(), error)
    except db.DatabaseError as exc:
        log.warning("could not record the export state of %s: %s", signature, exc)


def after_commit(
    store: Store,
    agent_data_dir: Path,
    signature: str,
    date: str,
    removed: Iterable[str],
    owed: tuple[str, bool],
) -> bool:
    """Write a just-committed day's files (all of the signature's when some were owed already); True when they
    are all written."""
    mark, behind = owed
    try:
        if behind:
            exports.export_signatures(store, agent_data_dir, [signature])
        else:
            exports.remove_day_files(agent_data_dir, signature, removed)
            exports.write_model_day_files(store, agent_data_dir, signature, date)
    except (OSError, ValueError) as exc:  # the database is the truth: the files are owed, written again later
        log.warning("could not write AI-Trader export files of %s (written again later): %s", signature, exc)
        _record(store, signature, mark=None, error=_describe(exc))
        return False
    _record(store, signature, mark=mark, error=None)
    return True


def failed_file_missing(store: Store, signature: str, exc: BaseException) -> None:
    """A failed attempt's file could not be written: the signature's files are owed."""
    _record(store, signature, mark=None, error=_describe(exc))


def repair(store: Store, agent_data_dir: Path, owed: Iterable[backlog.OwedExport] | None = None) -> list[str]:
    """Rewrite the files of every due signature (or of `owed`); the signatures repaired."""
    repaired = []
    for item in due(store) if owed is None else owed:
        try:
            exports.export_signatures(store, agent_data_dir, [item.signature])
        except (OSError, ValueError) as exc:
            log.warning("AI-Trader export files of %s still cannot be written: %s", item.signature, exc)
            _record(store, item.signature, mark=None, error=_describe(exc))
            continue
        _record(store, item.signature, mark=item.mark, error=None)
        log.info("AI-Trader export files of %s written again", item.signature, extra={"signature": item.signature})
        repaired.append(item.signature)
    return repaired


def export_all(store: Store, agent_data_dir: Path, signatures: list[str] | None = None) -> dict[str, int]:
    """`ai-trader export`: rewrite the files (all signatures, or those given) and clear what was owed of them."""
    with store.read() as conn:
        owed = [o for o in backlog.owed(conn) if signatures is None or o.signature in signatures]
    written = exports.export_signatures(store, agent_data_dir, signatures)
    for item in owed:
        _record(store, item.signature, mark=item.mark, error=None)
    return written
