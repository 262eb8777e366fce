"""Watch a store from any host: what the ``monitor`` view shows, without Textual.

A ``Snapshot`` is one frozen picture of a run: counts per task name, the
running tasks (with host and PID from their lock files), the hosts and
processes seen holding locks, the failures with their tracebacks, the rate.
The TUI renders snapshots and nothing else, whether they come from this
module's ``StorePoller`` (read-only, any host) or from the live scheduler's
events (``jug_async.tui.tracker``).

``StorePoller.poll()`` reads the store once (one listing, the lock files, the
failure records) and decides states exactly as ``status`` does, so it sees
runs by other hosts and by the real jug's workers (a jug lock has the same
content). ``Monitor`` calls it from a daemon thread with back-off: every
``interval`` seconds while something changes, doubling up to ``max_interval``
while nothing does. It reports through a callback, like toolong's watcher.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from jug_async.graph import TaskGraph
from jug_async.records import parse_lock_date
from jug_async.records import split_failure as split_failure_record
from jug_async.states import MONITOR_STATES
from jug_async.store.base import LockInfo, Store
from jug_async.view import status
from jug_async.view.rates import RateMeter

STATES = MONITOR_STATES  # TaskStates, each equal to its lowercase name
MAX_RUNNING = 500  # rows kept in a snapshot's running list
MAX_FAILURES = 500  # failures kept (and tracebacks read) per snapshot
MAX_HOSTS = 200


@dataclass(frozen=True)
class NameCounts:
    """One task name: how many of its tasks (distinct hashes) are in each state."""

    name: str
    total: int
    waiting: int = 0
    ready: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0


@dataclass(frozen=True)
class RunningTask:
    hash: str
    name: str
    host: str  # "" when unknown
    pid: int | None
    since: float | None  # time.time() when it started, when known
    dead: str = ""  # why its lock's owner is known dead ("" when not)


@dataclass(frozen=True)
class HostSeen:
    """A process seen holding locks (from lock contents), or reporting results."""

    host: str
    pid: int | None
    holding: int  # locks it holds now
    last_seen: float


@dataclass(frozen=True)
class FailedTask:
    hash: str
    name: str
    error: str  # one line
    traceback: str
    at: float | None = None


@dataclass(frozen=True)
class TaskRow:
    """One task, for the per-name drill-down."""

    hash: str
    state: str  # one of STATES (a TaskState, which is a str)
    host: str
    pid: int | None
    seconds: float | None  # run time when done, elapsed when running


@dataclass(frozen=True)
class Snapshot:
    """What the screen shows at time ``at``; every time shown derives from the
    fields, so a snapshot renders the same way every time."""

    jugfile: str
    store: str
    mode: str  # "run" or "monitor"
    status: str  # starting, running, paused, stopping, finished, interrupted, watching
    started: float
    at: float
    rows: tuple[NameCounts, ...] = ()
    running: tuple[RunningTask, ...] = ()
    hosts: tuple[HostSeen, ...] = ()
    failures: tuple[FailedTask, ...] = ()
    rate: float | None = None  # tasks per second, recent
    jobs: int = 0
    blocked: int = 0
    note: str = ""
    dead_locks: tuple[str, ...] = ()  # hashes of locks whose owner is known dead

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    def count(self, state: str) -> int:
        return sum(getattr(r, state) for r in self.rows)

    @property
    def elapsed(self) -> float:
        return max(0.0, self.at - self.started)

    @property
    def eta(self) -> float | None:
        """Seconds until every task that can still finish has, at the recent rate."""
        left = self.total - self.count("done") - self.count("failed") - self.blocked
        if left <= 0:
            return 0.0
        if not self.rate:
            return None
        return left / self.rate


def lock_started(info: LockInfo) -> float | None:
    """When the lock was taken: its ``Lock created on`` line, else its mtime."""
    if info.created and (started := parse_lock_date(info.created)) is not None:
        return started
    return None if info.failed else info.mtime


def read_locks(store: Store) -> list[LockInfo]:
    """Every lock of the store with its content (blocking: one read per lock)."""
    return [info for h in store.list_locks() if (info := store.lock_info(h)) is not None]


class Backoff:
    """``first`` after a change, doubling up to ``maximum`` while nothing changes."""

    def __init__(self, first: float, maximum: float) -> None:
        self.first, self.maximum = first, max(first, maximum)
        self.delay = first

    def next(self, changed: bool) -> float:
        self.delay = self.first if changed else min(self.delay * 2, self.maximum)
        return self.delay


class HostBook:
    """The processes seen holding locks, kept after they let go (``last_seen``)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, int | None], tuple[int, float]] = {}

    def saw_locks(self, infos: list[LockInfo], at: float) -> None:
        holding: dict[tuple[str, int | None], int] = {}
        for info in infos:
            if not info.failed:
                key = (info.host or "?", info.pid)
                holding[key] = holding.get(key, 0) + 1
        for key, (_, last) in self._seen.items():
            if key not in holding:
                self._seen[key] = (0, last)
        for key, n in holding.items():
            self._seen[key] = (n, at)

    def saw_process(self, host: str, pid: int | None, at: float) -> None:
        n, last = self._seen.get((host, pid), (0, 0.0))
        self._seen[(host, pid)] = (n, max(last, at))

    def hosts(self) -> tuple[HostSeen, ...]:
        items = sorted(self._seen.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))
        return tuple(HostSeen(h, pid, n, last) for (h, pid), (n, last) in items[:MAX_HOSTS])


