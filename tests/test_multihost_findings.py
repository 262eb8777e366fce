"""The six findings of issue 11 ("Several hosts, one store"), each as a test that
fails on the code before its phase 2 wiring (leases, reclaim rules, already_saved,
workers following their scheduler). Each is bounded (< 30 s).

Executions are counted as files, one per execution, in a local directory
(``SIDE_EFFECTS``): appends to one log over sshfs from two clients could tear.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jug_async.locks import facts
from jug_async.records import LockRecord, lock_text

JUGFILE = '''\
import os, time, uuid
from jug import TaskGenerator

SIDE = os.environ["SIDE_EFFECTS"]

@TaskGenerator
def work(i, seconds):
    open(os.path.join(SIDE, f"{i}-{os.getpid()}-{uuid.uuid4().hex}"), "w").close()
    time.sleep(seconds)
    return i

tasks = [work(i, float(os.environ.get("TASK_SECONDS", "0")))
         for i in range(int(os.environ.get("TASKS", "1")))]
'''


def _setup(where: Path, side: Path, tasks: int = 1, seconds: float = 0) -> dict[str, str]:
    where.mkdir(parents=True, exist_ok=True)
    side.mkdir(parents=True, exist_ok=True)
    (where / "jugfile.py").write_text(JUGFILE)
    from conftest import clean_env

    return clean_env({"SIDE_EFFECTS": str(side), "TASKS": str(tasks),
                      "TASK_SECONDS": str(seconds)})


def _runs(side: Path) -> dict[int, int]:
    counts: dict[int, int] = {}
    for name in os.listdir(side):
        i = int(name.split("-")[0])
        counts[i] = counts.get(i, 0) + 1
    return counts


def _hashes(where: Path, env: dict[str, str]) -> list[str]:
    code = ("import sys; from jug_async import jugfile; "
            "print(*[t.hash().decode() for t in jugfile.load('jugfile.py', None, []).tasks])")
    r = subprocess.run([sys.executable, "-c", code], cwd=where, env=env, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def _run(where: Path, env: dict[str, str], *args: str, timeout: float = 30):
    return subprocess.run([sys.executable, "-m", "jug_async", "run", "jugfile.py", *args],
                          cwd=where, env=env, capture_output=True, text=True, timeout=timeout,
                          start_new_session=True)


def _wait_for(cond, timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


# ---- 1. a crashed remote host hangs every other host ------------------------------

def test_1_lock_of_a_crashed_remote_host_is_reclaimed_when_its_lease_ran_out(tmp_path):
    env = _setup(tmp_path / "w", tmp_path / "side")
    [h] = _hashes(tmp_path / "w", env)
    lock = tmp_path / "w" / "jugfile.jugdata" / "locks" / f"{h}.lock"
    lock.parent.mkdir(parents=True)
    dead = dataclasses.replace(LockRecord.mine(999, "crashed-node"), lease_seconds=10.0,
                               boot_id="another-kernel", pidns="4026531836", start_time=1,
                               token="t")
    lock.write_text(dead.format())
    os.utime(lock, (time.time() - 3600, time.time() - 3600))
    r = _run(tmp_path / "w", env, "--nr-wait-cycles", "3", "--wait-cycle-time", "1")
    assert r.returncode == 0, r.stderr
    assert _runs(tmp_path / "side") == {0: 1}
    assert not lock.exists()


def test_1_plain_jug_lock_of_another_host_is_named_and_the_wait_bounded(tmp_path):
    env = _setup(tmp_path / "w", tmp_path / "side")
    [h] = _hashes(tmp_path / "w", env)
    lock = tmp_path / "w" / "jugfile.jugdata" / "locks" / f"{h}.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text(lock_text(4321, "other-node"))
    r = _run(tmp_path / "w", env, "--nr-wait-cycles", "2", "--wait-cycle-time", "1")
    assert _runs(tmp_path / "side") == {}  # never broken on age
    assert lock.exists()
    for part in (f"{h}.lock", "other-node", "PID 4321", "cleanup --locks-only"):
        assert part in r.stderr, r.stderr


# ---- 2. same hostname, another PID namespace ------------------------------------

def test_2_same_hostname_other_pid_namespace_does_not_run_twice(tmp_path, host):
    env = _setup(tmp_path / "w", tmp_path / "side", seconds=4)
    jugdir = tmp_path / "w" / "jugfile.jugdata"
    container = host(facts.here().host, pidns=True)  # docker --uts=host, its own PIDs
    # High PIDs inside the namespace, so they are free out here (as they would be).
    container.spawn(["sh", "-c", "echo 31000 > /proc/sys/kernel/ns_last_pid; exec \"$@\"",
                     "sh", sys.executable, "-m", "jug_async", "run", "jugfile.py", "-j", "1"],
                    cwd=tmp_path / "w", env=env)
    _wait_for(lambda: any(jugdir.glob("locks/*.lock")), what="the container's lock")
    r = _run(tmp_path / "w", env, "-j", "1")
    assert r.returncode == 0, r.stderr
    assert _runs(tmp_path / "side") == {0: 1}


# ---- 3. a caching network filesystem: duplicates ---------------------------------

def test_3_waiting_runner_sees_the_result_saved_on_another_mount(tmp_path, sshfs_mount,
                                                                  export_dir, host):
    side = tmp_path / "side"
    env = _setup(export_dir / "w", side, seconds=3)
    a, b = sshfs_mount("negative_timeout=20"), sshfs_mount("negative_timeout=20")
    pa = host("host-a").spawn([sys.executable, "-m", "jug_async", "run", "jugfile.py", "-j",
                               "1"], cwd=a / "w", env=env, tag="a")
    _wait_for(lambda: any((export_dir / "w" / "jugfile.jugdata").glob("locks/*.lock")),
              what="host A's lock")
    r = host("host-b").run([sys.executable, "-m", "jug_async", "run", "jugfile.py", "-j", "1"],
                           cwd=b / "w", env=env, timeout=30)
    assert pa.wait(30) == 0 and r.returncode == 0, r.stderr
    assert _runs(side) == {0: 1}, r.stderr + str(sorted(os.listdir(side)))


# ---- 4. kill -9 of the scheduler alone ------------------------------------------

def test_4_workers_exit_when_their_scheduler_is_killed(tmp_path):
    env = _setup(tmp_path / "w", tmp_path / "side", tasks=2, seconds=20)
    p = subprocess.Popen([sys.executable, "-m", "jug_async", "run", "jugfile.py", "-j", "2"],
                         cwd=tmp_path / "w", env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait_for(lambda: len(os.listdir(tmp_path / "side")) == 2, what="both tasks started")
        os.kill(p.pid, signal.SIGKILL)
        p.wait()

        def session_empty() -> bool:
            try:
                os.killpg(p.pid, 0)
            except ProcessLookupError:
                return True
            return False

        deadline = time.monotonic() + 10
        while not session_empty() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert session_empty(), "workers outlived their scheduler"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)


# ---- 5. leftovers -----------------------------------------------------------------

def test_5_a_killed_writers_temp_file_is_removed_by_the_next_run(tmp_path):
    env = _setup(tmp_path / "w", tmp_path / "side")
    temp = tmp_path / "w" / "jugfile.jugdata" / "tempfiles" / ("x" * 24)
    temp.parent.mkdir(parents=True)
    temp.write_bytes(b"\0" * 4096)  # half a result of a writer killed a day ago
    os.utime(temp, (time.time() - 86400, time.time() - 86400))
    assert _run(tmp_path / "w", env).returncode == 0
    assert not temp.exists()


def test_5_dead_owners_lock_on_a_saved_task_is_removed_and_shown(tmp_path):
    env = _setup(tmp_path / "w", tmp_path / "side")
    assert _run(tmp_path / "w", env).returncode == 0
    [h] = _hashes(tmp_path / "w", env)
    lock = tmp_path / "w" / "jugfile.jugdata" / "locks" / f"{h}.lock"
    pid = _dead_pid()
    lock.write_text(dataclasses.replace(
        LockRecord.mine(pid), lease_seconds=180.0, boot_id=facts.boot_id(),
        pidns=facts.pidns(), start_time=1, token="t").format())
    status = subprocess.run([sys.executable, "-m", "jug_async", "status", "jugfile.py"],
                            cwd=tmp_path / "w", env=env, capture_output=True, text=True,
                            timeout=30)
    assert "dead" in status.stdout + status.stderr
    assert _run(tmp_path / "w", env).returncode == 0
    assert not lock.exists()


# ---- 6. a directory in a lock's place (already passes: kept as a regression test) ---

def test_6_a_directory_in_place_of_a_lock_is_held_not_a_traceback(tmp_path):
    env = _setup(tmp_path / "w", tmp_path / "side")
    [h] = _hashes(tmp_path / "w", env)
    (tmp_path / "w" / "jugfile.jugdata" / "locks" / f"{h}.lock").mkdir(parents=True)
    status = subprocess.run([sys.executable, "-m", "jug_async", "status", "jugfile.py"],
                            cwd=tmp_path / "w", env=env, capture_output=True, text=True,
                            timeout=30)
    r = _run(tmp_path / "w", env, "--nr-wait-cycles", "1", "--wait-cycle-time", "1")
    for out in (status.stderr, r.stderr):
        assert "Traceback" not in out and "IsADirectoryError" not in out, out
    assert _runs(tmp_path / "side") == {}  # held, as jug treats it
