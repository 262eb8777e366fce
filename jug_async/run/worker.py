"""What runs in a worker process: lock, run, save, unlock; report an Outcome.

The scheduler sends batches of ``TaskSpec``; the worker takes each task's lock,
checks again that the result is not already saved (another host may have
finished it since the scheduler listed the store), resolves the arguments
(loading dependency results through a small per-process cache), calls the
function and saves the result itself: results never travel back through the
pipe, only a small ``Outcome``. A batch's results are saved with one group
commit (``Store.dump_many``) before any of their locks is released.

The jugfile's functions arrive once per process, as one cloudpickle blob (by
value: workers cannot import the jugfile by name). They are unpickled together
so they share one globals dict, which becomes a stand-in module under the
jugfile's name: classes defined in the jugfile then pickle by reference in
results, exactly as they do under jug.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import traceback
import types
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, NamedTuple

import cloudpickle

from jug_async import compat
from jug_async.api import registry
from jug_async.api.task import value
from jug_async.locks import facts
from jug_async.locks.lease import lease_record
from jug_async.records import format_failure
from jug_async.running import mark_running
from jug_async.states import TaskState
from jug_async.store.base import Store
from jug_async.store.open import open_store

# An Outcome's status is a TaskState (the worker's names for them kept as aliases).
DONE = TaskState.DONE  # ran here and saved
FAILED = TaskState.FAILED  # the function raised (or its result could not be saved)
LOCKED = TaskState.ELSEWHERE  # someone else holds the lock: not run
ALREADY = TaskState.DONE_ELSEWHERE  # saved by someone else between listing and locking
SKIPPED = TaskState.SKIPPED  # its input, earlier in the batch, was not saved here: not run
CACHE_ITEM_MAX = 1 << 20  # larger results are re-read, not kept between batches


# TaskSpec and Outcome are NamedTuples: a batch of 256 of them crosses the pipe
# in each direction, and tuples pickle 2-5x faster than dataclasses.
class TaskSpec(NamedTuple):
    hash: str
    name: str
    func: int  # key into the worker's function table
    payload: bytes  # pickle of (args, kwargs); Tasks inside arrive as TaskRef
    has_failure_record: bool = False  # a past failure's traceback to delete on success
    after: str = ""  # an earlier task of the batch whose result this one reads
    keep_failed: bool = False  # on failure, mark the lock failed (jug --keep-failed)


class Outcome(NamedTuple):
    hash: str
    status: TaskState
    seconds: float = 0.0  # in the task's function
    nbytes: int = 0
    pid: int = 0
    error: str = ""
    traceback: str = ""
    save_seconds: float = 0.0  # its share (by size) of the batch's group commit


class _CachedLoads:
    """The store, with ``load`` memoised: many tasks often read the same small
    inputs (every k-means reads every feature vector). Large values are not kept
    across batches: holding them makes every new large result fault in fresh
    pages, which costs more than re-reading the file from the page cache. Within
    a batch, results computed there are pinned for the riders that read them."""

    def __init__(self, store: Store, budget: int) -> None:
        self._store = store
        self._budget = budget
        self._used = 0
        self._cache: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self.pinned: dict[str, Any] = {}

    def load(self, h: str) -> Any:
        if h in self.pinned:
            return self.pinned[h]
        hit = self._cache.get(h)
        if hit is not None:
            self._cache.move_to_end(h)
            return hit[0]
        v = self._store.load(h)
        self.remember(h, v)
        return v

    def remember(self, h: str, v: Any) -> None:
        size = int(getattr(v, "nbytes", 0)) or 1024
        if size > CACHE_ITEM_MAX or h in self._cache:
            return
        self._cache[h] = (v, size)
        self._used += size
        while self._used > self._budget:
            _, (_, s) = self._cache.popitem(last=False)
            self._used -= s

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


@dataclass
class _WorkerState:
    store: Store
    functions: dict[int, Any]
    cache: _CachedLoads


_state: _WorkerState | None = None  # one per worker process, set by init_worker


@dataclass(frozen=True)
class Lease:
    """What a worker needs to write leased locks: the run's lease and token."""

    seconds: float
    token: str


