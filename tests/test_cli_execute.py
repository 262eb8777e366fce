"""``execute`` (= ``run``) with jug's flags, --keep-failed both ways with the real
jug, the wait bound on tasks held elsewhere, --jugdir placeholders and bad input."""

from __future__ import annotations

import os
import socket

import pytest

pytestmark = pytest.mark.timeout(120)

JUGFILE = "cli_small.py"  # 5 double, total, checked (fails while fail.flag exists)
JUGDIR = "cli_small.jugdata"
NO_HOME = {"HOME": "/nonexistent-home"}


def test_execute_accepts_every_jug_execute_flag(jugfile, run_cli, executions) -> None:
    jugfile(JUGFILE)
    r = run_cli("execute", "--will-cite", "--aggressive-unload", "--verbose", "info", "--debug",
                "--short", "--no-check-environment", "--keep-going", "--wait-cycle-time", "1",
                "--nr-wait-cycles", "2", "--pattern", "doub", JUGFILE, env=NO_HOME)
    assert r.returncode == 0, r.stderr
    assert sorted(executions()) == [f"double {i}" for i in range(5)]  # --pattern selected
    r = run_cli("execute", "--name", "total", "--keep-failed", JUGFILE, env=NO_HOME)
    assert r.returncode == 0, r.stderr
    assert executions()["total"] == 1 and "checked" not in executions()


def test_the_jugfile_defaults_to_jugfile_py(jugfile, run_cli, tmp_path) -> None:
    (tmp_path / "jugfile.py").write_text((jugfile(JUGFILE)).read_text())
    r = run_cli("execute", env=NO_HOME)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "jugfile.jugdata").is_dir()
    assert run_cli("check").returncode == 0
    r = run_cli("count", "--", "3")  # the jugfile's arguments without naming it
    assert "** Total" not in r.stdout and "3  jugfile.double" in r.stdout


def test_unknown_options_show_the_subcommands_usage(run_cli) -> None:
    for command, *extra in (("execute",), ("check",), ("cleanup",), ("invalidate", "--name=f")):
        r = run_cli(command, "x.py", *extra, "--no-such-option")
        assert r.returncode == 2
        assert r.stderr.startswith(f"usage: jug-async {command} ")
        assert r.stderr.endswith(f"jug-async {command}: error: unrecognized arguments: "
                                 "--no-such-option\n")
        assert r.stdout == ""


def test_help_says_what_the_exit_statuses_mean(run_cli) -> None:
    for command in ("run", "execute", "check", "sleep-until", "invalidate", "cleanup", "count"):
        r = run_cli(command, "--help")
        assert r.returncode == 0
        assert "exit status: 0 " in " ".join(r.stdout.split()), command


# ---- --keep-failed, both ways with the real jug -----------------------------------------


def test_a_task_jug_async_keeps_failed_is_failed_for_jug_until_jug_cleans_it(
        jugfile, run_cli, jug, jug_status_totals, executions, tmp_path) -> None:
    jugfile(JUGFILE)
    (tmp_path / "fail.flag").touch()
    r = run_cli("execute", "--keep-failed", JUGFILE, env=NO_HOME)
    assert r.returncode == 1
    assert "cli_small.checked" in r.stderr and "fail.flag exists" in r.stderr
    assert os.stat(tmp_path / JUGDIR / "locks").st_nlink >= 2
    assert jug_status_totals(jug("status", JUGFILE).stdout)["Failed"] == 1
    (tmp_path / "fail.flag").unlink()
    assert jug("execute", "--will-cite", JUGFILE).returncode == 0
    assert executions()["checked"] == 1  # jug left the failed task alone
    assert run_cli("run", JUGFILE).returncode == 1  # and so does jug-async
    assert executions()["checked"] == 1

    assert jug("cleanup", "--failed-only", JUGFILE).stdout.startswith("Removed 1 failure locks")
    assert jug_status_totals(jug("status", JUGFILE).stdout)["Failed"] == 0
    r = run_cli("run", JUGFILE)
    assert r.returncode == 0, r.stderr
    assert executions()["checked"] == 2
    assert jug("check", JUGFILE).returncode == 0


def test_a_task_jug_keeps_failed_is_failed_for_jug_async_until_it_cleans_it(
        jugfile, run_cli, jug, jug_status_totals, executions, tmp_path) -> None:
    jugfile(JUGFILE)
    (tmp_path / "fail.flag").touch()
    assert jug("execute", "--will-cite", "--keep-failed", JUGFILE).returncode == 1
    (tmp_path / "fail.flag").unlink()
    st = run_cli("status", JUGFILE, "--json")
    assert '"Failed": 1' in st.stdout
    r = run_cli("run", JUGFILE)
    assert r.returncode == 1 and "jug --keep-failed" in r.stderr
    assert executions()["checked"] == 1

    r = run_cli("cleanup", "--failed-only", JUGFILE)
    assert r.stdout.startswith("Removed 1 failure locks\n"), r.stdout + r.stderr
    assert jug_status_totals(jug("status", JUGFILE).stdout)["Failed"] == 0
    assert '"Failed": 0' in run_cli("status", JUGFILE, "--json").stdout
    assert jug("execute", "--will-cite", JUGFILE).returncode == 0
    assert executions()["checked"] == 2


