"""A small per-process cache with a time-to-live, for reference rows read on every request (regions, units,
API tokens) that change rarely and whose staleness is bounded by the TTL.

Each process has its own copy; ``clear()`` (wired to the model's save/delete signals by the owner) empties
this process's copy at once, other processes within ``ttl`` seconds. Entries are handed out shared: callers
treat them as read-only. Dict operations are atomic under the GIL, so threads need no lock; at worst two
threads both miss and both load.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, *, ttl: float, max_entries: int = 1024) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._data: dict[Hashable, tuple[float, V]] = {}

    def get(self, key: Hashable, load: Callable[[], V | None]) -> V | None:
        """The cached value for ``key`` or ``load()``; a ``None`` from ``load`` is not cached (an unknown key
        must not fill the cache, and becomes known as soon as it exists)."""
        now = time.monotonic()
        hit = self._data.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if value is not None:
            if len(self._data) >= self.max_entries:
                self._data = {}
            self._data[key] = (now + self.ttl, value)
        return value

    def clear(self, *_args: object, **_kwargs: object) -> None:
        """Forget everything (signature fits a signal receiver)."""
        self._data = {}