class StorePoller:
    """Builds Snapshots from the store; blocking I/O, so call ``poll`` off the UI loop.

    Args:
        graph: the jugfile's tasks, for hashes, names and dependencies.
        store: the store to read (never written).
        jugfile: shown in the header.
        clock: ``time.time`` unless a test fixes the time.
    """

    def __init__(self, graph: TaskGraph, store: Store, *, jugfile: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        self.graph, self.store, self.jugfile, self.clock = graph, store, jugfile, clock
        self.started = clock()
        self.rate = RateMeter()
        self.hostbook = HostBook()
        self.last: Snapshot | None = None
        self.changed = True  # whether the last poll saw anything new
        self._key: object = None
        self._tracebacks: dict[str, tuple[str, str]] = {}
        self._states: list[str] = []
        self._locks: dict[str, LockInfo] = {}
        self._order = {n: k for k, n in enumerate(graph.name_order())}

    def poll(self) -> Snapshot:
        store, g = self.store, self.graph
        saved = store.listing()
        locks = {info.hash: info for info in read_locks(store)}
        failed = set(store.list_failures()) | {h for h, i in locks.items() if i.failed}
        dead = status.dead_locks(store, list(locks.values()))
        states = status.node_states(g, status.StoreSnapshot(saved, set(locks), failed, dead))
        now = self.clock()
        self._states, self._locks = states, locks
        self.hostbook.saw_locks(list(locks.values()), now)

        counts: dict[str, list[int]] = {}
        for name, st in zip(g.names, states, strict=True):
            c = counts.setdefault(name, [0] * 6)
            c[0] += 1
            c[1 + STATES.index(st)] += 1
        rows = tuple(NameCounts(n, *c) for n, c in
                     sorted(counts.items(), key=lambda kv: self._order.get(kv[0], 1 << 30)))
        running, failures = [], []
        for i, st in enumerate(states):
            if st == "running" and len(running) < MAX_RUNNING:
                info = locks[g.hashes[i]]
                running.append(RunningTask(g.hashes[i], g.names[i], info.host or "",
                                           info.pid, lock_started(info),
                                           dead.get(g.hashes[i], "")))
            elif st == "failed" and len(failures) < MAX_FAILURES:
                failures.append(self._failure(i, locks.get(g.hashes[i])))
        running.sort(key=lambda r: (r.since is None, r.since or 0.0))
        done = sum(r.done for r in rows)
        self.rate.add(now, done)
        key = (tuple(rows), frozenset(locks), frozenset(failed), frozenset(dead))
        self.changed, self._key = key != self._key, key
        n = len(dead)
        note = (f"{n} lock{'s' if n > 1 else ''} of a dead owner (the next run removes "
                f"{'them' if n > 1 else 'it'})" if n else "")
        self.last = Snapshot(self.jugfile, store.describe(), "monitor", "watching",
                             self.started, now, rows, tuple(running), self.hostbook.hosts(),
                             tuple(failures), self.rate.rate(), note=note,
                             dead_locks=tuple(sorted(dead)))
        return self.last

    def _failure(self, i: int, info: LockInfo | None) -> FailedTask:
        h, name = self.graph.hashes[i], self.graph.names[i]
        if h not in self._tracebacks:
            text = self.store.load_failure(h)
            if text is not None:
                self._tracebacks[h] = split_failure_record(name, text)
            elif info is not None:
                who = f"PID {info.pid} on {info.host}" if info.pid else "a worker"
                self._tracebacks[h] = (f"marked failed by {who} (jug --keep-failed); "
                                       "remove its lock to retry", "")
            else:
                return FailedTask(h, name, "failed", "")
        error, tb = self._tracebacks[h]
        return FailedTask(h, name, error, tb)

    def snapshot(self) -> Snapshot | None:
        """The last poll's snapshot, with its clock moved to now (elapsed times tick)."""
        return None if self.last is None else replace(self.last, at=self.clock())

    def tasks_of(self, name: str) -> list[TaskRow]:
        """The tasks of one name as of the last poll."""
        g, states, locks, now = self.graph, self._states, self._locks, self.clock()
        rows = []
        for i, n in enumerate(g.names):
            if n != name or i >= len(states):
                continue
            info = locks.get(g.hashes[i])
            since = lock_started(info) if info is not None else None
            rows.append(TaskRow(g.hashes[i], states[i], (info.host or "") if info else "",
                                info.pid if info else None,
                                now - since if since is not None and states[i] == "running"
                                else None))
        return rows


class Monitor:
    """Calls ``poller.poll()`` in a daemon thread and hands each snapshot to
    ``on_snapshot`` (from that thread). Errors reading the store go to
    ``on_error`` and back off like an unchanged poll.
    """

    def __init__(self, poller: StorePoller, on_snapshot: Callable[[Snapshot], None], *,
                 interval: float = 1.0, max_interval: float | None = None,
                 on_error: Callable[[Exception], None] = lambda e: None) -> None:
        self.poller = poller
        self.on_snapshot, self.on_error = on_snapshot, on_error
        self.backoff = Backoff(interval, max_interval if max_interval else interval * 8)
        self._wake = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="jug-async-monitor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def poke(self) -> None:
        """Poll now instead of at the end of the current back-off."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopped:
            try:
                snap = self.poller.poll()
            except Exception as e:  # a network filesystem hiccup: keep the last picture
                self.on_error(e)
                delay = self.backoff.next(False)
            else:
                self.on_snapshot(snap)
                delay = self.backoff.next(self.poller.changed)
            self._wake.wait(delay)
            self._wake.clear()
