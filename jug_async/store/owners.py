"""Which locks belong to owners known to be dead: the judgement of
``locks.reclaim.judge`` over many locks, breaking nothing (``status`` and
``monitor`` show them; a run's ``sweep`` or its scheduler breaks them)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from jug_async.locks import facts
from jug_async.locks.reclaim import Action, judge
from jug_async.store.base import LockInfo


def dead_owners(infos: Iterable[LockInfo], now: Callable[[], float | None], *,
                here: facts.HostFacts | None = None,
                probe: Callable[[int], facts.ProcessFacts] | None = None) -> dict[str, str]:
    """``{hash: why}`` for the locks among ``infos`` whose owner is known dead
    (``judge`` says RECLAIM). Breaks nothing. ``now()`` is the store's time, or
    None when it cannot be read (a read-only store): then a lock's age counts
    as 0 and only the rules that need no clock apply. Each PID is probed once."""
    here = facts.here() if here is None else here
    probe = functools.lru_cache(maxsize=None)(
        (lambda pid: facts.probe(pid, here)) if probe is None else probe)
    dead: dict[str, str] = {}
    clock: list[float | None] = []
    for info in infos:
        record = info.record
        if record is None or record.pid is None or record.failed:
            continue
        if record.lease_seconds is not None and not clock:
            clock.append(now())
        store_now = clock[0] if clock and clock[0] is not None else info.mtime
        verdict = judge(record, info.mtime, here=here, store_now=store_now, probe=probe)
        if verdict.action is Action.RECLAIM:
            dead[info.hash] = verdict.reason
    return dead
