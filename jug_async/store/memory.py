"""MemoryStore: the store contract in one process's memory, for fast tests and
throwaway runs (the role of jug's ``dict_store``).

Values are kept value-encoded (as jug would write them), so a value that jug could
not save fails here too, and mutating an object after ``dump`` does not change
what ``load`` returns. Locks are a dict; they exclude threads of this process only.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from jug_async.locks.lease import DEFAULT_LEASE_SECONDS
from jug_async.records import FAILED_MTIME, LockRecord, lock_text
from jug_async.store.base import LockInfo, Swept, check_hash
from jug_async.store.encoding import decode, encode
from jug_async.store.owners import dead_owners


class MemoryStore:
    """Results, locks and failure records in dicts, guarded by one mutex."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._results: dict[str, bytes] = {}
        self._locks: dict[str, LockInfo] = {}
        self._failures: dict[str, str] = {}
        self._record: LockRecord | None = None

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._results)} results)"

    def describe(self) -> str:
        return "memory:"

    # -- ResultStore ---------------------------------------------------------

    def listing(self) -> set[str]:
        with self._mutex:
            return set(self._results)

    def exists(self, h: str) -> bool:
        return check_hash(h) in self._results

    def saved_now(self, h: str) -> bool:
        return self.exists(h)  # no cache to get past

    async def aexists(self, h: str) -> bool:
        return self.exists(h)  # nothing here can block

    def load(self, h: str) -> Any:
        try:
            data = self._results[check_hash(h)]
        except KeyError:
            raise KeyError(h) from None
        return decode(data)

    def dump(self, h: str, value: Any) -> int:
        return self.dump_many([(h, value)])[0]

    def dump_many(self, items: Sequence[tuple[str, Any]]) -> list[int]:
        """Encode everything first, so a value that fails saves nothing."""
        encoded = [(check_hash(h), encode(value)) for h, value in items]
        with self._mutex:
            self._results.update(encoded)
        return [len(data) for _, data in encoded]

    def remove(self, h: str) -> bool:
        with self._mutex:
            return self._results.pop(check_hash(h), None) is not None

    # -- LockStore -----------------------------------------------------------

    def set_lock_record(self, record: LockRecord | None) -> None:
        if record is not None and record.pid != os.getpid():
            raise ValueError(f"lock record of PID {record.pid} set in PID {os.getpid()}")
        self._record = record

    def _text(self) -> str:
        record = self._record
        if record is None:
            return lock_text()
        return lock_text(record.pid, record.host) + record.format().split("\n", 2)[2]

    def try_lock(self, h: str) -> bool:
        with self._mutex:
            if check_hash(h) in self._locks:
                return False
            self._locks[h] = LockInfo.parse(h, self._text(), time.time())
            return True

    def try_lock_many(self, hashes: Sequence[str]) -> list[bool]:
        """Every hash is checked first, so a bad one takes no lock."""
        return [self.try_lock(h) for h in [check_hash(h) for h in hashes]]

    def unlock(self, h: str) -> None:
        with self._mutex:
            self._locks.pop(check_hash(h), None)

    def unlock_many(self, hashes: Sequence[str]) -> None:
        for h in hashes:
            self.unlock(h)

    def mark_failed(self, h: str) -> None:
        with self._mutex:
            if (info := self._locks.get(check_hash(h))) is not None and info.record:
                self._locks[h] = LockInfo.parse(h, info.record.format(), FAILED_MTIME)

    def list_locks(self) -> set[str]:
        with self._mutex:
            return set(self._locks)

    def lock_info(self, h: str) -> LockInfo | None:
        return self._locks.get(check_hash(h))

    async def alock_info(self, h: str) -> LockInfo | None:
        return self.lock_info(h)  # nothing here can block

    def dead_owners(self, infos: Iterable[LockInfo]) -> dict[str, str]:
        return dead_owners(infos, time.time)  # this process's clock stamps these locks

    def break_lock(self, h: str, seen: LockInfo) -> bool:
        with self._mutex:
            if self._locks.get(check_hash(h)) != seen:
                return False
            del self._locks[h]
            return True

    # -- FailureLog ----------------------------------------------------------

    def save_failure(self, h: str, text: str) -> None:
        self._failures[check_hash(h)] = text

    def load_failure(self, h: str) -> str | None:
        return self._failures.get(check_hash(h))

    def list_failures(self) -> set[str]:
        with self._mutex:
            return set(self._failures)

    def clear_failure(self, h: str) -> None:
        self._failures.pop(check_hash(h), None)

    # -- upkeep --------------------------------------------------------------

    def sweep(self, lease: float = DEFAULT_LEASE_SECONDS) -> Swept:
        """Nothing outlives the process that could leave anything here."""
        return Swept()
