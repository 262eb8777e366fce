"""FileStore: jug 2.7's file store, shared with jug workers on one (network) disk.

Layout under the jugdir (all created lazily, on the first write), and the module
that owns each part:

    <h[:2]>/<h[2:]>          result of hash h (encoding.py)      results.py
    packs/jugpack            jug's pack: {bytes hash: value}     pack.py
    locks/<h>.lock           lock of h: records.LockRecord text  locks.py
    locks/pack-save.lock     held while the pack is rewritten    pack.py
    tempfiles/<24 hex digits> files being written, renamed       durable.py
                             into place when durable
    jug-async/failures/<h>   traceback of a failed task          failures.py

``fanout.py`` overlaps many small calls on a network filesystem; ``retry.py``
retries the listing, lock and failure-record calls through a flaky one;
``sweep.py`` removes what dead processes left behind.

On this VM's ext4 creating an inode costs 35-180 us while link, rename, unlink
and write cost 5-10 us each (``bench/``): the hot path creates one inode per
result and one per batch of locks, and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from jug_async.errors import StoreError
from jug_async.locks.clock import StoreClock
from jug_async.locks.lease import DEFAULT_LEASE_SECONDS
from jug_async.records import LockRecord
from jug_async.store.base import LockInfo, Swept, check_hash
from jug_async.store.file import retry, sweep
from jug_async.store.file.durable import Disk
from jug_async.store.file.failures import Failures
from jug_async.store.file.fanout import FanOut
from jug_async.store.file.locks import Locks
from jug_async.store.file.offloop import off_loop
from jug_async.store.file.pack import Pack
from jug_async.store.file.results import Results
from jug_async.store.owners import dead_owners

T = TypeVar("T")

__all__ = ["FileStore"]


class FileStore:
    """Results, locks and failure records in a jugdir, readable and writable by
    jug 2.7 at the same time. Safe to share between threads and processes.

    Each job is its own object (``results``, ``locks``, ``failures``); this class
    joins them into one ``Store`` and retries their listing, lock and
    failure-record calls on transient errors for up to ``patience`` seconds
    (``retry.py``; results are written and read once, their errors are the
    task's).
    """

    def __init__(self, jugdir: str | os.PathLike[str], *, compress_numpy: bool = False,
                 patience: float = retry.DEFAULT_PATIENCE) -> None:
        path = os.fspath(jugdir)
        if not path:
            raise StoreError("empty jugdir path")
        self.jugdir = path.rstrip("/") or path
        self.patience = patience
        self.disk = Disk(self.jugdir)
        fanout = FanOut(self.disk.uses_group_sync)  # group sync works: a local disk
        self.pack = Pack(self.jugdir, self.disk)
        self.results = Results(self.jugdir, self.disk, fanout, self.pack,
                               native=not compress_numpy)
        self.locks = Locks(self.jugdir, self.disk, fanout)
        self.failures = Failures(self.jugdir, self.disk)
        self.clock = StoreClock(self.disk.tempdir)  # the file server's time, read lazily

    def __repr__(self) -> str:
        return f"FileStore({self.jugdir!r})"

    def describe(self) -> str:
        return self.jugdir

    def _retry(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        return retry.call(f"{what} in {self.jugdir}", fn, *args, patience=self.patience)

    # -- ResultStore -----------------------------------------------------------

    def listing(self) -> set[str]:
        return self._retry("listing results", self.results.listing)

    def exists(self, h: str) -> bool:
        return self.results.exists(h)

    def saved_now(self, h: str) -> bool:
        return self._retry("checking a result", self.results.saved_now, h)

    async def aexists(self, h: str) -> bool:
        return await self.results.aexists(h)

    def load(self, h: str) -> Any:
        return self.results.load(h)

    def dump(self, h: str, value: Any) -> int:
        return self.results.dump(h, value)

    def dump_many(self, items: Sequence[tuple[str, Any]]) -> list[int]:
        return self.results.dump_many(items)

    def remove(self, h: str) -> bool:
        return self.results.remove(h)

    def update_pack(self) -> int:
        """``jug pack``: move result files of at most 512 bytes into jug's pack
        (under its ``pack-save`` lock); how many were moved."""
        return self.results.update_pack()

    # -- LockStore -------------------------------------------------------------

    def set_lock_record(self, record: LockRecord | None) -> None:
        self.locks.set_record(record)

    def lock_path(self, h: str) -> str:
        """The lock file of ``h`` (what a lease renewer touches)."""
        return self.locks.path(check_hash(h))

    def try_lock(self, h: str) -> bool:
        try:
            return self.locks.try_lock(h)
        except OSError as exc:
            if not retry.is_transient(exc):
                raise
        # The create may have reached the server with its answer lost: then
        # the retry finds the name taken, by our own lock.
        return self._retry("taking a lock", lambda: self.locks.try_lock(h)
                           or self.locks.is_mine(h))

    def try_lock_many(self, hashes: Sequence[str]) -> list[bool]:
        try:
            return self.locks.try_lock_many(hashes)
        except OSError as exc:
            if not retry.is_transient(exc):
                raise

        def again() -> list[bool]:  # a failed batch gave its locks back: take them anew
            got = self.locks.try_lock_many(hashes)
            return [g or self.locks.is_mine(h) for h, g in zip(hashes, got, strict=True)]

        return self._retry("taking locks", again)

    def unlock(self, h: str) -> None:
        self._retry("releasing a lock", self.locks.unlock, h)

    def unlock_many(self, hashes: Sequence[str]) -> None:
        self._retry("releasing locks", self.locks.unlock_many, hashes)

    def mark_failed(self, h: str) -> None:
        self._retry("marking a lock failed", self.locks.mark_failed, h)

    def list_locks(self) -> set[str]:
        return self._retry("listing locks", self.locks.list_locks)

    def lock_info(self, h: str) -> LockInfo | None:
        return self._retry("reading a lock", self.locks.lock_info, h)

    def dead_owners(self, infos: Iterable[LockInfo]) -> dict[str, str]:
        def now() -> float | None:
            try:
                return self.clock.now()
            except OSError:  # a read-only store: judge without the clock
                return None

        return dead_owners(infos, now)

    async def alock_info(self, h: str) -> LockInfo | None:
        try:
            return await self.locks.alock_info(h)
        except OSError as exc:
            if not retry.is_transient(exc):
                raise
        return await off_loop(self.lock_info)(h)

    def break_lock(self, h: str, seen: LockInfo) -> bool:
        return self.locks.break_lock(h, seen)

    # -- FailureLog ------------------------------------------------------------

    def save_failure(self, h: str, text: str) -> None:
        self.failures.save_failure(h, text)

    def load_failure(self, h: str) -> str | None:
        return self.failures.load_failure(h)

    def list_failures(self) -> set[str]:
        return self._retry("listing failure records", self.failures.list_failures)

    # -- upkeep ------------------------------------------------------------------

    def sweep(self, lease: float = DEFAULT_LEASE_SECONDS) -> Swept:
        """See ``Store.sweep``; ``store/file/sweep.py`` says what is stale and why."""
        def once() -> Swept:
            # A stat per lock, not a listing of every result: locks are few.
            saved_locked = [(h, self.locks.path(h)) for h in self.locks.list_locks()
                            if self.results.exists(h)]
            return sweep.sweep(self.disk.tempdir, self.locks.dir, saved_locked, lease)

        return self._retry("sweeping", once)

    def clear_failure(self, h: str) -> None:
        self.failures.clear_failure(h)
