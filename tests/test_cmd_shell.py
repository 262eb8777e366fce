"""``shell``: Python's console fed on stdin, and IPython in a real terminal
(tmux), on stores made by jug-async and by the real jug."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import clean_env
from test_tui_tmux import JUG_ASYNC, Tmux, child_env

TOTAL = sum(i**3 for i in range(300))  # tiny.py's grand total


def _shell(cwd: Path, lines: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "jug_async", "shell", "tiny.py", "--plain",
                           *args], cwd=cwd, input=lines, capture_output=True, text=True,
                          timeout=60, env=clean_env())


def test_plain_console_on_a_store_jug_made(jug, jugfile, tmp_path):
    jugfile("tiny.py")
    jug("execute", "tiny.py")
    r = _shell(tmp_path, "print('total', value(total))\n"
                         "print('tasks', len(get_tasks()), len(get_filtered_tasks(loadable=True)),"
                         " len(get_filtered_tasks()))\n"
                         "load_all()\nprint('loaded', total, sums[0])\n"
                         "print('helpers', callable(invalidate), N)\n")
    assert r.returncode == 0, r.stderr
    assert f"total {TOTAL}\n" in r.stdout
    assert "tasks 311 311 0\n" in r.stdout
    assert f"loaded {TOTAL} {sum(i**3 for i in range(30))}\n" in r.stdout
    assert "helpers True 300\n" in r.stdout
    assert "jug-async shell" in r.stderr  # the banner


def test_invalidate_removes_the_task_and_what_depends_on_it(run_cli, jug, jugfile, tmp_path,
                                                            jug_status_totals, store_files):
    jugfile("tiny.py")
    assert run_cli("run", "tiny.py", "-j", "2").returncode == 0
    before = store_files.results(tmp_path / "tiny.jugdata")
    r = _shell(tmp_path, "print('removed', invalidate(cubes[299]))\n"
                         "print('available', len(get_filtered_tasks(available=True)))\n")
    assert r.returncode == 0, r.stderr
    assert "removed 3\n" in r.stdout and "available 1\n" in r.stdout  # cube, its sum, total
    assert len(before - store_files.results(tmp_path / "tiny.jugdata")) == 3
    assert jug_status_totals(jug("status", "tiny.py").stdout) == {
        "Failed": 0, "Waiting": 2, "Ready": 1, "Complete": 308, "Active": 0}


def test_exit_n_is_the_exit_status_and_errors_stay_in_the_console(jugfile, tmp_path):
    jugfile("tiny.py")
    r = _shell(tmp_path, "value(total)\nprint('still here')\nexit(3)\n")
    assert r.returncode == 3
    assert "still here" in r.stdout and "Error" in r.stderr  # nothing saved: the console says


def test_bad_jugfile_is_one_line_and_exit_2(run_cli, tmp_path):
    (tmp_path / "tiny.py").write_text("raise ValueError('broken on purpose')\n")
    r = run_cli("shell", "tiny.py", "--plain")
    assert r.returncode == 2 and "broken on purpose" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_ipython_in_a_terminal(jug, jugfile, tmp_path):
    pytest.importorskip("IPython", reason="IPython is not installed: the plain console is used")
    jugfile("tiny.py")
    jug("execute", "tiny.py")
    tmux = Tmux(tmp_path)
    try:
        tmux.start(f"{JUG_ASYNC} shell tiny.py", child_env(), size=(100, 30))
        tmux.wait_for(lambda s: "In [1]:" in s and "jug-async shell" in s)
        tmux.keys("print('got', value(total) + 1)", "Enter")
        tmux.wait_for(lambda s: f"got {TOTAL + 1}" in s)
        tmux.keys("exit", "Enter")
        assert tmux.exit_status() == 0
    finally:
        tmux.kill()
