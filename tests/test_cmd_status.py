"""``status --short`` and ``status --cache`` against the real jug 2.7.0: the
same line, the same counts, and one cache file both tools read and write."""

from __future__ import annotations

import re
import shutil
import sqlite3

import pytest

CACHE = ".jugstatus.sqlite3"


def _half_run(run_cli, jugfile) -> None:
    """tiny.py with only its 300 cubes saved: Complete, Ready and Waiting rows."""
    jugfile("tiny.py")
    r = run_cli("run", "tiny.py", "-j", "1", "--name", "tiny.cube")
    assert r.returncode == 0, r.stderr


def test_short_is_jugs_line(run_cli, jug, jugfile):
    _half_run(run_cli, jugfile)
    ours, theirs = run_cli("status", "tiny.py", "--short"), jug("status", "tiny.py", "--short")
    assert ours.stdout == theirs.stdout == (
        "11 tasks waiting to be run, 0 failed, 300 complete, (none active).\n")
    assert ours.returncode == theirs.returncode == 1
    assert run_cli("run", "tiny.py", "-j", "2").returncode == 0
    ours, theirs = run_cli("status", "tiny.py", "--short"), jug("status", "tiny.py", "--short")
    assert ours.stdout == theirs.stdout == "All tasks complete (311 tasks).\n"
    assert ours.returncode == theirs.returncode == 0


def test_short_counts_a_lock_as_active(run_cli, jug, jugfile, tmp_path):
    _half_run(run_cli, jugfile)
    # one task of the next layer locked by "someone else", in jug's lock format
    assert run_cli("status", "tiny.py", "--cache", "--cache-file", "rows.db").returncode == 1
    with sqlite3.connect(tmp_path / "rows.db") as c:
        (h,) = c.execute("SELECT hash FROM ht WHERE name = 'tiny.block_sum'").fetchone()
    lock_dir = tmp_path / "tiny.jugdata" / "locks"
    lock_dir.mkdir(exist_ok=True)
    (lock_dir / f"{h}.lock").write_text("PID 1 on otherhost\n")
    ours, theirs = run_cli("status", "tiny.py", "--short"), jug("status", "tiny.py", "--short")
    assert ours.stdout == theirs.stdout == (
        "10 tasks waiting to be run, 0 failed, 300 complete, (1 active).\n")


def test_a_cache_written_by_jug_is_read_without_the_jugfile(run_cli, jug, jugfile, tmp_path):
    _half_run(run_cli, jugfile)
    theirs = jug("status", "tiny.py", "--cache")
    assert (tmp_path / CACHE).exists()
    shutil.move(tmp_path / "tiny.py", tmp_path / "elsewhere.py")  # the cache needs no jugfile
    ours = run_cli("status", "tiny.py", "--cache", "--short")
    assert ours.stdout == "11 tasks waiting to be run, 0 failed, 300 complete, (none active).\n"
    assert ours.returncode == theirs.returncode == 1
    assert run_cli("status", "tiny.py").returncode == 2  # without the cache it is needed


def test_a_cache_written_by_jug_async_is_read_by_jug(run_cli, jug, jugfile, tmp_path,
                                                     jug_status_totals):
    _half_run(run_cli, jugfile)
    ours = run_cli("status", "tiny.py", "--cache")
    assert ours.returncode == 1, ours.stderr
    shutil.move(tmp_path / "tiny.py", tmp_path / "elsewhere.py")
    theirs = jug("status", "tiny.py", "--cache")
    assert jug_status_totals(theirs.stdout) == jug_status_totals(ours.stdout) == {
        "Failed": 0, "Waiting": 1, "Ready": 10, "Complete": 300, "Active": 0}
    assert theirs.returncode == 1


def test_the_cache_trusts_what_it_saw_complete(run_cli, jugfile, tmp_path):
    """jug's documented price: a removed result still counts as complete."""
    _half_run(run_cli, jugfile)
    assert run_cli("run", "tiny.py", "-j", "1").returncode == 0
    assert run_cli("status", "tiny.py", "--cache").returncode == 0
    jugdir = tmp_path / "tiny.jugdata"
    victim = next(p for d in jugdir.iterdir() if len(d.name) == 2 for p in d.iterdir())
    victim.unlink()
    assert run_cli("status", "tiny.py", "--cache", "--short").stdout == (
        "All tasks complete (311 tasks).\n")
    assert run_cli("status", "tiny.py", "--short").returncode == 1
    r = run_cli("status", "tiny.py", "--cache", "--clear")
    assert (r.returncode, r.stdout) == (0, "")
    assert not (tmp_path / CACHE).exists()
    assert run_cli("status", "tiny.py", "--cache").returncode == 1


def test_a_cache_that_is_not_sqlite_is_one_line_and_exit_2(run_cli, jugfile, tmp_path):
    jugfile("tiny.py")
    (tmp_path / CACHE).write_bytes(b"not a database" * 100)
    r = run_cli("status", "tiny.py", "--cache")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and CACHE in r.stderr and "--clear" in r.stderr
    assert "Traceback" not in r.stderr
    assert (tmp_path / CACHE).read_bytes() == b"not a database" * 100  # nothing touched


@pytest.mark.parametrize("command", ["status", "graph", "shell", "webstatus"])
def test_help_states_exit_codes(run_cli, command):
    r = run_cli(command, "--help")
    assert r.returncode == 0 and "Exit status: 0" in " ".join(r.stdout.split())


def test_version_is_bare_as_jugs(run_cli, jug):
    ours, theirs = run_cli("--version"), jug("--version")
    assert re.fullmatch(r"\d+\.\d+\.\d+\n", ours.stdout) and ours.returncode == 0
    assert re.fullmatch(r"\d+\.\d+\.\d+\n", theirs.stdout)  # jug's format: the number only


def test_a_dead_owners_lock_is_noted_and_short_stays_jugs(run_cli, jug, jugfile, tmp_path):
    import dataclasses
    import json
    import subprocess

    from jug_async.locks import facts
    from jug_async.records import LockRecord

    _half_run(run_cli, jugfile)
    assert run_cli("status", "tiny.py", "--cache", "--cache-file", "rows.db").returncode == 1
    with sqlite3.connect(tmp_path / "rows.db") as c:
        (h,) = c.execute("SELECT hash FROM ht WHERE name = 'tiny.block_sum'").fetchone()
    gone = subprocess.Popen(["true"])
    gone.wait()
    (tmp_path / "tiny.jugdata" / "locks").mkdir(exist_ok=True)
    (tmp_path / "tiny.jugdata" / "locks" / f"{h}.lock").write_text(dataclasses.replace(
        LockRecord.mine(gone.pid), lease_seconds=180.0, boot_id=facts.boot_id(),
        pidns=facts.pidns(), start_time=1, token="t").format())
    ours, theirs = run_cli("status", "tiny.py", "--short"), jug("status", "tiny.py", "--short")
    assert ours.stdout == theirs.stdout  # jug's line, word for word: the lock is Active
    assert f"dead lock {h} (tiny.block_sum): PID {gone.pid}" in ours.stderr
    assert "has exited" in ours.stderr and "cleanup --locks-only" in ours.stderr
    table = run_cli("status", "tiny.py")
    assert "dead lock" in table.stderr and "dead" not in table.stdout
    as_json = json.loads(run_cli("status", "tiny.py", "--json").stdout)
    assert list(as_json["dead_locks"]) == [h]
