"""Another writer on the same SQLite file: a separate Python process holding `BEGIN IMMEDIATE` on command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

_SCRIPT = r"""
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
print("ready", flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "lock":
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
    elif command == "release":
        conn.execute("COMMIT")
        print("released", flush=True)
    else:
        break
"""


class Locker:
    """`lock()` returns once the other process holds the database's write lock; `release()` once it let go."""

    def __init__(self, db_path: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _SCRIPT, str(db_path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self._expect("ready")
        self.locked = False

    def _send(self, command: str, answer: str) -> None:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        self._expect(answer)

    def _expect(self, answer: str) -> None:
        line = self.proc.stdout.readline().strip()
        if line != answer:
            raise RuntimeError(f"locker process said {line!r}, expected {answer!r}")

    def lock(self) -> None:
        self._send("lock", "locked")
        self.locked = True

    def release(self) -> None:
        if self.locked:
            self._send("release", "released")
            self.locked = False

    def close(self) -> None:
        try:
            self.release()
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        except (OSError, ValueError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
