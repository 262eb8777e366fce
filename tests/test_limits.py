"""Per-task limits (``run --timeout``, ``--max-memory``): a task over a limit
fails with that reason, its worker is replaced, and the run goes on. Real
worker processes, real sleeps and allocations."""

from __future__ import annotations

import os

import pytest

from jug_async.run.limits import (
    Limits,
    LimitWatch,
    format_size,
    over_memory,
    over_time,
    parse_size,
)
from jug_async.store.memory import MemoryStore

JUGFILE = '''\
import time
from jug import TaskGenerator

@TaskGenerator
def nap(seconds):
    time.sleep(seconds)
    return seconds

@TaskGenerator
def hog(megabytes):
    block = bytearray(megabytes << 20)  # touched: resident, not just reserved
    for k in range(0, len(block), 4096):
        block[k] = 1
    time.sleep(30)
    return len(block)

@TaskGenerator
def small(i):
    return i

naps = [nap(0.1), nap(30)]
hogs = [hog(500)]
smalls = [small(i) for i in range(4)]
'''


@pytest.mark.parametrize(("text", "size"), [("200M", 200 << 20), ("1G", 1 << 30),
                                            ("1.5GiB", 3 << 29), ("512k", 512 << 10),
                                            ("1000", 1000), ("2 MB", 2 << 20)])
def test_sizes_are_read_in_binary_units(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "-1G", "0", "1X", "1e3"])
def test_a_bad_size_is_refused(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_reasons_name_the_limit_and_the_usage():
    lim = Limits(timeout=5, max_memory=1 << 30)
    assert over_time(lim, 4.9) is None and over_memory(lim, 1 << 30) is None
    assert over_time(lim, 5.1) == "exceeded --timeout 5 s"
    assert over_memory(lim, int(1.3 * (1 << 30))) == "exceeded --max-memory 1 GiB (RSS 1.3 GiB)"
    assert format_size(200 << 20) == "200 MiB" and format_size(10) == "10 B"


HASHES = [f"{i:040x}" for i in range(3)]


class Kills:
    """``LimitWatch``'s kill callback: records (pid, reason)."""

    def __init__(self) -> None:
        self.calls: list[tuple[int | None, str]] = []

    def __call__(self, pid: int | None, reason: str) -> None:
        self.calls.append((pid, reason))


def watch_of(limits: Limits, now: list[float]) -> tuple[LimitWatch, MemoryStore]:
    store = MemoryStore()
    return LimitWatch(limits, store, HASHES, clock=lambda: now[0]), store


async def test_the_watch_names_the_worker_over_the_timeout_once():
    now = [0.0]
    watch, store = watch_of(Limits(timeout=2), now)
    assert store.try_lock(HASHES[0])  # its worker's lock names this process
    watch.sent(1, [0])
    watch.sent(2, [1])  # no lock names its worker (not taken yet)
    kill = Kills()
    now[0] = 1.9
    await watch.check(lambda: {os.getpid()}, kill)
    assert kill.calls == []
    now[0] = 2.1
    await watch.check(lambda: {os.getpid()}, kill)
    assert kill.calls == [(os.getpid(), "exceeded --timeout 2 s"),
                          (None, "exceeded --timeout 2 s")]  # None: stop every worker
    await watch.check(lambda: {os.getpid()}, kill)
    assert len(kill.calls) == 2  # killed once per batch
    assert watch.killed_for(0) == "exceeded --timeout 2 s"
    assert watch.killed_for(0) is None and watch.killed_for(2) is None


async def test_the_watch_reads_real_memory_and_forgets_finished_batches():
    now = [0.0]
    watch, store = watch_of(Limits(max_memory=1 << 20), now)  # this process has more
    assert store.try_lock(HASHES[0]) and store.try_lock(HASHES[1])
    watch.sent(1, [0])
    watch.sent(2, [1])
    watch.done(2)  # ended before the check
    kill = Kills()
    await watch.check(lambda: None, kill)  # no pool to watch
    assert kill.calls == []
    await watch.check(lambda: {os.getpid()}, kill)
    [(pid, reason)] = kill.calls
    assert pid == os.getpid() and reason.startswith("exceeded --max-memory 1 MiB (RSS ")
    assert watch.killed_for(1) is None


def test_a_task_over_the_timeout_fails_and_the_run_goes_on(tmp_path, run_cli):
    (tmp_path / "limits.py").write_text(JUGFILE)
    r = run_cli("run", "limits.py", "-j", "2", "--timeout", "2", "--target", "nap",
                "--target", "small", "--keep-going", timeout=60)
    assert r.returncode == 1, r.stderr
    assert "limits.nap" in r.stderr and "exceeded --timeout 2 s" in r.stderr
    assert "Traceback" not in r.stderr
    again = run_cli("run", "limits.py", "--timeout", "2", "--target", "small")
    assert again.returncode == 0, again.stderr  # everything else was saved


def test_a_task_over_max_memory_fails_instead_of_taking_the_node_down(tmp_path, run_cli):
    (tmp_path / "limits.py").write_text(JUGFILE)
    r = run_cli("run", "limits.py", "-j", "2", "--max-memory", "200M", "--target", "hog",
                "--target", "small", "--keep-going", timeout=60)
    assert r.returncode == 1, r.stderr
    assert "limits.hog" in r.stderr and "exceeded --max-memory 200 MiB (RSS " in r.stderr
    assert "Traceback" not in r.stderr
    assert run_cli("run", "limits.py", "--target", "small").returncode == 0


def test_bad_limits_are_one_line_errors(tmp_path, run_cli):
    (tmp_path / "limits.py").write_text(JUGFILE)
    for args in (("--timeout", "0"), ("--max-memory", "lots"), ("--lease", "1"),
                 ("--lease", "nan")):
        r = run_cli("run", "limits.py", *args)
        assert r.returncode == 2, (args, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        assert "Traceback" not in r.stderr and args[0] in last, r.stderr
