"""End to end in a real terminal (tmux), the screen read back with
``tmux capture-pane -p``: ``jug-async monitor`` watching a ``jug-async run`` of
another process until it shows the final counts, and ``jug-async run --tui``
finishing, or stopped with `q` then `y`."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

JUGFILES = Path(__file__).parent / "jugfiles"
JUG_ASYNC = str(Path(sys.executable).parent / "jug-async")

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None,
                                reason="tmux is not installed (apt-get install tmux); "
                                "the end-to-end terminal tests need it")


class Tmux:
    """One private tmux server (its own socket), killed at the end."""

    def __init__(self, cwd: Path) -> None:
        self.socket = f"jug-async-test-{uuid.uuid4().hex[:8]}"
        self.cwd = cwd

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, text=True,
                              capture_output=True, timeout=10).stdout

    def start(self, command: str, env: dict[str, str], size: tuple[int, int] = (150, 45)) -> None:
        """Run ``command`` in a new pane; its exit status lands in ``exit.txt``."""
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # COLUMNS/LINES (set under pytest) would override the real terminal size
        shell = (f"cd {shlex.quote(str(self.cwd))} && env -u COLUMNS -u LINES {exports} "
                 f"{command}; echo $? > exit.txt; sleep 600")
        conf = self.cwd / "tmux.conf"  # a detached session's size comes from default-size
        conf.write_text(f"set -g default-size {size[0]}x{size[1]}\nset -g status off\n")
        self.tmux("-f", str(conf), "new-session", "-d", "-s", "main", "-x", str(size[0]),
                  "-y", str(size[1]), shell)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "main")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "main", *keys)

    def wait_for(self, predicate: Callable[[str], object], timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if predicate(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"the screen never showed what was expected:\n{text}")
            time.sleep(0.1)

    def exit_status(self, timeout: float = 15.0) -> int:
        path = self.cwd / "exit.txt"
        deadline = time.monotonic() + timeout
        while not path.exists() or not path.read_text().strip():
            if time.monotonic() > deadline:
                raise AssertionError(f"the command did not exit:\n{self.screen()}")
            time.sleep(0.1)
        return int(path.read_text())

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True,
                       timeout=10)


@pytest.fixture
def tmux(tmp_path) -> Iterator[Tmux]:
    t = Tmux(tmp_path)
    try:
        yield t
    finally:
        t.kill()


def child_env(**extra: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH", "VIRTUAL_ENV")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(TERM="xterm-256color", PYTHONDONTWRITEBYTECODE="1", **extra)
    env.setdefault("LANG", "C.UTF-8")
    return env


def row(screen: str, name: str) -> tuple[int, ...] | None:
    """(waiting, ready, running, done, failed, total) of one name's table row."""
    for line in screen.splitlines():
        if f" {name} " in line:
            nums = re.findall(r"\d[\d,]*", line.split(name, 1)[1])
            return tuple(int(n.replace(",", "")) for n in nums[:6])
    return None


def running_rows(screen: str) -> list[list[str]]:
    """Rows of the running panel: [name, hash, host, pid, elapsed]."""
    out = []
    for line in screen.splitlines():
        m = re.match(r"│ (tui_small\.\w+)\s+([0-9a-f]{12})\s+(\S+)\s+(\d+|-)\s+(\S+)", line)
        if m:
            out.append(list(m.groups()))
    return out


def test_monitor_shows_another_process_run_to_the_end(tmux, tmp_path):
    shutil.copy(JUGFILES / "tui_small.py", tmp_path)
    tmux.start(f"{JUG_ASYNC} monitor tui_small.py --interval 0.1", child_env())
    # (a capture may catch a frame half drawn: wait for a whole one)
    tmux.wait_for(lambda s: "WATCHING" in s and "0/19" in s
                  and row(s, "tui_small.square") == (0, 12, 0, 0, 0, 12)
                  and row(s, "tui_small.add") == (6, 0, 0, 0, 0, 6))

    run = subprocess.Popen([JUG_ASYNC, "run", "tui_small.py", "-j", "3"], cwd=tmp_path,
                           env=child_env(TUI_TEST_DELAY="1.0"), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        busy = tmux.wait_for(lambda s: running_rows(s) and (row(s, "tui_small.square")
                                                            or (0,) * 3)[2] > 0)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    assert run.returncode == 0, err
    rows = running_rows(busy)
    assert all(r[0] == "tui_small.square" for r in rows)
    # the workers' PIDs ("-" for a lock caught between its creation and its content)
    assert any(r[3].isdigit() for r in rows)
    assert all(r[3] == "-" or (r[3].isdigit() and int(r[3]) != run.pid) for r in rows)
    assert "Hosts (1)" in busy

    final = tmux.wait_for(lambda s: "19/19" in s and "100.0%" in s
                          and row(s, "tui_small.square") == (0, 0, 0, 12, 0, 12)
                          and row(s, "tui_small.add") == (0, 0, 0, 6, 0, 6)
                          and row(s, "tui_small.total") == (0, 0, 0, 1, 0, 1))
    assert "Running (0)" in final and "Failures (0)" in final
    tmux.keys("q")
    assert tmux.exit_status() == 0


def test_run_tui_to_the_end_then_q_prints_the_summary(tmux, tmp_path):
    shutil.copy(JUGFILES / "tui_small.py", tmp_path)
    tmux.start(f"{JUG_ASYNC} run tui_small.py -j 3 --tui",
               child_env(TUI_TEST_DELAY="0.2", TUI_TEST_PRINT="1", TMPDIR=str(tmp_path)))
    screens = []

    def finished(s: str) -> bool:
        screens.append(s)
        return ("FINISHED" in s and "19/19" in s
                and row(s, "tui_small.square") == (0, 0, 0, 12, 0, 12)
                and row(s, "tui_small.total") == (0, 0, 0, 1, 0, 1))

    screen = tmux.wait_for(finished)
    assert "jug-async run" in screen and "3 workers" in screen
    assert not any("working on" in s for s in screens)  # task output stays off the screen
    tmux.keys("q")  # the run is over: no question
    assert tmux.exit_status() == 0
    after = tmux.wait_for(lambda s: "19/19 complete" in s)
    assert "tui_small.square" in after and "Elsewhere" in after
    logs = list(tmp_path.glob("jug-async-tui-*.log"))
    assert len(logs) == 1 and "what the tasks printed is in" in after.replace("\n", "")
    assert sorted(logs[0].read_text().split("\n"))[1:] == sorted(
        f"working on square {x}" for x in range(12))


def test_run_tui_q_then_y_stops_the_run_and_releases_locks(tmux, tmp_path):
    shutil.copy(JUGFILES / "tui_small.py", tmp_path)
    tmux.start(f"{JUG_ASYNC} run tui_small.py -j 3 --tui", child_env(TUI_TEST_DELAY="30"))
    locks = tmp_path / "tui_small.jugdata" / "locks"
    tmux.wait_for(lambda s: "RUNNING" in s and len(list(locks.glob("*.lock"))) == 3)
    tmux.keys("q")
    tmux.wait_for(lambda s: "Stop the run and quit?" in s)
    tmux.keys("n")
    tmux.wait_for(lambda s: "Stop the run and quit?" not in s and "RUNNING" in s)
    tmux.keys("q")
    tmux.wait_for(lambda s: "Stop the run and quit?" in s)
    tmux.keys("y")
    assert tmux.exit_status() == 130  # as after Ctrl-C
    after = tmux.wait_for(lambda s: "stopped by SIGINT" in s)
    assert "(interrupted)" in after
    assert list(locks.glob("*.lock")) == []
