"""check, sleep-until, count, invalidate and cleanup against real stores written by
jug-async and by the real jug 2.7.0, compared with what jug's own subcommands do
to a copy of the same store."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

JUGFILE = "cli_small.py"  # 5 double, total, checked
JUGDIR = "cli_small.jugdata"
HOME_ENV = {"HOME": "/nonexistent-home"}  # no user jugrc changes these runs


def table(text: str) -> dict[str, list[int]]:
    """A jug summary table's rows: {task name: [counts]} (Total included)."""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^((?:\s*\d+)+)\s\s(\S+)\s*$", line)
        if m:
            rows[m.group(2)] = [int(n) for n in m.group(1).split()]
    return rows


@pytest.fixture
def make_store(jugfile, run_cli, jug, tmp_path):
    """``make_store(by, where=tmp_path, *argv)``: compute cli_small.py there with
    jug-async ("jug_async") or the real jug ("jug")."""

    def make(by: str, where: Path | None = None, *argv: str) -> Path:
        where = where or tmp_path
        jugfile(JUGFILE, where)
        if by == "jug":
            r = jug("execute", "--will-cite", JUGFILE, *argv, cwd=where, env=HOME_ENV)
        else:
            r = run_cli("run", JUGFILE, "-j", "2", *argv, cwd=where, env=HOME_ENV)
        assert r.returncode == 0, r.stderr
        return where / JUGDIR

    return make


# ---- count -------------------------------------------------------------------------


def test_count_matches_jug_count(jugfile, run_cli, jug) -> None:
    jugfile(JUGFILE)
    ours, theirs = run_cli("count", JUGFILE), jug("count", JUGFILE)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert table(ours.stdout) == table(theirs.stdout) == {
        "cli_small.checked": [1], "cli_small.double": [5], "cli_small.total": [1], "Total": [7]}
    short = run_cli("count", JUGFILE, "--short", "--", "3")
    assert short.stdout.splitlines() == ["Count:  5 tasks", "** Total: 5 tasks."]


# ---- check and sleep-until -----------------------------------------------------------


@pytest.mark.parametrize("by", ["jug_async", "jug"])
def test_check_agrees_with_jug_on_empty_and_complete_stores(by, jugfile, make_store, run_cli,
                                                            jug, tmp_path) -> None:
    jugfile(JUGFILE)
    assert run_cli("check", JUGFILE).returncode == 1  # empty store (no jugdir at all)
    assert jug("check", JUGFILE).returncode == 1
    assert not (tmp_path / JUGDIR).exists()  # check created nothing
    jugdir = make_store(by)
    r = run_cli("check", JUGFILE)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    assert jug("check", JUGFILE).returncode == 0
    # jug's rule: results needed only by a saved later task may be gone.
    double0 = _hash_of("double", tmp_path)
    os.unlink(jugdir / double0[:2] / double0[2:])
    assert run_cli("check", JUGFILE).returncode == jug("check", JUGFILE).returncode == 0
    final = _hash_of("checked", tmp_path)
    os.unlink(jugdir / final[:2] / final[2:])
    assert run_cli("check", JUGFILE).returncode == jug("check", JUGFILE).returncode == 1


