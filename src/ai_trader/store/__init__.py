"""The only place with SQL. `Store` owns the database file; aggregates live in one module each
(`prices`, `ledger`, `sessions`, `jobs`) as functions over a connection; rows become frozen
dataclasses (`rows.py`)."""

from .db import Store, connect, migrate

__all__ = ["Store", "connect", "migrate"]
