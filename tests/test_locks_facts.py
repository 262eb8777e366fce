"""Host and process facts read from /proc, and the store's clock, on real processes
and real files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from jug_async.locks import facts
from jug_async.locks.clock import StoreClock, store_time

linux = pytest.mark.skipif(not os.path.isdir("/proc/self/ns"), reason="needs Linux /proc")


@linux
def test_this_host():
    h = facts.here()
    assert h.boot_id and len(h.boot_id) == 36
    assert h.pidns == str(os.stat("/proc/self/ns/pid").st_ino)


@linux
def test_a_live_process_and_its_start_time():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        seen = facts.probe(child.pid)
        assert seen.alive is True
        assert seen.start_time == facts.start_time(child.pid)
        assert seen.start_time >= facts.start_time()  # started after us
    finally:
        child.kill()
        child.wait()
    gone = facts.probe(child.pid)
    assert gone.alive is False and gone.start_time is None


@linux
def test_a_zombie_counts_as_gone():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # exited, not reaped
    try:
        assert facts.probe(child.pid).alive is False
    finally:
        child.wait()


@linux
@pytest.mark.skipif(facts.pidns() != facts.INITIAL_PIDNS, reason="needs the host's first "
                    "PID namespace (every process visible)")
def test_pid_in_any_namespace_sees_a_process_inside_another_namespace():
    if os.geteuid() != 0:
        pytest.skip("unshare --pid needs root")
    # Inside a new PID namespace the child is PID 1 to itself; from here it is not.
    child = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", "sh", "-c",
                              "echo $$; exec sleep 30"], stdout=subprocess.PIPE, text=True)
    try:
        inner = int(child.stdout.readline())
        assert inner == 1
        assert facts.pid_in_any_namespace(1) is True
        free = max(int(p) for p in os.listdir("/proc") if p.isdigit()) + 100_000
        assert facts.pid_in_any_namespace(free) is False
    finally:
        child.kill()
        child.wait()


def test_store_time_is_the_files_mtime_and_leaves_nothing(tmp_path):
    t = store_time(str(tmp_path / "tempfiles"))
    probe = tmp_path / "probe"
    probe.write_bytes(b"x")
    assert abs(probe.stat().st_mtime - t) < 5
    assert os.listdir(tmp_path / "tempfiles") == []


def test_store_clock_advances_by_the_monotonic_clock_between_readings():
    mono = [100.0]
    stamps = iter([5000.0, 9000.0])
    measured = []

    def measure(d):
        measured.append(d)
        return next(stamps)

    clock = StoreClock("/x", refresh=30, monotonic=lambda: mono[0], measure=measure)
    assert clock.now() == 5000.0
    mono[0] = 110.0
    assert clock.now() == 5010.0 and len(measured) == 1  # no file written
    mono[0] = 131.0
    assert clock.now() == 9000.0 and len(measured) == 2  # re-measured after `refresh`


async def test_store_clock_async_measures_off_the_loop(tmp_path):
    clock = StoreClock(str(tmp_path))
    t = await clock.anow()
    assert abs(t - clock.now()) < 1
