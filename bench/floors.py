"""The floors each benchmark line is read against, measured on this machine in
the same run as the tools.

* ``sequential``: the workload's functions called in a plain in-process loop
  (no scheduler, no store, no processes).
* ``parallel``: the hardware floor at ``jobs`` processes: for each stage of the
  workload, ``jobs`` forked processes split that stage's calls statically
  (round-robin) and the stage ends when all have exited. A stage's inputs are
  computed beforehand by the sequential loop (untimed here), so no result
  crosses a process boundary: no scheduler, no store, no pipe.
* Per-operation costs on the benchmark's own disk: a small write + fsync +
  rename (and the same plus the directory fsync jug does after each result), a
  large one, and one ``ProcessPoolExecutor`` round trip (submit a no-op, wait
  for its result).

The workloads' functions are imported from ``bench/workloads/*.py`` with
``BENCH_DECLARE=0``, so the floors run exactly the code the tasks run.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import multiprocessing
import os
import string
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

WORKLOADS = Path(__file__).resolve().parent / "workloads"

Stage = tuple[Callable[..., Any], Sequence[tuple[Any, ...]]]


@dataclass
class Floor:
    sequential: float  # seconds, in-process loop
    parallel: float  # seconds, forked processes splitting each stage statically


def load_workload(name: str) -> ModuleType:
    """Import ``bench/workloads/<name>.py`` without declaring any task."""
    key = f"_bench_floor_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, WORKLOADS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    old = os.environ.get("BENCH_DECLARE")
    os.environ["BENCH_DECLARE"] = "0"
    try:
        spec.loader.exec_module(module)
    finally:
        if old is None:
            del os.environ["BENCH_DECLARE"]
        else:
            os.environ["BENCH_DECLARE"] = old
    sys.modules[key] = module
    return module


# ---- the parallel floor ------------------------------------------------------


def fork_split(fn: Callable[..., Any], argsets: Sequence[tuple[Any, ...]], jobs: int) -> float:
    """Seconds for ``min(jobs, len(argsets))`` forked processes to call ``fn`` on
    their round-robin share of ``argsets`` and exit."""
    n = max(1, min(jobs, len(argsets)))
    t0 = time.perf_counter()
    pids = []
    for w in range(n):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - child
            code = 0
            try:
                for args in argsets[w::n]:
                    fn(*args)
            except BaseException:
                code = 1
            os._exit(code)
        pids.append(pid)
    failed = 0
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        failed += os.waitstatus_to_exitcode(status) != 0
    elapsed = time.perf_counter() - t0
    if failed:
        raise RuntimeError(f"{failed} floor process(es) failed running {fn.__name__}")
    return elapsed


def staged(stages: Sequence[Stage], jobs: int) -> float:
    return sum(fork_split(fn, argsets, jobs) for fn, argsets in stages)


# ---- one floor per workload ----------------------------------------------------


def trivial(n: int, with_sum: bool, jobs: int) -> Floor:
    w = load_workload("trivial")
    t0 = time.perf_counter()
    parts = [w.double(i) for i in range(n)]
    if with_sum:
        w.total(parts)
    seq = time.perf_counter() - t0
    stages: list[Stage] = [(w.double, [(i,) for i in range(n)])]
    if with_sum:
        stages.append((w.total, [(parts,)]))
    return Floor(seq, staged(stages, jobs))


def cpubound(n: int, iters: int, jobs: int) -> Floor:
    w = load_workload("cpubound")
    t0 = time.perf_counter()
    parts = [w.burn(i, iters) for i in range(n)]
    w.total(parts)
    seq = time.perf_counter() - t0
    stages: list[Stage] = [(w.burn, [(i, iters) for i in range(n)]), (w.total, [(parts,)])]
    return Floor(seq, staged(stages, jobs))


def tutorial(n_features: int, n_k: int, jobs: int) -> Floor:
    w = load_workload("tutorial")
    ks = range(2, n_k + 2)
    t0 = time.perf_counter()
    feats = [w.features(i) for i in range(n_features)]
    fits = [w.kmeans(feats, k) for k in ks]
    bics = [w.bic(f) for f in fits]
    w.argmin(bics)
    seq = time.perf_counter() - t0
    stages: list[Stage] = [
        (w.features, [(i,) for i in range(n_features)]),
        (w.kmeans, [(feats, k) for k in ks]),
        (w.bic, [(f,) for f in fits]),
        (w.argmin, [(bics,)]),
    ]
    return Floor(seq, staged(stages, jobs))


def _produce_consume(w: ModuleType, i: int, mb: int) -> float:
    return w.consume(w.produce(i, mb))


def bigresults(n: int, mb: int, jobs: int) -> Floor:
    w = load_workload("bigresults")
    t0 = time.perf_counter()
    for i in range(n):
        _produce_consume(w, i, mb)
    seq = time.perf_counter() - t0
    return Floor(seq, fork_split(_produce_consume, [(w, i, mb) for i in range(n)], jobs))


# ---- per-operation costs -------------------------------------------------------


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_fsync_rename(directory: Path, payload: bytes, count: int, dir_fsync: bool) -> float:
    """Seconds per op: write ``payload`` to a new temp file, fsync it, rename it
    into a result directory (then fsync that directory when ``dir_fsync``)."""
    tmp = directory / "tempfiles"
    final = directory / "ab"
    tmp.mkdir(parents=True, exist_ok=True)
    final.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    for k in range(count):
        src = tmp / f"t{k}"
        with open(src, "xb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.rename(src, final / f"{string.hexdigits[k % 16]}{k:038d}")
        if dir_fsync:
            _fsync_dir(str(final))
    elapsed = (time.perf_counter() - t0) / count
    for p in final.iterdir():
        p.unlink()
    return elapsed


def _noop() -> int:
    return 0


def pool_round_trip(count: int) -> float:
    """Seconds per submit-and-wait of a no-op on a warm one-worker
    ProcessPoolExecutor (forkserver, as jug-async starts its workers)."""
    ctx = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
        for _ in range(20):
            ex.submit(_noop).result()
        t0 = time.perf_counter()
        for _ in range(count):
            ex.submit(_noop).result()
        return (time.perf_counter() - t0) / count


@dataclass
class OpCosts:
    small_write: float  # write 64 B + fsync + rename, seconds
    small_write_dirsync: float  # the same + fsync of the directory (what jug does)
    big_write: float  # write one workload-5 result (+ fsync + rename + dir fsync), seconds
    big_write_bytes: int
    pool_round_trip: float  # seconds


def op_costs(directory: Path, big_mb: int, *, quick: bool = False) -> OpCosts:
    """The small write is random bytes; the big one is what workload 5 writes
    (``produce(1, big_mb)``: a constant array, which a compressing or
    deduplicating virtual disk stores faster than random bytes)."""
    n = 20 if quick else 200
    directory.mkdir(parents=True, exist_ok=True)
    small = os.urandom(64)
    big = load_workload("bigresults").produce(1, big_mb).tobytes()
    return OpCosts(
        small_write=write_fsync_rename(directory, small, n, dir_fsync=False),
        small_write_dirsync=write_fsync_rename(directory, small, n, dir_fsync=True),
        big_write=write_fsync_rename(directory, big, 1 if quick else 3, dir_fsync=True),
        big_write_bytes=len(big),
        pool_round_trip=pool_round_trip(50 if quick else 500),
    )


def calibrate_burn(target_seconds: float) -> int:
    """Iterations of ``cpubound.burn`` that take about ``target_seconds`` here."""
    w = load_workload("cpubound")
    iters = 20_000
    while True:
        t0 = time.perf_counter()
        w.burn(0, iters)
        elapsed = time.perf_counter() - t0
        if elapsed > 0.02:
            break
        iters *= 4
    best = elapsed
    for _ in range(2):
        t0 = time.perf_counter()
        w.burn(0, iters)
        best = min(best, time.perf_counter() - t0)
    return max(1, round(iters * target_seconds / best))
