"""barrier() and bvalue(): the runner loads the jugfile again after each barrier,
and jug 2.7 agrees on the result (real processes, real jug)."""

from __future__ import annotations

import collections
import json


def expected_executions() -> collections.Counter[str]:
    return collections.Counter(
        {"count": 1, "total 4": 1, "total 2": 1, **{f"square {i}": 1 for i in range(4)}})


def test_run_passes_barriers_and_jug_agrees(jugfile, run_cli, jug, executions,
                                            jug_status_totals) -> None:
    jugfile("barriers.py")
    r = run_cli("run", "barriers.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    assert executions() == expected_executions()

    st = jug("status", "barriers.py")
    assert jug_status_totals(st.stdout)["Complete"] == 7
    assert jug("execute", "barriers.py").returncode == 0
    again = run_cli("run", "barriers.py")
    assert again.returncode == 0, again.stderr
    assert executions() == expected_executions()  # neither jug nor jug-async re-ran anything


def test_status_stops_at_the_first_unmet_barrier(jugfile, run_cli) -> None:
    jugfile("barriers.py")
    r = run_cli("status", "barriers.py", "--json")
    assert r.returncode == 1
    assert json.loads(r.stdout)["tasks"] == {
        "barriers.count": {"Failed": 0, "Waiting": 0, "Ready": 1, "Complete": 0, "Active": 0}}


def test_jug_computes_and_jug_async_runs_nothing(jugfile, run_cli, jug, executions) -> None:
    jugfile("barriers.py")
    assert jug("execute", "barriers.py").returncode == 0
    assert executions() == expected_executions()
    r = run_cli("run", "barriers.py")
    assert r.returncode == 0, r.stderr
    assert executions() == expected_executions()
    st = run_cli("status", "barriers.py")
    assert st.returncode == 0, st.stdout