def _hash_of(name: str, cwd: Path) -> str:
    """The hash of the first task named ``*.name`` in cli_small.py (a subprocess
    loads it with jug-async's API)."""
    code = ("from jug_async.session import Session\n"
            "with Session('cli_small.py') as s:\n"
            "    print(next(h for h, n in zip(s.graph.hashes, s.graph.names)\n"
            f"               if n.endswith('.{name}')))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                         check=True)
    return out.stdout.strip()


def test_sleep_until_returns_once_a_runner_finishes(jugfile, spawn, run_cli) -> None:
    jugfile(JUGFILE)
    waiter = spawn("jug_async", "sleep-until", JUGFILE, "--interval", "0.05")
    assert run_cli("run", JUGFILE, "-j", "2").returncode == 0
    assert waiter.wait(30) == 0
    # Already complete: returns at once.
    assert run_cli("sleep-until", JUGFILE).returncode == 0


def test_sleep_until_follows_barriers(jugfile, spawn, run_cli) -> None:
    jugfile("barriers.py")
    waiter = spawn("jug_async", "sleep-until", "barriers.py", "--interval", "0.05")
    assert run_cli("run", "barriers.py", "-j", "2").returncode == 0
    assert waiter.wait(30) == 0
    assert run_cli("check", "barriers.py").returncode == 0


# ---- invalidate --------------------------------------------------------------------


@pytest.mark.parametrize("by", ["jug_async", "jug"])
def test_invalidate_removes_the_task_and_everything_downstream_like_jug(
        by, make_store, run_cli, jug, result_files_of, tmp_path) -> None:
    ours_dir, jugs_dir = tmp_path / "ours", tmp_path / "jugs"
    make_store(by, ours_dir)
    shutil.copytree(ours_dir, jugs_dir)
    before = result_files_of(ours_dir / JUGDIR)
    assert len(before) == 7

    dry = run_cli("invalidate", JUGFILE, "--name", "total", "--dry-run", cwd=ours_dir)
    assert dry.returncode == 0, dry.stderr
    assert table(dry.stdout) == {"cli_small.checked": [1], "cli_small.total": [1], "Total": [2]}
    assert result_files_of(ours_dir / JUGDIR) == before  # nothing touched

    ours = run_cli("invalidate", JUGFILE, "--target", "total", cwd=ours_dir)
    theirs = jug("invalidate", JUGFILE, "--name", "total", cwd=jugs_dir)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert table(ours.stdout) == table(theirs.stdout)
    assert result_files_of(ours_dir / JUGDIR) == result_files_of(jugs_dir / JUGDIR)
    assert len(result_files_of(ours_dir / JUGDIR)) == 5

    # Selected by --pattern, as jug selects (a substring of the name).
    ours = run_cli("invalidate", JUGFILE, "--pattern", "doub", cwd=ours_dir)
    theirs = jug("invalidate", JUGFILE, "--pattern", "doub", cwd=jugs_dir)
    assert table(ours.stdout) == table(theirs.stdout) == {"cli_small.double": [5], "Total": [5]}
    assert result_files_of(ours_dir / JUGDIR) == result_files_of(jugs_dir / JUGDIR) == set()
    again = run_cli("invalidate", JUGFILE, "--name", "double", cwd=ours_dir)
    assert (again.returncode, again.stdout) == (0, "Tasks invalidated, but no results removed\n")


def test_invalidate_rejects_unknown_targets_and_missing_selection(jugfile, run_cli) -> None:
    jugfile(JUGFILE)
    r = run_cli("invalidate", JUGFILE, "--name", "no_such_task")
    assert r.returncode == 2
    assert r.stderr == ("jug-async: error: no task matches --name no_such_task (task names: "
                        "cli_small.double, cli_small.total, cli_small.checked)\n")
    r = run_cli("invalidate", JUGFILE)
    assert r.returncode == 2
    assert r.stderr.startswith("usage: jug-async invalidate")
    assert "one of the arguments --name/--target/--invalid --pattern is required" in r.stderr
    r = run_cli("invalidate", JUGFILE, "--pattern", "")
    assert r.returncode == 2 and "empty --pattern" in r.stderr


def test_invalidate_clears_failure_records_of_what_it_invalidates(jugfile, run_cli,
                                                                  tmp_path) -> None:
    jugfile(JUGFILE)
    (tmp_path / "fail.flag").touch()
    assert run_cli("run", JUGFILE).returncode == 1
    failures = tmp_path / JUGDIR / "jug-async" / "failures"
    assert len(os.listdir(failures)) == 1
    r = run_cli("invalidate", JUGFILE, "--name", "total")
    assert r.returncode == 0, r.stderr
    assert os.listdir(failures) == []


# ---- cleanup -----------------------------------------------------------------------


@pytest.mark.parametrize("by", ["jug_async", "jug"])
def test_cleanup_removes_unused_results_and_locks_like_jug(by, make_store, run_cli, jug,
                                                           result_files_of, tmp_path) -> None:
    ours_dir, jugs_dir = tmp_path / "ours", tmp_path / "jugs"
    make_store(by, ours_dir, "6")  # 6 doubles: double 5 and this total are unused with 5
    make_store(by, ours_dir)
    lock = ours_dir / JUGDIR / "locks" / ("ab" * 20 + ".lock")
    lock.parent.mkdir(exist_ok=True)
    lock.write_text("PID 1 on HOSTNAME elsewhere\nLock created on 2026-01-01 (10h00.00)\n")
    shutil.copytree(ours_dir, jugs_dir)
    assert len(result_files_of(ours_dir / JUGDIR)) == 10

    dry = run_cli("cleanup", JUGFILE, "--dry-run", cwd=ours_dir)
    assert dry.stdout == "Would remove 3 objects\nWould remove 1 locks\n"
    assert len(result_files_of(ours_dir / JUGDIR)) == 10 and lock.exists()

    keep = run_cli("cleanup", JUGFILE, "--keep-locks", cwd=ours_dir)
    assert keep.stdout == "Removed 3 objects\n"
    assert lock.exists()
    ours = run_cli("cleanup", JUGFILE, cwd=ours_dir)
    assert ours.stdout == "Removed 0 objects\nRemoved 1 locks\n"
    theirs = jug("cleanup", JUGFILE, cwd=jugs_dir)
    assert theirs.returncode == 0
    assert "Removed 3 objects" in theirs.stdout
    assert result_files_of(ours_dir / JUGDIR) == result_files_of(jugs_dir / JUGDIR)
    assert not lock.exists() and not (jugs_dir / JUGDIR / "locks" / lock.name).exists()
    assert jug("check", JUGFILE, cwd=ours_dir).returncode == 0  # nothing in use was lost


def test_cleanup_locks_only_and_failed_only(make_store, run_cli, jug, result_files_of,
                                            tmp_path) -> None:
    jugdir = make_store("jug_async")
    locks = jugdir / "locks"
    locks.mkdir(exist_ok=True)
    text = "PID 1 on HOSTNAME elsewhere\nLock created on 2026-01-01 (10h00.00)\n"
    held, failed = locks / ("aa" * 20 + ".lock"), locks / ("bb" * 20 + ".lock")
    held.write_text(text)
    failed.write_text(text)
    os.utime(failed, (1, 1))  # jug's --keep-failed mark
    results = result_files_of(jugdir)

    r = run_cli("cleanup", JUGFILE, "--failed-only")
    assert r.stdout == "Removed 1 failure locks\nRemoved 0 failure records\n"
    assert held.exists() and not failed.exists()
    r = run_cli("cleanup", "--locks-only", "missing.py", "--jugdir", JUGDIR)  # no jugfile needed
    assert (r.returncode, r.stdout) == (0, "Removed 1 locks\n"), r.stderr
    assert not held.exists()
    assert result_files_of(jugdir) == results


def test_cleanup_warns_about_locks_of_live_processes_here(make_store, run_cli,
                                                          tmp_path) -> None:
    jugdir = make_store("jug_async")
    (jugdir / "locks").mkdir(exist_ok=True)
    live = jugdir / "locks" / ("cc" * 20 + ".lock")
    live.write_text(f"PID {os.getpid()} on HOSTNAME {socket.gethostname()}\n"
                    "Lock created on 2026-01-01 (10h00.00)\n")
    r = run_cli("cleanup", JUGFILE, "--locks-only")
    assert r.returncode == 0 and not live.exists()  # as jug: every lock goes
    assert f"(PID {os.getpid()}): their tasks may run twice" in r.stderr


def test_cleanup_leaves_a_lock_path_that_is_a_directory(make_store, run_cli, tmp_path) -> None:
    jugdir = make_store("jug_async")
    (jugdir / "locks").mkdir(exist_ok=True)
    odd = jugdir / "locks" / ("dd" * 20 + ".lock")
    odd.mkdir()
    (odd / "inside").write_text("x")
    normal = jugdir / "locks" / ("ee" * 20 + ".lock")
    normal.write_text("PID 1 on HOSTNAME elsewhere\n")
    r = run_cli("cleanup", JUGFILE, "--locks-only")
    assert r.returncode == 1
    assert r.stdout == "Removed 1 locks\n"
    assert r.stderr == f"jug-async: {odd}: not a lock file (a directory); left alone\n"
    assert (odd / "inside").exists() and not normal.exists()


def test_cleanup_on_an_empty_store_creates_nothing(jugfile, run_cli, tmp_path) -> None:
    jugfile(JUGFILE)
    for extra in ([], ["--locks-only"], ["--failed-only"]):
        r = run_cli("cleanup", JUGFILE, *extra)
        assert r.returncode == 0, r.stderr
    assert not (tmp_path / JUGDIR).exists()


def test_cleanup_refuses_when_a_barrier_hides_later_tasks(jugfile, run_cli, tmp_path) -> None:
    jugfile("barriers.py")
    r = run_cli("cleanup", "barriers.py")
    assert r.returncode == 2
    assert r.stderr.startswith("jug-async: error: the jugfile stops at a barrier")


@pytest.fixture(name="result_files_of")
def _result_files_of(store_files):
    return store_files.results
