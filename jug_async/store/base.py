"""The store contracts: where task results, locks and failure records live.

A store maps task hashes (40-character lowercase hex ``str``; ``check_hash``
rejects anything else before it becomes a path or key) to results. It offers
three jobs, each its own protocol so that a store can be built and tested one
job at a time, and ``Store`` is all three: what callers type against.

``ResultStore``, ``LockStore`` and ``FailureLog`` below state their promises.
Every one of them holds for any medium (files shared over NFS, memory, a redis
server): nothing in a contract names a path, a file or a process.

Blocking and async: a call may block on a slow medium (a network filesystem can
stall for seconds). The two calls the scheduler's event loop makes while it
waits on other workers, ``aexists`` and ``alock_info``, have async twins that
do the same without blocking the loop.

Flaky media: a store on a shared filesystem retries transient errors (with
back-off, logged) and raises ``StoreError`` once the medium keeps failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from jug_async.errors import StoreError
from jug_async.locks.lease import DEFAULT_LEASE_SECONDS
from jug_async.records import LockRecord, lock_text

__all__ = ["FailureLog", "LockInfo", "LockStore", "ResultStore", "Store", "Swept",
           "check_hash", "is_hash", "lock_text"]

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


@dataclass(frozen=True)
class Swept:
    """What ``Store.sweep`` removed: temp files of dead writers (paths, bytes),
    locks of dead owners on saved tasks ((hash, why the owner is dead)), and
    locks a dead breaker had moved aside."""

    temp_files: tuple[str, ...] = ()
    temp_bytes: int = 0
    locks: tuple[tuple[str, str], ...] = ()
    asides: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.temp_files or self.locks or self.asides)

    def describe(self) -> str:
        """One line for the run's log ("" when nothing was removed)."""
        parts = []
        if self.temp_files:
            parts.append(f"{len(self.temp_files)} temp file(s) of dead writers "
                         f"({self.temp_bytes / 1e6:.1f} MB)")
        if self.locks:
            parts.append(f"{len(self.locks)} lock(s) of dead owners on saved tasks")
        if self.asides:
            parts.append(f"{len(self.asides)} lock(s) left aside by a dead breaker")
        return "removed " + ", ".join(parts) if parts else ""


@runtime_checkable
class ResultStore(Protocol):
    """Task results, encoded as jug 2.7 encodes them (see ``encoding.py``), so
    jug can load what this store saves and the other way round.

    Promises:
    - ``listing`` returns the hashes of all saved results in one pass: callers
      build status from it instead of asking per task.
    - ``load`` raises ``KeyError(h)`` when the result is absent and
      ``StoreError`` when it is present but cannot be decoded.
    - ``dump`` is atomic and durable when it returns: a reader sees the old state
      or the whole new value, never a partial one, even after a crash.
      ``dump_many`` gives the same promise for every item while sharing the cost
      of making them durable; a value that cannot be encoded saves nothing.
    """

    def describe(self) -> str:
        """Where the store is, for headers and logs (a jugdir path, ``memory:``)."""
        ...

    def listing(self) -> set[str]:
        """Hashes of all saved results, read in one pass."""
        ...

    def exists(self, h: str) -> bool:
        """Whether ``h`` is saved, as this client sees it (cheap; on a caching
        network filesystem a "no" may be stale for seconds)."""
        ...

    def saved_now(self, h: str) -> bool:
        """Whether ``h`` is saved, a "no" asked past any client cache: the
        check after taking a lock, which must see a result another host has
        just saved (exactly once). As cheap as ``exists`` when saved."""
        ...

    async def aexists(self, h: str) -> bool:
        """``saved_now`` without blocking the event loop: the scheduler asks it
        whether a task held elsewhere is done."""
        ...

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


@runtime_checkable
class LockStore(Protocol):
    """Locks: a lock says "some worker is computing this hash".

    Promises:
    - ``try_lock`` is the only race-free way to take a lock and answers True to
      exactly one of many concurrent callers, on any host sharing the store.
      ``try_lock_many`` makes the same promise for each hash, in order, and on
      an error gives back the locks it took before raising.
    - A lock holds ``records.LockRecord`` text (jug's two lines: who and when),
      so jug and jug-async tools show who holds it.
    - ``unlock`` releases (twice is harmless); ``mark_failed`` keeps the lock but
      flags it failed, as ``jug execute --keep-failed`` does, so no worker
      retries the task until someone clears it.
    - ``list_locks``/``lock_info`` are snapshots: the answer may be stale when it
      arrives. A lock whose content cannot be read is still a lock, with an
      unknown owner: readers never fail on it.
    - ``break_lock`` removes a lock believed stale only if it is still the very
      lock the caller inspected, so a lock re-taken in the meantime survives and
      two breakers cannot both win. A lock that is not a file (a directory in
      its place, which jug treats as held) is never broken nor marked.
    - ``set_lock_record(record)``: locks taken from then on by this process hold
      ``record.format()`` (jug's two lines, then the lease lines); None: jug's
      two lines only. The record must name the calling process.
    """

    def set_lock_record(self, record: LockRecord | None) -> None:
        """What this process's locks say about it from now on (see above)."""
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

    async def alock_info(self, h: str) -> LockInfo | None:
        """``lock_info`` without blocking the event loop."""
        ...

    def break_lock(self, h: str, seen: LockInfo) -> bool:
        """Remove the lock only if it is still the one ``seen`` describes."""
        ...

    def dead_owners(self, infos: Iterable[LockInfo]) -> dict[str, str]:
        """``{hash: why}`` for the locks among ``infos`` whose owner is known
        dead (``locks.reclaim.judge``, lease ages by the store's own clock).
        Breaks nothing: for views (``status``, ``monitor``)."""
        ...


@runtime_checkable
class FailureLog(Protocol):
    """Failure records: the text of a failed task (``records.format_failure``),
    for status and monitor views.

    Promises: a record is never read half-written; saving again replaces it.
    Records are cheap to lose (``jug cleanup`` may delete them), are not
    results (``listing`` never shows them) and jug never sees them.
    """

    def save_failure(self, h: str, text: str) -> None: ...

    def load_failure(self, h: str) -> str | None:
        """The record of ``h``; None when there is none."""
        ...

    def list_failures(self) -> set[str]: ...

    def clear_failure(self, h: str) -> None:
        """Delete the record of ``h``, if any."""
        ...


@runtime_checkable
class Store(ResultStore, LockStore, FailureLog, Protocol):
    """Results, locks and failure records of one store: what callers use.

    ``sweep`` is called once when a run starts: it removes what dead processes
    left behind, which nothing else would ever remove: temp files of writers
    killed mid-write (older than ``lease`` by the store's own clock: a live
    writer keeps changing its file) and locks of owners known dead
    (``locks.reclaim.judge``) on tasks whose result is saved, broken race-free.
    """

    def sweep(self, lease: float = DEFAULT_LEASE_SECONDS) -> Swept:
        """Remove what dead processes left behind; what was removed (a log line:
        ``Swept.describe``)."""
        ...
