"""The store contract: where task results, locks and failure records live.

A store maps task hashes (40-character lowercase hex ``str``) to results. Every
store, whatever its medium, promises:

Results
  ``listing()`` returns the hashes of all saved results in one pass: callers build
  status from it instead of asking per task. ``exists``/``load``/``dump``/``remove``
  work on one hash. ``load`` raises ``KeyError(h)`` when the result is absent and
  ``StoreError`` when it is present but cannot be decoded. ``dump`` is atomic and
  durable when it returns: a reader sees the old state or the whole new value,
  never a partial file, even after a crash. ``dump_many`` gives the same promise
  for every item while sharing the cost of making them durable. Values are encoded
  exactly as jug 2.7 encodes them (see ``encoding.py``), so jug can read them.

Locks
  A lock says "some worker is computing this hash". ``try_lock`` is the only
  race-free way to take one and answers True to exactly one of many concurrent
  callers, on any host sharing the store. ``unlock`` releases; ``mark_failed``
  keeps the lock but flags it failed, as ``jug execute --keep-failed`` does, so no
  worker retries the task until someone clears it. ``list_locks``/``lock_info``
  are snapshots: the answer may be stale when it arrives. ``break_lock`` removes a
  lock believed stale only if it is still the very lock the caller inspected, so
  a lock re-taken in the meantime survives and two breakers cannot both win.

Failure records
  The traceback text of a failed task, for status and monitor views. They are
  cheap to lose (``jug cleanup`` may delete them) but never read half-written.

Async variants
  ``aexists``, ``alock_info`` and ``asave_failure`` do the same as their blocking
  twins without blocking the event loop, because a network filesystem can stall
  for seconds.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from jug_async.errors import StoreError
from jug_async.records import LockRecord, lock_text

__all__ = ["LockInfo", "Store", "check_hash", "is_hash", "lock_text"]

_HASH = re.compile(r"[0-9a-f]{40}")


def check_hash(h: str) -> str:
    """Return ``h`` if it is a task hash; a store must never turn anything else
    (``../x``, bytes, an empty string) into a path or key."""
    if not isinstance(h, str) or not _HASH.fullmatch(h):
        raise StoreError(f"not a task hash (40 lowercase hex characters): {h!r}")
    return h


def is_hash(name: str) -> bool:
    """Whether ``name`` looks like a task hash (for filtering directory listings)."""
    return _HASH.fullmatch(name) is not None


@dataclass(frozen=True)
class LockInfo:
    """A snapshot of one lock, as read at one moment.

    ``pid``, ``host`` and ``created`` are None when the content is not jug's format
    (for example a lock read between its creation and its first write, or a lock
    path that cannot be read at all). ``failed`` is jug's ``--keep-failed`` marker.
    ``record`` is everything the lock's text says (lease fields included) when the
    snapshot was parsed from it.
    """

    hash: str
    pid: int | None
    host: str | None
    created: str | None
    mtime: float
    failed: bool
    record: LockRecord | None = None

    @classmethod
    def parse(cls, h: str, text: str | bytes, mtime: float) -> LockInfo:
        """Build the snapshot from a lock file's text and its ``st_mtime``."""
        r = LockRecord.parse(text, mtime)
        return cls(h, r.pid, r.host, r.created, mtime, r.failed, r)


@runtime_checkable
class Store(Protocol):
    """What every store offers; see the module docstring for the promises."""

    def describe(self) -> str:
        """Where the store is, for headers and logs (a jugdir path, ``memory:``)."""
        ...

    def listing(self) -> set[str]:
        """Hashes of all saved results, read in one pass."""
        ...

    def exists(self, h: str) -> bool: ...

    def load(self, h: str) -> Any:
        """The value saved under ``h``; ``KeyError(h)`` if absent."""
        ...

    def dump(self, h: str, value: Any) -> int:
        """Save atomically and durably; return the number of bytes written."""
        ...

    def dump_many(self, items: Sequence[tuple[str, Any]]) -> list[int]:
        """``dump`` for each item, sharing the syncs; all durable on return."""
        ...

    def remove(self, h: str) -> bool:
        """Delete the result; whether there was one."""
        ...

    def try_lock(self, h: str) -> bool:
        """Take the lock of ``h``; False if anyone (any host) holds it."""
        ...

    def try_lock_many(self, hashes: Sequence[str]) -> list[bool]:
        """``try_lock`` for each hash, in order; cheaper than one call each."""
        ...

    def unlock(self, h: str) -> None: ...

    def unlock_many(self, hashes: Sequence[str]) -> None: ...

    def mark_failed(self, h: str) -> None:
        """Keep the lock but flag it failed (jug ``--keep-failed``)."""
        ...

    def list_locks(self) -> set[str]: ...

    def lock_info(self, h: str) -> LockInfo | None:
        """A snapshot of the lock of ``h``; None when not locked."""
        ...

    def break_lock(self, h: str, seen: LockInfo) -> bool:
        """Remove the lock only if it is still the one ``seen`` describes."""
        ...

    def save_failure(self, h: str, text: str) -> None: ...

    def load_failure(self, h: str) -> str | None: ...

    def list_failures(self) -> set[str]: ...

    def clear_failure(self, h: str) -> None: ...

    async def aexists(self, h: str) -> bool: ...

    async def alock_info(self, h: str) -> LockInfo | None: ...

    async def asave_failure(self, h: str, text: str) -> None: ...
