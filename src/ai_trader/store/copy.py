"""Copy a whole store into another, across engines (`ai-trader db copy --from sqlite:///… --to postgresql://…`).

Both stores are migrated to the current schema first; the destination must hold no rows (outside schema_version).
Tables go parents first (foreign keys), each in one pass of `executemany` batches, inside ONE write transaction
of the destination: a failed copy leaves it empty. Ids are kept (ledger rows, details and events reference them);
the destination's id generators are moved past them (engines.Engine.after_copy).
"""

from __future__ import annotations

from .db import Store

BATCH = 1000
SKIP = {"schema_version"}


class DestinationNotEmpty(Exception):
    """The destination store already holds data: copying into it would mix two histories."""


def _ordered(store: Store) -> list[str]:
    conn = store.conn()
    tables = [t for t in store.engine.tables(conn) if t not in SKIP]
    parents = {t: store.engine.parents(conn, t) & set(tables) - {t} for t in tables}
    out: list[str] = []
    while parents:
        ready = sorted(t for t, ps in parents.items() if ps <= set(out))
        if not ready:  # a cycle: keep the rest in name order (none in this schema)
            ready = sorted(parents)
        out += ready
        for t in ready:
            del parents[t]
    return out


def _columns(store: Store, table: str) -> list[str]:
    cur = store.conn().execute(f"SELECT * FROM {table} LIMIT 0")
    return [d[0] for d in cur.description]  # type: ignore[attr-defined]


def copy_store(src: Store, dst: Store) -> dict[str, int]:
    """Copy every table of `src` that `dst` has (the columns both have) into `dst`; returns rows per table."""
    tables = _ordered(dst)
    have = set(src.engine.tables(src.conn()))
    counts: dict[str, int] = {}
    with dst.write() as out:
        for table in tables:
            if out.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
                raise DestinationNotEmpty(f"the destination store already has rows in {table}: {dst.location}")
        for table in tables:
            if table not in have:
                continue
            src_cols = set(_columns(src, table))
            cols = [c for c in _columns(dst, table) if c in src_cols]
            names = ", ".join(cols)
            insert = f"INSERT INTO {table}({names}) VALUES ({', '.join('?' * len(cols))})"
            with src.read() as conn:
                cur = conn.execute(f"SELECT {names} FROM {table}")
                n = 0
                while batch := cur.fetchmany(BATCH):  # type: ignore[attr-defined]
                    out.executemany(insert, [tuple(r) for r in batch])
                    n += len(batch)
            dst.engine.after_copy(out, table)
            counts[table] = n
    return counts
