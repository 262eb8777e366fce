"""Where the screen's snapshots come from: a live run, the store, or a fixed picture.

Every source offers the same small surface to the app: ``attach(app)`` starts
it (it then posts ``messages`` to the app), ``snapshot()`` is the current
picture, ``tasks_of(name)`` the drill-down rows, and ``live``/``can_pause``/
``paused``/``stop()`` drive the quit and pause keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing.resource_tracker
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from jug_async.run import events as ev
from jug_async.run.scheduler import RunResult, Scheduler
from jug_async.view.monitor import Backoff, Monitor, Snapshot, StorePoller, TaskRow, read_locks

from .messages import PollFailed, RunChanged, RunEnded, SnapshotPolled
from .tracker import EventTracker

if TYPE_CHECKING:
    from textual.app import App
    from textual.message import Message


class LiveRun:
    """Runs the scheduler inside the app's event loop (as a Textual worker) and
    becomes its event sink: events update an ``EventTracker`` at once, and the
    app is told with one pending ``RunChanged`` at a time however many arrive.

    Args:
        scheduler: built as usual; its ``emit`` is replaced by this source.
        host: the host name shown for local tasks (tests fix it).
        clock: ``time.time`` unless a test fixes the time.
        lock_scan: first interval between scans of the store's locks (for PIDs
            of running tasks and the hosts panel); backs off to 8x when idle.
        forward: another sink that gets every event too (the CLI's summary).
    """

    mode = "run"
    can_pause = True

    def __init__(self, scheduler: Scheduler, *, host: str | None = None,
                 clock: Callable[[], float] = time.time, lock_scan: float = 0.5,
                 forward: Callable[[ev.Event], None] | None = None) -> None:
        self.scheduler = scheduler
        self._forward = forward
        self.tracker = EventTracker(scheduler.graph, host=host, clock=clock)
        self.result: RunResult | None = None
        self.error: BaseException | None = None
        self.stopping = False
        self._app: App | None = None
        self._pending = False
        self._started = False
        self._backoff = Backoff(lock_scan, lock_scan * 8)
        scheduler.emit = self._on_event

    def attach(self, app: App) -> None:
        self._app = app
        app.run_worker(self._run(), name="scheduler", group="run", exit_on_error=False)

    async def _run(self) -> None:
        # Textual replaces sys.stderr by an object whose fileno() is -1, and
        # multiprocessing's resource tracker passes that fd to its child: start
        # the tracker now, on the real stderr, before the pool needs it.
        with contextlib.redirect_stderr(sys.__stderr__):
            multiprocessing.resource_tracker.ensure_running()
        scans = asyncio.ensure_future(self._scan_locks())
        try:
            self.result = await self.scheduler.run()
        except Exception as e:  # shown in the app; the CLI reports it after exit
            self.error = e
        finally:
            scans.cancel()
        with contextlib.suppress(Exception):  # who still holds what, now it is over
            infos = await asyncio.to_thread(read_locks, self.scheduler.store)
            self.tracker.apply_locks(infos, self.tracker.clock())
        if self.result is None and self.tracker.status in ("starting", "running"):
            self.tracker.status = "interrupted"
        self._post(RunEnded(self.result, self.error))

    def _on_event(self, e: ev.Event) -> None:
        if self._forward is not None:
            self._forward(e)
        if isinstance(e, ev.RunStarted):
            self.tracker.start(self.scheduler.store.listing(), e)
            self._started = True
            if self.stopping:  # asked to stop before the scheduler could hear it
                self.scheduler.request_stop()
        else:
            self.tracker.apply(e)
        self._on_change()

    def _post(self, message: Message) -> None:
        if self._app is not None:
            self._app.post_message(message)

    async def _scan_locks(self) -> None:
        store, seen = self.scheduler.store, None
        while True:
            await asyncio.sleep(self._backoff.delay)
            try:
                infos = await asyncio.to_thread(read_locks, store)
            except Exception:
                self._backoff.next(False)
                continue
            key = {(i.hash, i.pid, i.host) for i in infos}
            self._backoff.next(key != seen)
            if key != seen:
                seen = key
                self.tracker.apply_locks(infos, self.tracker.clock())
                self._on_change()

    def _on_change(self) -> None:
        if not self._pending:
            self._pending = True
            self._post(RunChanged())

    def seen(self) -> None:
        """The app took the change into account: the next one posts again."""
        self._pending = False

    @property
    def live(self) -> bool:
        """A run is in progress (quitting must stop it)."""
        return self.result is None and self.error is None and \
            self.tracker.status in ("starting", "running")

    @property
    def paused(self) -> bool:
        return self.scheduler.paused

    @paused.setter
    def paused(self, value: bool) -> None:
        self.scheduler.paused = value
        self._on_change()

    def stop(self) -> None:
        """Stop the run as SIGINT does."""
        self.stopping = True
        if self._started:
            self.scheduler.request_stop()
        self._on_change()

    def snapshot(self) -> Snapshot:
        status = self.tracker.status
        if status == "running":
            status = "stopping" if self.stopping else "paused" if self.paused else status
        return self.tracker.snapshot(status)

    def tasks_of(self, name: str) -> list[TaskRow]:
        return self.tracker.tasks_of(name)

    def close(self) -> None:
        pass


class StoreWatch:
    """Polls the store with ``monitor.Monitor`` in a thread (read-only)."""

    mode = "monitor"
    can_pause = False
    live = False
    paused = False
    result = None

    def __init__(self, poller: StorePoller, *, interval: float = 1.0,
                 max_interval: float | None = None) -> None:
        self.poller = poller
        self.interval, self.max_interval = interval, max_interval
        self._monitor: Monitor | None = None

    def attach(self, app: App) -> None:
        self._monitor = Monitor(
            self.poller, lambda s: app.post_message(SnapshotPolled(s)),
            interval=self.interval, max_interval=self.max_interval,
            on_error=lambda e: app.post_message(PollFailed(f"{type(e).__name__}: {e}")))
        self._monitor.start()

    def seen(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def snapshot(self) -> Snapshot | None:
        return self.poller.snapshot()

    def tasks_of(self, name: str) -> list[TaskRow]:
        return self.poller.tasks_of(name)

    def close(self) -> None:
        if self._monitor is not None:
            self._monitor.stop()


class FixedSource:
    """A fixed snapshot (snapshot tests, the README screenshot)."""

    live = False
    can_pause = False
    paused = False
    result = None

    def __init__(self, snapshot: Snapshot, tasks: dict[str, list[TaskRow]] | None = None) -> None:
        self._snapshot = snapshot
        self._tasks = tasks or {}
        self.mode = snapshot.mode

    def attach(self, app: App) -> None:
        pass

    def seen(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def snapshot(self) -> Snapshot:
        return self._snapshot

    def tasks_of(self, name: str) -> list[TaskRow]:
        return list(self._tasks.get(name, []))

    def close(self) -> None:
        pass


Source = LiveRun | StoreWatch | FixedSource
