"""The store poller behind ``monitor``: real stores on tmp_path, filled by real
``jug-async run`` and real jug 2.7 processes; plus its pure helpers."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from jug_async.session import Session
from jug_async.store.base import LockInfo, lock_text
from jug_async.store.file import FileStore
from jug_async.view.monitor import (
    Backoff,
    HostBook,
    Monitor,
    StorePoller,
    lock_started,
    split_failure_record,
)
from jug_async.view.rates import RateMeter, format_seconds

JUGFILES = Path(__file__).parent / "jugfiles"
BIN = Path(sys.executable).parent
JUG_ASYNC = str(BIN / "jug-async")
REAL_JUG = str(BIN / "jug") if (BIN / "jug").exists() else shutil.which("jug")


def env(**extra: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k != "JUG_ASYNC_RUNNING"}
    e.update(PYTHONDONTWRITEBYTECODE="1", **extra)
    return e


def setup_jugfile(tmp_path: Path, name: str) -> tuple[StorePoller, FileStore, Path]:
    shutil.copy(JUGFILES / name, tmp_path / name)
    jugdir = tmp_path / (name[:-3] + ".jugdata")
    store = FileStore(jugdir)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with Session(name, store=store) as session:
            graph = session.graph
    finally:
        os.chdir(cwd)
    return StorePoller(graph, store, jugfile=name), store, jugdir


def counts(snap) -> dict[str, tuple[int, ...]]:
    return {r.name: (r.waiting, r.ready, r.running, r.done, r.failed) for r in snap.rows}


def wait_until(predicate, timeout: float = 20.0, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(step)


def test_poll_after_a_real_run_with_failures(tmp_path):
    poller, _, _ = setup_jugfile(tmp_path, "tui_fail.py")
    before = poller.poll()
    assert counts(before) == {"tui_fail.check": (0, 6, 0, 0, 0),
                              "tui_fail.collect": (2, 0, 0, 0, 0)}
    assert before.mode == "monitor" and before.status == "watching" and poller.changed
    proc = subprocess.run([JUG_ASYNC, "run", "tui_fail.py", "-j", "2", "--keep-going"],
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    snap = poller.poll()
    assert counts(snap) == {"tui_fail.check": (0, 0, 0, 3, 3),
                            "tui_fail.collect": (1, 0, 0, 1, 0)}
    assert snap.total == 8 and snap.count("done") == 4
    errors = sorted(f.error for f in snap.failures)
    assert errors == ["ValueError: odd input 1", "ValueError: odd input 3",
                      "ValueError: odd input 5"]
    assert all("Traceback" in f.traceback and "tui_fail.py" in f.traceback
               for f in snap.failures)
    assert snap.running == () and snap.rate is not None and snap.rate > 0
    poller.poll()
    assert not poller.changed  # nothing new: the monitor backs off
    rows = poller.tasks_of("tui_fail.check")
    assert sorted(r.state for r in rows) == ["done"] * 3 + ["failed"] * 3


def test_sees_a_real_jug_worker_and_another_hosts_lock(tmp_path):
    poller, _, jugdir = setup_jugfile(tmp_path, "tui_small.py")
    squares = [h for h, n in zip(poller.graph.hashes, poller.graph.names, strict=True)
               if n.endswith("square")]
    # another host's lock, written as jug writes it
    (jugdir / "locks").mkdir(parents=True)
    (jugdir / "locks" / f"{squares[-1]}.lock").write_text(lock_text(31337, "node9"))
    jug = subprocess.Popen([REAL_JUG, "execute", "tui_small.py"], cwd=tmp_path,
                           env=env(TUI_TEST_DELAY="5"), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        def jug_running():
            snap = poller.poll()
            return snap if any(r.pid == jug.pid for r in snap.running) else None

        snap = wait_until(jug_running, timeout=30)
    finally:
        os.killpg(jug.pid, signal.SIGKILL)
        jug.wait()
    by_pid = {r.pid: r for r in snap.running}
    assert by_pid[jug.pid].host == socket.gethostname()
    assert by_pid[jug.pid].name == "tui_small.square"
    assert by_pid[31337].host == "node9" and by_pid[31337].hash == squares[-1]
    assert all(r.since is not None and r.since <= time.time() + 1 for r in snap.running)
    assert counts(snap)["tui_small.square"] == (0, 10, 2, 0, 0)
    hosts = {(h.host, h.pid): h.holding for h in snap.hosts}
    assert hosts == {(socket.gethostname(), jug.pid): 1, ("node9", 31337): 1}


def test_real_jug_keep_failed_locks_show_as_failures(tmp_path):
    poller, _, _ = setup_jugfile(tmp_path, "tui_fail.py")
    # only the checks: jug would wait forever for the collects of failed checks
    proc = subprocess.run([REAL_JUG, "execute", "--keep-going", "--keep-failed",
                           "--target", "tui_fail.check", "tui_fail.py"],
                          cwd=tmp_path, env=env(), capture_output=True, text=True, timeout=30)
    assert "odd input" in proc.stdout + proc.stderr
    snap = poller.poll()
    assert counts(snap)["tui_fail.check"] == (0, 0, 0, 3, 3)
    assert all(f.error.startswith("marked failed by PID") and "--keep-failed" in f.error
               for f in snap.failures)
    assert all(h.holding == 0 for h in snap.hosts)  # failed locks are not held work


def test_monitor_thread_backs_off_and_wakes_on_poke(tmp_path):
    poller, _, _ = setup_jugfile(tmp_path, "tui_small.py")
    times: list[float] = []
    got = threading.Event()

    def on_snapshot(snap) -> None:
        times.append(snap.at)
        got.set()

    # No clock reading: the delays it chose are read back, and the poke is shown
    # to wake it from a wait that would otherwise last minutes.
    delays: list[float] = []
    monitor = Monitor(poller, on_snapshot, interval=0.01, max_interval=0.04)
    real_next = monitor.backoff.next
    monitor.backoff.next = lambda changed: delays.append(real_next(changed)) or delays[-1]
    monitor.start()
    try:
        wait_until(lambda: len(delays) >= 5)
        assert delays[:5] == [0.01, 0.02, 0.04, 0.04, 0.04]  # nothing changes: it grows
    finally:
        monitor.stop()
    assert not monitor._thread.is_alive()
    slow = Monitor(poller, on_snapshot, interval=300, max_interval=600)
    polls = len(times)
    slow.start()
    try:
        wait_until(lambda: len(times) > polls)  # its first poll; now it waits 5 minutes
        got.clear()
        slow.poke()
        assert got.wait(30)
    finally:
        slow.stop()
    assert not slow._thread.is_alive()


def test_monitor_reports_store_errors_and_keeps_going(tmp_path):
    poller, _, _ = setup_jugfile(tmp_path, "tui_small.py")
    errors: list[Exception] = []
    calls = {"n": 0}
    real_poll = poller.poll

    def flaky():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("stale NFS file handle")
        return real_poll()

    poller.poll = flaky
    snaps = []
    monitor = Monitor(poller, snaps.append, interval=0.01, on_error=errors.append)
    monitor.start()
    try:
        wait_until(lambda: snaps)
    finally:
        monitor.stop()
    assert [str(e) for e in errors] == ["stale NFS file handle"]


def test_pure_helpers():
    assert [format_seconds(s) for s in (None, 0.25, 9.96, 42, 67, 3600 * 2 + 180)] == \
        ["-", "0.2s", "10.0s", "42s", "1m07s", "2h03m"]
    meter = RateMeter(window=10)
    assert meter.rate() is None
    for t in range(0, 30, 2):
        meter.add(100.0 + t, t * 5)
    assert meter.rate() == pytest.approx(5.0)
    b = Backoff(0.5, 4)
    assert [b.next(False) for _ in range(5)] == [1, 2, 4, 4, 4]
    assert b.next(True) == 0.5
    info = LockInfo("a" * 40, 12, "node1", "2024-03-01 (13h05.07)", 123.0, False)
    assert time.localtime(lock_started(info))[:6] == (2024, 3, 1, 13, 5, 7)
    assert lock_started(LockInfo("a" * 40, None, None, None, 55.0, False)) == 55.0
    assert lock_started(LockInfo("a" * 40, None, None, None, 1, True)) is None
    assert split_failure_record("m.f", "m.f\nTraceback...\n  x\nKeyError: 'k'\n") == \
        ("KeyError: 'k'", "Traceback...\n  x\nKeyError: 'k'\n")


def test_hostbook_keeps_processes_after_they_let_go():
    book = HostBook()
    lock = LockInfo("a" * 40, 7, "n1", None, 1.5, False)
    book.saw_locks([lock, LockInfo("b" * 40, 7, "n1", None, 1.5, False)], at=10.0)
    book.saw_process("n0", 3, at=11.0)
    assert [(h.host, h.pid, h.holding, h.last_seen) for h in book.hosts()] == \
        [("n0", 3, 0, 11.0), ("n1", 7, 2, 10.0)]
    book.saw_locks([], at=20.0)
    assert [(h.host, h.holding, h.last_seen) for h in book.hosts()] == \
        [("n0", 0, 11.0), ("n1", 0, 10.0)]


@pytest.mark.parametrize("args", [["monitor", "tui_small.py"],
                                  ["run", "tui_small.py", "--tui"],
                                  ["monitor", "tui_small.py", "--interval", "0"]])
def test_cli_refuses_without_a_terminal_or_with_a_bad_interval(tmp_path, args):
    shutil.copy(JUGFILES / "tui_small.py", tmp_path)
    proc = subprocess.run([JUG_ASYNC, *args], cwd=tmp_path, env=env(), capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert proc.returncode == 2
    expected = "--interval must be positive" if "--interval" in args else "needs a terminal"
    assert proc.stderr.startswith("jug-async: error:") and expected in proc.stderr
    assert not (tmp_path / "tui_small.jugdata").exists()  # nothing ran, nothing written


def test_a_lock_whose_owner_is_dead_is_shown_as_dead(tmp_path):
    import dataclasses

    from jug_async.locks import facts
    from jug_async.records import LockRecord

    poller, _, jugdir = setup_jugfile(tmp_path, "tui_small.py")
    squares = [h for h, n in zip(poller.graph.hashes, poller.graph.names, strict=True)
               if n.endswith("square")]
    gone = subprocess.Popen(["true"])
    gone.wait()
    (jugdir / "locks").mkdir(parents=True)
    for h, pid, started in ((squares[0], gone.pid, 1),
                            (squares[1], os.getpid(), facts.start_time())):
        (jugdir / "locks" / f"{h}.lock").write_text(dataclasses.replace(
            LockRecord.mine(pid), lease_seconds=180.0, boot_id=facts.boot_id(),
            pidns=facts.pidns(), start_time=started, token="t").format())
    snap = poller.poll()
    assert snap.dead_locks == (squares[0],) and "1 lock of a dead owner" in snap.note
    by_hash = {r.hash: r for r in snap.running}
    assert f"PID {gone.pid}" in by_hash[squares[0]].dead and "exited" in by_hash[squares[0]].dead
    assert by_hash[squares[1]].dead == ""
    assert counts(snap)["tui_small.square"][2] == 2  # still locks, as jug counts them
