"""The event loop and the worker pools: the two pieces of machinery a run needs.

The scheduler sees a pool only through the ``Pool`` protocol: ``submit`` a
batch of ``TaskSpec`` and get a future of its ``Outcome`` list, ``shutdown``
when the run ends, ``terminate`` to stop the workers at once. ``ProcessPool``
is the real one (a ProcessPoolExecutor); ``InlinePool`` runs each batch in the
scheduler's own process, for tests and debugging (pdb works in task code).

The first pool is forked before the event loop or any thread exists, so its
workers inherit the loaded jugfile and start in milliseconds. A pool needed
later (after a worker died) comes from a forkserver: by then this process runs
an event loop and executor threads, and forking it could deadlock the child.
The forkserver preloads jug_async's worker module (and numpy when installed).
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import multiprocessing
import os
import signal
import threading
import types
from collections.abc import Coroutine
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol, TypeVar

import cloudpickle

from jug_async.graph import TaskGraph
from jug_async.locks import facts
from jug_async.run import worker
from jug_async.run.worker import Outcome, TaskSpec
from jug_async.store.base import Store

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run the scheduler's coroutine on uvloop."""
    import uvloop

    return uvloop.run(coro)


class FunctionTable:
    """Gives each distinct task function a small key; pickles all of them once,
    together, by value, when the first pool starts (see ``worker`` for why
    together). A run with nothing to execute never pickles anything."""

    def __init__(self, graph: TaskGraph, module: types.ModuleType) -> None:
        self.module_name = module.__name__
        self.filename = getattr(module, "__file__", "") or ""
        # Everything of the jugfile's module (functions, lambdas in Tasklets,
        # classes) travels by value: workers cannot import it by name.
        cloudpickle.register_pickle_by_value(module)
        self._keys: dict[int, int] = {}
        self._functions: dict[int, Any] = {}
        for t in graph.tasks:
            if id(t.f) not in self._keys:
                self._keys[id(t.f)] = len(self._functions)
                self._functions[len(self._functions)] = t.f

    def key(self, f: Any) -> int:
        return self._keys[id(f)]

    @property
    def functions(self) -> dict[int, Any]:
        """Key -> function, as a worker's table holds them (for ``InlinePool``)."""
        return dict(self._functions)

    @functools.cached_property
    def blob(self) -> bytes:
        return cloudpickle.dumps(self._functions)


class Pool(Protocol):
    """What the scheduler needs of a pool of workers."""

    def submit(self, specs: list[TaskSpec]) -> Future[list[Outcome]]:
        """Run ``worker.run_batch(specs)`` on some worker. Raises (or fails the
        future with) ``concurrent.futures.BrokenExecutor`` once a worker died."""
        ...

    def shutdown(self, wait: bool = True, cancel: bool = False) -> None:
        """No more batches: let the workers exit (``cancel``: drop queued ones)."""
        ...

    def terminate(self) -> set[int]:
        """Stop the workers now, wait for them to exit, return their PIDs (the
        scheduler then releases the locks those PIDs held on this host)."""
        ...


class ProcessPool:
    """The real pool: a ProcessPoolExecutor of ``jobs`` worker processes."""

    def __init__(self, executor: ProcessPoolExecutor) -> None:
        self.executor = executor

    def submit(self, specs: list[TaskSpec]) -> Future[list[Outcome]]:
        return self.executor.submit(worker.run_batch, specs)

    def shutdown(self, wait: bool = True, cancel: bool = False) -> None:
        self.executor.shutdown(wait=wait, cancel_futures=cancel)

    def terminate(self) -> set[int]:
        return terminate(self.executor)

    def pids(self) -> set[int]:
        """The worker processes' PIDs (for per-task limits)."""
        return set(getattr(self.executor, "_processes", None) or {})

    def kill(self, pid: int) -> None:
        """Kill one worker now (over a limit): the pool breaks, the scheduler
        rebuilds it."""
        if pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


