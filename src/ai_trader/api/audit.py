"""Audit trail of API callers: one JSON line per trigger or cancel (caller address, request, outcome) to the log
and to `DATA_DIR/api_audit.log`. Job transitions themselves are in the `job_events` table."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from ..redact import redact
from ..timeutil import utcnow_iso

log = logging.getLogger("ai_trader.audit")
_lock = threading.Lock()


def audit(data_dir: Path, action: str, client: str | None, status: int, **fields: Any) -> None:
    entry = {"at": utcnow_iso(), "action": action, "client": client, "status": status, **fields}
    log.info("audit %s from %s -> %s", action, client, status, extra=entry)
    line = redact(json.dumps(entry, default=str, separators=(",", ":"))) + "\n"
    try:
        with _lock, open(Path(data_dir) / "api_audit.log", "a", encoding="utf-8") as f:
            f.write(line)
    except OSError as exc:  # auditing must not fail the request; the log line above still exists
        log.warning("cannot append to api_audit.log: %s", exc)
