"""The asyncio scheduler: walks the task graph, feeds ready tasks to the worker
pool, and reacts the moment a result is saved.

Policy, in the spirit of dask's ``local.py``:

* ``state[i]`` is one of the constants below for node ``i`` of the graph;
  ``missing[i]`` counts dependencies of ``i`` not yet saved. A node becomes
  READY when that count reaches zero, and is appended to ``ready`` (a FIFO, so
  tasks run roughly in declaration order, as with jug).
* Ready tasks go to the pool in batches: one task per batch until tasks of that
  name have been timed, then as many as fit in ``BATCH_SECONDS`` of estimated
  work, so tiny tasks share one round trip and one group commit. Batches of
  tasks under ``QUEUE_AHEAD_BELOW`` are queued two per worker.
* A worker that finds a task locked reports it; the task becomes ELSEWHERE and a
  single poller checks those with exponential back-off until the result
  appears (DONE), the lock goes away (READY again) or it is marked failed.
  A lock left by a dead process on this host is broken at once.
* A failure blocks every task downstream of it; without ``keep_going`` nothing
  new is dispatched, the running tasks finish, and the run ends.
* SIGINT/SIGTERM: the workers are stopped, the locks they held released,
  saved results kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import pickle
import random
import signal
import socket
import time
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from itertools import compress

import cloudpickle

from jug_async.graph import TaskGraph
from jug_async.hashing import PLAIN_TYPES
from jug_async.run import events as ev
from jug_async.run.worker import (
    ALREADY,
    DONE,
    FAILED,
    LOCKED,
    SKIPPED,
    Outcome,
    TaskSpec,
    run_batch,
)
from jug_async.store.base import LockInfo, Store

WAITING, READY, RUNNING, ELSEWHERE, DONE_STATE, FAILED_STATE, BLOCKED, UNSELECTED = range(8)

BATCH_SECONDS = 0.05  # estimated work per batch once tasks are known to be small
MAX_BATCH = 256
MIN_SPLIT_SECONDS = 0.002  # a batch split for fairness keeps at least this much work
SMALL_TASK = 0.02  # seconds; a rider this small may exceed its batch's budget
# Batches of tasks shorter than this are queued two per worker, so a worker that
# finishes one starts the next without waiting for a round trip through the
# scheduler (~1 ms, 2% of a 50 ms task). A queued batch holds no lock yet; it
# only shows as running up to this long before it really starts.
QUEUE_AHEAD_BELOW = 1.0
POLL_FIRST, POLL_MAX = 0.02, 2.0  # back-off bounds for tasks held elsewhere
PROGRESS_EVERY = 0.2


@dataclass
class Failure:
    name: str
    hash: str
    error: str
    traceback: str


@dataclass
class RunResult:
    total: int
    done: int
    executed: int
    failures: list[Failure] = field(default_factory=list)
    blocked: int = 0
    interrupted: str | None = None  # signal name when stopped by one


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Scheduler:
    def __init__(
        self,
        graph: TaskGraph,
        store: Store,
        make_executor: Callable[[], Executor],
        function_key: Callable[[object], int],
        *,
        jobs: int,
        sink: Callable[[ev.Event], None] = lambda e: None,
        keep_going: bool = False,
        selected: Callable[[str], bool] | None = None,
        jugfile: str = "",
    ) -> None:
        self.graph = graph
        self.store = store
        self._make_executor = make_executor
        self._function_key = function_key
        self.jobs = jobs
        self.emit = sink
        self.keep_going = keep_going
        self._selected = selected
        self._jugfile = jugfile
        n = len(graph)
        self.state = [WAITING] * n
        self.missing = [0] * n
        self.ready: deque[int] = deque()
        self.elsewhere: set[int] = set()
        self.inflight: dict[asyncio.Future[list[Outcome]], list[int]] = {}
        self._pool_of: dict[asyncio.Future[list[Outcome]], Executor] = {}
        self.suspects: set[int] = set()  # running when a worker died: retried alone
        self.estimate: dict[str, float] = {}  # seconds per task, by name
        self.result = RunResult(total=n, done=0, executed=0)
        self.executor: Executor | None = None
        self._stopping = False
        self._stop_signal: asyncio.Future[str] | None = None
        self._poll: asyncio.Future[list[tuple[int, str, LockInfo | None]]] | None = None
        self._backoff = POLL_FIRST
        self._host = socket.gethostname()
        self._last_progress = 0.0
        self._prepared = False
        self._failure_records: set[str] = set()
        self._paused = False
        self._resumed: asyncio.Future[None] | None = None  # set when a pause ends

    # ---- setup -------------------------------------------------------------

    def prepare(self) -> None:
        """Read the store once and decide every task's state (idempotent). Called
        by ``run``; call it earlier to know whether there is work (``ready``)."""
        if not self._prepared:
            self._prepared = True
            self._start()

    def _start(self) -> None:
        g, missing = self.graph, self.missing
        saved = self.store.listing()
        self._failure_records = self.store.list_failures()
        state = self.state = [DONE_STATE if h in saved else WAITING for h in g.hashes]
        pending = [i for i, s in enumerate(state) if s == WAITING]
        self.result.done = len(g) - len(pending)
        sel = self._selected
        for i in pending:
            missing[i] = sum(1 for d in g.deps[i] if state[d] != DONE_STATE)
            if sel is not None and not sel(g.names[i]):
                state[i] = UNSELECTED
        self._announce()
        for i in pending:
            if state[i] == UNSELECTED:
                self._block_dependents(i, f"needs {g.names[i]}, which is not selected and not done")
        ready = [i for i in pending if state[i] == WAITING and missing[i] == 0]
        if ready and self.store.list_locks():
            # Someone else is running this jugfile: start elsewhere in the list so
            # two runners do not spend their time colliding on the same locks.
            k = random.randrange(len(ready))
            ready = ready[k:] + ready[:k]
        for i in ready:
            state[i] = READY
        self.ready.extend(ready)

    def _announce(self) -> None:
        names = self.graph.names
        done = Counter(compress(names, [s == DONE_STATE for s in self.state]))
        self.emit(ev.RunStarted(self._jugfile, self.store.describe(), self.jobs, len(self.graph),
                                self.result.done, dict(Counter(names)), dict(done)))

    # ---- the loop ----------------------------------------------------------

    async def run(self) -> RunResult:
        loop = asyncio.get_running_loop()
        self._stop_signal = loop.create_future()
        t0 = time.perf_counter()
        installed = self._install_signals(loop)
        try:
            self.prepare()
            await self._loop()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            self._shutdown()
        r = self.result
        r.blocked = self.state.count(BLOCKED)
        self._progress(force=True)
        self.emit(ev.RunFinished(r.executed, r.done, r.total, len(r.failures), r.blocked,
                                 r.interrupted is not None, time.perf_counter() - t0))
        return r

    async def _loop(self) -> None:
        assert self._stop_signal is not None
        while True:
            if not self._stopping:
                self._dispatch()
            held = self.paused and bool(self.ready) and not self._stopping  # wait for resume
            if not self.inflight and (self._stopping or not self.elsewhere) and not held:
                return
            waitables: set[asyncio.Future] = set(self.inflight)
            waitables.add(self._stop_signal)
            if held:
                if self._resumed is None:
                    self._resumed = asyncio.get_running_loop().create_future()
                waitables.add(self._resumed)
            if self.elsewhere and not self._stopping:
                if self._poll is None:
                    self._poll = asyncio.ensure_future(self._poll_elsewhere())
                waitables.add(self._poll)
            done, _ = await asyncio.wait(waitables, return_when=asyncio.FIRST_COMPLETED)
            if self._resumed is not None and self._resumed in done:
                done.discard(self._resumed)
                self._resumed = None
            if self._stop_signal in done:
                self.result.interrupted = self._stop_signal.result()
                self._stopping = True
                return
            for fut in done:
                if fut is self._poll:
                    self._poll = None
                    self._apply_poll(fut.result())
                else:
                    self._complete(fut)
            self._progress()

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._on_signal, sig)
                installed.append(sig)
        return installed

    def _on_signal(self, sig: int) -> None:
        if self._stop_signal is not None and not self._stop_signal.done():
            self._stop_signal.set_result(signal.Signals(sig).name)

    @property
    def paused(self) -> bool:
        """While True nothing new is dispatched; running tasks go on. Set it from
        the scheduler's event loop (the TUI's key handlers run there)."""
        return self._paused

    @paused.setter
    def paused(self, value: bool) -> None:
        self._paused = value
        if not value and self._resumed is not None and not self._resumed.done():
            self._resumed.set_result(None)

    def request_stop(self, reason: str = "SIGINT") -> None:
        """Stop the run as SIGINT does (workers stopped, their locks released,
        saved results kept); ``reason`` becomes ``RunResult.interrupted``. Call it
        on the run's loop while ``run()`` is running; otherwise it does nothing."""
        if self._stop_signal is not None and not self._stop_signal.done():
            self._stop_signal.set_result(reason)

    # ---- dispatch ----------------------------------------------------------

    def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while (self.ready and not self._stopping and not self.paused
               and len(self.inflight) < self._max_inflight()
               and not self._suspect_blocks_dispatch()):
            taken = self._take_batch()
            specs = []
            now = time.time()
            for i, after in taken:
                try:
                    specs.append(self._spec(i, after))
                except Exception as e:  # an argument that cannot be pickled
                    self._fail(i, f"cannot send the task to a worker: {type(e).__name__}: {e}",
                               "", record=True)
                    continue
                self.state[i] = RUNNING
                self.emit(ev.TaskStarted(self.graph.hashes[i], self.graph.names[i], now))
            batch = [i for i, _ in taken if self.state[i] == RUNNING]
            if not batch:
                continue
            if self.executor is None:
                self.executor = self._make_executor()
            try:
                fut = loop.run_in_executor(self.executor, run_batch, specs)
            except BrokenProcessPool:  # a worker died; its futures will report it
                self._discard_pool(self.executor)
                for i in reversed(batch):
                    self.state[i] = READY
                    self.ready.appendleft(i)
                continue
            self.inflight[fut] = batch
            self._pool_of[fut] = self.executor

    def _suspect_blocks_dispatch(self) -> bool:
        """A task that was running when a worker died runs alone next time, so that
        a second crash names the culprit and spares the tasks beside it."""
        if any(len(b) == 1 and b[0] in self.suspects for b in self.inflight.values()):
            return True
        return bool(self.inflight) and self.ready[0] in self.suspects

    def _max_inflight(self) -> int:
        head = self.ready[0] if self.ready else None
        est = self.estimate.get(self.graph.names[head]) if head is not None else None
        return self.jobs * 2 if est is not None and est < QUEUE_AHEAD_BELOW else self.jobs

    def _take_batch(self) -> list[tuple[int, int]]:
        """Up to BATCH_SECONDS of estimated work, leaving work for every worker, as
        ``(task, task it runs after or -1)``. A small task whose only missing input
        is the task just taken rides along: it reads that result from the worker's
        memory instead of waiting for a round trip and reading it back."""
        fair = max(1, math.ceil(len(self.ready) / self.jobs))
        head = self.estimate.get(self.graph.names[self.ready[0]]) if self.ready else None
        if head:  # a smaller split costs more in round trips than it gains in balance
            fair = max(fair, int(MIN_SPLIT_SECONDS / head))
        limit = min(MAX_BATCH, fair)
        batch: list[tuple[int, int]] = []
        budget = BATCH_SECONDS
        names = self.graph.names
        while self.ready and len(batch) < limit:
            i = self.ready[0]
            est = self.estimate.get(names[i])
            if batch and (est is None or est > budget or i in self.suspects):
                break
            batch.append((self.ready.popleft(), -1))
            if i in self.suspects:
                break
            budget -= est or 0.0
            alone = len(batch) == 1 and est is None
            while (d := self._rider(i, budget, alone)) is not None and len(batch) < limit:
                self.state[d] = RUNNING  # taken now: never queued in `ready`
                batch.append((d, i))
                budget -= self.estimate.get(names[d]) or 0.0
                i = d
            if est is None:
                break
        return batch

    def _rider(self, i: int, budget: float, alone: bool) -> int | None:
        """The sole dependent of ``i`` if it waits only for ``i`` and is small
        (riders may exceed the batch's budget by a small task each). A task of
        unknown cost rides only with a lone task of unknown cost: nothing else
        waits on that batch, and it gets timed."""
        ds = self.graph.dependents[i]
        if len(ds) != 1:
            return None
        d = ds[0]
        if self.state[d] != WAITING or self.missing[d] != 1 or d in self.suspects:
            return None
        est = self.estimate.get(self.graph.names[d])
        if est is None:
            return d if alone else None
        return d if est <= max(budget, SMALL_TASK) else None

    def _spec(self, i: int, after: int = -1) -> TaskSpec:
        t = self.graph.tasks[i]
        if not t.kwargs and all(type(a) in PLAIN_TYPES for a in t.args):
            payload = pickle.dumps((t.args, t.kwargs), pickle.HIGHEST_PROTOCOL)  # 10x cheaper
        else:  # functions, classes and Tasks of the jugfile travel by value
            payload = cloudpickle.dumps((t.args, t.kwargs))
        h = self.graph.hashes[i]
        return TaskSpec(h, t.name, self._function_key(t.f), payload,
                        h in self._failure_records,
                        self.graph.hashes[after] if after >= 0 else "")

    # ---- outcomes ----------------------------------------------------------

    def _complete(self, fut: asyncio.Future[list[Outcome]]) -> None:
        batch = self.inflight.pop(fut)
        pool = self._pool_of.pop(fut)
        try:
            outcomes = fut.result()
        except BrokenProcessPool:
            self._discard_pool(pool)
            self._recover_crash(batch)
            return
        except Exception as e:
            for i in batch:
                self._fail(i, f"{type(e).__name__}: {e}", "", record=True)
            return
        index, names = self.graph.index, self.graph.names
        now = time.time()
        for o in outcomes:
            i = index[o.hash]
            if o.status == DONE:
                self.result.executed += 1
                name = names[i]
                cost = o.seconds + o.save_seconds  # saving a big result is work too
                old = self.estimate.get(name)
                self.estimate[name] = cost if old is None else 0.7 * old + 0.3 * cost
                self.emit(ev.TaskFinished(o.hash, name, o.seconds, o.nbytes, o.pid, now))
                self._mark_done(i)
            elif o.status == ALREADY:
                self.emit(ev.TaskDoneElsewhere(o.hash, names[i], now))
                self._mark_done(i)
            elif o.status == LOCKED:
                self.state[i] = ELSEWHERE
                self.elsewhere.add(i)
                self._backoff = POLL_FIRST
                self.emit(ev.TaskHeldElsewhere(o.hash, names[i], "", now))
            elif o.status == FAILED:
                self._fail(i, o.error, o.traceback, o.pid)
            elif o.status == SKIPPED:
                self._requeue_skipped(i)

    def _mark_done(self, i: int) -> None:
        self.state[i] = DONE_STATE
        self.result.done += 1
        state, missing, ready = self.state, self.missing, self.ready
        for d in self.graph.dependents[i]:
            missing[d] -= 1
            if missing[d] == 0 and state[d] == WAITING:
                state[d] = READY
                ready.append(d)

    def _requeue_skipped(self, i: int) -> None:
        """A rider whose input was not computed in its batch: wait again (or be
        blocked, if that input failed)."""
        g = self.graph
        self.state[i] = WAITING
        bad = [p for p in g.deps[i] if self.state[p] in (FAILED_STATE, BLOCKED, UNSELECTED)]
        if bad:
            self.state[i] = BLOCKED
            self.emit(ev.TaskBlocked(g.hashes[i], g.names[i], f"needs {g.names[bad[0]]}"))
            self._block_dependents(i, f"needs {g.names[i]}, which is blocked")
        elif self.missing[i] == 0:
            self.state[i] = READY
            self.ready.append(i)

    def _fail(self, i: int, error: str, tb: str, pid: int = 0, record: bool = False) -> None:
        """Mark ``i`` failed; ``record`` keeps the error in the store for ``status``
        and ``monitor`` when no worker could (the worker records its own)."""
        g = self.graph
        if record:
            with contextlib.suppress(OSError):
                self.store.save_failure(g.hashes[i], f"{g.names[i]}\n{tb or error}\n")
        self.state[i] = FAILED_STATE
        self.result.failures.append(Failure(g.names[i], g.hashes[i], error, tb))
        self.emit(ev.TaskFailed(g.hashes[i], g.names[i], error, tb, pid, time.time()))
        self._block_dependents(i, f"needs {g.names[i]}, which failed")
        if not self.keep_going:
            self._stopping = True

    def _block_dependents(self, i: int, reason: str) -> None:
        g, state = self.graph, self.state
        stack = list(g.dependents[i])
        while stack:
            d = stack.pop()
            if state[d] in (WAITING, READY):
                if state[d] == READY:
                    self.ready.remove(d)
                state[d] = BLOCKED
                self.emit(ev.TaskBlocked(g.hashes[d], g.names[d], reason))
                stack.extend(g.dependents[d])

    def _discard_pool(self, pool: Executor) -> None:
        """Drop a broken pool (once: several of its futures report the breakage)."""
        if pool is self.executor:
            pool.shutdown(wait=False, cancel_futures=True)
            self.executor = None

    def _recover_crash(self, batch: list[int]) -> None:
        """A worker died (killed, segfault, out of memory): the pool is broken.
        Break the dead workers' locks, retry the tasks one by one in a new pool."""
        for i in batch:
            h = self.graph.hashes[i]
            info = self.store.lock_info(h)
            if self._dead_local_owner(info):
                self.store.break_lock(h, info)
            if i in self.suspects and len(batch) == 1:  # it ran alone: it is the culprit
                self._fail(i, "the worker process running this task died (killed by a "
                           "signal, out of memory, or a crash in native code)", "", record=True)
            else:
                self.suspects.add(i)
                self.state[i] = READY
                self.ready.appendleft(i)

    # ---- tasks held by others ---------------------------------------------

    def _dead_local_owner(self, info: LockInfo | None) -> bool:
        """A lock whose owner ran on this host and is gone: safe to break at once."""
        return (info is not None and info.host == self._host and info.pid is not None
                and not pid_alive(info.pid))

    async def _poll_elsewhere(self) -> list[tuple[int, str, LockInfo | None]]:
        """Wait out the back-off, then see what became of the tasks held elsewhere."""
        await asyncio.sleep(self._backoff)
        self._backoff = min(self._backoff * 2, POLL_MAX)
        changes: list[tuple[int, str, LockInfo | None]] = []
        for i in list(self.elsewhere):
            h = self.graph.hashes[i]
            if await self.store.aexists(h):
                changes.append((i, "done", None))
                continue
            info = await self.store.alock_info(h)
            if info is None:
                changes.append((i, "free", None))
            elif info.failed:
                changes.append((i, "failed", info))
            elif self._dead_local_owner(info) and self.store.break_lock(h, info):
                changes.append((i, "free", info))
        return changes

    def _apply_poll(self, changes: list[tuple[int, str, LockInfo | None]]) -> None:
        if changes:
            self._backoff = POLL_FIRST
        now = time.time()
        g = self.graph
        for i, what, info in changes:
            if self.state[i] != ELSEWHERE:
                continue
            self.elsewhere.discard(i)
            if what == "done":
                self.emit(ev.TaskDoneElsewhere(g.hashes[i], g.names[i], now))
                self._mark_done(i)
            elif what == "free":
                self.state[i] = READY
                self.ready.appendleft(i)
            else:
                owner = f"PID {info.pid} on {info.host}" if info and info.pid else "another worker"
                self._fail(i, f"marked failed by {owner} (jug --keep-failed); "
                           "remove its lock to retry", "")

    # ---- progress and shutdown --------------------------------------------

    def _progress(self, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        running = sum(len(b) for b in self.inflight.values())
        self.emit(ev.Progress(self.result.done, self.result.total, running,
                              len(self.result.failures), len(self.elsewhere), now))

    def _shutdown(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
        if self.executor is None:
            return
        if self.result.interrupted is None and not self.inflight:
            self.executor.shutdown(wait=True)
            return
        from jug_async.run.pool import terminate

        pids = terminate(self.executor)
        # Every lock the stopped workers held: those of the running tasks and any
        # whose background release had not happened yet.
        for h in self.store.list_locks():
            info = self.store.lock_info(h)
            if info is not None and info.pid in pids and info.host == self._host:
                self.store.unlock(h)
        for fut in self.inflight:  # the pool is gone: their outcome is moot
            if fut.done():
                fut.exception()  # mark as retrieved (a BrokenProcessPool)
            else:
                fut.cancel()
        self.inflight.clear()
        self._pool_of.clear()