def init_worker(cwd: str, store_spec: str, module_name: str, filename: str,
                functions_blob: bytes, lease: Lease | None = None,
                scheduler: tuple[int, int | None] | None = None,
                cache_bytes: int = 256 << 20) -> None:
    """ProcessPoolExecutor initializer. Ctrl-C goes to the whole terminal process
    group: workers ignore it and let the scheduler stop them cleanly.
    ``scheduler`` (PID, start time): the worker exits when that process dies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    if scheduler is not None:
        follow_scheduler(*scheduler)
    # Workers share stdout/stderr (a terminal, a log, a pipe). Unbuffered (-u,
    # PYTHONUNBUFFERED) print() writes the text and the newline separately, so
    # lines of two workers tear into each other; line buffering writes each line
    # whole, in one write.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError, OSError):
            stream.reconfigure(line_buffering=True, write_through=False)
    mark_running()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    compat.install()
    module = sys.modules.get(module_name)
    if module is None:
        module = types.ModuleType(module_name)
        sys.modules[module_name] = module
    functions: dict[int, Any] = cloudpickle.loads(functions_blob)
    shipped: list[Any] = list(functions.values())
    for f in functions.values():
        for k, v in getattr(f, "__globals__", {}).items():
            if not k.startswith("__"):
                module.__dict__.setdefault(k, v)
                shipped.append(v)
    _restore_filenames(shipped, module_name, filename)
    _adopt_shipped_classes(module)
    store = open_store(store_spec)
    set_record = getattr(store, "set_lock_record", None)
    if lease is not None and set_record is not None:
        set_record(lease_record(lease.seconds, lease.token))
    init_in_process(store, functions, cache_bytes)


# ---- following the scheduler ------------------------------------------------------

WATCH_EVERY = 0.5  # seconds between checks that the scheduler lives (forkserver workers)
PR_SET_PDEATHSIG = 1
_NO_NAMESPACES = facts.HostFacts("", None, None)  # probe without scanning every process


def follow_scheduler(pid: int, started: int | None) -> None:
    """Exit when the scheduler ``pid`` (started at ``started`` ticks) dies, however
    it dies (kill -9 included), via a SIGTERM to this worker: a batch unwinds,
    unlocks its locks, and the process exits.

    A worker forked by the scheduler asks the kernel (``PR_SET_PDEATHSIG``): the
    signal comes the moment the parent dies. A worker of a forkserver pool has the
    forkserver as its parent, so a daemon thread checks the scheduler's PID and
    start time (a reused PID is another process) every ``WATCH_EVERY`` seconds.
    """
    if os.getppid() == pid and _parent_death_signal(signal.SIGTERM):
        if os.getppid() != pid:  # it died before the kernel was asked
            os.kill(os.getpid(), signal.SIGTERM)
        return
    threading.Thread(target=_watch, args=(pid, started), name="jug-async-follow",
                     daemon=True).start()


def _parent_death_signal(sig: int) -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(pid: int, started: int | None) -> None:
    while True:
        time.sleep(WATCH_EVERY)
        seen = facts.probe(pid, _NO_NAMESPACES)
        if seen.alive is False or (started is not None and seen.start_time is not None
                                   and seen.start_time != started):
            os.kill(os.getpid(), signal.SIGTERM)
            return


def init_in_process(store: Store, functions: dict[int, Any],
                    cache_bytes: int = 256 << 20) -> None:
    """The part of ``init_worker`` that a worker running inside the scheduler's
    own process needs (``pool.InlinePool``): no signals, no stream changes, the
    functions already live. Call it inside a ``contextvars`` context of its own
    (the load context it sets is a context variable)."""
    global _state
    cache = _CachedLoads(store, cache_bytes)
    registry.set_process_context(registry.LoadContext(store=cache, collect=False))
    _state = _WorkerState(store=store, functions=functions, cache=cache)


_jugfile_module = ""  # the stand-in module's name, set by init_worker
_classes_seen = -1  # how many classes cloudpickle had rebuilt at the last adoption


def _adopt_shipped_classes(module: types.ModuleType | None) -> None:
    """Make the jugfile's classes that arrived by value the stand-in module's own.

    cloudpickle rebuilds a class of the jugfile once per worker (it tracks each by
    an id), but a forked worker also inherits the parent's original class under the
    same name; a result holding an instance is pickled by reference
    (``jugfile.Box``), which needs ``module.Box`` to be the very class the
    instance has. Private cloudpickle state: without it, nothing is adopted.
    """
    global _jugfile_module, _classes_seen
    if module is None:
        return
    _jugfile_module = module.__name__
    tracked = getattr(getattr(cloudpickle, "cloudpickle", None), "_DYNAMIC_CLASS_TRACKER_BY_ID", {})
    if len(tracked) == _classes_seen:  # nothing new arrived: the per-task common case
        return
    _classes_seen = len(tracked)
    for cls in list(tracked.values()):
        if (getattr(cls, "__module__", None) == module.__name__
                and cls.__qualname__ == cls.__name__
                and module.__dict__.get(cls.__name__) is not cls):
            module.__dict__[cls.__name__] = cls


def _restore_filenames(objs: list[Any], module_name: str, filename: str) -> None:
    """cloudpickle ships code with ``co_filename="<dynamic-code>"``; put the
    jugfile's path back on its functions (and its classes' methods) so that
    tracebacks show the jugfile's lines, as under jug."""
    queue, seen = list(objs), set()
    while queue:
        obj = queue.pop()
        if id(obj) in seen or getattr(obj, "__module__", None) != module_name:
            continue
        seen.add(id(obj))
        if isinstance(obj, types.FunctionType):
            obj.__code__ = _with_filename(obj.__code__, filename)
        elif isinstance(obj, type):
            queue.extend(vars(obj).values())


