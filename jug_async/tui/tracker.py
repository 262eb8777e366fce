"""Turn the live scheduler's events into ``Snapshot``s (no Textual here).

The tracker keeps one state per graph node, as ``monitor.StorePoller`` decides
them from the store, but updates it per event in O(1) (plus the node's
dependents when it finishes), and keeps counts per name incrementally, so a
snapshot costs O(names + running + failures) even with 100,000 tasks.

A task is *running* from ``TaskStarted`` (dispatched here) or
``TaskHeldElsewhere`` (locked by another process) until it is done or failed.
Tasks blocked by a failed dependency stay *waiting*, as ``jug status`` counts
them. Lock scans (``apply_locks``) fill in the host and PID of running tasks
and the hosts panel.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from jug_async.run import events as ev
from jug_async.states import MONITOR_STATES, TaskState
from jug_async.view.monitor import (
    MAX_FAILURES,
    MAX_RUNNING,
    FailedTask,
    HostBook,
    NameCounts,
    RunningTask,
    Snapshot,
    TaskRow,
    lock_started,
)
from jug_async.view.rates import RateMeter

from ..graph import TaskGraph
from ..store.base import LockInfo

WAITING, READY, RUNNING, DONE, FAILED = MONITOR_STATES
_SLOT = {s: k for k, s in enumerate(MONITOR_STATES)}  # a state's column in ``counts``


class EventTracker:
    """A scheduler sink's memory: call ``start`` with the store's listing when the
    run starts, then ``apply`` every event.

    Args:
        graph: the graph the scheduler runs.
        host: this host's name, shown for tasks dispatched here.
        clock: ``time.time`` unless a test fixes the time.
    """

    def __init__(self, graph: TaskGraph, *, host: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.graph = graph
        self.host = socket.gethostname() if host is None else host
        self.clock = clock
        n = len(graph)
        self.state: list[TaskState] = [WAITING] * n
        self.missing = [len(d) for d in graph.deps]
        self.counts: dict[str, list[int]] = {}
        for name in graph.name_order():
            self.counts[name] = [0] * 5
        for name in graph.names:
            self.counts.setdefault(name, [0] * 5)[_SLOT[WAITING]] += 1
        self.running: dict[int, RunningTask] = {}
        self.seconds: dict[int, tuple[int, float]] = {}  # node -> (pid, run time)
        self.failures: list[FailedTask] = []
        self.hostbook = HostBook()
        self.rate = RateMeter()
        self.blocked = 0
        self.done = 0
        self.started = self.at = clock()
        self.jugfile = self.store = ""
        self.jobs = 0
        self.status = "starting"
        self.finished: ev.RunFinished | None = None

    # ---- transitions -------------------------------------------------------

    def _set(self, i: int, new: TaskState) -> None:
        old = self.state[i]
        if old is new:
            return
        c = self.counts[self.graph.names[i]]
        c[_SLOT[old]] -= 1
        c[_SLOT[new]] += 1
        self.state[i] = new
        self.done += (new == DONE) - (old == DONE)
        if old == RUNNING:
            self.running.pop(i, None)
        if new == DONE:
            for d in self.graph.dependents[i]:
                self.missing[d] -= 1
                if self.missing[d] == 0 and self.state[d] == WAITING:
                    self._set(d, READY)

    def start(self, saved: set[str], e: ev.RunStarted | None = None) -> None:
        """Initial states from one listing of the store (as the scheduler's own)."""
        g = self.graph
        for i, h in enumerate(g.hashes):
            if h in saved:
                self._set(i, DONE)
        for i in range(len(g)):
            if self.state[i] == WAITING and self.missing[i] == 0:
                self._set(i, READY)
        self.started = self.clock()
        if e is not None:
            self.jugfile, self.store, self.jobs = e.jugfile, e.store, e.jobs
        self.status = "running"
        self.rate.add(self.started, self.done)

    def apply(self, e: ev.Event) -> None:
        i = self.graph.index.get(getattr(e, "hash", ""), -1)
        match e:
            case ev.TaskStarted() if i >= 0:
                self._set(i, RUNNING)
                self.running[i] = RunningTask(e.hash, e.name, self.host, None, e.at)
            case ev.TaskHeldElsewhere() if i >= 0:
                self._set(i, RUNNING)
                self.running[i] = RunningTask(e.hash, e.name, _owner_host(e.owner), None, e.at)
            case ev.TaskFinished() if i >= 0:
                self.seconds[i] = (e.pid, e.seconds)
                self.hostbook.saw_process(self.host, e.pid, e.at)
                self._set(i, DONE)
            case ev.TaskDoneElsewhere() if i >= 0:
                self._set(i, DONE)
            case ev.TaskFailed() if i >= 0:
                self._set(i, FAILED)
                if e.pid:
                    self.hostbook.saw_process(self.host, e.pid, e.at)
                if len(self.failures) < MAX_FAILURES:
                    self.failures.append(FailedTask(e.hash, e.name, e.error, e.traceback, e.at))
            case ev.TaskBlocked():
                self.blocked += 1
            case ev.RunStarted():
                self.jugfile, self.store, self.jobs = e.jugfile, e.store, e.jobs
            case ev.RunFinished():
                self.finished = e
                for j in list(self.running):  # stopped: they will run next time
                    self._set(j, READY if self.missing[j] == 0 else WAITING)
                self.status = "interrupted" if e.interrupted else "finished"
                self.at = self.clock()

    def apply_locks(self, infos: list[LockInfo], at: float) -> None:
        """A scan of the store's locks: who holds what, right now."""
        self.hostbook.saw_locks(infos, at)
        index = self.graph.index
        for info in infos:
            i = index.get(info.hash, -1)
            r = self.running.get(i)
            if r is not None and (r.pid != info.pid or r.host != (info.host or r.host)):
                self.running[i] = RunningTask(r.hash, r.name, info.host or r.host, info.pid,
                                              lock_started(info) or r.since)

    # ---- reading -----------------------------------------------------------

    def snapshot(self, status: str | None = None) -> Snapshot:
        now = self.at if self.finished is not None else self.clock()
        self.rate.add(now, self.done)
        rows = tuple(NameCounts(name, sum(c), *c) for name, c in self.counts.items())
        running = sorted(self.running.values(), key=lambda r: (r.since is None, r.since or 0))
        return Snapshot(self.jugfile, self.store, "run", status or self.status, self.started,
                        now, rows, tuple(running[:MAX_RUNNING]), self.hostbook.hosts(),
                        tuple(self.failures), self.rate.rate(), self.jobs, self.blocked)

    def tasks_of(self, name: str) -> list[TaskRow]:
        g, now = self.graph, self.clock()
        rows = []
        for i, n in enumerate(g.names):
            if n != name:
                continue
            st = self.state[i]
            host, pid, secs = "", None, None
            if st == RUNNING and (r := self.running.get(i)) is not None:
                host, pid = r.host, r.pid
                secs = now - r.since if r.since is not None else None
            elif i in self.seconds:
                host, (pid, secs) = self.host, self.seconds[i]
            rows.append(TaskRow(g.hashes[i], st, host, pid, secs))
        return rows


def _owner_host(owner: str) -> str:
    """``PID 123 on HOSTNAME node7`` (a lock's first line) to ``node7``."""
    _, sep, host = owner.partition(" on HOSTNAME ")
    return host if sep else ""