# ---- waiting for tasks held elsewhere ----------------------------------------------------


def test_tasks_held_by_another_host_are_given_up_after_the_wait_cycles(
        jugfile, run_cli, tmp_path) -> None:
    jugfile(JUGFILE)
    r = run_cli("run", JUGFILE, "--name", "double")
    assert r.returncode == 0, r.stderr
    hashes = _hashes(run_cli, tmp_path)
    locks = tmp_path / JUGDIR / "locks"
    lock = locks / f"{hashes['cli_small.total']}.lock"
    lock.write_text("PID 4242 on HOSTNAME far-away-host\nLock created on 2026-01-01 (10h00.00)\n")
    assert socket.gethostname() != "far-away-host"
    r = run_cli("execute", JUGFILE, "--wait-cycle-time", "0.05", "--nr-wait-cycles", "3")
    assert r.returncode == 0, r.stderr  # as jug: giving up is not a failure
    assert "gave up waiting for 1 task(s) held by other processes" in r.stderr
    assert "cli_small.total" in r.stderr and "locked by PID 4242 on far-away-host" in r.stderr
    assert lock.exists()  # a live-looking remote lock is never broken


def _hashes(run_cli, cwd) -> dict[str, str]:
    """{task name: hash} of cli_small.py (one task per name but double), read
    with jug-async's API in a subprocess."""
    import subprocess
    import sys

    code = ("from jug_async.session import Session\n"
            "with Session('cli_small.py') as s:\n"
            "    for h, n in zip(s.graph.hashes, s.graph.names): print(n, h)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                         check=True).stdout
    return dict(line.split() for line in out.splitlines())


# ---- --jugdir --------------------------------------------------------------------------


def test_jugdir_placeholders_are_expanded_as_jug_does(jugfile, run_cli, jug, tmp_path,
                                                      store_files) -> None:
    import datetime

    jugfile(JUGFILE)
    r = run_cli("run", JUGFILE, "--jugdir", "%(jugfile)s.store")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "cli_small.store").is_dir()
    assert not any("%" in p.name for p in tmp_path.iterdir())
    assert jug("check", JUGFILE, "--jugdir", "%(jugfile)s.store").returncode == 0
    today = datetime.date.today().strftime("%Y-%m-%d")
    r = run_cli("run", JUGFILE, "--jugdir", "runs/%(date)s")
    assert r.returncode == 0, r.stderr
    assert store_files.results(tmp_path / "runs" / today) == store_files.results(
        tmp_path / "cli_small.store")
    r = run_cli("check", JUGFILE, "--jugdir", "%(nope)s")
    assert r.returncode == 2
    assert r.stderr.startswith("jug-async: error: --jugdir '%(nope)s': only %(jugfile)s")


def test_a_jugdir_under_a_regular_file_is_one_line_error(jugfile, run_cli, tmp_path) -> None:
    jugfile(JUGFILE)
    (tmp_path / "plain").write_text("not a directory")
    for command in ("run", "status", "check", "cleanup"):
        r = run_cli(command, JUGFILE, "--jugdir", "plain/sub/store")
        assert r.returncode == 2, command
        assert r.stderr == ("jug-async: error: jugdir plain/sub/store is under "
                            f"{tmp_path}/plain, which is not a directory\n"), command
    assert (tmp_path / "plain").read_text() == "not a directory"


def test_a_corrupted_result_names_its_task_and_file_and_is_left_alone(
        jugfile, run_cli, tmp_path) -> None:
    jugfile(JUGFILE)
    assert run_cli("run", JUGFILE).returncode == 0
    hashes = _hashes(run_cli, tmp_path)
    jugdir = tmp_path / JUGDIR
    h = next(h for n, h in hashes.items() if n == "cli_small.total")
    bad = jugdir / h[:2] / h[2:]
    bad.write_bytes(b"this is not a jug result")
    assert run_cli("invalidate", JUGFILE, "--name", "checked").returncode == 0
    before = {p: p.read_bytes() for p in jugdir.rglob("*") if p.is_file()}
    r = run_cli("run", JUGFILE)
    assert r.returncode == 1
    assert (f"jug-async: the saved result of cli_small.total ({jugdir}/{h[:2]}/{h[2:]}) cannot "
            "be read; it was left as it is") in r.stderr
    after = {p: p.read_bytes() for p in jugdir.rglob("*") if p.is_file()
             and "failures" not in p.parts}
    assert after == {p: b for p, b in before.items() if p.exists()}
    assert bad.read_bytes() == b"this is not a jug result"


def test_a_lock_path_that_is_a_directory_is_an_error_not_a_hang(jugfile, run_cli,
                                                                tmp_path) -> None:
    jugfile(JUGFILE)
    assert run_cli("run", JUGFILE, "--name", "double").returncode == 0
    h = _hashes(run_cli, tmp_path)["cli_small.total"]
    (tmp_path / JUGDIR / "locks" / f"{h}.lock").mkdir(parents=True)
    r = run_cli("run", JUGFILE, "--wait-cycle-time", "0.05", "--nr-wait-cycles", "3")
    assert r.returncode == 0
    assert "cli_small.total" in r.stderr and "locked by an unknown process" in r.stderr
    assert "Traceback" not in r.stderr
