"""Tasks held by other processes: what the scheduler does about a lock it did
not take.

The scheduler only calls ``HeldLocks.look`` for each task it waits for, and
``break_dead_workers`` after one of its own workers died; the rules are
``locks.reclaim.judge``'s (see there and docs/cluster.md):

* the result is saved → done (read through ``saved_now`` where the store has
  it: a network filesystem's negative cache must not hide another host's result);
* no lock any more → free (run it here);
* RECLAIM (its owner is gone: a dead PID of this kernel and namespace, or a
  lease that ran out by the *store's* clock) → the lock is broken with
  ``locks.reclaim.reclaim`` (rename aside first: one winner among racing hosts)
  and the task is free for the winner only;
* HELD (a jug-async lock whose lease is renewed) → wait;
* WAIT (a plain jug lock this host cannot judge) → wait, bounded by the run's
  ``wait_limit``, and say which lock, whose, how old, and how to clear it;
* FAILED (jug's ``--keep-failed`` mark) → the task fails here too.

Stores without lock files (``MemoryStore``) are judged from ``lock_info`` and
broken with ``break_lock``; their clock is this process's (one process only).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from jug_async.locks import facts
from jug_async.locks.clock import StoreClock
from jug_async.locks.facts import HostFacts, ProcessFacts
from jug_async.locks.reclaim import (
    Action,
    LockSnapshot,
    Verdict,
    explain,
    judge,
    read_snapshot,
)
from jug_async.locks.reclaim import reclaim as reclaim_lock
from jug_async.records import LockRecord
from jug_async.store.base import LockInfo, Store

DONE, FREE, HELD, WAIT, FAILED = "done", "free", "held", "wait", "failed"


@dataclass(frozen=True)
class Look:
    """What became of one task held elsewhere. ``verdict``/``record``: the lock's
    judgement and content (None when done or free); ``line``: the progress line
    naming a lock that is waited for (WAIT and FAILED)."""

    what: str
    record: LockRecord | None = None
    verdict: Verdict | None = None
    line: str = ""

    @property
    def owner(self) -> str:
        r = self.record
        return f"PID {r.pid} on {r.host}" if r is not None and r.pid is not None else ""

    def describe(self) -> str:
        """Owner and age, for a progress line: ``PID 4321 on node7, 12 min``."""
        age = f", {duration(self.verdict.age)}" if self.verdict is not None else ""
        return (self.owner or "an unknown owner") + age


def duration(seconds: float) -> str:
    s = max(0, round(seconds))
    return f"{s} s" if s < 120 else f"{s // 60} min" if s < 7200 else f"{s // 3600} h"


class _LocalClock:
    """The clock of a store that lives in this process (``MemoryStore``)."""

    async def anow(self) -> float:
        return time.time()


class HeldLocks:
    """Judges the locks of tasks held elsewhere for one run.

    Args:
        store: the run's store.
        here: this host's facts (``locks.facts.here()``).
        probe: what this host sees of a PID (``locks.facts.probe``).
        clock: the store's clock (``StoreClock`` in ``<jugdir>/tempfiles``).
    """

    def __init__(self, store: Store, *, here: HostFacts | None = None,
                 probe: Callable[[int], ProcessFacts] | None = None,
                 clock: object | None = None) -> None:
        self.store = store
        self.here = facts.here() if here is None else here
        self._probe = probe or (lambda pid: facts.probe(pid, self.here))
        jugdir = getattr(store, "jugdir", None)
        self._path = getattr(store, "lock_path", None) if jugdir is not None else None
        if clock is None:
            clock = StoreClock(f"{jugdir}/tempfiles") if jugdir is not None else _LocalClock()
        self.clock = clock
        self._saved_now = getattr(store, "saved_now", None)

    async def look(self, h: str) -> Look:
        """Judge the lock of ``h`` now (and break it if its owner is gone)."""
        if await self.store.aexists(h):
            return Look(DONE)
        path = self._path(h) if self._path is not None else None
        seen: LockSnapshot | LockInfo | None
        if path is not None:
            seen = await asyncio.to_thread(read_snapshot, path)
            if seen is None:
                return await self._gone(h)
            record, mtime = seen.record(), seen.mtime
        else:
            seen = await self.store.alock_info(h)
            if seen is None:
                return await self._gone(h)
            record = seen.record or LockRecord(seen.pid, seen.host, seen.created, seen.failed)
            mtime = seen.mtime
        now = await self.clock.anow()  # type: ignore[attr-defined]
        verdict = judge(record, mtime, here=self.here, store_now=now, probe=self._probe)
        if verdict.action is Action.RECLAIM:
            if path is not None:
                won = await asyncio.to_thread(reclaim_lock, path, seen)  # type: ignore[arg-type]
            else:
                won = self.store.break_lock(h, seen)  # type: ignore[arg-type]
            return Look(FREE, record, verdict) if won else Look(HELD, record, verdict)
        line = explain(path or h, record, verdict)
        if verdict.action is Action.FAILED:
            return Look(FAILED, record, verdict, line)
        if verdict.action is Action.WAIT:
            return Look(WAIT, record, verdict, line)
        return Look(HELD, record, verdict)

    async def _gone(self, h: str) -> Look:
        """No lock: saved a moment ago (maybe hidden by a client cache), or freed."""
        if self._saved_now is not None and await asyncio.to_thread(self._saved_now, h):
            return Look(DONE)
        return Look(FREE)

    def break_dead_workers(self, hashes: Iterable[str], ours: set[int]) -> None:
        """A worker died and broke the pool: break the locks of ``hashes`` held by
        one of ``ours`` (this run's workers, on this host) or by an owner the
        rules judge gone (judged as if just renewed: only a dead PID counts here,
        not a lease), so their tasks can run again. A lock marked failed stays;
        a store error leaves that lock alone."""
        for h in hashes:
            with contextlib.suppress(OSError):
                info = self.store.lock_info(h)
                if info is not None and not info.failed and (
                        (info.pid in ours and info.host == self.here.host)
                        or self._owner_gone(info)):
                    self.store.break_lock(h, info)

    def _owner_gone(self, info: LockInfo) -> bool:
        record = info.record or LockRecord(info.pid, info.host, info.created, info.failed)
        verdict = judge(record, info.mtime, here=self.here, store_now=info.mtime,
                        probe=self._probe)
        return verdict.action is Action.RECLAIM
