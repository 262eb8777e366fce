"""Per-task limits of a run (``--timeout``, ``--max-memory``): a task over a
limit fails with that reason instead of running for ever or taking the node
down with it.

The scheduler enforces them from outside the worker, the only place that
survives a task gone wild, with a ``LimitWatch``: every ``CHECK_EVERY`` seconds
(on a thread, off the event loop) it reads each worker's resident memory with
psutil and each running task's age. A limited run sends one task per batch and no more batches
than workers, so a task's age is the time since it was sent, and the worker
that runs it is the PID its lock names. The worker over a limit is killed
(SIGKILL: a task stuck in native code ignores anything gentler); the pool
breaks and is rebuilt, and the other tasks it was running go back to the
ready list as after any worker death.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jug_async.store.base import Store

CHECK_EVERY = 0.25  # seconds between checks
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """``timeout``: seconds a task may run; ``max_memory``: bytes of resident
    memory its worker may use. None: no limit."""

    timeout: float | None = None
    max_memory: int | None = None

    def __bool__(self) -> bool:
        return self.timeout is not None or self.max_memory is not None


def parse_size(text: str) -> int:
    """``"200M"``, ``"1.5GiB"``, ``"512k"``, ``"1000000"`` to bytes (binary
    multiples, as ``ulimit`` and SLURM's ``--mem`` read them).

    Raises:
        ValueError: not a size.
    """
    m = _SIZE.fullmatch(text)
    if m is None:
        raise ValueError(f"not a size: {text!r} (examples: 500M, 2G, 1.5GiB)")
    n = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if n <= 0:
        raise ValueError(f"a size must be positive: {text!r}")
    return n


def format_size(n: float) -> str:
    """Bytes as the largest binary unit that keeps a number >= 1: ``1.3 GiB``."""
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n)} B"


def over_time(limits: Limits, age: float) -> str | None:
    """The failure reason of a task running for ``age`` seconds, if over."""
    if limits.timeout is not None and age > limits.timeout:
        return f"exceeded --timeout {limits.timeout:g} s"
    return None


def over_memory(limits: Limits, rss: int) -> str | None:
    """The failure reason of a task whose worker uses ``rss`` bytes, if over."""
    if limits.max_memory is not None and rss > limits.max_memory:
        return (f"exceeded --max-memory {format_size(limits.max_memory)} "
                f"(RSS {format_size(rss)})")
    return None


def rss_of(pids: set[int]) -> dict[int, int]:
    """Resident memory of each live PID (blocking: a few /proc reads each)."""
    import psutil

    out = {}
    for pid in pids:
        try:
            out[pid] = psutil.Process(pid).memory_info().rss
        except psutil.Error:
            continue
    return out


class LimitWatch:
    """Watches the batches in flight of a limited run (one task each) and says
    which worker to kill, and why, once a task is over a limit.

    The scheduler feeds it (``sent`` when a batch is submitted, ``done`` when its
    future ends) and runs ``run(workers, kill)``: ``workers()`` is the pool's
    worker PIDs (None: no pool whose workers can be watched), ``kill(pid,
    reason)`` kills one worker (``pid`` None: no lock names it, stop them all).
    The pool then breaks; ``killed_for`` tells the scheduler which of the tasks
    it lost failed over a limit rather than by a crash.

    Args:
        limits: the run's limits.
        store, hashes: a batch's worker is the PID its locks name.
        clock: monotonic seconds (tests inject one).
    """

    def __init__(self, limits: Limits, store: Store, hashes: Sequence[str], *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._store = store
        self._hashes = hashes
        self._clock = clock
        self._sent: dict[int, tuple[list[int], float]] = {}  # batch -> nodes, when sent
        self._over: dict[int, str] = {}  # node -> why its worker was killed

    def sent(self, bid: int, nodes: Sequence[int]) -> None:
        """Batch ``bid`` was submitted: its age counts from now."""
        self._sent[bid] = (list(nodes), self._clock())

    def done(self, bid: int) -> None:
        """Batch ``bid``'s future ended (saved, failed, or its worker died)."""
        self._sent.pop(bid, None)

    def killed_for(self, i: int) -> str | None:
        """Why the worker of node ``i`` was killed, once (None: it was not)."""
        return self._over.pop(i, None)

    async def run(self, workers: Callable[[], set[int] | None],
                  kill: Callable[[int | None, str], None],
                  sleep: Callable[[float], Awaitable[object]] = asyncio.sleep) -> None:
        """``check`` every ``CHECK_EVERY`` seconds until cancelled."""
        while True:
            await sleep(CHECK_EVERY)
            await self.check(workers, kill)

    async def check(self, workers: Callable[[], set[int] | None],
                    kill: Callable[[int | None, str], None]) -> None:
        """One look at every batch in flight: ``kill`` the worker of each one
        over a limit (once per batch)."""
        pids = workers()
        if pids is None or not self._sent:
            return
        lim = self.limits
        now = self._clock()
        rss = await asyncio.to_thread(rss_of, pids) if lim.max_memory is not None else {}
        for bid, (nodes, sent_at) in list(self._sent.items()):
            if any(i in self._over for i in nodes):
                continue
            reason = over_time(lim, now - sent_at)
            pid = await self._worker_of(nodes)
            if reason is None and pid is not None:
                reason = over_memory(lim, rss.get(pid, 0))
            if reason is None or bid not in self._sent:  # over, or ended meanwhile
                continue
            for i in nodes:
                self._over[i] = reason
            kill(pid, reason)

    async def _worker_of(self, nodes: list[int]) -> int | None:
        """The worker running a batch: the PID its locks name."""
        for i in nodes:
            with contextlib.suppress(OSError):
                info = await self._store.alock_info(self._hashes[i])
                if info is not None and info.pid is not None:
                    return info.pid
        return None
