"""The TUI driving real runs: a real ProcessPoolExecutor on small jugfiles in
tmp_path, driven through Textual's Pilot; plus the keys."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jug_async import graph as graph_mod
from jug_async.run import events as ev
from jug_async.run.launch import prepare_run
from jug_async.run.scheduler import Scheduler
from jug_async.session import Session
from jug_async.store.memory import MemoryStore
from jug_async.store.open import open_store
from jug_async.tui.app import JugApp, make_monitor_app, make_run_app
from jug_async.tui.sources import LiveRun
from jug_async.tui.widgets import (
    ConfirmStop,
    FailuresPanel,
    HelpScreen,
    NameTable,
    TasksScreen,
)
from jug_async.view.monitor import STATES

JUGFILES = Path(__file__).parent / "jugfiles"
SIZE = (140, 42)


@pytest.fixture
def build_scheduler() -> Iterator[Callable[..., Scheduler]]:
    """What ``jug-async run`` wires (``run.launch.prepare_run``), for a jugfile of
    tests/jugfiles; its session is closed when the test ends."""
    with contextlib.ExitStack() as opened:

        def build(jugfile: str, jugdir: Path, *, jobs: int = 2,
                  keep_going: bool = False) -> Scheduler:
            session = opened.enter_context(Session(JUGFILES / jugfile, str(jugdir)))
            scheduler, pools = prepare_run(session, jobs=jobs, keep_going=keep_going)
            opened.callback(pools.close)  # never prestarted: pytest runs threads
            return scheduler

        yield build


def table_counts(app: JugApp) -> dict[str, dict[str, int]]:
    """What the name table shows: {name: {state: count}}, read from its cells."""
    table = app.query_one(NameTable)
    out = {}
    for row_key in table.rows:
        cells = table.get_row(row_key)
        name = cells[0].plain
        out[name] = {s: int(cells[1 + k].plain.replace(",", "")) for k, s in enumerate(STATES)}
        out[name]["total"] = int(cells[6].plain.replace(",", ""))
    return out


async def wait_for(pilot, predicate, timeout: float = 20.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(step)


@pytest.fixture
def slow(monkeypatch):
    def set_delay(seconds: float) -> None:
        monkeypatch.setenv("TUI_TEST_DELAY", str(seconds))
    return set_delay


async def test_live_run_counts_change_then_all_done(tmp_path, slow, build_scheduler):
    slow(0.15)
    app = make_run_app(build_scheduler("tui_small.py", tmp_path / "j"), lock_scan=0.05)
    seen: list[dict[str, dict[str, int]]] = []
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.source.tracker.status == "running")

        def record() -> bool:
            seen.append(table_counts(app))
            return not app.source.live

        await wait_for(pilot, record)
        await pilot.pause(0.3)
        final = table_counts(app)
        header = app.query_one("#what").render().plain
        stats = app.query_one("#stats").render().plain
        hosts = app.query_one("#hosts")
        host_rows = [hosts.get_row(k) for k in hosts.rows]
        assert app.source.result is not None and not app.source.result.failures
    assert final == {
        "tui_small.square": {"waiting": 0, "ready": 0, "running": 0, "done": 12, "failed": 0,
                             "total": 12},
        "tui_small.add": {"waiting": 0, "ready": 0, "running": 0, "done": 6, "failed": 0,
                          "total": 6},
        "tui_small.total": {"waiting": 0, "ready": 0, "running": 0, "done": 1, "failed": 0,
                            "total": 1},
    }
    squares = [s["tui_small.square"] for s in seen if "tui_small.square" in s]
    assert any(s["running"] > 0 for s in squares), "never saw a task running"
    assert any(0 < s["done"] < 12 for s in squares), "never saw partial progress"
    assert squares[0]["done"] < 12
    adds = [s["tui_small.add"] for s in seen if "tui_small.add" in s]
    assert adds[0]["waiting"] == 6  # they wait for their squares first
    assert "FINISHED" in header and "tui_small.py" in header
    assert "19/19" in stats and "100.0%" in stats
    assert host_rows and all(r[0].plain == socket.gethostname() for r in host_rows)
    assert all(int(r[1].plain) > 0 for r in host_rows)  # worker PIDs, from lock files
    assert app.renders < 5 * 4 + len(seen)  # rendering is throttled


async def test_running_panel_shows_host_pid_and_elapsed(tmp_path, slow, build_scheduler):
    slow(0.6)
    app = make_run_app(build_scheduler("tui_small.py", tmp_path / "j"), lock_scan=0.05)
    async with app.run_test(size=SIZE) as pilot:
        panel = app.query_one("#running")

        def has_pid() -> bool:
            rows = [panel.get_row(k) for k in panel.rows]
            return any(r[3].plain.isdigit() for r in rows)

        await wait_for(pilot, has_pid)
        rows = [panel.get_row(k) for k in panel.rows]
        assert all(r[0].plain == "tui_small.square" for r in rows)
        assert {r[2].plain for r in rows} == {socket.gethostname()}
        pids = {int(r[3].plain) for r in rows if r[3].plain.isdigit()}
        assert pids and os.getpid() not in pids
        assert all(r[4].plain.endswith("s") for r in rows)
        app.source.stop()  # as `q`, `y` would
        await wait_for(pilot, lambda: not app.source.live)
    assert app.source.result.interrupted == "SIGINT"


async def test_pause_holds_dispatch_until_resumed(tmp_path, slow, build_scheduler):
    slow(0.2)
    app = make_run_app(build_scheduler("tui_small.py", tmp_path / "j"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.source.tracker.status == "running")
        await pilot.press("p")
        assert app.source.scheduler.paused
        tracker = app.source.tracker
        await wait_for(pilot, lambda: not tracker.running)  # in-flight tasks finish
        held = tracker.done
        await pilot.pause(0.6)
        assert tracker.done == held < 19 and not tracker.running
        assert "PAUSED" in app.query_one("#what").render().plain
        assert app.source.live
        await pilot.press("p")
        assert not app.source.scheduler.paused
        await wait_for(pilot, lambda: not app.source.live)
        assert app.source.result.done == 19


async def test_q_asks_first_n_keeps_running_y_stops_and_releases_locks(tmp_path, slow,
                                                                     build_scheduler):
    slow(2.0)
    scheduler = build_scheduler("tui_small.py", tmp_path / "j")
    app = make_run_app(scheduler, lock_scan=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: scheduler.store.list_locks())
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmStop)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmStop) and app.source.live
        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, timeout=15)
    result = app.return_value
    assert result is not None and result.interrupted == "SIGINT"
    assert result.done < 19
    assert scheduler.store.list_locks() == set()  # the stopped tasks' locks are released


async def test_failures_filter_help_and_drill_down_keys(tmp_path, build_scheduler):
    app = make_run_app(build_scheduler("tui_fail.py", tmp_path / "j", keep_going=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.source.live)
        await pilot.pause(0.3)
        assert table_counts(app)["tui_fail.check"]["failed"] == 3
        assert set(table_counts(app)) == {"tui_fail.check", "tui_fail.collect"}
        panel = app.query_one(FailuresPanel)
        assert panel.shown is not None and panel.shown.error.startswith("ValueError: odd input")
        assert "Traceback" in panel.shown.traceback and "tui_fail.py" in panel.shown.traceback

        await pilot.press("f")  # failures only
        assert set(table_counts(app)) == {"tui_fail.check"}
        assert app.screen.has_class("-failures-only")
        failures = app.query_one("#failure-list")
        assert failures.row_count == 3
        first = panel.shown
        await pilot.press("down")  # the failure list has the focus: next traceback
        assert panel.shown != first and "odd input" in panel.shown.traceback
        await pilot.press("f")
        assert set(table_counts(app)) == {"tui_fail.check", "tui_fail.collect"}

        await pilot.press("slash")  # filter by name
        await pilot.press(*"coll")
        assert set(table_counts(app)) == {"tui_fail.collect"}
        await pilot.press("enter")
        assert set(table_counts(app)) == {"tui_fail.collect"}  # kept after Enter
        await pilot.press("escape")
        assert set(table_counts(app)) == {"tui_fail.check", "tui_fail.collect"}

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

        app.query_one(NameTable).focus()
        await pilot.press("up", "up", "enter")  # the tasks of the first name
        assert isinstance(app.screen, TasksScreen)
        rows = app.screen.rows
        assert len(rows) == 6 and [r.state for r in rows].count("failed") == 3
        await pilot.press("escape")
        assert not isinstance(app.screen, TasksScreen)

        await pilot.press("p")  # the run is over: nothing to pause
        assert not app.source.scheduler.paused
        await pilot.press("q")  # over: quits without asking
        await pilot.pause()
    assert app.return_value is not None and len(app.return_value.failures) == 3


async def test_sort_key_and_header_click_reorder_rows(tmp_path, build_scheduler):
    app = make_run_app(build_scheduler("tui_fail.py", tmp_path / "j", keep_going=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.source.live)
        table = app.query_one(NameTable)
        assert list(table_counts(app)) == ["tui_fail.check", "tui_fail.collect"]
        table.sort_on("name")
        table.sort_on("name")  # again: reversed
        assert list(table_counts(app)) == ["tui_fail.collect", "tui_fail.check"]
        await pilot.press("s")  # the next sort column, descending
        assert table.sort_by == "waiting" and table.reverse
        assert "sorted by" in table.border_title


def synthetic_graph(n_names: int, per_name: int) -> graph_mod.TaskGraph:
    """A graph of ``n_names * per_name`` independent tasks (no jugfile needed)."""
    hashes = [f"{i:040x}" for i in range(n_names * per_name)]
    names = [f"bench.step{i % n_names}" for i in range(len(hashes))]
    n = len(hashes)
    return graph_mod.TaskGraph(hashes, names, [None] * n, [()] * n, [[] for _ in range(n)],
                               list(range(n)), {h: i for i, h in enumerate(hashes)})


async def test_100k_tasks_one_row_per_name_and_coalesced_renders():
    g = synthetic_graph(8, 12_500)
    scheduler = Scheduler(g, MemoryStore(), lambda: None, lambda f: 0, jobs=32)
    source = LiveRun(scheduler, host="node7")
    app = JugApp(source)
    source.attach = lambda app: setattr(source, "_app", app)  # events come from the test
    async with app.run_test(size=SIZE) as pilot:
        source._on_event(ev.RunStarted("bench.py", "memory:", 32, len(g), 0,
                                       {f"bench.step{k}": 12_500 for k in range(8)}, {}))
        for i, h in enumerate(g.hashes):
            source._on_event(ev.TaskStarted(h, g.names[i], 1.0))
            source._on_event(ev.TaskFinished(h, g.names[i], 0.001, 8, 4242, 2.0))
            if i % 10_000 == 0:
                await pilot.pause()  # let the app run between bursts
        await pilot.pause(0.4)
        counts = table_counts(app)
        assert app.query_one(NameTable).row_count == 8
        assert all(c["done"] == 12_500 and c["total"] == 12_500 for c in counts.values())
        # 200,000 events, a handful of renders (counted, not timed: no wall clock)
        assert app.renders < 40, app.renders
        before = app.renders
        app.render_now()
        assert app.renders == before + 1


async def test_monitor_app_reads_the_store_read_only(tmp_path, build_scheduler):
    scheduler = build_scheduler("tui_fail.py", tmp_path / "j", keep_going=True)
    await scheduler.run()  # a finished run, by "another process"
    app = make_monitor_app(scheduler.graph, open_store(str(tmp_path / "j")),
                           jugfile="tui_fail.py", interval=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "tui_fail.check" in table_counts(app))
        assert table_counts(app)["tui_fail.check"] == {
            "waiting": 0, "ready": 0, "running": 0, "done": 3, "failed": 3, "total": 6}
        assert "WATCHING" in app.query_one("#what").render().plain
        assert app.query_one("#failure-list").row_count == 3
        assert "odd input" in app.query_one(FailuresPanel).shown.traceback
        await pilot.press("p")  # nothing to pause here
        await pilot.pause()
        assert any("live run" in str(n.message) for n in app._notifications)
        await pilot.press("q")  # read-only: quits at once
        await pilot.pause()
    assert not app.is_running
