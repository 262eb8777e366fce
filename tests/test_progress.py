"""The plain progress display: fed events with a fixed clock, and real runs of
``jug-async run`` on a pseudo-terminal and on a pipe."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from rich.console import Console

from jug_async.run import events as ev
from jug_async.run.state import Statistics
from jug_async.view.progress import LOG_EVERY, MAX_NAMES, ProgressDisplay

JUGFILES = Path(__file__).parent / "jugfiles"
JUG_ASYNC = str(Path(sys.executable).parent / "jug-async")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def started(names: dict[str, int], done: dict[str, int] | None = None) -> ev.RunStarted:
    done = done or {}
    return ev.RunStarted("demo.py", "/data/demo.jugdata", 4, sum(names.values()),
                         sum(done.values()), names, done)


def h(i: int) -> str:
    return f"{i:040x}"


def stats(**kw) -> Statistics:
    """A scheduler snapshot with what a test sets (the rest zero)."""
    fields = dict(total=0, done=0, executed=0, running=0, elsewhere=0, failed=0, blocked=0,
                  ready=0, done_by_name={})
    return Statistics(**{**fields, **kw})


def test_batch_log_lines_failures_and_summary():
    out = io.StringIO()
    clock = Clock()
    d = ProgressDisplay(Console(file=out, width=120), live=False, clock=clock)
    d(started({"demo.a": 10, "demo.b": 2}, {"demo.a": 2}))
    for i in range(6):
        clock.now += 1
        d(ev.TaskStarted(h(i), "demo.a", clock.now))
        d(ev.TaskFinished(h(i), "demo.a", 0.5, 10, 77, clock.now))
        d(ev.Progress(d.done, 12, 0, 0, 0, clock.now))
    d(ev.TaskFailed(h(9), "demo.b", "ValueError: bad\nmore", "Traceback...", 77, clock.now))
    d(ev.TaskBlocked(h(10), "demo.b", "needs demo.b"))
    d(ev.RunFinished(6, 8, 12, 1, 1, False, 6.0))
    d.close()
    lines = out.getvalue().splitlines()
    assert lines[0] == "jug-async: demo.py: 12 tasks, 2 already saved, 4 workers, " \
                       "store /data/demo.jugdata"
    logs = [ln for ln in lines if ln.startswith("progress:")]
    assert len(logs) == 6 // int(LOG_EVERY)  # one line every LOG_EVERY seconds
    assert logs[0] == "progress: 7/12 done (58%), 1.0/s, ETA 5.0s, 0 running, " \
                      "elapsed 5.0s"
    assert "FAILED demo.b (000000000000): ValueError: bad" in lines
    assert "8/12 complete, 6 run here in 6.00 s, 1 failed, 1 blocked" in out.getvalue()
    assert not ANSI.search(out.getvalue())


def test_live_block_is_one_total_line_and_a_few_names():
    clock = Clock()
    out = io.StringIO()
    d = ProgressDisplay(Console(file=out, width=120, force_terminal=True), live=True,
                        clock=clock)
    names = {f"demo.step{k}": 4 for k in range(6)}
    d(started(names))
    for k in range(5):
        clock.now += 1
        d(ev.TaskStarted(h(k), f"demo.step{k}", clock.now))
    d(ev.TaskFinished(h(0), "demo.step0", 0.2, 1, 5, clock.now))
    d(ev.TaskFailed(h(4), "demo.step4", "KeyError: 'x'", "", 5, clock.now))
    d(ev.Progress(2, 24, 3, 1, 0, clock.now, stats(
        running_by_name={f"demo.step{k}": 1 for k in (1, 2, 3)})))
    clock.now += 1
    record = Console(width=120, record=True, file=io.StringIO())
    record.print(d)
    text = record.export_text()
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1 + MAX_NAMES
    assert lines[0].startswith("total")
    assert "1/24 done (4%), 0.2/s, ETA 1m50s" in lines[0]
    assert "3 running" in lines[0] and "1 failed" in lines[0] and "elapsed 6.0s" in lines[0]
    shown = [ln.split()[0] for ln in lines[1:]]
    assert shown == ["demo.step3", "demo.step2", "demo.step1"]  # running, most recent first
    assert "0/4, 1 running" in lines[1]
    d(ev.RunFinished(1, 1, 24, 1, 0, True, 6.0))
    d.close()
    assert "(interrupted)" in out.getvalue()


def test_tasks_held_elsewhere_or_lost_with_a_worker_are_not_running():
    """Issue 11, finding 6: dispatched tasks found locked by another process, and
    tasks of a batch whose worker died (back in the ready list), are not
    "running": the line shows the scheduler's snapshot, and names the owner of
    the first plain jug lock waited for."""
    out = io.StringIO()
    clock = Clock()
    d = ProgressDisplay(Console(file=out, width=200), live=False, clock=clock)
    d(started({"demo.a": 4}))
    for i in range(4):
        d(ev.TaskStarted(h(i), "demo.a", clock.now))
    d(ev.TaskHeldElsewhere(h(0), "demo.a", "", clock.now))
    d(ev.TaskHeldElsewhere(h(1), "demo.a", "", clock.now))
    d(ev.LockWaited(h(0), "demo.a", "PID 4321 on node7, 5 s",
                    f"locks/{h(0)}.lock: held by PID 4321 on node7 for 5 s; ...", clock.now))
    # h(2) and h(3) went back to ready when their worker died: nothing in flight
    d(ev.Progress(0, 4, 0, 0, 2, clock.now, stats(total=4, elsewhere=2, ready=2)))
    line = d.status_text()
    assert "0 running" in line
    assert "2 held elsewhere (first by PID 4321 on node7, 5 s" in line
    assert f"waiting for locks/{h(0)}.lock: held by PID 4321 on node7" in out.getvalue()


def test_quiet_prints_nothing_until_close():
    out = io.StringIO()
    d = ProgressDisplay(Console(file=out, width=100), live=True)
    d.quiet = True
    d(started({"demo.a": 1}))
    d(ev.TaskFailed(h(1), "demo.a", "boom", "", 1, 0.0))
    d(ev.RunFinished(0, 0, 1, 1, 0, False, 0.1))
    assert out.getvalue() == ""
    d.close()
    assert "0/1 complete" in out.getvalue()


def run_on_pty(tmp_path: Path, *args: str, env: dict[str, str]) -> tuple[int, str]:
    """Run ``jug-async`` with stderr on a 120x30 pseudo-terminal; return (status, output)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    proc = subprocess.Popen([JUG_ASYNC, *args], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=30), b"".join(chunks).decode("utf-8", "replace")


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES",
                                                            "JUG_ASYNC_RUNNING")}
    env.update(TERM="xterm-256color", **extra)
    return env


