"""The jug-async TUI: one screen for a live run (``run --tui``) and for
``monitor`` (read-only, any host sharing the store).

The app renders ``Snapshot``s from a source (``sources.py``) and nothing else.
Sources post messages when something changed; the app renders at most every
``RENDER_GAP`` seconds, and once a second while live so elapsed times tick.
Build it with ``make_app`` (tests) or the ``make_*_app`` factories.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.widgets import DataTable, Footer, Input

from jug_async.run import pool
from jug_async.run.events import Event
from jug_async.run.scheduler import RunResult, Scheduler
from jug_async.view.monitor import Snapshot, StorePoller, TaskRow

from ..errors import JugAsyncError
from ..graph import TaskGraph
from ..store.base import Store
from .messages import PollFailed, RunChanged, RunEnded, SnapshotPolled
from .sources import FixedSource, LiveRun, Source, StoreWatch
from .terminal import output_to_log, require_terminal
from .widgets import (
    ConfirmStop,
    FailuresPanel,
    HelpScreen,
    HostsPanel,
    NameTable,
    RunHeader,
    RunningPanel,
    TasksScreen,
)

RENDER_GAP = 0.25  # seconds between renders, at most
TICK = 1.0


class JugApp(App[RunResult | None]):
    """The screen; ``source`` decides whether it runs, watches or shows a fixed picture."""

    CSS_PATH = "app.tcss"
    TITLE = "jug-async"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("q", "request_quit", "Quit"),
        Binding("ctrl+c", "request_quit", "Quit", show=False, priority=True),
        Binding("f", "failures_only", "Failures only"),
        Binding("slash", "filter", "Filter"),
        Binding("p", "pause", "Pause"),
        Binding("s", "sort", "Sort"),
        Binding("question_mark", "help", "Help"),
        Binding("escape", "clear_filter", show=False),
    ]

    def __init__(self, source: Source, *, tick: bool = True, exit_when_done: bool = False) -> None:
        super().__init__()
        self.source = source
        self.exit_when_done = exit_when_done  # scripts: quit once the run ends, keyless
        self.failures_only = False
        self.quitting = False
        self.renders = 0  # how many times the screen was rendered (tests)
        self._tick = tick
        self._render_pending = False
        self._last_render = 0.0

    def compose(self) -> ComposeResult:
        yield RunHeader(id="header")
        with Vertical(id="body"):
            yield NameTable(id="names")
            with Horizontal(id="panels"):
                yield RunningPanel(id="running")
                yield HostsPanel(id="hosts")
            yield FailuresPanel(id="failures")
        yield Input(placeholder="filter task names (Enter keeps, Esc clears)", id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(NameTable).focus()
        self.render_now()
        self.source.attach(self)
        if self._tick and not isinstance(self.source, FixedSource):
            self.set_interval(TICK, self._on_tick)

    # ---- rendering ---------------------------------------------------------

    def _on_tick(self) -> None:
        if self.source.live or self.source.mode == "monitor":
            self.request_render()

    def request_render(self) -> None:
        """Render soon: now if the last render is old enough, else when it is."""
        if self._render_pending:
            return
        self._render_pending = True
        wait = self._last_render + RENDER_GAP - time.monotonic()
        if wait > 0:
            self.set_timer(wait, self.render_now)
        else:
            self.call_later(self.render_now)

    def render_now(self) -> None:
        self._render_pending = False
        self._last_render = time.monotonic()
        self.source.seen()
        snap = self.source.snapshot()
        try:
            header = self.query_one(RunHeader)
        except NoMatches:  # a render timer that fired while the app shuts down
            return
        self.renders += 1
        header.show(snap)
        if snap is None:
            return
        self.query_one(NameTable).show(snap.rows)
        self.query_one(RunningPanel).show(snap)
        self.query_one(HostsPanel).show(snap)
        self.query_one(FailuresPanel).show(snap)

    @property
    def snapshot(self) -> Snapshot | None:
        return self.source.snapshot()

    def on_run_changed(self, _: RunChanged) -> None:
        self.request_render()

    def on_snapshot_polled(self, _: SnapshotPolled) -> None:
        self.request_render()

    def on_poll_failed(self, message: PollFailed) -> None:
        self.notify(message.error, title="Reading the store failed (retrying)",
                    severity="warning")

    def on_run_ended(self, message: RunEnded) -> None:
        self.render_now()
        if self.quitting or self.exit_when_done:
            self.exit(message.result)
            return
        if message.error is not None:
            self.notify(f"{type(message.error).__name__}: {message.error}",
                        title="The run failed", severity="error", timeout=30)
        elif message.result is not None:
            r = message.result
            failed = f", {len(r.failures)} failed" if r.failures else ""
            self.notify(f"{r.done}/{r.total} done, {r.executed} run here{failed}. "
                        "Press q to quit.", title="Run finished",
                        severity="warning" if r.failures else "information", timeout=10)

    # ---- keys --------------------------------------------------------------

    MAIN_SCREEN_ONLY = frozenset({"failures_only", "filter", "pause", "sort", "clear_filter"})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that change the main screen do nothing while a dialog is open."""
        if action in self.MAIN_SCREEN_ONLY and len(self.screen_stack) > 1:
            return False
        return not (action in ("request_quit", "quit") and isinstance(self.screen, ConfirmStop))

    def action_request_quit(self) -> None:
        if not self.source.live:
            self.exit(self.source.result)
            return
        if self.quitting:
            self.notify("Stopping the workers…")
            return

        def answered(stop: bool | None) -> None:
            if stop:
                self.quitting = True
                self.source.stop()
                self.notify("Stopping the run: workers stopped, locks released…")

        self.push_screen(ConfirmStop(), answered)

    async def action_quit(self) -> None:  # ctrl+q, too, asks first in a live run
        self.action_request_quit()

    def action_failures_only(self) -> None:
        self.failures_only = not self.failures_only
        self.screen.set_class(self.failures_only, "-failures-only")
        table = self.query_one(NameTable)
        table.failures_only = self.failures_only
        self.render_now()
        if self.failures_only:
            self.query_one("#failure-list", DataTable).focus()
        else:
            table.focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("-visible")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if box.has_class("-visible") or box.value:
            box.value = ""
            self._set_filter("")
            box.remove_class("-visible")
            self.query_one(NameTable).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self._set_filter(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        event.input.remove_class("-visible")
        self.query_one(NameTable).focus()

    def _set_filter(self, text: str) -> None:
        table = self.query_one(NameTable)
        table.filter_text = text.strip()
        snap = self.source.snapshot()
        table.show(snap.rows if snap else ())

    def action_pause(self) -> None:
        if not self.source.can_pause:
            self.notify("Pausing needs a live run (jug-async run --tui).", severity="warning")
            return
        if not self.source.live:
            self.notify("The run has ended.")
            return
        self.source.paused = not self.source.paused
        self.notify("Paused: no new tasks start; running ones finish."
                    if self.source.paused else "Resumed.")
        self.render_now()

    def action_sort(self) -> None:
        column = self.query_one(NameTable).cycle_sort()
        self.notify(f"Sorted by {column}.", timeout=2)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    @on(DataTable.RowSelected, "#names")
    def _open_name(self, event: DataTable.RowSelected) -> None:
        name = self.query_one(NameTable).current_name
        if name is not None:
            self.push_screen(TasksScreen(name, self.source.tasks_of(name)))

    def on_unmount(self) -> None:
        self.source.close()


def make_app(source: Source, *, tick: bool = True, exit_when_done: bool = False) -> JugApp:
    """The app factory: tests and the CLI build every app through here."""
    return JugApp(source, tick=tick, exit_when_done=exit_when_done)


def make_run_app(scheduler: Scheduler, *, host: str | None = None,
                 clock: Callable[[], float] = time.time, lock_scan: float = 0.5,
                 forward: Callable[[Event], None] | None = None,
                 exit_when_done: bool = False) -> JugApp:
    """A live run: the scheduler runs inside the app's loop."""
    return make_app(LiveRun(scheduler, host=host, clock=clock, lock_scan=lock_scan,
                            forward=forward), exit_when_done=exit_when_done)


def make_monitor_app(graph: TaskGraph, store: Store, *, jugfile: str = "",
                     interval: float = 1.0, max_interval: float | None = None) -> JugApp:
    """A read-only view of the store, polled with back-off."""
    poller = StorePoller(graph, store, jugfile=jugfile)
    return make_app(StoreWatch(poller, interval=interval, max_interval=max_interval))


def make_fixed_app(snapshot: Snapshot, tasks: dict[str, list[TaskRow]] | None = None) -> JugApp:
    """A fixed picture (snapshot tests, screenshots)."""
    return make_app(FixedSource(snapshot, tasks), tick=False)


def run_live(scheduler: Scheduler, *, forward: Callable[[Event], None] | None = None,
             before: Callable[[], None] = lambda: None,
             exit_when_done: bool = False) -> RunResult:
    """``run --tui``: the app on this terminal until the user quits (or, with
    ``exit_when_done``, until the run ends); the run's result.

    The workers' output goes to a log file meanwhile (named on stderr afterwards);
    ``before`` runs once that is so and before the app starts (to fork workers).

    Raises:
        JugAsyncError: no terminal, or the app ended before the scheduler did.
    """
    require_terminal("--tui")
    app = make_run_app(scheduler, forward=forward, exit_when_done=exit_when_done)
    with output_to_log() as log:
        before()
        pool.run(app.run_async())
    if os.path.exists(log):
        print(f"jug-async: what the tasks printed is in {log}", file=sys.stderr)
    source = app.source
    assert isinstance(source, LiveRun)
    if source.error is not None:
        raise source.error
    if source.result is None:
        raise JugAsyncError("the TUI ended before the run did; saved results are kept, "
                            "run again to continue")
    return source.result


def run_monitor(graph: TaskGraph, store: Store, *, jugfile: str, interval: float) -> int:
    """``monitor``: the app on this terminal, polling the store, until the user quits.
    Served to a browser (``webstatus``), Textual's web driver replaces the terminal."""
    if not served_to_browser():
        require_terminal("monitor")
    make_monitor_app(graph, store, jugfile=jugfile, interval=interval).run()
    return 0


def served_to_browser() -> bool:
    """textual-serve (``webstatus``) runs the app with Textual's web driver, on pipes."""
    return "web_driver" in os.environ.get("TEXTUAL_DRIVER", "")
