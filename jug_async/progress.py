"""The plain (non-TUI) progress display of ``run``, fed by scheduler events.

On a terminal: a live rich progress bar per task name plus a total line
(done/total, rate, ETA, failures). Not on a terminal (batch jobs, CI logs):
one plain log line every few seconds and one per failure. Either way the run
ends with a summary table per task name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from . import events as ev

LOG_EVERY = 5.0  # seconds between plain log lines
MAX_BARS = 12  # per-name bars shown; more names only get the total bar


@dataclass
class NameStats:
    total: int = 0
    done_before: int = 0
    ran: int = 0
    elsewhere: int = 0
    failed: int = 0
    blocked: int = 0
    seconds: float = 0.0


class ProgressDisplay:
    """A sink for scheduler events; call ``close()`` after the run."""

    def __init__(self, console: Console | None = None, live: bool | None = None) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.live = self.console.is_terminal if live is None else live
        self.stats: dict[str, NameStats] = {}
        self.total = self.done = self.failed = 0
        self._progress: Progress | None = None
        self._bars: dict[str, TaskID] = {}
        self._total_bar: TaskID | None = None
        self._started = time.monotonic()
        self._last_log = 0.0
        self.finished: ev.RunFinished | None = None

    def __call__(self, e: ev.Event) -> None:
        match e:
            case ev.RunStarted():
                self._on_start(e)
            case ev.TaskFinished():
                s = self.stats[e.name]
                s.ran += 1
                s.seconds += e.seconds
                self._advance(e.name)
            case ev.TaskDoneElsewhere():
                self.stats[e.name].elsewhere += 1
                self._advance(e.name)
            case ev.TaskFailed():
                self.stats[e.name].failed += 1
                self.failed += 1
                first = e.error.splitlines()[0] if e.error else "failed"
                self.console.print(f"[red]FAILED[/] {e.name} ({e.hash[:12]}): {first}")
                self._refresh_total()
            case ev.TaskBlocked():
                self.stats[e.name].blocked += 1
            case ev.Progress():
                self._maybe_log(e)
            case ev.RunFinished():
                self.finished = e

    def _on_start(self, e: ev.RunStarted) -> None:
        self.total, self.done = e.total, e.already_done
        for name, n in e.names.items():
            self.stats[name] = NameStats(total=n, done_before=e.done_by_name.get(name, 0))
        self.console.print(
            f"jug-async: {e.jugfile}: {e.total} tasks, {e.already_done} already saved, "
            f"{e.jobs} workers, store {e.store}"
        )
        if not self.live or e.total == e.already_done:
            return
        self._progress = Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[extra]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
            refresh_per_second=8,
        )
        for name, s in list(self.stats.items())[:MAX_BARS]:
            self._bars[name] = self._progress.add_task(_short(name), total=s.total,
                                                       completed=s.done_before, extra="")
        self._total_bar = self._progress.add_task("[bold]total", total=e.total,
                                                  completed=e.already_done, extra="")
        self._progress.start()

    def _advance(self, name: str) -> None:
        self.done += 1
        if self._progress is not None:
            if name in self._bars:
                self._progress.advance(self._bars[name])
            self._refresh_total()

    def _refresh_total(self) -> None:
        if self._progress is None or self._total_bar is None:
            return
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = sum(s.ran + s.elsewhere for s in self.stats.values()) / elapsed
        extra = f"{rate:,.0f}/s" + (f" [red]{self.failed} failed[/]" if self.failed else "")
        self._progress.update(self._total_bar, completed=self.done, extra=extra)

    def _maybe_log(self, p: ev.Progress) -> None:
        if self.live:
            return
        now = time.monotonic()
        if now - self._last_log < LOG_EVERY:
            return
        self._last_log = now
        self.console.print(
            f"progress: {p.done}/{p.total} done, {p.running} running, "
            f"{p.failed} failed, {p.elsewhere} held elsewhere"
        )

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if self.finished is not None:
            self.console.print(self.summary_table())

    def summary_table(self) -> Table:
        f = self.finished
        title = None
        if f is not None:
            title = (f"{f.done}/{f.total} complete, {f.executed} run here in {f.seconds:.2f} s"
                     + (f", {f.failed} failed" if f.failed else "")
                     + (f", {f.blocked} blocked" if f.blocked else "")
                     + (" (interrupted)" if f.interrupted else ""))
        table = Table(title=title, title_justify="left")
        for col in ("Task name", "Total", "Complete", "Ran here", "Elsewhere", "Failed",
                    "Blocked", "Mean s"):
            table.add_column(col, justify="left" if col == "Task name" else "right")
        for name, s in self.stats.items():
            complete = s.done_before + s.ran + s.elsewhere
            mean = f"{s.seconds / s.ran:.3f}" if s.ran else "-"
            table.add_row(name, str(s.total), str(complete), str(s.ran), str(s.elsewhere),
                          str(s.failed), str(s.blocked), mean)
        return table


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]
