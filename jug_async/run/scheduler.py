"""The asyncio scheduler: the loop that moves tasks between the run's state, the
worker pool and the event sinks, and reacts the moment a result is saved.

Data flow::

    launch.prepare_run (launch.py: wires pools, lease, hooks.RunHooks and this class)
                                                 │
    store.listing() ──> state.start_state ──> RunState (state.py: plain data)
                                                 │          ▲
                          batching.take_batch ◄──┘          │ state.task_done / task_failed /
                          (batching.py: pure)               │ task_held_elsewhere / ... (return
                                 │                          │ what they blocked; no I/O)
                                 ▼                          │
    Scheduler._dispatch ── TaskSpec batch ──> Pool.submit (pool.py: ProcessPool | InlinePool)
         │  hold / sent                          │
         ▼                                       ▼
    LeaseKeeper (locks/lease.py: renews     worker.run_batch (worker.py, in a worker process:
    the batch's locks on a thread)          lock, run, group-commit the results, unlock)
    LimitWatch (limits.py: kills a worker        │  Outcome list (a future)
    over --timeout / --max-memory)               ▼
    Scheduler._complete ── events (events.py) ──> sink: hooks.RunHooks ─> ProgressDisplay |
         │  release / done                                               TUI EventTracker
         └── store I/O it decided: failure records; a dead worker's locks
             (held.HeldLocks.break_dead_workers)

    Scheduler._poll_elsewhere ── held.HeldLocks.look (held.py: done, free, reclaim, wait)
                                 for each task another process holds (back-off)

The policy lives in ``state.py`` (what happens to a task), ``batching.py``
(which tasks travel together), ``held.py`` (what to do about a lock someone
else holds, or a dead worker left: ``locks.reclaim``'s rules), ``limits.py``
(``LimitWatch``: per-task limits) and ``locks/lease.py`` (``LeaseKeeper``:
renewing the leases of the batches in flight, off the loop); this module only
does what needs the event loop: the pool's futures, when to poll tasks held by
other processes (exponential back-off), starting and feeding the keeper and
the watch, signals (SIGINT/SIGTERM stop the workers, release the locks they
held, keep saved results), pause, stop, the limits of jug's exit checks, and
progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import random
import signal
import socket
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from dataclasses import dataclass, field

import cloudpickle

from jug_async.errors import StoreError
from jug_async.graph import TaskGraph
from jug_async.hashing import PLAIN_TYPES
from jug_async.locks.lease import LeaseKeeper, PathsOf
from jug_async.locks.reclaim import CLEAR_COMMANDS
from jug_async.records import format_failure
from jug_async.run import batching, held
from jug_async.run import events as ev
from jug_async.run import state as st
from jug_async.run.limits import Limits, LimitWatch
from jug_async.run.pool import Pool
from jug_async.run.state import Statistics
from jug_async.run.worker import ALREADY, DONE, FAILED, LOCKED, SKIPPED, Outcome, TaskSpec
from jug_async.states import TaskState
from jug_async.store.base import LockInfo, Store

__all__ = ["Failure", "RunResult", "Scheduler", "Statistics", "Waited", "pid_alive"]

POLL_FIRST, POLL_MAX = 0.02, 2.0  # back-off bounds for tasks held elsewhere
PROGRESS_EVERY = 0.2
STORE_ERRORS_MAX = 8  # polls in a row failing with OSError: the store is gone

log = logging.getLogger("jug_async.run")


@dataclass
class Failure:
    name: str
    hash: str
    error: str
    traceback: str


@dataclass(frozen=True)
class Waited:
    """A task given up on: another process held its lock past ``wait_limit``."""

    name: str
    hash: str
    owner: str  # "PID 12 on host", or "an unknown process" for an unreadable lock
    detail: str = ""  # the lock, its owner and age, and the command that clears it


@dataclass
class RunResult:
    total: int
    done: int
    executed: int
    failures: list[Failure] = field(default_factory=list)
    blocked: int = 0
    interrupted: str | None = None  # signal name when stopped by one
    gave_up: list[Waited] = field(default_factory=list)  # held elsewhere past wait_limit
    store_error: str | None = None  # the store kept failing: the run stopped


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` is a process of this host (kept for ``cleanup``)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Scheduler:
    """Runs a graph's unsaved tasks on a pool.

    Args:
        graph, store: what to run and where results go.
        make_pool: builds the pool when the first batch is ready (again after a
            worker died and broke the pool).
        function_key: a task function's key in the workers' function table.
        jobs: workers in the pool.
        sink: receives every event (``events.py``).
        keep_going: after a failure, run everything not downstream of it.
        selected: task name -> whether to run it (``--name``); others and what
            depends on them are blocked.
        jugfile: shown in ``RunStarted``.
        max_executed: run exactly this many tasks (functions that ran, saved
            or failed), then end as a normal run.
        stop_requested: asked before each dispatch; once true, nothing new is
            dispatched, running tasks finish and the run ends normally.
        wait_limit: seconds to wait without progress when all that is left is
            held by locks this host cannot judge (plain jug locks: jug's
            nr-wait-cycles x wait-cycle-time); then the run ends normally,
            listing them in ``RunResult.gave_up``. None waits for ever. Locks
            with a live lease are waited for as long as they are renewed.
        clock: monotonic seconds, for ``wait_limit`` (tests inject one).
        lease: seconds a lock of this run stays valid without renewal; the
            batches in flight are renewed every sixth of it (None: no renewal,
            for stores without lock files). Its workers write the lease lines
            (``PoolFactory(lease=...)``).
        token: the run's token, written in its locks by its workers.
        held_locks: judges locks held elsewhere (tests inject host facts and
            clocks); default: this host's, with the store's clock.
        limits: per-task ``--timeout``/``--max-memory``.
        keep_failed: a failed task's lock is marked failed by its worker.
    """

    def __init__(
        self,
        graph: TaskGraph,
        store: Store,
        make_pool: Callable[[], Pool],
        function_key: Callable[[object], int],
        *,
        jobs: int,
        sink: Callable[[ev.Event], None] = lambda e: None,
        keep_going: bool = False,
        selected: Callable[[str], bool] | None = None,
        jugfile: str = "",
        max_executed: int | None = None,
        stop_requested: Callable[[], bool] | None = None,
        wait_limit: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        lease: float | None = None,
        token: str | None = None,
        held_locks: held.HeldLocks | None = None,
        limits: Limits | None = None,
        keep_failed: bool = False,
    ) -> None:
        self.graph = graph
        self.store = store
        self._make_pool = make_pool
        self._function_key = function_key
        self.jobs = jobs
        self.emit = sink
        self.keep_going = keep_going
        self._selected = selected
        self._jugfile = jugfile
        self.max_executed = max_executed
        self._stop_requested = stop_requested
        self.wait_limit = wait_limit
        self._clock = clock
        self._waiting_since: float | None = None
        self.gave_up: list[Waited] = []
        self.s: st.RunState | None = None
        self.failures: list[Failure] = []
        self.interrupted: str | None = None
        self.pool: Pool | None = None
        self._inflight: dict[asyncio.Future[list[Outcome]], tuple[int, Pool]] = {}
        self._stopping = False
        self._stop_signal: asyncio.Future[str] | None = None
        self._poll: asyncio.Future[list[tuple[int, str, LockInfo | None]]] | None = None
        self._backoff = POLL_FIRST
        self._host = socket.gethostname()
        self._last_progress = 0.0
        self._paused = False
        self._resumed: asyncio.Future[None] | None = None  # set when a pause ends
        self.held = held_locks if held_locks is not None else held.HeldLocks(store)
        self._waiting: dict[int, held.Look] = {}  # elsewhere, under a lock we cannot judge
        self._told: set[int] = set()  # tasks whose WAIT lock was named once
        self._lock_path = getattr(store, "lock_path", None)
        self.token = token
        self.leases = (LeaseKeeper(lease) if lease is not None and self._lock_path
                       is not None else None)
        self.limits = limits if limits else None
        self._watch = (None if self.limits is None
                       else LimitWatch(self.limits, store, graph.hashes))
        self.keep_failed = keep_failed
        self._store_errors = 0
        self.store_error: str | None = None
        self._pool_pids: set[int] = set()  # every worker this run started

    # ---- setup -------------------------------------------------------------

    def prepare(self) -> None:
        """Read the store once and decide every task's state (idempotent). Called
        by ``run``; call it earlier to know whether there is work (``ready``)."""
        if self.s is not None:
            return
        g = self.graph
        s, blocked = st.start_state(g, self.store.listing(), self.store.list_failures(),
                                    self._selected)
        self.s = s
        self.emit(ev.RunStarted(self._jugfile, self.store.describe(), self.jobs, len(g),
                                s.done, dict(Counter(g.names)), dict(s.done_by_name)))
        self._emit_blocked(blocked)
        if s.ready and self.store.list_locks():
            # Someone else is running this jugfile: start elsewhere in the list.
            st.rotate_ready(s, random.randrange(len(s.ready)))

    @property
    def ready(self) -> list[int] | tuple[()]:
        """The READY tasks, in dispatch order (empty before ``prepare``)."""
        return list(self.s.ready) if self.s is not None else ()

    def statistics(self) -> Statistics:
        """The run as it stands (all zero but ``total`` before ``prepare``)."""
        s = self.s
        if s is None:
            return Statistics(len(self.graph), 0, 0, 0, 0, 0, 0, 0, {})
        return st.statistics(s)

    # ---- the loop ----------------------------------------------------------

    async def run(self) -> RunResult:
        loop = asyncio.get_running_loop()
        self._stop_signal = loop.create_future()
        t0 = time.perf_counter()
        installed = self._install_signals(loop)
        helpers: list[asyncio.Future] = []
        try:
            self.prepare()
            if self.leases is not None:
                helpers.append(asyncio.ensure_future(self.leases.run(self._store_failed)))
            if self._watch is not None:
                helpers.append(asyncio.ensure_future(
                    self._watch.run(self._workers, self._kill_worker)))
            await self._loop()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            for h in helpers:
                h.cancel()
            self._shutdown()
        s = self.s
        assert s is not None
        r = RunResult(len(self.graph), s.done, s.executed, self.failures, s.blocked,
                      self.interrupted, self.gave_up, self.store_error)
        self._progress(force=True)
        self.emit(ev.RunFinished(r.executed, r.done, r.total, len(r.failures), r.blocked,
                                 r.interrupted is not None, time.perf_counter() - t0))
        return r

    async def _loop(self) -> None:
        assert self._stop_signal is not None and self.s is not None
        s = self.s
        while True:
            if not self._stopping:
                self._dispatch()
            held = self.paused and bool(s.ready) and not self._stopping  # wait for resume
            if not self._inflight and (self._stopping or not s.elsewhere) and not held:
                return
            self._progress()
            if self._waited_too_long():
                return
            waitables: set[asyncio.Future] = set(self._inflight)
            waitables.add(self._stop_signal)
            if held:
                if self._resumed is None:
                    self._resumed = asyncio.get_running_loop().create_future()
                waitables.add(self._resumed)
            if s.elsewhere and not self._stopping:
                if self._poll is None:
                    self._poll = asyncio.ensure_future(self._poll_elsewhere())
                waitables.add(self._poll)
            done, _ = await asyncio.wait(waitables, return_when=asyncio.FIRST_COMPLETED)
            if self._resumed is not None and self._resumed in done:
                done.discard(self._resumed)
                self._resumed = None
            if self._stop_signal in done:
                self.interrupted = self._stop_signal.result()
                self._stopping = True
                return
            for fut in done:
                if fut is self._poll:
                    self._poll = None
                    self._apply_poll(fut.result())
                else:
                    self._waiting_since = None
                    self._complete(fut)

    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        installed = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, self._on_signal, sig)
                installed.append(sig)
        return installed

    def _on_signal(self, sig: int) -> None:
        self.request_stop(signal.Signals(sig).name)

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

    def _budget(self) -> int:
        """Tasks that may still be sent under ``max_executed`` (in flight count)."""
        one = 1 if self.limits is not None else batching.MAX_BATCH  # limits: one per batch
        if self.max_executed is None:
            return one
        s = self.s
        assert s is not None
        return min(one, self.max_executed - s.ran - s.running)

    def _max_in_flight(self) -> int:
        s = self.s
        assert s is not None
        if self.limits is not None:  # each batch sent runs at once: its age is its run time
            return self.jobs
        return batching.max_in_flight(s, self.jobs)

    def _dispatch(self) -> None:
        s = self.s
        assert s is not None
        while (s.ready and not self._stopping and not self.paused
               and len(self._inflight) < self._max_in_flight()
               and not batching.suspect_blocks_dispatch(s)):
            if self._stop_requested is not None and self._stop_requested():
                self._stopping = True  # jug's exit checks: end as a normal run
                return
            budget = self._budget()
            if budget <= 0:
                if not s.batches:
                    self._stopping = True  # the limit is reached: end as a normal run
                return
            taken = batching.take_batch(s, self.jobs, budget)
            st.start_batch(s, taken)
            specs, batch, now = [], [], time.time()
            for i, after in taken:
                try:
                    specs.append(self._spec(i, after))
                except Exception as e:  # an argument that cannot be pickled
                    self._fail(i, f"cannot send the task to a worker: {type(e).__name__}: {e}",
                               "", record=True)
                    continue
                batch.append(i)
                self.emit(ev.TaskStarted(self.graph.hashes[i], self.graph.names[i], now))
            if not batch:
                continue
            if self.pool is None:
                self.pool = self._make_pool()
            try:
                fut = asyncio.wrap_future(self.pool.submit(specs))
            except BrokenExecutor:  # a worker died; its futures will report it
                self._discard_pool(self.pool)
                st.batch_refused(s, batch)
                continue
            bid = st.batch_sent(s, batch)
            self._inflight[fut] = (bid, self.pool)
            if (pids := getattr(self.pool, "pids", None)) is not None:
                self._pool_pids |= pids()
            if self.leases is not None and self._lock_path is not None:
                self.leases.hold(bid, PathsOf(self._lock_of, batch),
                                  self.token)
            if self._watch is not None:
                self._watch.sent(bid, batch)

    def _lock_of(self, i: int) -> str:
        assert self._lock_path is not None
        return self._lock_path(self.graph.hashes[i])

    def _spec(self, i: int, after: int = -1) -> TaskSpec:
        t = self.graph.tasks[i]
        if not t.kwargs and all(type(a) in PLAIN_TYPES for a in t.args):
            payload = pickle.dumps((t.args, t.kwargs), pickle.HIGHEST_PROTOCOL)  # 10x cheaper
        else:  # functions, classes and Tasks of the jugfile travel by value
            payload = cloudpickle.dumps((t.args, t.kwargs))
        h = self.graph.hashes[i]
        assert self.s is not None
        return TaskSpec(h, t.name, self._function_key(t.f), payload,
                        h in self.s.failure_records,
                        self.graph.hashes[after] if after >= 0 else "", self.keep_failed)

    # ---- outcomes ----------------------------------------------------------

    def _complete(self, fut: asyncio.Future[list[Outcome]]) -> None:
        s = self.s
        assert s is not None
        bid, pool = self._inflight.pop(fut)
        batch = st.batch_returned(s, bid)
        if self.leases is not None:
            self.leases.release(bid)
        if self._watch is not None:
            self._watch.done(bid)
        try:
            outcomes = fut.result()
        except BrokenExecutor:
            self._discard_pool(pool)
            self._recover_crash(batch, pool)
            return
        except Exception as e:
            for i in batch:
                self._fail(i, f"{type(e).__name__}: {e}", "", record=True)
            return
        index, names = self.graph.index, self.graph.names
        now = time.time()
        emit = self.emit
        for o in outcomes:
            i = index[o.hash]
            status = o.status
            if status is DONE:
                st.task_done(s, i, o.seconds + o.save_seconds)  # saving is work too
                emit(ev.TaskFinished(o.hash, names[i], o.seconds, o.nbytes, o.pid, now))
            elif status is ALREADY:
                emit(ev.TaskDoneElsewhere(o.hash, names[i], now))
                st.task_done_elsewhere(s, i)
            elif status is LOCKED:
                st.task_held_elsewhere(s, i)
                self._backoff = POLL_FIRST
                emit(ev.TaskHeldElsewhere(o.hash, names[i], "", now))
            elif status is FAILED:
                self._fail(i, o.error, o.traceback, o.pid, ran=True)
            elif status is SKIPPED:
                self._emit_blocked(st.task_skipped(s, i))

    def _fail(self, i: int, error: str, tb: str, pid: int = 0, record: bool = False,
              ran: bool = False) -> None:
        """Mark ``i`` failed; ``record`` keeps the error in the store for ``status``
        and ``monitor`` when no worker could (the worker records its own)."""
        g = self.graph
        if record:
            with contextlib.suppress(OSError):
                self.store.save_failure(g.hashes[i], format_failure(g.names[i], f"{tb or error}\n"))
        assert self.s is not None
        blocked = st.task_failed(self.s, i, ran)
        self.failures.append(Failure(g.names[i], g.hashes[i], error, tb))
        self.emit(ev.TaskFailed(g.hashes[i], g.names[i], error, tb, pid, time.time()))
        self._emit_blocked(blocked)
        if not self.keep_going:
            self._stopping = True

    def _emit_blocked(self, blocked: st.Blocked) -> None:
        g = self.graph
        for d, reason in blocked:
            self.emit(ev.TaskBlocked(g.hashes[d], g.names[d], reason))

    def _discard_pool(self, pool: Pool) -> None:
        """Drop a broken pool (once: several of its futures report the breakage)."""
        if pool is self.pool:
            pool.shutdown(wait=False, cancel=True)
            self.pool = None

    def _recover_crash(self, batch: list[int], pool: Pool) -> None:
        """A worker died (killed, segfault, out of memory, over a limit): the pool
        is broken. Break the dead workers' locks, retry the tasks one by one in a
        new pool; a task whose worker was killed over a limit fails with that."""
        self.held.break_dead_workers([self.graph.hashes[i] for i in batch], self._pool_pids)
        assert self.s is not None
        watch = self._watch
        killed = {i: why for i in batch
                  if watch is not None and (why := watch.killed_for(i)) is not None}
        for i, why in killed.items():
            self._fail(i, why, "", record=True, ran=True)
        rest = [i for i in batch if i not in killed]
        for i in st.worker_died(self.s, rest):  # it ran alone: it is the culprit
            self._fail(i, "the worker process running this task died (killed by a "
                       "signal, out of memory, or a crash in native code)", "", record=True,
                       ran=True)

    # ---- tasks held by others ---------------------------------------------

    async def _poll_elsewhere(self) -> list[tuple[int, held.Look]]:
        """Wait out the back-off, then judge the lock of every task held
        elsewhere (``held.HeldLocks``): done, freed, broken, held or waited for.
        A store that fails with OSError is retried at the next poll (logged);
        ``STORE_ERRORS_MAX`` polls in a row stop the run."""
        await asyncio.sleep(self._backoff)
        self._backoff = min(self._backoff * 2, POLL_MAX)
        looks: list[tuple[int, held.Look]] = []
        assert self.s is not None
        try:
            for i in list(self.s.elsewhere):
                looks.append((i, await self.held.look(self.graph.hashes[i])))
        except (OSError, StoreError) as e:
            self._store_errors += 1
            log.warning("reading the locks of tasks held elsewhere failed (%d in a row; "
                        "will retry): %s", self._store_errors, e)
            if self._store_errors >= STORE_ERRORS_MAX:
                self._store_failed(f"the store keeps failing ({e})")
            return looks
        self._store_errors = 0
        return looks

    def _waited_too_long(self) -> bool:
        """Only tasks under locks this host cannot judge (plain jug locks) are
        left and nothing changed for ``wait_limit`` seconds: give up on them
        (jug's wait cycles). A lock with a live lease is waited for."""
        s = self.s
        assert s is not None
        if (self.wait_limit is None or self._inflight or s.ready or not s.elsewhere
                or self.paused or not all(i in self._waiting for i in s.elsewhere)):
            self._waiting_since = None
            return False
        now = self._clock()
        if self._waiting_since is None:
            self._waiting_since = now
        if now - self._waiting_since < self.wait_limit:
            return False
        g = self.graph
        for i in sorted(s.elsewhere):
            look = self._waiting[i]
            owner = look.owner or "an unknown process"
            self.gave_up.append(Waited(g.names[i], g.hashes[i], owner, look.line))
        return True

    def _apply_poll(self, looks: list[tuple[int, held.Look]]) -> None:
        now = time.time()
        g, s = self.graph, self.s
        assert s is not None
        changed = False
        for i, look in looks:
            if s.state[i] is not TaskState.ELSEWHERE:
                continue
            what = look.what
            if what in (held.WAIT, held.HELD):
                if what == held.WAIT:
                    self._waiting[i] = look
                    if i not in self._told:
                        self._told.add(i)
                        self.emit(ev.LockWaited(g.hashes[i], g.names[i], look.describe(),
                                                look.line, now))
                else:
                    self._waiting.pop(i, None)
                continue
            changed = True
            self._waiting.pop(i, None)
            if what == held.DONE:
                self.emit(ev.TaskDoneElsewhere(g.hashes[i], g.names[i], now))
                st.task_done_elsewhere(s, i)
            elif what == held.FREE:
                st.task_freed(s, i)
            else:
                owner = look.owner or "another worker"
                self._fail(i, f"marked failed by {owner} (jug --keep-failed); "
                           f"remove its lock to retry: {CLEAR_COMMANDS}", "")
        if changed:
            self._backoff = POLL_FIRST
            self._waiting_since = None  # progress: the wait starts again

    def _store_failed(self, why: str) -> None:
        """The store keeps failing: stop as on a signal (workers stopped, their
        locks released where possible, saved results kept), with ``why``."""
        if self.store_error is None:
            self.store_error = why
            log.error("%s: stopping the run", why)
        self.request_stop("store failure")

    # ---- limits -------------------------------------------------------------

    def _workers(self) -> set[int] | None:
        """The pool's worker PIDs (None: no pool whose workers can be watched)."""
        pids = getattr(self.pool, "pids", None)
        return pids() if pids is not None else None

    def _kill_worker(self, pid: int | None, reason: str) -> None:
        """A task is over a limit (``reason``): kill its worker (``pid``; None:
        no lock names it, stop them all). The pool breaks: ``_recover_crash``."""
        pool = self.pool
        if pool is None:
            return
        if pid is not None:
            pool.kill(pid)  # type: ignore[attr-defined]  # a ProcessPool: it has pids
        else:
            pool.terminate()

    # ---- progress and shutdown --------------------------------------------

    def _progress(self, force: bool = False) -> None:
        now = time.time()
        if not force and now - self._last_progress < PROGRESS_EVERY:
            return
        self._last_progress = now
        s = self.s
        assert s is not None
        self.emit(ev.Progress(s.done, len(self.graph), s.running, len(self.failures),
                              len(s.elsewhere), now, st.statistics(s)))

    def _shutdown(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
        if self.leases is not None:  # its descriptors: now, or when a round ends
            self.leases.close()
        pool = self.pool
        if pool is None:
            return
        if self.interrupted is None and not self._inflight:
            pool.shutdown(wait=True)
            return
        pids = pool.terminate()
        # Every lock the stopped workers held: those of the running tasks and any
        # whose background release had not happened yet.
        for h in self.store.list_locks():
            info = self.store.lock_info(h)
            if info is not None and info.pid in pids and info.host == self._host:
                self.store.unlock(h)
        for fut in self._inflight:  # the pool is gone: their outcome is moot
            if fut.done():
                fut.exception()  # mark as retrieved (a BrokenProcessPool)
            else:
                fut.cancel()
        self._inflight.clear()

