"""A response cache keyed on the database's change generation (`store.changes.ChangeWatch`).

`ResponseCache.get(key, compute)` answers the encoded bytes computed under the current generation, or computes
them (outside the lock) and keeps them while the generation stays; a new generation empties it. One computation
per key and generation: concurrent requests for a key being computed wait for that result instead of computing it
again (50 pollers after a commit compute a body once, not 50 times at once). Bounded in entries and bytes (least
recently used out first). Errors raised by `compute` are not cached (each waiting request then computes its own).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from ..store.changes import ChangeWatch

MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024


class ResponseCache:
    def __init__(self, watch: ChangeWatch, *, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES):
        self.watch = watch
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._generation = -1
        self._lock = threading.Lock()
        self._computing: dict[Hashable, tuple[int, threading.Event]] = {}

    def peek(self, key: Hashable) -> bytes | None:
        """The cached value when it is still current, else None (one PRAGMA and a dict lookup)."""
        generation = self.watch.generation()
        with self._lock:
            if generation != self._generation:
                return None
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def get(self, key: Hashable, compute: Callable[[], bytes]) -> bytes:
        generation = self.watch.generation()
        waited = False
        while True:
            with self._lock:
                if generation > self._generation:
                    self._entries.clear()
                    self._bytes, self._generation = 0, generation
                found = self._entries.get(key) if generation == self._generation else None
                if found is not None:
                    self._entries.move_to_end(key)
                    return found
                busy = self._computing.get(key)
                if waited or busy is None or busy[0] != generation:
                    mine = threading.Event()
                    self._computing[key] = (generation, mine)
                    break
            busy[1].wait()  # the same body under the same generation is being computed: take its result
            waited = True  # once: if it failed (or was not kept), compute it here
        try:
            value = compute()  # reads a snapshot at least as new as `generation`
            with self._lock:
                if generation == self._generation and len(value) <= self.max_bytes and key not in self._entries:
                    self._entries[key] = value
                    self._bytes += len(value)
                    while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                        _, old = self._entries.popitem(last=False)
                        self._bytes -= len(old)
        finally:
            with self._lock:
                if self._computing.get(key) == (generation, mine):
                    del self._computing[key]
            mine.set()
        return value
