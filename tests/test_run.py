"""``jug-async run`` end to end: real processes, real jugdirs, real signals.

Jugfiles log every execution to executions.log ("<what>\\t<pid>" per line), so
"executed exactly once" is counted, not inferred.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)


def many_expected() -> dict[str, object]:
    out: dict[str, object] = {f"work {i}": i * i for i in range(60)}
    out.update({f"sum {g}": sum(i * i for i in range(10 * g, 10 * g + 10)) for g in range(6)})
    out["grand"] = sum(i * i for i in range(60))
    return out


def native_expected() -> dict[str, object]:
    out: dict[str, object] = {f"square {i}": i * i for i in range(4)}
    out.update({"sum 0": 1, "sum 1": 13,
                "final": {"sums": [1, 13], "total": 14, "running": True}})
    return out


def assert_results(res: dict, expected: dict, assert_same) -> None:
    assert sorted(res["results"]) == sorted(expected)
    for k, want in expected.items():
        assert_same(res["results"][k], want, k)


def status_json(run_cli, jugfile: str) -> tuple[int, dict]:
    r = run_cli("status", jugfile, "--json")
    return r.returncode, json.loads(r.stdout)


def wait_for(predicate, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


# ---- basics ------------------------------------------------------------------------


def test_second_run_executes_nothing(jugfile, run_cli, executions, load_results,
                                     assert_same) -> None:
    jugfile("native.py")  # written with `from jug_async import ...`
    first = run_cli("run", "native.py", "-j", "2")
    assert first.returncode == 0, first.stderr
    ran = executions()
    assert sum(ran.values()) == 7 and set(ran.values()) == {1}

    second = run_cli("run", "native.py", "-j", "2")
    assert second.returncode == 0, second.stderr
    assert executions() == ran
    assert_results(load_results("jug_async", "native.py"), native_expected(), assert_same)


def test_status_json_before_during_and_after(jugfile, run_cli, jug, jug_status_totals) -> None:
    """jug-async's counts, checked against the real jug's status at each stage."""
    jugfile("many.py")

    def both_agree(expect: dict[str, int]) -> tuple[int, dict]:
        code, st = status_json(run_cli, "many.py")
        assert st["total"] == expect
        assert jug_status_totals(jug("status", "many.py").stdout) == expect
        text = run_cli("status", "many.py")  # the table, in jug's layout
        assert text.returncode == code
        assert jug_status_totals(text.stdout) == expect
        return code, st

    zero = dict.fromkeys(("Failed", "Waiting", "Ready", "Complete", "Active"), 0)
    code, st = both_agree({**zero, "Ready": 60, "Waiting": 7})
    assert code != 0 and st["complete"] is False
    assert st["tasks"] == {"many.work": {**zero, "Ready": 60},
                           "many.group_sum": {**zero, "Waiting": 6},
                           "many.total": {**zero, "Waiting": 1}}

    r = run_cli("run", "many.py", "--name", "work")
    assert r.returncode == 0, r.stderr
    code, st = both_agree({**zero, "Complete": 60, "Ready": 6, "Waiting": 1})
    assert code != 0 and st["complete"] is False
    assert st["tasks"]["many.group_sum"] == {**zero, "Ready": 6}

    r = run_cli("run", "many.py")
    assert r.returncode == 0, r.stderr
    code, st = both_agree({**zero, "Complete": 67})
    assert code == 0 and st["complete"] is True
    assert st["tasks"]["many.total"] == {**zero, "Complete": 1}


def test_jobs_1_and_2_give_the_same_results(jugfile, run_cli, load_results, assert_same,
                                            store_files, tmp_path) -> None:
    stores = []
    for jobs in ("1", "2"):
        where = tmp_path / f"j{jobs}"
        jugfile("many.py", where)
        r = run_cli("run", "many.py", "-j", jobs, cwd=where)
        assert r.returncode == 0, r.stderr
        assert_results(load_results("jug_async", "many.py", cwd=where), many_expected(),
                       assert_same)
        stores.append(where / "many.jugdata")
    one, two = (store_files.results(s) for s in stores)
    assert one == two and len(one) == 67
    for h in one:  # byte for byte
        rel = Path(h[:2]) / h[2:]
        assert (stores[0] / rel).read_bytes() == (stores[1] / rel).read_bytes()


def test_two_runners_together_execute_each_task_once(jugfile, run_cli, spawn, executions,
                                                     load_results, assert_same, store_files,
                                                     tmp_path) -> None:
    jugfile("many.py")
    a = spawn("jug_async", "run", "many.py", "-j", "2")
    b = spawn("jug_async", "run", "many.py", "-j", "2")
    assert a.wait(90) == 0, a.stderr
    assert b.wait(90) == 0, b.stderr

    ran = executions()
    assert {k: n for k, n in ran.items() if n != 1} == {}
    assert len(ran) == 67
    assert_results(load_results("jug_async", "many.py"), many_expected(), assert_same)
    assert store_files.locks(tmp_path / "many.jugdata") == []

    # the same bytes as a single run on its own
    alone = tmp_path / "alone"
    jugfile("many.py", alone)
    r = run_cli("run", "many.py", "-j", "2", cwd=alone)
    assert r.returncode == 0, r.stderr
    shared = store_files.results(tmp_path / "many.jugdata")
    assert shared == store_files.results(alone / "many.jugdata")
    for h in shared:
        rel = Path(h[:2]) / h[2:]
        assert (tmp_path / "many.jugdata" / rel).read_bytes() == \
            (alone / "many.jugdata" / rel).read_bytes()


def test_user_arguments_reach_the_jugfile(jugfile, run_cli, jug, jug_status_totals,
                                          load_results, assert_same, tmp_path) -> None:
    """``run JUGFILE -- args``: ``sys.argv == [JUGFILE, *args]`` at load time and in
    the workers, as under ``jug execute JUGFILE -- args``."""
    jugfile("argv.py")
    args = ["3", "--flag", "x y"]
    r = run_cli("run", "-j", "2", "argv.py", "--", *args)
    assert r.returncode == 0, r.stderr
    # the real jug, given the same arguments, declares the same tasks: all complete
    st = jug("status", "argv.py", "--", *args)
    assert jug_status_totals(st.stdout)["Complete"] == 5, st.stdout
    want = ["argv.py", *args]
    for api in ("jug_async", "jug"):
        res = load_results(api, "argv.py", argv=args)
        assert_same(res["results"]["at_run"], want, api)
        for i, a in enumerate(want):
            assert_same(res["results"][f"echo {i}"], (i, a), api)


@pytest.mark.parametrize("command", ["run", "status"])
def test_user_arguments_after_options(jugfile, run_cli, command: str) -> None:
    jugfile("argv.py")
    option = ["-j", "1"] if command == "run" else ["--json"]
    r = run_cli(command, "argv.py", *option, "--", "3", "--flag")
    assert "unrecognized arguments" not in r.stderr, r.stderr
    assert r.returncode == (0 if command == "run" else 1), r.stderr


# ---- selection -----------------------------------------------------------------------

ALL_NAMES = {"load_data 0", "load_data 1", "load_model", "train", "train_more", "pretrain",
             "evaluate"}


@pytest.mark.parametrize(("pattern", "expected"), [
    ("train", {"train"}),
    ("names.train", {"train"}),
    ("load_*", {"load_data 0", "load_data 1", "load_model"}),
    ("*train*", {"train", "train_more", "pretrain"}),
    ("t?ain", {"train"}),
    ("rain", set()),  # a suffix only counts after a '.'
    ("ames.train", set()),
    ("names.*", ALL_NAMES),
])
def test_name_selects_as_jug_does(jugfile, run_cli, jug, executions, tmp_path,
                                  pattern: str, expected: set[str]) -> None:
    ours, theirs = tmp_path / "jug_async", tmp_path / "jug"
    jugfile("names.py", ours)
    jugfile("names.py", theirs)
    r = run_cli("run", "names.py", "--name", pattern, cwd=ours)
    assert r.returncode == 0, r.stderr
    j = jug("execute", "names.py", "--name", pattern, cwd=theirs)
    assert j.returncode == 0, j.stderr
    assert set(executions(theirs)) == expected  # the real jug agrees with the table
    assert executions(ours) == executions(theirs)


def test_name_is_repeatable(jugfile, run_cli, executions) -> None:
    jugfile("names.py")
    r = run_cli("run", "names.py", "--name", "evaluate", "--name", "load_model")
    assert r.returncode == 0, r.stderr
    assert set(executions()) == {"evaluate", "load_model"}


def test_name_does_not_pull_in_dependencies(jugfile, run_cli, executions) -> None:
    """As ``jug execute --name``: dependencies of selected tasks are not run."""
    jugfile("native.py")
    r = run_cli("run", "native.py", "--name", "final", timeout=30)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 1), r.stderr
    assert executions() == {}


# ---- failures ----------------------------------------------------------------------------


def test_failing_task_traceback_on_stderr(jugfile, run_cli, executions, load_results,
                                          store_files, tmp_path) -> None:
    jugfile("failing.py")
    r = run_cli("run", "failing.py", "-j", "1")
    assert r.returncode == 1
    assert "failing.boom" in r.stderr
    assert "Traceback (most recent call last)" in r.stderr
    assert "ValueError: boom on input 1" in r.stderr
    assert "in check_input" in r.stderr  # the frame that raised, inside the jugfile
    # without --keep-going the run stops at the first failure (boom is first, -j 1)
    assert set(executions()) == {"boom"}

    res = load_results("jug_async", "failing.py")
    assert res["results"]["boom"] == "<<not loadable>>"
    assert res["results"]["after"] == "<<not loadable>>"
    h = res["result_hashes"]["boom"]
    assert h not in store_files.results(tmp_path / "failing.jugdata")
    assert store_files.locks(tmp_path / "failing.jugdata") == []


def test_failing_task_traceback_points_into_the_jugfile(jugfile, run_cli) -> None:
    jugfile("failing.py")
    r = run_cli("run", "failing.py", "-j", "1")
    assert r.returncode == 1
    assert 'failing.py", line 22, in check_input' in r.stderr, r.stderr


def test_keep_going_runs_independent_tasks(jugfile, run_cli, executions, load_results,
                                           assert_same) -> None:
    jugfile("failing.py")
    r = run_cli("run", "failing.py", "-j", "1", "--keep-going")
    assert r.returncode == 1
    assert "failing.boom" in r.stderr
    ran = executions()
    assert ran == {"boom": 1, "ok 0": 1, "ok 1": 1, "ok 2": 1, "ok 3": 1}  # never "after"

    res = load_results("jug_async", "failing.py")
    for i in range(4):
        assert_same(res["results"][f"ok {i}"], i)
    assert res["results"]["after"] == "<<not loadable>>"


# ---- interruptions --------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["SIGINT", "SIGTERM", "SIGINT-to-group"])
def test_signal_stops_cleanly_and_a_second_run_finishes(jugfile, run_cli, spawn, executions,
                                                        load_results, assert_same,
                                                        store_files, tmp_path,
                                                        how: str) -> None:
    jugfile("slow.py")
    jugdir = tmp_path / "slow.jugdata"
    p = spawn("jug_async", "run", "slow.py", "-j", "2")

    def mid_run() -> bool:  # two tasks finished, and others running
        ran = executions()
        ends = sum(n for k, n in ran.items() if k.startswith("end"))
        starts = sum(n for k, n in ran.items() if k.startswith("start"))
        return ends >= 2 and starts > ends

    wait_for(mid_run, what="two finished tasks and one running")
    sig = signal.SIGTERM if how == "SIGTERM" else signal.SIGINT
    t0 = time.monotonic()
    if how == "SIGINT-to-group":  # what Ctrl-C in a terminal does
        os.killpg(p.pid, sig)
    else:
        p.proc.send_signal(sig)
    code = p.wait(30)
    assert time.monotonic() - t0 < 5, "did not stop within 5 s"
    assert code != 0, p.stderr
    assert "Traceback" not in p.stderr, p.stderr

    assert store_files.locks(jugdir) == []
    # a worker stopped mid-save may leave a temp file behind (see
    # test_signal_mid_save_leaves_no_temp_file), never a result under a final name
    assert not [t for t in store_files.temps(jugdir) if re.fullmatch(r"[0-9a-f]{38,40}", t)]
    saved = store_files.results(jugdir)
    before = load_results("jug", "slow.py")  # every saved file is whole: jug loads it
    hashes = before["result_hashes"]
    saved_labels = {k for k, h in hashes.items() if h in saved}
    assert len(saved_labels) >= 1
    assert "gather" not in saved_labels
    for k in saved_labels:
        assert_same(before["results"][k], int(k.split()[1]) * 100, k)

    second = run_cli("run", "slow.py", "-j", "2")
    assert second.returncode == 0, second.stderr
    ran = executions()
    for i in range(8):
        label = f"slow {i}"
        if label in saved_labels:
            assert ran[f"start {i}"] == 1, f"{label} was saved, yet ran again"
        else:
            assert 1 <= ran[f"start {i}"] <= 2, label
    assert ran["gather"] == 1
    after = load_results("jug_async", "slow.py")
    assert_same(after["results"]["gather"], sum(i * 100 for i in range(8)))
    assert store_files.locks(jugdir) == []


def test_run_killed_outright_leaves_locks_a_second_run_breaks(jugfile, run_cli, spawn,
                                                              executions, load_results,
                                                              assert_same, store_files,
                                                              tmp_path) -> None:
    """SIGKILL to the runner and its workers (no cleanup at all) leaves locks of
    dead processes on this host: the next run breaks them and finishes."""
    jugfile("slow.py")
    jugdir = tmp_path / "slow.jugdata"
    p = spawn("jug_async", "run", "slow.py", "-j", "2")
    wait_for(lambda: sum(n for k, n in executions().items() if k.startswith("start")) >= 3,
             what="a third task started")
    os.killpg(p.pid, signal.SIGKILL)
    p.wait(30)
    stale = store_files.locks(jugdir)
    assert stale != []  # the dead workers' locks are still there

    t0 = time.monotonic()
    second = run_cli("run", "slow.py", "-j", "2", timeout=60)
    assert second.returncode == 0, second.stderr
    assert time.monotonic() - t0 < 20, "stale locks were waited out, not broken"
    assert store_files.locks(jugdir) == []
    assert_same(load_results("jug_async", "slow.py")["results"]["gather"],
                sum(i * 100 for i in range(8)))
    ran = executions()
    assert all(1 <= ran[f"start {i}"] <= 2 for i in range(8))


@pytest.mark.parametrize("cli", ["jug", "jug_async"])
def test_signal_mid_save_leaves_no_temp_file(jugfile, run_cli, jug, spawn, executions,
                                             store_files, jug_status_totals, tmp_path,
                                             cli: str) -> None:
    """A worker stopped while saving a result leaves no temp file, as with jug
    (jug cleanup never looks inside tempfiles/, so a leftover stays forever).
    jug pickles into its temp file; jug-async pickles a small result in memory
    first, so its temp file does not exist yet while the pickling runs."""
    jugfile("slow_save.py")
    jugdir = tmp_path / "slow_save.jugdata"
    args = ["run", "slow_save.py", "-j", "1"] if cli == "jug_async" else ["execute",
                                                                         "slow_save.py"]
    p = spawn(cli, *args)
    wait_for(lambda: "saving" in executions(), what="the result being saved")
    if cli == "jug":
        assert store_files.temps(jugdir) != []  # the result is being written right now
    # the task is still locked while it saves: "Active" for both jug-async and jug
    active = {**dict.fromkeys(("Failed", "Waiting", "Ready", "Complete"), 0), "Active": 1}
    code, st = status_json(run_cli, "slow_save.py")
    assert code != 0 and st["total"] == active
    assert jug_status_totals(jug("status", "slow_save.py").stdout) == active
    assert "saving" in executions() and store_files.results(jugdir) == set()
    p.proc.send_signal(signal.SIGTERM)
    assert p.wait(30) != 0
    assert store_files.locks(jugdir) == []
    assert store_files.results(jugdir) == set()
    assert store_files.temps(jugdir) == []


def test_worker_killed_mid_task_is_retried(jugfile, run_cli, executions, load_results,
                                           assert_same, store_files, tmp_path) -> None:
    """The task SIGKILLs its own worker the first time: the pool breaks, the
    scheduler retries in a new pool, and the run still completes."""
    jugfile("crash.py")
    r = run_cli("run", "crash.py", "-j", "2")
    assert (tmp_path / "crashed.marker").exists()
    assert r.returncode == 0, r.stderr
    ran = executions()
    assert ran["fragile"] == 2
    assert ran["after"] == 1
    assert all(1 <= ran[f"steady {i}"] <= 2 for i in range(4))
    res = load_results("jug_async", "crash.py")
    assert_same(res["results"]["fragile"], 40)
    assert_same(res["results"]["after"], 46)
    assert store_files.locks(tmp_path / "crash.jugdata") == []


def test_task_killing_its_worker_every_time_fails_alone(jugfile, run_cli, executions,
                                                        load_results, assert_same,
                                                        store_files, tmp_path) -> None:
    jugfile("deadly.py")
    r = run_cli("run", "deadly.py", "-j", "2", "--keep-going")
    assert r.returncode == 1
    assert "deadly.deadly" in r.stderr
    failed_lines = [line for line in r.stderr.splitlines() if "failed" in line.lower()]
    assert any("deadly.deadly" in line for line in failed_lines), r.stderr
    assert not any("deadly.innocent" in line for line in failed_lines), r.stderr
    assert executions()["deadly"] == 2  # once beside the others, once alone
    res = load_results("jug_async", "deadly.py")
    for i in range(3):
        assert_same(res["results"][f"innocent {i}"], i)
    assert res["results"]["deadly"] == "<<not loadable>>"
    assert store_files.locks(tmp_path / "deadly.jugdata") == []


def test_task_whose_worker_died_shows_as_failed_in_status(jugfile, run_cli) -> None:
    jugfile("deadly.py")
    r = run_cli("run", "deadly.py", "-j", "1")
    assert r.returncode == 1
    assert "deadly.deadly" in r.stderr
    st = run_cli("status", "deadly.py", "--json")
    assert json.loads(st.stdout)["tasks"]["deadly.deadly"]["Failed"] == 1, st.stdout


def test_lines_printed_by_concurrent_workers_stay_whole(jugfile, run_cli) -> None:
    """Under PYTHONUNBUFFERED (set for every test run) print() would write a
    line's text and its newline apart, and two workers' lines would interleave."""
    jugfile("chatty.py")
    r = run_cli("run", "chatty.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    tasks_output = r.stdout.split("60/60 complete", 1)[0]  # the summary table ends stdout
    lines = tasks_output.splitlines()
    expected = {f"task {i:03d} line {k:02d} " + "x" * 40 for i in range(60) for k in range(40)}
    assert sorted(lines) == sorted(expected)


LEASED = '''\
import time
from jug import TaskGenerator

@TaskGenerator
def slow(i):
    time.sleep(4)
    return i

tasks = [slow(0)]
'''


def test_a_running_tasks_lock_carries_a_lease_and_is_renewed(tmp_path):
    """Issue 11: a worker writes jug's two lines plus the lease lines; the
    scheduler refreshes the lock's mtime (every sixth of --lease) while the task
    runs, so other hosts see its owner alive."""
    import subprocess
    import sys

    from conftest import clean_env

    from jug_async.records import LockRecord

    (tmp_path / "leased.py").write_text(LEASED)
    p = subprocess.Popen([sys.executable, "-m", "jug_async", "run", "leased.py", "--lease", "6"],
                         cwd=tmp_path, env=clean_env(), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True, start_new_session=True)
    locks = tmp_path / "leased.jugdata" / "locks"
    try:
        deadline = time.monotonic() + 20
        first = None
        renewed = False
        while time.monotonic() < deadline and p.poll() is None:
            found = list(locks.glob("*.lock")) if locks.is_dir() else []
            try:
                if found and first is None:
                    first = found[0].stat().st_mtime_ns
                    record = LockRecord.parse(found[0].read_bytes())
                elif found and found[0].stat().st_mtime_ns != first:
                    renewed = True
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        assert first is not None, "no lock seen"
        assert record.lease_seconds == 6.0 and record.token and record.boot_id
        assert record.host and record.pid != p.pid  # written by the worker
        assert renewed, "the lock's mtime never changed while its task ran"
    finally:
        assert p.wait(30) == 0, p.stderr.read() if p.stderr else ""
    assert not list(locks.glob("*.lock"))
