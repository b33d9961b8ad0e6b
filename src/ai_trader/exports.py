"""AI-Trader compatible files, regenerated from the database (the database is the truth; files are never read back).

`<agent_data>/<signature>/position/position.jsonl` — one line per action:
    line id 0: the registration `{"date": <first model-day>, "id": 0, "positions": {"CASH": initial_cash}}`;
    then per committed model-day, in date order, one line per trade
    `{"date", "id", "this_action": {"action": "buy"|"sell", "symbol", "amount"}, "positions": {...after it, "CASH"}}`
    or, for a day without trades, one `{"action": "no_trade", "symbol": "", "amount": 0}` line with the day's
    positions. Ids increase by one across days. Zero holdings are omitted (AI-Trader listed them as 0).
`<agent_data>/<signature>/log/<date>/log.jsonl` — the session's messages, one line per message as AI-Trader wrote
    them: `{"signature": ..., "new_messages": [message]}`.
`<agent_data>/<signature>/log/<date>/failed-<attempt>.jsonl` — a failed attempt at that day (not a committed day):
    a first line `{"signature", "date", "attempt", "job_id", "error", "failed_at", "total_steps", "prompt_tokens",
    "completion_tokens", "steps": [...per step timings and tokens]}`, then the messages so far as in log.jsonl.
Files are written to a temporary name and renamed, so a reader never sees half a file; the one exception is the
common case after a commit: a day later than the last day of an intact `position.jsonl` whose ids continue (its last
line's id = the number of actions the database holds before that day) is appended, in one write() of whole lines,
instead of rewriting the signature's whole history (which made a run O(days²)). Anything else (a replaced or
earlier day, a missing, truncated or foreign file) regenerates the file, so it always equals `ai-trader export`'s.
Repeated runs (`runs.py`): run 1 writes the paths above; run k >= 2 the same files under `<signature>/runs/<k>/`.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .ledger.rules import money, to_cents
from .runs import split_key
from .store import Store
from .store import events as event_store
from .store import failed as failed_store
from .store import ledger as ledger_store
from .store import records as record_store
from .store.events import LedgerEvent

SIGNATURE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _safe(signature: str) -> str:
    if not SIGNATURE_RE.match(signature) or signature in {".", ".."}:
        raise ValueError(f"invalid signature for a file name: {signature!r}")
    return signature


def _folder(agent_data_dir: Path, key: str) -> Path:
    """`<agent_data>/<signature>` for run 1, `<agent_data>/<signature>/runs/<k>` for run k >= 2 (`runs.py`)."""
    signature, run = split_key(key)
    base = Path(agent_data_dir) / _safe(signature)
    return base if run == 1 else base / "runs" / str(run)


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False) + "\n"


def _write_lines(path: Path, lines: Iterable[dict[str, Any]]) -> Path:
    """Write to a fresh temporary name in the same directory (mode 0644), then rename over `path`. Both steps and the
    clean-up of a failed write go through one handle on the directory, so a directory moved or replaced meanwhile
    never keeps a stray temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(_line(x) for x in lines).encode("utf-8")
    tmp = f"{path.name}.{os.getpid()}.{secrets.token_hex(6)}.tmp"
    dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644, dir_fd=dir_fd)
        try:
            try:
                os.fchmod(fd, 0o644)  # whatever the umask: exports are ordinary readable files
                _write_all(fd, data)
            finally:
                os.close(fd)
            os.replace(tmp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
    finally:
        os.close(dir_fd)
    return path


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def position_lines(
    days: list[ledger_store.ModelDayRow],
    trades: dict[int, list[ledger_store.TradeRow]],
    events: dict[int, list[LedgerEvent]] | None = None,
) -> list[dict[str, Any]]:
    """The position.jsonl lines of one signature's committed days (oldest first)."""
    if not days:
        return []
    first = days[0]
    lines: list[dict[str, Any]] = [{"date": first.date, "id": 0, "positions": {"CASH": first.initial_cash}}]
    held: dict[str, int] = {}
    cash = first.initial_cash
    for day in days:
        day_events = (events or {}).get(day.id, [])
        if day_events:
            held, cash, split = split_lines(day.date, day_events, held, cash, len(lines))
            lines += split
        lines += day_lines(day, trades.get(day.id, []), held, len(lines))
        held, cash = dict(day.positions), day.cash  # the snapshot is the truth for the next day
    return lines


def split_lines(
    date: str, events: list[LedgerEvent], held: dict[str, int], cash: float, first_id: int
) -> tuple[dict[str, int], float, list[dict[str, Any]]]:
    """One `{"action": "split", "symbol", "amount": shares added, "ratio"}` line per holding a split adjusted before
    the session, and one `{"action": "dividend", "symbol", "amount": 0, "shares", "per_share", "cash"}` line per
    dividend credited (extensions of AI-Trader's actions), and the holdings and cash after them."""
    held, out = dict(held), list[dict[str, Any]]()
    for e in events:
        held[e.symbol] = e.shares_after
        if not e.shares_after:
            del held[e.symbol]
        cash = float(to_cents(money(cash) + money(e.cash)))
        action: dict[str, Any] = (
            {"action": "split", "symbol": e.symbol, "amount": e.shares_after - e.shares_before, "ratio": e.ratio}
            if e.kind == "split"
            else {
                "action": "dividend",
                "symbol": e.symbol,
                "amount": 0,
                "shares": e.shares_after,
                "per_share": e.amount,
                "cash": e.cash,
            }
        )
        out.append(
            {
                "date": date,
                "id": first_id + len(out),
                "this_action": action,
                "positions": {**dict(sorted(held.items())), "CASH": cash},
            }
        )
    return held, cash, out


def day_lines(
    day: ledger_store.ModelDayRow, day_trades: list[ledger_store.TradeRow], held: dict[str, int], first_id: int
) -> list[dict[str, Any]]:
    """One day's position.jsonl lines, ids from `first_id`; `held` = the holdings before the day (the previous
    snapshot's positions)."""
    if not day_trades:
        return [
            {
                "date": day.date,
                "id": first_id,
                "this_action": {"action": "no_trade", "symbol": "", "amount": 0},
                "positions": {**dict(sorted(day.positions.items())), "CASH": day.cash},
            }
        ]
    held = dict(held)
    out: list[dict[str, Any]] = []
    for t in day_trades:
        held[t.symbol] = held.get(t.symbol, 0) + (t.amount if t.action == "buy" else -t.amount)
        if not held[t.symbol]:
            del held[t.symbol]
        line = {
            "date": day.date,
            "id": first_id + len(out),
            "this_action": {"action": t.action, "symbol": t.symbol, "amount": t.amount},
            "positions": {**dict(sorted(held.items())), "CASH": t.cash_after},
        }
        if t.commission or t.slippage or t.fee:  # an extension: only a trade that paid costs has it
            line["costs"] = {
                "fill_price": t.fill_price,
                "commission": t.commission,
                "slippage": t.slippage,
                "fee": t.fee,
            }
        out.append(line)
    return out


def log_lines(signature: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    signature = split_key(signature)[0]  # a run's files name its signature (the folder names the run)
    return [{"signature": signature, "new_messages": [m]} for m in messages]


def position_path(agent_data_dir: Path, signature: str) -> Path:
    return _folder(agent_data_dir, signature) / "position" / "position.jsonl"


def log_path(agent_data_dir: Path, signature: str, date: str) -> Path:
    return _folder(agent_data_dir, signature) / "log" / date / "log.jsonl"


def write_position_file(store: Store, agent_data_dir: Path, signature: str, committed: str | None = None) -> Path:
    """Regenerate the signature's position.jsonl; with `committed` (the date just committed), append that day's
    lines instead when the file ends, intact, with the signature's previous day (see the module docstring)."""
    path = position_path(agent_data_dir, signature)
    if committed is not None and _append_day(store, path, signature, committed):
        return path
    with store.read() as conn:
        days = ledger_store.model_days(conn, signature)
        trades = ledger_store.trades_for(conn, [d.id for d in days])
        events = event_store.events_for(conn, [d.id for d in days])
    return _write_lines(path, position_lines(days, trades, events))


def _append_day(store: Store, path: Path, signature: str, date: str) -> bool:
    """Append `date`'s lines if it is the signature's latest day and directly follows the file's last line."""
    last = _last_line(path)
    if last is None or type(last.get("id")) is not int or not isinstance(last.get("date"), str) or last["date"] >= date:
        return False
    with store.read() as conn:
        day = ledger_store.model_day(conn, signature, date)
        prev = ledger_store.day_before(conn, signature, date)
        if (
            day is None
            or prev is None
            or prev.date != last["date"]
            or ledger_store.latest_date(conn, signature) != date
            or ledger_store.action_count(conn, signature, date) != last["id"]
        ):
            return False
        day_trades = ledger_store.trades_for(conn, [day.id])[day.id]
        if event_store.events_for(conn, [day.id])[day.id]:
            return False  # a day with a split is written by the regeneration
    data = "".join(_line(x) for x in day_lines(day, day_trades, prev.positions, last["id"] + 1)).encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError:
        return False
    try:
        _write_all(fd, data)
    except OSError:
        return False  # a partial line, if any, makes the regeneration below (and any later append check) rewrite it
    finally:
        os.close(fd)
    return True


def _last_line(path: Path) -> dict[str, Any] | None:
    """The file's last line parsed (read backwards from the end); None when the file is missing or empty, does not
    end with a newline, or the line is not a JSON object."""
    try:
        with open(path, "rb") as f:
            pos = f.seek(0, os.SEEK_END)
            tail = b""
            while pos > 0:
                step = min(4096, pos)
                pos -= step
                f.seek(pos)
                tail = f.read(step) + tail
                if tail.rfind(b"\n", 0, len(tail) - 1) >= 0:
                    break
    except OSError:
        return None
    if not tail.endswith(b"\n"):
        return None
    try:
        obj = json.loads(tail[tail.rfind(b"\n", 0, len(tail) - 1) + 1 :])
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def write_log_file(store: Store, agent_data_dir: Path, signature: str, date: str) -> Path | None:
    with store.read() as conn:
        day = ledger_store.model_day(conn, signature, date)
        messages = record_store.session_messages(conn, day.id) if day else None
    if messages is None:
        return None
    return _write_lines(log_path(agent_data_dir, signature, date), log_lines(signature, messages))


def failed_path(agent_data_dir: Path, signature: str, date: str, attempt: int) -> Path:
    return _folder(agent_data_dir, signature) / "log" / date / f"failed-{attempt}.jsonl"


def write_failed_file(store: Store, agent_data_dir: Path, failed_id: int) -> Path | None:
    """A failed session's file (see the module docstring); None if the id is unknown."""
    with store.read() as conn:
        found = failed_store.failed_session_body(conn, failed_id)
    if found is None:
        return None
    fs, messages, steps = found
    head = {
        "signature": split_key(fs.signature)[0],
        "date": fs.date,
        "attempt": fs.attempt,
        "job_id": fs.job_id,
        "error": fs.error,
        "failed_at": fs.failed_at,
        "total_steps": fs.total_steps,
        "prompt_tokens": fs.prompt_tokens,
        "completion_tokens": fs.completion_tokens,
        "steps": [_step_summary(s) for s in steps],
    }
    path = failed_path(agent_data_dir, fs.signature, fs.date, fs.attempt)
    return _write_lines(path, [head, *log_lines(fs.signature, messages)])


def _step_summary(step: dict[str, Any]) -> dict[str, Any]:
    keys = ("step", "latency_s", "attempts", "usage")
    out = {k: step[k] for k in keys if k in step}
    response = step.get("response") or {}
    out["finish_reason"] = response.get("finish_reason")
    out["tool_calls"] = [c.get("name") for c in response.get("tool_calls") or []]
    return out


def remove_day_files(agent_data_dir: Path, signature: str, dates: Iterable[str]) -> None:
    """Delete the log files of days no longer committed (removed with a replaced earlier day)."""
    for date in dates:
        path = log_path(agent_data_dir, signature, date)
        path.unlink(missing_ok=True)
        try:
            path.parent.rmdir()
        except OSError:  # not empty (someone else's file) or already gone
            pass


def write_model_day_files(store: Store, agent_data_dir: Path, signature: str, date: str) -> list[Path]:
    """After a commit: the signature's position.jsonl and that day's log.jsonl."""
    out = [write_position_file(store, agent_data_dir, signature, date)]
    log = write_log_file(store, agent_data_dir, signature, date)
    return out + ([log] if log else [])


def export_signatures(store: Store, agent_data_dir: Path, signatures: Iterable[str] | None = None) -> dict[str, int]:
    """Regenerate every file of the given signatures (default: all with committed days, and the failed attempts of
    any), removing the log files of days no longer committed; {signature: files written}."""
    with store.read() as conn:
        known = ledger_store.signatures(conn)
    wanted = list(signatures) if signatures is not None else known
    written: dict[str, int] = {}
    for sig in wanted:
        with store.read() as conn:
            dates = [d.date for d in ledger_store.model_days(conn, sig)]
        if not dates:
            written[sig] = 0
            continue
        count = 1
        log_dir = position_path(agent_data_dir, sig).parent.parent / "log"
        committed = set(dates)
        stale = [p.parent.name for p in log_dir.glob("*/log.jsonl") if p.parent.name not in committed]
        remove_day_files(agent_data_dir, sig, stale)
        write_position_file(store, agent_data_dir, sig)
        for date in dates:
            count += write_log_file(store, agent_data_dir, sig, date) is not None
        written[sig] = count
    with store.read() as conn:  # failed attempts too (a signature may have nothing else)
        failed = (
            failed_store.failed_ids(conn)
            if signatures is None
            else [i for sig in wanted for i in failed_store.failed_ids(conn, sig)]
        )
    for failed_id in failed:
        path = write_failed_file(store, agent_data_dir, failed_id)
        if path is not None:
            sig = path.parent.parent.parent.name
            written[sig] = written.get(sig, 0) + 1
    return written
