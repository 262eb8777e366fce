"""jug 2.7.0 and jug-async on one store, both directions, with real processes.

(a) jug-async computes; jug sees everything complete, executes nothing, and loads
    equal values. (b) jug computes; jug-async agrees, executes nothing, and loads
    equal values. (c) a jug worker and a jug-async runner started together share
    the work: every task runs exactly once. (d) half by each, the second half
    reading the first half's results.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytestmark = pytest.mark.timeout(120)

INTEROP_TASKS = 24  # distinct tasks of jugfiles/interop.py
INTEROP_DECLARED = 25  # its declarations (one task is declared twice): what status counts
MANY_TASKS = 67  # tasks declared by jugfiles/many.py


def interop_expected() -> dict[str, object]:
    arrays = {
        "f8": np.linspace(0.0, 1.0, 5),
        "i8": np.array([-128, -1, 0, 1, 127], dtype=np.int8),
        "u2": np.arange(6, dtype=np.uint16).reshape(2, 3),
        "b": np.array([True, False, True]),
        "c16": np.array([1 + 2j, -0.5j]),
        "f4F": np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
        "0d": np.array(2.5),
        "empty": np.zeros((0, 4)),
        "strided": np.array([0, 3, 6, 9], dtype=np.int32),
        "object": np.array([1, "two", None], dtype=object),
    }
    d = {"n": 4, "squares": [0, 10, 40, 90], ("t", 1): {1, 2}, 3: None}
    pair = ("left", ("right", 2))
    out: dict[str, object] = {f"array_{k}": v for k, v in arrays.items()}
    out.update({"empty_str": "", "empty_bytes": b"", "empty_list": [], "empty_tuple": (),
                "empty_zero": 0, "empty_dict": {}})
    out.update({
        "dict": d, "set": {1, 2, 3}, "pair": pair, "nothing": None, "plus": 21, "minus": -21,
        "a0": "left", "a1_0": "right", "added": 25, "doubled_n": 9, "s_again": {1, 2, 3},
        "summary": {"total": 16.5, "dict_n": 4, "set_size": 3, "first": "left",
                    "second": "right", "third": 4, "absent": 0,
                    "extra": {"none": None, "pair": pair, "slice": np.array([0.25, 0.5])}},
    })
    return out


def many_expected() -> dict[str, object]:
    out: dict[str, object] = {f"work {i}": i * i for i in range(60)}
    out.update({f"sum {g}": sum(i * i for i in range(10 * g, 10 * g + 10)) for g in range(6)})
    out["grand"] = sum(i * i for i in range(60))
    return out


def assert_results(res: dict, expected: dict, assert_same) -> None:
    assert sorted(res["results"]) == sorted(expected)
    for k, want in expected.items():
        assert_same(res["results"][k], want, k)


def assert_jug_sees_all_complete(jug, jugfile: str, total: int, jug_status_totals) -> None:
    st = jug("status", jugfile)
    assert st.returncode == 0, st.stdout + st.stderr
    assert jug_status_totals(st.stdout) == {
        "Failed": 0, "Waiting": 0, "Ready": 0, "Complete": total, "Active": 0}
    check = jug("check", jugfile)
    assert check.returncode == 0, check.stdout + check.stderr


def test_jug_reads_what_jug_async_wrote(jugfile, run_cli, jug, executions, load_results,
                                        assert_same, jug_status_totals, tmp_path) -> None:
    jugfile("interop.py")
    r = run_cli("run", "interop.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    ran = executions()
    assert sum(ran.values()) == INTEROP_TASKS and set(ran.values()) == {1}

    assert_jug_sees_all_complete(jug, "interop.py", INTEROP_DECLARED, jug_status_totals)
    ex = jug("execute", "interop.py")
    assert ex.returncode == 0, ex.stderr
    assert executions() == ran  # jug found every result: it ran nothing

    res = load_results("jug", "interop.py")
    assert all(res["loadable"])
    assert_results(res, interop_expected(), assert_same)

    # the formats jug writes itself: None is an empty file, plain arrays raw .npy
    jugdir = tmp_path / "interop.jugdata"
    h = res["result_hashes"]
    assert (jugdir / h["nothing"][:2] / h["nothing"][2:]).stat().st_size == 0
    for kind in ("f8", "i8", "u2", "b", "c16", "f4F", "0d", "empty", "strided"):
        head = (jugdir / h[f"array_{kind}"][:2] / h[f"array_{kind}"][2:]).read_bytes()[:6]
        assert head == b"\x93NUMPY", kind


def test_jug_async_reads_what_jug_wrote(jugfile, run_cli, jug, executions, load_results,
                                        assert_same) -> None:
    jugfile("interop.py")
    ex = jug("execute", "interop.py")
    assert ex.returncode == 0, ex.stderr
    ran = executions()
    assert sum(ran.values()) == INTEROP_TASKS and set(ran.values()) == {1}

    st = run_cli("status", "interop.py", "--json")
    assert st.returncode == 0, st.stderr
    status = json.loads(st.stdout)
    assert status["complete"] is True
    assert status["total"] == {"Failed": 0, "Waiting": 0, "Ready": 0,
                               "Complete": INTEROP_DECLARED, "Active": 0}

    r = run_cli("run", "interop.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    assert executions() == ran  # jug-async found every result: it ran nothing

    res = load_results("jug_async", "interop.py")
    assert all(res["loadable"])
    assert_results(res, interop_expected(), assert_same)


def test_half_by_jug_half_by_jug_async(jugfile, run_cli, jug, executions, load_results,
                                       assert_same, jug_status_totals) -> None:
    """jug-async runs the tasks downstream of results jug wrote, and the reverse."""
    jugfile("interop.py")
    ex = jug("execute", "interop.py", "--name", "array")
    assert ex.returncode == 0, ex.stderr
    assert sum(executions().values()) == 10

    r = run_cli("run", "interop.py", "-j", "2", "--name", "make_*")
    assert r.returncode == 0, r.stderr
    assert sum(executions().values()) == 13  # make_dict, make_set (once), make_pair

    ex = jug("execute", "interop.py", "--name", "empty")
    assert ex.returncode == 0, ex.stderr
    r = run_cli("run", "interop.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    ran = executions()
    assert sum(ran.values()) == INTEROP_TASKS and set(ran.values()) == {1}

    assert_jug_sees_all_complete(jug, "interop.py", INTEROP_DECLARED, jug_status_totals)
    assert_results(load_results("jug", "interop.py"), interop_expected(), assert_same)


def test_jug_and_jug_async_started_together(jugfile, spawn, jug, executions, load_results,
                                            assert_same, jug_status_totals) -> None:
    jugfile("many.py")
    a = spawn("jug", "execute", "many.py", "--wait-cycle-time", "1")
    b = spawn("jug_async", "run", "many.py", "-j", "2")
    assert b.wait(90) == 0, b.stderr
    assert a.wait(90) == 0, a.stderr

    ran = executions()
    twice = {k: n for k, n in ran.items() if n != 1}
    assert twice == {}
    assert sum(ran.values()) == MANY_TASKS
    by_pid = executions(by_pid=True)
    assert by_pid[str(a.pid)] > 0, "jug executed nothing: the two did not share the work"
    assert sum(by_pid.values()) - by_pid[str(a.pid)] > 0, "jug-async executed nothing"
    assert_jug_sees_all_complete(jug, "many.py", MANY_TASKS, jug_status_totals)
    assert_results(load_results("jug", "many.py"), many_expected(), assert_same)
    assert_results(load_results("jug_async", "many.py"), many_expected(), assert_same)


def test_jugfile_in_a_subdirectory_and_explicit_jugdir(jugfile, run_cli, jug, executions,
                                                       jug_status_totals, tmp_path) -> None:
    """Module name ``names`` (basename), default jugdir ``sub/names.jugdata``
    (relative to the current directory), and an explicit ``--jugdir``: both
    tools agree on each."""
    jugfile("names.py", tmp_path / "sub")
    r = run_cli("run", "sub/names.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "sub" / "names.jugdata").is_dir()
    assert jug_status_totals(jug("status", "sub/names.py").stdout)["Complete"] == 7

    r = run_cli("run", "sub/names.py", "--jugdir", "elsewhere/store", "--name", "train")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "elsewhere" / "store").is_dir()
    totals = jug_status_totals(jug("status", "sub/names.py", "--jugdir", "elsewhere/store").stdout)
    assert totals == {"Failed": 0, "Waiting": 0, "Ready": 6, "Complete": 1, "Active": 0}
    ran = executions(tmp_path / "sub")
    assert sum(ran.values()) == 8 and ran["train"] == 2


def test_jug_async_reads_results_jug_packed(jugfile, run_cli, jug, executions, load_results,
                                            assert_same, store_files, tmp_path) -> None:
    jugfile("interop.py")
    r = run_cli("run", "interop.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    ran = executions()
    pack = jug("pack", "interop.py")
    assert pack.returncode == 0, pack.stderr
    jugdir = tmp_path / "interop.jugdata"
    assert (jugdir / "packs" / "jugpack").is_file()
    assert len(store_files.results(jugdir)) < INTEROP_TASKS  # some now live only in the pack

    st = run_cli("status", "interop.py", "--json")
    assert st.returncode == 0, st.stdout
    assert json.loads(st.stdout)["total"]["Complete"] == INTEROP_DECLARED
    r = run_cli("run", "interop.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    assert executions() == ran
    assert_results(load_results("jug_async", "interop.py"), interop_expected(), assert_same)


def test_jug_keep_failed_lock_is_respected(jugfile, run_cli, jug, executions,
                                           jug_status_totals) -> None:
    """``jug execute --keep-failed`` leaves the failed task's lock with mtime 1:
    jug-async counts it as Failed and does not retry it."""
    jugfile("failing.py")
    ex = jug("execute", "failing.py", "--keep-failed", "--keep-going", "--nr-wait-cycles", "1",
             "--wait-cycle-time", "0")
    assert ex.returncode != 0
    expect = {"Failed": 1, "Waiting": 1, "Ready": 0, "Complete": 4, "Active": 0}
    assert jug_status_totals(jug("status", "failing.py").stdout) == expect
    st = run_cli("status", "failing.py", "--json")
    assert st.returncode != 0
    assert json.loads(st.stdout)["total"] == expect

    r = run_cli("run", "failing.py", "-j", "1")
    assert r.returncode == 1
    assert "failing.boom" in r.stderr
    assert executions()["boom"] == 1  # not retried
    assert "after" not in executions()


def test_jug_and_two_jug_async_runners_on_tiny_tasks(jugfile, spawn, executions, load_results,
                                                      assert_same, store_files,
                                                      tmp_path) -> None:
    """300 tasks too small to time: jug-async batches them and group-commits
    their results, while jug takes them one lock at a time."""
    jugfile("tiny.py")
    procs = [spawn("jug_async", "run", "tiny.py", "-j", "2"),
             spawn("jug_async", "run", "tiny.py", "-j", "2"),
             spawn("jug", "execute", "tiny.py", "--wait-cycle-time", "1")]
    for p in procs:
        assert p.wait(90) == 0, p.stderr
    ran = executions()
    assert {k: n for k, n in ran.items() if n != 1} == {}
    assert len(ran) == 311
    res = load_results("jug", "tiny.py")
    assert_same(res["results"]["total"], sum(i**3 for i in range(300)))
    for g in range(10):
        assert_same(res["results"][f"sum {g}"], sum(i**3 for i in range(30 * g, 30 * g + 30)))
    assert store_files.locks(tmp_path / "tiny.jugdata") == []


@pytest.mark.parametrize("writer", ["jug", "jug_async"])
def test_results_of_jugfile_classes_load_in_the_other_tool(jugfile, run_cli, jug,
                                                           load_results, writer: str) -> None:
    jugfile("classes.py")
    r = (jug("execute", "classes.py") if writer == "jug"
         else run_cli("run", "classes.py", "-j", "2"))
    assert r.returncode == 0, r.stderr
    reader = "jug_async" if writer == "jug" else "jug"
    res = load_results(reader, "classes.py")
    assert res["reprs"] == {
        "point": ("Point(x=3, y=-3)", "classes.Point"),
        "box": ("Box(name='b', items=[Point(x=3, y=-3), 3])", "classes.Box"),
    }
    # the task that received the Box saw the jugfile's own classes
    assert res["results"]["inspected"] == ("classes", "Box", "Point", -3)


@pytest.mark.parametrize("writer", ["jug", "jug_async"])
def test_task_functions_from_an_imported_module(jugfile, run_cli, jug, load_results,
                                                jug_status_totals, writer: str) -> None:
    jugfile("helper_module.py")
    jugfile("uses_helper.py")
    r = (jug("execute", "uses_helper.py") if writer == "jug"
         else run_cli("run", "uses_helper.py", "-j", "2"))
    assert r.returncode == 0, r.stderr
    complete = {"Failed": 0, "Waiting": 0, "Ready": 0, "Complete": 2, "Active": 0}
    assert jug_status_totals(jug("status", "uses_helper.py").stdout) == complete
    st = run_cli("status", "uses_helper.py", "--json")
    assert st.returncode == 0 and json.loads(st.stdout)["total"] == complete
    assert sorted(json.loads(st.stdout)["tasks"]) == ["helper_module.plus_one",
                                                      "helper_module.triple"]
    for reader in ("jug", "jug_async"):
        assert load_results(reader, "uses_helper.py")["results"] == {"tripled": 6, "bumped": 7}
