"""Snapshot tests of the TUI's main states (pytest-textual-snapshot).

Deterministic: the scheduler events are fed by hand to an ``EventTracker`` with
fixed times, a fixed host and fixed PIDs, and the app shows the resulting fixed
snapshot. Update with ``pytest tests/test_tui_snapshots.py --snapshot-update``.

Run as a script to write the README screenshot:
``python tests/test_tui_snapshots.py docs/tui.svg``.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from jug_async import graph as graph_mod
from jug_async.run import events as ev
from jug_async.session import Session
from jug_async.store.base import LockInfo
from jug_async.store.memory import MemoryStore
from jug_async.tui.app import JugApp, make_fixed_app
from jug_async.tui.tracker import EventTracker
from jug_async.view.monitor import Snapshot

JUGFILES = Path(__file__).parent / "jugfiles"
T0 = 1_700_000_000.0
SIZE = (120, 38)
STORE = "/data/project/{}.jugdata"
TRACEBACK = """Traceback (most recent call last):
  File "/data/project/{jugfile}", line {line}, in {func}
    {code}
ValueError: {error}
"""


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def tracker_for(jugfile: str) -> tuple[EventTracker, Clock, graph_mod.TaskGraph]:
    with Session(JUGFILES / jugfile, store=MemoryStore()) as session:
        graph = session.graph
    clock = Clock()
    tracker = EventTracker(graph, host="node7", clock=clock)
    names: dict[str, int] = {}
    for n in graph.names:
        names[n] = names.get(n, 0) + 1
    tracker.start(set(), ev.RunStarted(jugfile, STORE.format(jugfile[:-3]), 8, len(graph), 0,
                                       names, {}))
    return tracker, clock, graph


def of(graph: graph_mod.TaskGraph, name: str) -> list[int]:
    return [i for i, n in enumerate(graph.names) if n.endswith("." + name)]


def finish(tracker: EventTracker, graph, nodes, t: float, pid0: int = 4101) -> None:
    for k, i in enumerate(nodes):
        h, name = graph.hashes[i], graph.names[i]
        tracker.apply(ev.TaskStarted(h, name, t))
        tracker.apply(ev.TaskFinished(h, name, 0.25, 64, pid0 + k % 4, t))


def fail(tracker: EventTracker, graph, i: int, t: float, error: str, pid: int = 4102) -> None:
    h, name = graph.hashes[i], graph.names[i]
    tracker.apply(ev.TaskStarted(h, name, t))
    tb = TRACEBACK.format(jugfile=name.split(".")[0] + ".py", line=14, func=name.split(".")[1],
                          code="return sum(image)", error=error)
    tracker.apply(ev.TaskFailed(h, name, f"ValueError: {error}", tb, pid, t))


def running_snapshot() -> tuple[Snapshot, EventTracker]:
    """The demo pipeline mid-run: some done, some running here and on node9,
    two failures."""
    tracker, clock, g = tracker_for("tui_demo.py")
    finish(tracker, g, of(g, "load_image"), T0 + 5)
    feats = of(g, "features")
    finish(tracker, g, feats[:80], T0 + 30)
    fail(tracker, g, feats[80], T0 + 31, "image 80 is empty")
    fail(tracker, g, feats[81], T0 + 33, "image 81 has NaN pixels", pid=4103)
    locks = []
    for k, i in enumerate(feats[82:88]):
        h, name = g.hashes[i], g.names[i]
        if k < 4:
            tracker.apply(ev.TaskStarted(h, name, T0 + 34 + k))
            locks.append(LockInfo(h, 4101 + k, "node7", None, T0 + 34 + k, False))
        else:
            tracker.apply(ev.TaskHeldElsewhere(h, name, "", T0 + 35))
            locks.append(LockInfo(h, 9001 + k, "node9", None, T0 + 30 + k, False))
    tracker.apply_locks(locks, T0 + 41)
    clock.now = T0 + 42
    return tracker.snapshot(), tracker


def done_snapshot() -> Snapshot:
    tracker, clock, g = tracker_for("tui_small.py")
    finish(tracker, g, of(g, "square"), T0 + 2)
    finish(tracker, g, of(g, "add"), T0 + 3)
    finish(tracker, g, of(g, "total"), T0 + 4)
    clock.now = T0 + 4.5
    tracker.apply(ev.RunFinished(19, 19, 19, 0, 0, False, 4.5))
    return tracker.snapshot()


def failures_snapshot() -> Snapshot:
    tracker, clock, g = tracker_for("tui_fail.py")
    checks = of(g, "check")
    finish(tracker, g, checks[0::2], T0 + 1)
    for i in checks[1::2]:
        x = checks.index(i)
        h, name = g.hashes[i], g.names[i]
        tracker.apply(ev.TaskStarted(h, name, T0 + 1))
        tb = TRACEBACK.format(jugfile="tui_fail.py", line=9, func="check",
                              code='raise ValueError(f"odd input {x}")', error=f"odd input {x}")
        tracker.apply(ev.TaskFailed(h, name, f"ValueError: odd input {x}", tb, 4101, T0 + 1))
    finish(tracker, g, of(g, "collect")[:1], T0 + 2)
    tracker.apply(ev.TaskBlocked(g.hashes[of(g, "collect")[1]], "tui_fail.collect",
                                 "needs tui_fail.check, which failed"))
    clock.now = T0 + 2.5
    tracker.apply(ev.RunFinished(4, 4, 4, 3, 1, False, 2.5))
    return tracker.snapshot()


def running_app() -> JugApp:
    snap, tracker = running_snapshot()
    tasks = {name: tracker.tasks_of(name) for name in tracker.counts}
    return make_fixed_app(snap, tasks)


def test_snapshot_running(snap_compare):
    assert snap_compare(running_app(), terminal_size=SIZE)


def test_snapshot_all_done(snap_compare):
    assert snap_compare(make_fixed_app(done_snapshot()), terminal_size=SIZE)


def test_snapshot_with_failures(snap_compare):
    assert snap_compare(make_fixed_app(failures_snapshot()), terminal_size=SIZE)


def test_snapshot_failures_only(snap_compare):
    assert snap_compare(make_fixed_app(failures_snapshot()), press=["f"], terminal_size=SIZE)


def test_snapshot_tasks_of_a_name(snap_compare):
    # the second name (features): running and failed tasks first
    assert snap_compare(running_app(), press=["down", "enter"], terminal_size=SIZE)


def test_snapshot_help(snap_compare):
    assert snap_compare(make_fixed_app(done_snapshot()), press=["question_mark"],
                        terminal_size=SIZE)


def test_snapshot_monitor_view(snap_compare):
    snap, _ = running_snapshot()
    snap = replace(snap, mode="monitor", status="watching", jobs=0)
    assert snap_compare(make_fixed_app(snap), terminal_size=SIZE)


def test_fixed_snapshots_are_what_they_claim():
    snap, _ = running_snapshot()
    assert (snap.total, snap.count("done"), snap.count("running"), snap.count("failed")) == \
        (265, 200, 6, 2)
    assert {r.host for r in snap.running} == {"node7", "node9"}
    assert all(r.pid for r in snap.running)
    assert snap.elapsed == 42 and snap.rate == 200 / 42
    done = done_snapshot()
    assert done.status == "finished" and done.count("done") == done.total == 19
    failed = failures_snapshot()
    assert failed.count("failed") == 3 and failed.blocked == 1


async def write_screenshot(path: str) -> None:
    """The README picture: the demo pipeline mid-run, at 120x38."""
    app = running_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        Path(path).write_text(app.export_screenshot(title="jug-async run --tui"))


if __name__ == "__main__":
    import asyncio

    asyncio.run(write_screenshot(sys.argv[1] if len(sys.argv) > 1 else "docs/tui.svg"))