def _with_filename(code: types.CodeType, filename: str) -> types.CodeType:
    consts = tuple(_with_filename(c, filename) if isinstance(c, types.CodeType) else c
                   for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


class _Stopped(BaseException):
    """SIGTERM from the scheduler arrived during a batch: unwind (so files being
    written are removed), then exit. A BaseException so task code's
    ``except Exception`` does not swallow it."""


_in_batch = False  # whether a SIGTERM must unwind a batch or can exit at once


def _on_sigterm(signum: int, frame: Any) -> None:
    if _in_batch:
        raise _Stopped
    os._exit(0)


def run_batch(specs: list[TaskSpec]) -> list[Outcome]:
    """Run a batch of ready tasks; never raises for a task's own error.

    Batches hold only tasks estimated to be short, so taking all their locks
    first (one ``try_lock_many``) blocks no one for long. The locks are released
    by the scheduler if this process is killed.
    """
    global _in_batch
    _in_batch = True
    try:
        return _run_batch(specs)
    except _Stopped:
        os._exit(1)
    finally:
        _in_batch = False


def _run_batch(specs: list[TaskSpec]) -> list[Outcome]:
    assert _state is not None, "init_worker was not called"
    store, pid = _state.store, os.getpid()
    outcomes: list[Outcome] = []
    to_save: list[tuple[str, Any]] = []
    timings: list[tuple[TaskSpec, float]] = []
    locked = store.try_lock_many([s.hash for s in specs])
    available: set[str] = set()  # results of this batch a later task may read
    try:
        for spec, got in zip(specs, locked, strict=True):
            if not got:
                outcomes.append(Outcome(spec.hash, LOCKED, pid=pid))
            elif store.saved_now(spec.hash):  # finished elsewhere since the listing
                outcomes.append(Outcome(spec.hash, ALREADY, pid=pid))
                available.add(spec.hash)
            elif spec.after and spec.after not in available:
                outcomes.append(Outcome(spec.hash, SKIPPED, pid=pid))
            else:
                t0 = time.perf_counter()
                try:
                    result = _call(spec)
                except _Stopped:
                    raise
                except BaseException as e:
                    outcomes.append(_failed(store, spec, e, time.perf_counter() - t0, pid))
                    continue
                to_save.append((spec.hash, result))
                timings.append((spec, time.perf_counter() - t0))
                _state.cache.pinned[spec.hash] = result  # for riders of this batch
                _state.cache.remember(spec.hash, result)  # small ones: for later batches
                available.add(spec.hash)
        outcomes.extend(_save(store, to_save, timings, pid))
    finally:
        _state.cache.pinned.clear()
        _release(store, specs, locked, outcomes)
    return outcomes


def _release(store: Store, specs: list[TaskSpec], locked: list[bool],
             outcomes: list[Outcome]) -> None:
    """Unlock the batch's locks; with ``keep_failed``, a failed task's lock is
    marked failed instead (jug --keep-failed), so no one retries it meanwhile."""
    failed = {o.hash for o in outcomes if o.status is FAILED}
    keep = [s.hash for s, got in zip(specs, locked, strict=True)
            if got and s.keep_failed and s.hash in failed]
    for h in keep:
        try:
            store.mark_failed(h)
        except OSError:
            store.unlock(h)
    kept = set(keep)
    store.unlock_many([s.hash for s, got in zip(specs, locked, strict=True)
                       if got and s.hash not in kept])


def _call(spec: TaskSpec) -> Any:
    assert _state is not None
    f = _state.functions[spec.func]
    args, kwargs = cloudpickle.loads(spec.payload)
    _adopt_shipped_classes(sys.modules.get(_jugfile_module))
    return f(*[value(a) for a in args], **{k: value(v) for k, v in kwargs.items()})


def _save(store: Store, items: list[tuple[str, Any]], timings: list[tuple[TaskSpec, float]],
          pid: int) -> list[Outcome]:
    """Group-commit the batch; if that fails, save one by one to find the culprit.

    A task is never saved unless every input it used is: a rider whose input
    (computed earlier in this batch) could not be saved is not saved either,
    and is reported SKIPPED. Its value rests on a result that exists nowhere on
    disk; saved, ``status`` would show it Complete above a Failed input, and it
    would never be recomputed once that input is fixed. SKIPPED makes the
    scheduler treat it as a rider whose input failed: blocked in this run, run
    again with its input in the next.
    """
    assert _state is not None
    if not items:
        return []
    t0 = time.perf_counter()
    try:
        sizes = store.dump_many(items)
    except Exception:
        sizes = None
    save_seconds = time.perf_counter() - t0
    total_bytes = sum(sizes) if sizes else 0
    outcomes = []
    unsaved: set[str] = set()  # results of this batch that could not be saved
    for i, ((h, result), (spec, seconds)) in enumerate(zip(items, timings, strict=True)):
        if sizes is None:
            if spec.after in unsaved:
                unsaved.add(h)
                with contextlib.suppress(Exception):  # in case the group commit got it in
                    store.remove(h)
                outcomes.append(Outcome(h, SKIPPED, seconds, 0, pid))
                continue
            try:
                nbytes = store.dump(h, result)
            except Exception as e:
                outcomes.append(_failed(store, spec, e, seconds, pid, when="saving its result"))
                unsaved.add(h)
                continue
        else:
            nbytes = sizes[i]
        if spec.has_failure_record:
            store.clear_failure(h)
        share = nbytes / total_bytes if total_bytes else 1 / len(items)
        outcomes.append(Outcome(h, DONE, seconds, nbytes, pid,
                                save_seconds=save_seconds * share))
    return outcomes


def _failed(store: Store, spec: TaskSpec, exc: BaseException, seconds: float, pid: int,
            when: str = "") -> Outcome:
    tb = "".join(traceback.format_exception(exc))
    line = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    if when:
        line = f"{line} (while {when})"
    with contextlib.suppress(OSError):  # the traceback still reaches the scheduler
        store.save_failure(spec.hash, format_failure(spec.name, tb))
    return Outcome(spec.hash, FAILED, seconds, 0, pid, line, tb)
