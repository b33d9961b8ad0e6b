"""AI-Trader compatible files, regenerated from the database (the database is the truth; files are never read back).

`<agent_data>/<signature>/position/position.jsonl` — one line per action:
    line id 0: the registration `{"date": <first model-day>, "id": 0, "positions": {"CASH": initial_cash}}`;
    then per committed model-day, in date order, one line per trade
    `{"date", "id", "this_action": {"action": "buy"|"sell", "symbol", "amount"}, "positions": {...after it, "CASH"}}`
    or, for a day without trades, one `{"action": "no_trade", "symbol": "", "amount": 0}` line with the day's
    positions. Ids increase by one across days. Zero holdings are omitted (AI-Trader listed them as 0).
`<agent_data>/<signature>/log/<date>/log.jsonl` — the session's messages, one line per message as AI-Trader wrote
    them: `{"signature": ..., "new_messages": [message]}`.
Files are written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .store import Store
from .store import ledger as ledger_store

SIGNATURE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def _safe(signature: str) -> str:
    if not SIGNATURE_RE.match(signature) or signature in {".", ".."}:
        raise ValueError(f"invalid signature for a file name: {signature!r}")
    return signature


def _write_lines(path: Path, lines: Iterable[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=path.name + ".",
                                     suffix=".tmp", delete=False) as f:
        try:
            for line in lines:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        except BaseException:
            f.close()
            os.unlink(f.name)
            raise
    os.chmod(f.name, 0o644)  # NamedTemporaryFile creates 0600; exports are ordinary readable files
    os.replace(f.name, path)
    return path


def position_lines(
    days: list[ledger_store.ModelDayRow], trades: dict[int, list[ledger_store.TradeRow]]
) -> list[dict[str, Any]]:
    """The position.jsonl lines of one signature's committed days (oldest first)."""
    if not days:
        return []
    first = days[0]
    lines: list[dict[str, Any]] = [{"date": first.date, "id": 0, "positions": {"CASH": first.initial_cash}}]
    held: dict[str, int] = {}
    for day in days:
        day_trades = trades.get(day.id, [])
        if not day_trades:
            lines.append({"date": day.date, "id": len(lines), "this_action": {"action": "no_trade", "symbol": "",
                          "amount": 0}, "positions": {**dict(sorted(day.positions.items())), "CASH": day.cash}})
        for t in day_trades:
            held[t.symbol] = held.get(t.symbol, 0) + (t.amount if t.action == "buy" else -t.amount)
            if not held[t.symbol]:
                del held[t.symbol]
            lines.append({"date": day.date, "id": len(lines),
                          "this_action": {"action": t.action, "symbol": t.symbol, "amount": t.amount},
                          "positions": {**dict(sorted(held.items())), "CASH": t.cash_after}})
        held = dict(day.positions)  # the snapshot is the truth for the next day
    return lines


def log_lines(signature: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"signature": signature, "new_messages": [m]} for m in messages]


def position_path(agent_data_dir: Path, signature: str) -> Path:
    return Path(agent_data_dir) / _safe(signature) / "position" / "position.jsonl"


def log_path(agent_data_dir: Path, signature: str, date: str) -> Path:
    return Path(agent_data_dir) / _safe(signature) / "log" / date / "log.jsonl"


def write_position_file(store: Store, agent_data_dir: Path, signature: str) -> Path:
    with store.read() as conn:
        days = ledger_store.model_days(conn, signature)
        trades = ledger_store.trades_for(conn, [d.id for d in days])
    return _write_lines(position_path(agent_data_dir, signature), position_lines(days, trades))


def write_log_file(store: Store, agent_data_dir: Path, signature: str, date: str) -> Path | None:
    with store.read() as conn:
        day = ledger_store.model_day(conn, signature, date)
        record = ledger_store.session_record(conn, day.id) if day else None
    if record is None:
        return None
    return _write_lines(log_path(agent_data_dir, signature, date), log_lines(signature, record.messages))


def write_model_day_files(store: Store, agent_data_dir: Path, signature: str, date: str) -> list[Path]:
    """After a commit: the signature's position.jsonl and that day's log.jsonl."""
    out = [write_position_file(store, agent_data_dir, signature)]
    log = write_log_file(store, agent_data_dir, signature, date)
    return out + ([log] if log else [])


def export_signatures(store: Store, agent_data_dir: Path, signatures: Iterable[str] | None = None) -> dict[str, int]:
    """Regenerate every file of the given signatures (default: all with committed days); {signature: files}."""
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
        write_position_file(store, agent_data_dir, sig)
        for date in dates:
            count += write_log_file(store, agent_data_dir, sig, date) is not None
        written[sig] = count
    return written
