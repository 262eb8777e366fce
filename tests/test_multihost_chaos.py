"""Chaos (slow): 3 hosts, each with its own PID namespace and sshfs mount, plus one
real ``jug execute``, on one store; a random host's whole process tree is killed
with SIGKILL repeatedly and restarted. Every task must end saved and whole, and
re-executions stay within what was in flight at the kills. Prints the counts.

Needs leases: a killed host's locks live in a PID namespace nobody else can
see, so only its lease (10 s here, ``JUG_ASYNC_LEASE``) lets others take over.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest
from test_multihost_findings import _runs, _setup

TASKS, SECONDS, KILLS = 120, 0.3, 6


@pytest.mark.slow
def test_kill_random_hosts_repeatedly(tmp_path, export_dir, sshfs_mount, host):
    from conftest import jug_command

    side = tmp_path / "side"
    env = _setup(export_dir / "w", side, tasks=TASKS, seconds=SECONDS)
    env["JUG_ASYNC_LEASE"] = "10"  # short leases keep the test short (phase 2 reads it)
    hosts = {n: (host(n, pidns=True), sshfs_mount("negative_timeout=20")) for n in "abc"}
    cmd = [sys.executable, "-m", "jug_async", "run", "jugfile.py", "-j", "2"]
    for h, mnt in hosts.values():
        h.spawn(cmd, cwd=mnt / "w", env=env)
    jug = subprocess.Popen([*jug_command(), "execute", "jugfile.py", "--nr-wait-cycles", "60",
                            "--wait-cycle-time", "1"], cwd=export_dir / "w", env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    rng = random.Random(11)
    in_flight_at_kills = 0
    for _ in range(KILLS):
        time.sleep(rng.uniform(1.0, 3.0))
        name = rng.choice("abc")
        h, mnt = hosts[name]
        locks = export_dir / "w" / "jugfile.jugdata" / "locks"
        in_flight_at_kills += len(os.listdir(locks)) if locks.is_dir() else 0
        h.kill_all()
        h.spawn(cmd, cwd=mnt / "w", env=env)
    deadline = time.monotonic() + 300
    for h, _ in hosts.values():
        for p in h.procs:
            p.wait(max(1.0, deadline - time.monotonic()))
    jug.wait(max(1.0, deadline - time.monotonic()))
    counts = _runs(side)
    re_executions = sum(counts.values()) - len(counts)
    print(f"\nchaos: {TASKS} tasks, {KILLS} kills, executed {len(counts)}, "
          f"re-executions {re_executions}, in flight at kills {in_flight_at_kills}")
    check = subprocess.run([*jug_command(), "status", "jugfile.py"], cwd=export_dir / "w",
                           env=env, capture_output=True, text=True, timeout=60)
    assert len(counts) == TASKS, check.stdout  # no task lost
    assert re_executions <= in_flight_at_kills
    assert check.returncode == 0, check.stdout  # jug can load every result: none corrupt