def test_real_run_on_a_terminal_shows_the_live_line(tmp_path):
    shutil.copy(JUGFILES / "tui_small.py", tmp_path)
    status, output = run_on_pty(tmp_path, "run", "tui_small.py", "-j", "2",
                                env=child_env(TUI_TEST_DELAY="0.25"))
    assert status == 0, output
    plain = ANSI.sub("", output)
    live = [ln for ln in plain.replace("\r", "\n").splitlines() if ln.startswith("total")]
    assert live, plain
    assert any(re.search(r"\b([1-9]|1[0-8])/19 done", ln) for ln in live)  # partial progress
    assert all("/s, ETA " in ln for ln in live)
    assert "19/19 complete, 19 run here" in plain


def test_real_run_not_on_a_terminal_logs_plain_lines(tmp_path):
    shutil.copy(JUGFILES / "tui_fail.py", tmp_path)
    proc = subprocess.run([JUG_ASYNC, "run", "tui_fail.py", "-j", "2", "--keep-going"],
                          cwd=tmp_path, env=child_env(), capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert not ANSI.search(proc.stderr)
    assert proc.stderr.startswith("jug-async: tui_fail.py: 8 tasks, 0 already saved")
    assert len(re.findall(r"^FAILED tui_fail\.check \(\w{12}\): ValueError: odd input \d$",
                          proc.stderr, re.M)) == 3
    assert "4/8 complete, 4 run here" in proc.stdout  # the summary table goes to stdout


def test_plain_mode_writes_aligned_text_without_loading_rich():
    """Not on a terminal and given no console: plain text, and rich (a tenth of
    a short run's time to import) is never loaded."""
    code = r'''
import io, sys
from jug_async.run import events as ev
from jug_async.run.state import Statistics
from jug_async.view.progress import ProgressDisplay
out = io.StringIO()
d = ProgressDisplay(stream=out)
d(ev.RunStarted("demo.py", "/d", 2, 3, 1, {"demo.a": 2, "demo.long_name_b": 1}, {"demo.a": 1}))
d(ev.TaskStarted("0" * 40, "demo.a", 1.0))
d(ev.TaskFinished("0" * 40, "demo.a", 0.25, 8, 7, 2.0))
d(ev.TaskFailed("1" * 40, "demo.long_name_b", "ValueError: no", "tb", 7, 2.0))
d(ev.RunFinished(1, 2, 3, 1, 0, False, 1.5))
d.close()
assert "rich" not in sys.modules, sorted(m for m in sys.modules if m.startswith("rich"))
sys.stdout.write(out.getvalue())
'''
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "jug-async: demo.py: 3 tasks, 1 already saved, 2 workers, store /d"
    assert lines[1] == "FAILED demo.long_name_b (111111111111): ValueError: no"
    assert lines[2] == "2/3 complete, 1 run here in 1.50 s, 1 failed"
    header, a, b = lines[3:]
    assert header.split() == ["Task", "name", "Total", "Done", "Ran", "Elsewhere", "Failed",
                              "Blocked", "Mean", "s"]
    assert a.split() == ["demo.a", "2", "2", "1", "0", "0", "0", "0.250"]
    assert b.split() == ["demo.long_name_b", "1", "0", "0", "0", "1", "0", "-"]
    assert len({len(header), len(a), len(b)}) == 1  # right-aligned columns end together
