"""``jug.backends.dict_store``: an in-memory store (one process), and jug's lock
class over its locks."""

from __future__ import annotations

from collections import Counter
from collections.abc import MutableMapping
from typing import Any

from jug_async.store.memory import MemoryStore as dict_store

from .base import StoreLock

__all__ = ["dict_lock", "dict_store"]


class dict_lock(StoreLock):
    """jug's lock on ``name`` in a ``dict_store``; ``counts`` counts each call
    by kind (``lock:``, ``unlock:``, ``islock:``, ``fail:``, ``isfail:`` + name),
    as jug's does for its tests."""

    def __init__(self, store: Any, counts: MutableMapping[str, int] | None, name: Any) -> None:
        super().__init__(store, name)
        self.counts: MutableMapping[str, int] = Counter() if counts is None else counts

    def _count(self, kind: str) -> None:
        key = f"{kind}:{self.name}"
        self.counts[key] = self.counts.get(key, 0) + 1

    def get(self) -> bool:
        self._count("lock")
        return super().get()

    def release(self) -> None:
        self._count("unlock")
        super().release()

    def is_locked(self) -> bool:
        self._count("islock")
        return super().is_locked()

    def fail(self) -> bool:
        self._count("fail")
        return super().fail()

    def is_failed(self) -> bool:
        self._count("isfail")
        return super().is_failed()
