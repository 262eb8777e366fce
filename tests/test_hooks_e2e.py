"""jug execute's hooks and exit checks, end to end: the real jug 2.7.0
(``jug execute``) and ``jug-async run -j 2`` run tests/jugfiles/compat/hooks_log.py,
whose hooks log every call (hook, task name, hash) to hooks.log.

Where jug-async differs by design (hooks fire in the scheduler's process, so the
tasks already dispatched when a stop is asked for still run), the tests check
what docs/jug-api.md promises.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from conftest import JUGFILES, result_files

pytestmark = pytest.mark.timeout(180)

NAME = "hooks_log.py"
JOBS = 2
ALL = 9  # distinct tasks: 8 x work, total (work(3) is declared twice)


@pytest.fixture
def tool(tmp_path: Path, jug, run_cli):
    """``tool("jug"|"jug_async", jugdir, **env)`` runs the jugfile and returns
    ``(exit status, Counter of hooks.log lines)``, clearing the log."""
    (tmp_path / NAME).write_bytes((JUGFILES / "compat" / NAME).read_bytes())

    def run(which: str, jugdir: str, *extra: str, **env: str):
        if which == "jug":
            r = jug("execute", NAME, "--jugdir", jugdir, *extra, env=env)
        else:
            r = run_cli("run", NAME, "-j", str(JOBS), "--jugdir", jugdir, *extra, env=env)
        log = tmp_path / "hooks.log"
        lines = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        (tmp_path / "stop-now").unlink(missing_ok=True)
        assert "Traceback" not in r.stderr, r.stderr
        return r.returncode, Counter(lines)

    return run


def _by_hook(log: Counter[str]) -> Counter[str]:
    hooks: Counter[str] = Counter()
    for line, n in log.items():
        hooks[line.split()[0]] += n
    return hooks


def test_hooks_fire_with_jugs_arguments_and_counts(tool) -> None:
    code_a, jug_log = tool("jug", "A")
    code_b, ours = tool("jug_async", "B")
    assert code_a == code_b == 0
    assert ours == jug_log
    assert _by_hook(ours) == {"execute.task-pre-execute": ALL, "execute.task-executed1": ALL,
                              "execute.task-loadable": 1,  # the second work(3)
                              "execute.finished_pre_status": 1,
                              "execute.finished_post_status": 1}
    # Run again: every declaration is loadable, nothing runs.
    _, jug_again = tool("jug", "A")
    _, ours_again = tool("jug_async", "B")
    assert ours_again == jug_again
    assert _by_hook(ours_again) == {"execute.task-loadable": ALL + 1,
                                    "execute.finished_pre_status": 1,
                                    "execute.finished_post_status": 1}


@pytest.mark.parametrize("how", [{"JUG_MAX_TASKS": "3"}, {"HOOKS_MODE": "n"}],
                         ids=["JUG_MAX_TASKS", "exit_after_n_tasks"])
def test_stop_after_exactly_n_tasks(how, tool, tmp_path) -> None:
    code_a, jug_log = tool("jug", "A", **how)
    code_b, ours = tool("jug_async", "B", **how)
    assert code_a == code_b == 0
    assert len(result_files(tmp_path / "A")) == len(result_files(tmp_path / "B")) == 3
    assert result_files(tmp_path / "B") == result_files(tmp_path / "A")
    assert _by_hook(ours) == {"execute.task-pre-execute": 3, "execute.task-executed1": 3}
    if "JUG_MAX_TASKS" in how:
        # jug's check from the environment is a hook registered before the
        # jugfile's: it exits before they see the 3rd task. jug-async calls
        # every hook for every task that ran (docs/jug-api.md).
        extra = ours - jug_log
        assert list(extra.values()) == [1] and not jug_log - ours
        assert next(iter(extra)).startswith("execute.task-executed1 ")
    else:
        assert ours == jug_log  # three tasks each; jug exits there, no finished hooks


def test_stop_file_stops_before_any_task(tool, tmp_path) -> None:
    for which, jugdir in (("jug", "A"), ("jug_async", "B")):
        tool(which, jugdir, JUG_MAX_TASKS="2")
    (tmp_path / "__jug_please_stop_running.txt").touch()
    code_a, jug_log = tool("jug", "A")
    code_b, ours = tool("jug_async", "B")
    assert code_a == code_b == 0
    assert len(result_files(tmp_path / "A")) == len(result_files(tmp_path / "B")) == 2
    assert ours == jug_log and _by_hook(ours) == {"execute.task-loadable": 2}
    # jug's --no-check-environment ignores the file
    code, ours = tool("jug_async", "B", "--no-check-environment")
    assert code == 0 and len(result_files(tmp_path / "B")) == ALL
    assert _by_hook(ours)["execute.finished_post_status"] == 1


@pytest.mark.parametrize("mode", ["file", "sysexit"])
def test_a_stop_asked_during_the_run_stops_dispatch(mode, tool, tmp_path) -> None:
    """``file``: exit_if_file_exists, the file made by the 2nd executed1 hook.
    ``sysexit``: a task-pre-execute hook raises SystemExit at its 3rd call.
    jug stops after 2 tasks; jug-async dispatches nothing more, and what was
    already dispatched (at most 2 batches per worker, here of one slow task
    each, including the task whose pre-execute hook raised) finishes."""
    env = {"HOOKS_MODE": mode, "HOOKS_SLOW": "0.2"}
    code_a, jug_log = tool("jug", "A", **env)
    code_b, ours = tool("jug_async", "B", **env)
    assert code_a == code_b == 0
    assert len(result_files(tmp_path / "A")) == 2
    assert _by_hook(jug_log)["execute.task-executed1"] == 2
    n = len(result_files(tmp_path / "B"))
    assert 2 <= n <= 2 + 2 * JOBS < ALL
    hooks = _by_hook(ours)
    assert hooks["execute.task-executed1"] == n
    assert "execute.finished_pre_status" not in hooks  # as jug, which exits
    # The next run (no stop asked) completes the rest.
    code, _ = tool("jug_async", "B")
    assert code == 0 and len(result_files(tmp_path / "B")) == ALL


def test_max_tasks_counts_over_barrier_reloads(tmp_path, jug, run_cli) -> None:
    """barriers_classes.py runs 4 tasks before its barrier: with JUG_MAX_TASKS=6 jug
    runs 2 more after reloading the jugfile, and stops (one count for the whole run)."""
    name = "barriers_classes.py"
    (tmp_path / name).write_bytes((JUGFILES / "compat" / name).read_bytes())
    env = {"JUG_MAX_TASKS": "6"}
    assert jug("execute", name, "--jugdir", "A", env=env).returncode == 0
    r = run_cli("run", name, "-j", str(JOBS), "--jugdir", "B", env=env)
    assert r.returncode == 0, r.stderr
    assert len(result_files(tmp_path / "A")) == 6
    assert result_files(tmp_path / "B") == result_files(tmp_path / "A")
