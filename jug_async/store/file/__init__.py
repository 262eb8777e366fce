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

``fanout.py`` overlaps many small calls on a network filesystem.

On this VM's ext4 creating an inode costs 35-180 us while link, rename, unlink
and write cost 5-10 us each (``bench/``): the hot path creates one inode per
result and one per batch of locks, and nothing else.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from jug_async.errors import StoreError
from jug_async.store.base import LockInfo
from jug_async.store.file.durable import Disk
from jug_async.store.file.failures import Failures
from jug_async.store.file.fanout import FanOut
from jug_async.store.file.locks import Locks
from jug_async.store.file.pack import Pack
from jug_async.store.file.results import Results

__all__ = ["FileStore"]


class FileStore:
    """Results, locks and failure records in a jugdir, readable and writable by
    jug 2.7 at the same time. Safe to share between threads and processes.

    Each job is its own object (``results``, ``locks``, ``failures``); this class
    only joins them into one ``Store``.
    """

    def __init__(self, jugdir: str | os.PathLike[str], *, compress_numpy: bool = False) -> None:
        path = os.fspath(jugdir)
        if not path:
            raise StoreError("empty jugdir path")
        self.jugdir = path.rstrip("/") or path
        self.disk = Disk(self.jugdir)
        fanout = FanOut(self.disk.uses_group_sync)  # group sync works: a local disk
        self.pack = Pack(self.jugdir, self.disk)
        self.results = Results(self.jugdir, self.disk, fanout, self.pack,
                               native=not compress_numpy)
        self.locks = Locks(self.jugdir, self.disk, fanout)
        self.failures = Failures(self.jugdir, self.disk)

    def __repr__(self) -> str:
        return f"FileStore({self.jugdir!r})"

    def describe(self) -> str:
        return self.jugdir

    # -- ResultStore -----------------------------------------------------------

    def listing(self) -> set[str]:
        return self.results.listing()

    def exists(self, h: str) -> bool:
        return self.results.exists(h)

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

    # -- LockStore -------------------------------------------------------------

    def try_lock(self, h: str) -> bool:
        return self.locks.try_lock(h)

    def try_lock_many(self, hashes: Sequence[str]) -> list[bool]:
        return self.locks.try_lock_many(hashes)

    def unlock(self, h: str) -> None:
        self.locks.unlock(h)

    def unlock_many(self, hashes: Sequence[str]) -> None:
        self.locks.unlock_many(hashes)

    def mark_failed(self, h: str) -> None:
        self.locks.mark_failed(h)

    def list_locks(self) -> set[str]:
        return self.locks.list_locks()

    def lock_info(self, h: str) -> LockInfo | None:
        return self.locks.lock_info(h)

    async def alock_info(self, h: str) -> LockInfo | None:
        return await self.locks.alock_info(h)

    def break_lock(self, h: str, seen: LockInfo) -> bool:
        return self.locks.break_lock(h, seen)

    # -- FailureLog ------------------------------------------------------------

    def save_failure(self, h: str, text: str) -> None:
        self.failures.save_failure(h, text)

    def load_failure(self, h: str) -> str | None:
        return self.failures.load_failure(h)

    def list_failures(self) -> set[str]:
        return self.failures.list_failures()

    def clear_failure(self, h: str) -> None:
        self.failures.clear_failure(h)
