"""Chains batched together ("riders"): a consumer that waits only on the task just
batched runs in the same batch. Real processes; two runners contend for locks so
some producers are held elsewhere and their riders must wait instead of failing."""

from __future__ import annotations

import collections
import os


def expected() -> collections.Counter[str]:
    return collections.Counter({**{f"produce {i}": 1 for i in range(40)},
                                **{f"consume {i}": 1 for i in range(40)}})


def test_two_runners_with_riders_run_each_task_once(jugfile, spawn, executions,
                                                     load_results, assert_same) -> None:
    jugfile("chains.py")
    runners = [spawn("jug_async", "run", "chains.py", "-j", "2") for _ in range(2)]
    assert [r.wait(120) for r in runners] == [0, 0], [r.stderr for r in runners]
    assert executions() == expected()
    res = load_results("jug_async", "chains.py")["results"]
    for i in range(40):
        assert_same(res[f"consume {i}"], sum(range(i)))


def test_rider_of_a_failed_producer_is_blocked_not_run(jugfile, run_cli, executions,
                                                        load_results) -> None:
    jugfile("chains.py")
    r = run_cli("run", "chains.py", "-j", "2", "--keep-going",
                env={**os.environ, "FAIL_13": "1"})
    assert r.returncode == 1
    assert "chains.produce" in r.stderr and "producer 13 fails" in r.stderr
    ran = executions()
    assert ran["consume 13"] == 0  # its input failed: never run
    assert sum(ran.values()) == 79  # 40 producers tried, 39 consumers
    res = load_results("jug_async", "chains.py")["results"]
    assert res["consume 13"] == "<<not loadable>>"
    assert res["consume 12"] == sum(range(12))


def test_rider_of_a_result_that_could_not_be_saved_is_not_saved(jugfile, run_cli, jug,
                                                                 jug_status_totals,
                                                                 executions) -> None:
    """``total`` rides with ``numbers`` and computes from its in-memory generator,
    but ``numbers`` cannot be saved: ``total`` must not be saved either (the store
    would hold a Complete task whose input is not there)."""
    jugfile("unsaveable.py")
    r = run_cli("run", "unsaveable.py", "-j", "1", "--keep-going")
    assert r.returncode == 1, r.stderr
    assert "unsaveable.numbers" in r.stderr and "while saving its result" in r.stderr
    assert executions()["numbers"] == 1 and executions()["fine"] == 1
    totals = jug_status_totals(jug("status", "unsaveable.py").stdout)
    assert totals["Complete"] == 2, totals  # fine and the total of fine; not the rider
    s = run_cli("status", "unsaveable.py")
    row = next(line for line in s.stdout.splitlines() if line.endswith("unsaveable.total"))
    assert row.split()[3] == "1", s.stdout  # Complete: only the total of fine
