"""A generation number that moves whenever the database may have changed, and a response cache keyed on it.

`ChangeWatch.generation()` costs one cheap query (SQLite's `PRAGMA data_version`) on the calling thread's connection
(`store.changes`): each thread remembers the token it saw last, and the first time a thread sees a different one the
process-wide generation goes up. Every commit (any connection, any process) is therefore noticed by the first request
after it, on whichever thread: a value computed after reading generation `g` is never older than `g`.

`ResponseCache.get(key, compute)` answers the encoded bytes computed under the current generation, or computes
them (outside the lock) and keeps them while the generation stays; a new generation empties it. Bounded in
entries and bytes (least recently used out first). Errors raised by `compute` are not cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from ..store import Store
from ..store.changes import change_token

MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024


class ChangeWatch:
    def __init__(self, store: Store):
        self.store = store
        self._local = threading.local()
        self._lock = threading.Lock()
        self._generation = 0

    def generation(self) -> int:
        conn = self.store.conn()
        token = change_token(self.store)
        local = self._local
        with self._lock:
            if getattr(local, "conn", None) is not conn or local.token != token:
                local.conn, local.token = conn, token
                self._generation += 1
            return self._generation


class ResponseCache:
    def __init__(self, watch: ChangeWatch, *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.watch = watch
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._generation = -1
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def peek(self, key: Hashable) -> bytes | None:
        """The cached value when it is still current, else None (one PRAGMA and a dict lookup)."""
        generation = self.watch.generation()
        with self._lock:
            if generation != self._generation:
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
            return found

    def get(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        generation = self.watch.generation()
        with self._lock:
            if generation != self._generation:
                self._entries.clear()
                self._bytes, self._generation = 0, generation
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        value = compute()  # reads a snapshot at least as new as `generation`
        with self._lock:
            if generation == self._generation and len(value) <= self.max_bytes and key not in self._entries:
                self._entries[key] = value
                self._bytes += len(value)
                while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                    _, old = self._entries.popitem(last=False)
                    self._bytes -= len(old)
        return value
