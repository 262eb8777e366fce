"""``run --tui --exit-when-done`` in a real terminal (tmux): the screen quits by
itself once the run ends, so a script goes on; the exit status tells how the
run went. Without the flag, the screen waits for q (test_tui_tmux.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_tui_tmux import JUG_ASYNC, Tmux, child_env

JUGFILES = Path(__file__).parent / "jugfiles"

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


@pytest.fixture
def tmux(tmp_path):
    t = Tmux(tmp_path)
    try:
        yield t
    finally:
        t.kill()


def test_quits_by_itself_when_the_run_ends(tmux, tmp_path):
    shutil.copy(JUGFILES / "tui_small.py", tmp_path)
    tmux.start(f"{JUG_ASYNC} run tui_small.py -j 2 --tui --exit-when-done && echo NEXT-STEP",
               child_env(TUI_TEST_DELAY="0.3"))
    tmux.wait_for(lambda s: "RUNNING" in s or "FINISHED" in s)  # the screen was up first
    assert tmux.exit_status(timeout=60) == 0  # no key was pressed
    after = tmux.wait_for(lambda s: "NEXT-STEP" in s)
    assert "19/19 complete" in after and "tui_small.square" in after


def test_a_failed_run_quits_with_status_1(tmux, tmp_path):
    shutil.copy(JUGFILES / "tui_fail.py", tmp_path)
    tmux.start(f"{JUG_ASYNC} run tui_fail.py -j 2 --tui --exit-when-done", child_env())
    assert tmux.exit_status(timeout=60) == 1
    after = tmux.wait_for(lambda s: "failed" in s)
    assert "odd input" in after


def test_help_documents_it(run_cli):
    out = " ".join(run_cli("run", "--help").stdout.split())
    assert "--exit-when-done" in out and "without waiting for q" in out