class InlinePool:
    """Runs each batch at once, in this process, inside ``submit``: for tests and
    debugging. The worker's globals are set up here (``worker.init_in_process``)
    in a ``contextvars`` context of the pool's own, so the caller's load context
    is untouched; a pool is used by one scheduler at a time."""

    def __init__(self, store: Store, functions: dict[int, Any]) -> None:
        self._context = contextvars.copy_context()
        self._store, self._functions = store, functions
        self.batches = 0  # batches run, for tests
        before = worker._state
        self._context.run(worker.init_in_process, store, functions)
        self._state, worker._state = worker._state, before

    def submit(self, specs: list[TaskSpec]) -> Future[list[Outcome]]:
        fut: Future[list[Outcome]] = Future()
        before, worker._state = worker._state, self._state
        try:
            fut.set_result(self._context.run(worker.run_batch, specs))
        except Exception as e:
            fut.set_exception(e)
        finally:
            worker._state = before
            self.batches += 1
        return fut

    def shutdown(self, wait: bool = True, cancel: bool = False) -> None:
        pass

    def terminate(self) -> set[int]:
        return set()  # no process of its own: nothing to stop


class PoolFactory:
    """Builds the run's worker pools.

    The first pool is forked before the event loop starts (``prestart``): the
    workers then inherit the imported modules and start in milliseconds. Pools
    built later (after a worker crash) come from a forkserver, because by then
    this process runs an event loop and threads, and forking it is unsafe.
    """

    def __init__(self, jobs: int, store_spec: str, functions: FunctionTable, *,
                 lease: worker.Lease | None = None) -> None:
        self.jobs = jobs
        self.lease = lease
        self._initargs = (os.getcwd(), store_spec, functions.module_name, functions.filename)
        self._functions = functions
        self._ready: ProcessPoolExecutor | None = None

    def prestart(self) -> None:
        """Fork the workers now, if this process has no other thread yet."""
        if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
            return
        self._ready = self._build(multiprocessing.get_context("fork"))
        self._ready.submit(os.getpid)  # makes the pool fork all its workers now

    def make(self) -> ProcessPool:
        ready, self._ready = self._ready, None
        return ProcessPool(ready if ready is not None else self._build(_forkserver()))

    def close(self) -> None:
        """Shut down a prestarted pool the run did not need."""
        if self._ready is not None:
            self._ready.shutdown(wait=True)
            self._ready = None

    def _build(self, ctx: Any) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=ctx,
            initializer=worker.init_worker,
            # The scheduler is this process: workers exit when it dies.
            initargs=(*self._initargs, self._functions.blob, self.lease,
                      (os.getpid(), facts.start_time())),
        )


def _forkserver() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    preload = ["jug_async.run.worker"]
    with contextlib.suppress(ImportError):
        import numpy  # noqa: F401

        preload.append("numpy")
    ctx.set_forkserver_preload(preload)
    return ctx


def terminate(executor: ProcessPoolExecutor) -> set[int]:
    """Stop the workers now (SIGTERM), wait for them to exit, return their PIDs.

    concurrent.futures has no public "kill the workers" before Python 3.14
    (``terminate_workers``), so this reaches for the executor's process table.
    """
    procs = dict(getattr(executor, "_processes", None) or {})
    for p in procs.values():
        with contextlib.suppress(Exception):
            p.terminate()
    for p in procs.values():
        with contextlib.suppress(Exception):
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join(5)
    # The executor's manager thread now fails every pending future with
    # BrokenProcessPool. Python 3.11 does so without checking whether a future
    # was cancelled meanwhile, and prints an InvalidStateError traceback if it
    # was: let it finish before anyone cancels anything.
    manager = getattr(executor, "_executor_manager_thread", None)
    if manager is not None:
        manager.join(5)
    executor.shutdown(wait=False, cancel_futures=True)
    return set(procs)
