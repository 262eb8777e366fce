"""The plain (non-TUI) progress display of ``run``, fed by scheduler events.

On a terminal: a compact live block drawn with rich, redrawn a few times per
second: one overall line (bar, done/total, rate, ETA, running, held elsewhere,
failures, elapsed) and at most ``MAX_NAMES`` per-name lines for the names
being worked on. What is running comes from the scheduler's own snapshot
(``Statistics``, carried by each ``Progress`` event), so a task held by another
process, or lost with a worker that died, is never shown as running here.
Not on a terminal (batch jobs, CI logs): one plain log line every
``LOG_EVERY`` seconds and one per failure, written without rich, whose import
would be a tenth of a short run. Either way the run ends with a summary table
per name.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from jug_async.run import events as ev
from jug_async.view.rates import RateMeter, format_seconds

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live
    from rich.table import Table

LOG_EVERY = 5.0  # seconds between plain log lines
MAX_NAMES = 3  # per-name lines under the overall line
BAR_WIDTH = 20
NAME_WIDTH = 22
SUMMARY_COLUMNS = ("Task name", "Total", "Done", "Ran", "Elsewhere", "Failed", "Blocked",
                   "Mean s")


@dataclass
class NameStats:
    total: int = 0
    done_before: int = 0
    ran: int = 0
    elsewhere: int = 0
    failed: int = 0
    blocked: int = 0
    seconds: float = 0.0
    running: int = 0  # in flight here, per the scheduler's last snapshot
    last: float = 0.0  # when this name last started or finished a task

    @property
    def complete(self) -> int:
        return self.done_before + self.ran + self.elsewhere


class ProgressDisplay:
    """A sink for scheduler events; call ``close()`` after the run.

    Args:
        console: a rich console to write to. Default: rich on stderr when it is
            a terminal, else plain text to ``stream``.
        live: redraw a live block (default: when writing to a terminal); False
            gives the plain log lines.
        clock: ``time.monotonic`` unless a test fixes the time.
        stream: where plain text goes when no console is used (stderr).

    Set ``quiet`` to collect everything but print nothing until ``close()``
    (the TUI does, and prints the summary table after it).
    """

    def __init__(self, console: Console | None = None, live: bool | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        if console is None and (live or (live is None and self.stream.isatty())):
            from rich.console import Console

            console = Console(file=self.stream, highlight=False)
        self.console = console  # None: plain text
        self.live = (console is not None and console.is_terminal) if live is None else live
        self.quiet = False
        self.clock = clock
        self.stats: dict[str, NameStats] = {}
        self.total = self.done = self.failed = 0
        self.running = self.elsewhere = 0
        self.waiting_on = ""  # the first lock waited for that cannot be judged: its owner
        self.rate = RateMeter()
        self._live: Live | None = None
        self._started = clock()
        self._last_log = self._started
        self.finished: ev.RunFinished | None = None

    def __call__(self, e: ev.Event) -> None:
        match e:
            case ev.RunStarted():
                self._on_start(e)
            case ev.TaskStarted():
                self._start_live()
                self.stats[e.name].last = self.clock()
            case ev.TaskFinished():
                s = self.stats[e.name]
                s.ran += 1
                s.seconds += e.seconds
                self._advance(s)
            case ev.TaskDoneElsewhere():
                self.stats[e.name].elsewhere += 1
                self._advance(self.stats[e.name])
            case ev.TaskFailed():
                s = self.stats[e.name]
                s.failed += 1
                self.failed += 1
                first = e.error.splitlines()[0] if e.error else "failed"
                self._print(f"FAILED {e.name} ({e.hash[:12]}): {first}", style="red")
            case ev.TaskBlocked():
                self.stats[e.name].blocked += 1
            case ev.LockWaited():
                if not self.waiting_on:
                    self.waiting_on = e.owner
                self._print(f"waiting for {e.text}", style="yellow")
            case ev.Progress():
                self.running, self.elsewhere = e.running, e.elsewhere
                if e.stats is not None:
                    by_name = e.stats.running_by_name
                    for name, s in self.stats.items():
                        s.running = by_name.get(name, 0)
                if not self.elsewhere:
                    self.waiting_on = ""
                self._maybe_log()
            case ev.RunFinished():
                self.finished = e
                for s in self.stats.values():
                    s.running = 0

    def _print(self, text: str, style: str = "") -> None:
        if self.quiet:
            return
        if self.console is None:
            print(text, file=self.stream, flush=True)
        else:
            self.console.print(text, style=style, markup=False)

    def _on_start(self, e: ev.RunStarted) -> None:
        self.total, self.done = e.total, e.already_done
        self._started = self._last_log = self.clock()
        self.rate.add(self._started, self.done)
        for name, n in e.names.items():
            self.stats[name] = NameStats(total=n, done_before=e.done_by_name.get(name, 0))
        self._print(f"jug-async: {e.jugfile}: {e.total} tasks, {e.already_done} already saved, "
                    f"{e.jobs} workers, store {e.store}")

    def _start_live(self) -> None:
        """The live display (a refresh thread) starts with the first task, not
        before: the worker pool is forked while this process has one thread."""
        if self._live is None and self.live and not self.quiet and self.console is not None:
            from rich.live import Live

            self._live = Live(self, console=self.console, refresh_per_second=4, transient=True)
            self._live.start()

    def _advance(self, s: NameStats) -> None:
        self.done += 1
        s.last = now = self.clock()
        self.rate.add(now, self.done)

    # ---- what is shown -----------------------------------------------------

    def eta(self) -> float | None:
        left = self.total - self.done - self.failed - sum(s.blocked for s in self.stats.values())
        rate = self.rate.rate()
        if left <= 0:
            return 0.0
        return left / rate if rate else None

    def status_text(self) -> str:
        """done/total, percent, rate, ETA, running, failures, elapsed: one line."""
        pct = 100.0 * self.done / self.total if self.total else 100.0
        rate = self.rate.rate()
        parts = [f"{self.done:,}/{self.total:,} done ({pct:.0f}%)",
                 f"{rate:,.1f}/s" if rate is not None else "-/s",
                 f"ETA {format_seconds(self.eta())}", f"{self.running:,} running"]
        if self.elsewhere:
            parts.append(f"{self.elsewhere:,} held elsewhere" + (
                f" (first by {self.waiting_on}, a lock that is never broken on age)"
                if self.waiting_on else ""))
        if self.failed:
            parts.append(f"{self.failed:,} failed")
        parts.append(f"elapsed {format_seconds(self.clock() - self._started)}")
        return ", ".join(parts)

    def active_names(self) -> list[str]:
        """At most ``MAX_NAMES`` unfinished names: running ones first, then the
        most recently active."""
        if len(self.stats) < 2:
            return []
        open_ = [(n, s) for n, s in self.stats.items() if s.complete + s.failed < s.total]
        open_.sort(key=lambda kv: (kv[1].running > 0, kv[1].last), reverse=True)
        return [n for n, s in open_[:MAX_NAMES] if s.running or s.last]

    def __rich__(self) -> RenderableType:
        from rich.console import Group
        from rich.progress_bar import ProgressBar
        from rich.table import Table
        from rich.text import Text

        grid = Table.grid(padding=(0, 1))
        grid.add_column(width=NAME_WIDTH, no_wrap=True)
        grid.add_column(width=BAR_WIDTH)
        grid.add_column(no_wrap=True)
        grid.add_row(Text("total", "bold"),
                     ProgressBar(total=max(self.total, 1), completed=self.done, width=BAR_WIDTH),
                     Text(self.status_text(), "red" if self.failed else ""))
        for name in self.active_names():
            s = self.stats[name]
            extra = f"{s.complete:,}/{s.total:,}" + (f", {s.running} running" if s.running
                                                     else "")
            if s.failed:
                extra += f", {s.failed} failed"
            grid.add_row(Text(_short(name), "dim"),
                         ProgressBar(total=max(s.total, 1), completed=s.complete,
                                     width=BAR_WIDTH), Text(extra, "dim"))
        return Group(grid)

    def _maybe_log(self) -> None:
        if self.live or self.quiet:
            return
        now = self.clock()
        if now - self._last_log < LOG_EVERY:
            return
        self._last_log = now
        self._print(f"progress: {self.status_text()}")

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        if self.finished is None:
            return
        if self.console is None:
            print(self.summary_text(), file=self.stream, flush=True)
        else:
            self.console.print(self.summary_table())

    def summary_title(self) -> str:
        f = self.finished
        if f is None:
            return ""
        return (f"{f.done}/{f.total} complete, {f.executed} run here in {f.seconds:.2f} s"
                + (f", {f.failed} failed" if f.failed else "")
                + (f", {f.blocked} blocked" if f.blocked else "")
                + (" (interrupted)" if f.interrupted else ""))

    def summary_rows(self) -> list[list[str]]:
        rows = []
        for name, s in self.stats.items():
            mean = f"{s.seconds / s.ran:.3f}" if s.ran else "-"
            rows.append([name, str(s.total), str(s.complete), str(s.ran), str(s.elsewhere),
                         str(s.failed), str(s.blocked), mean])
        return rows

    def summary_text(self) -> str:
        """The summary as plain aligned columns, for logs."""
        rows = [list(SUMMARY_COLUMNS), *self.summary_rows()]
        widths = [max(len(r[k]) for r in rows) for k in range(len(SUMMARY_COLUMNS))]
        lines = [self.summary_title()]
        for r in rows:
            cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:],
                                                                          strict=True)]
            lines.append("  ".join(cells).rstrip())
        return "\n".join(lines)

    def summary_table(self) -> Table:
        from rich import box
        from rich.table import Table

        # Compact box and short headers: the task names are what must not be cut.
        table = Table(title=self.summary_title() or None, title_justify="left",
                      box=box.SIMPLE_HEAD, pad_edge=False)
        width = max((len(n) for n in self.stats), default=9)
        table.add_column(SUMMARY_COLUMNS[0], no_wrap=True, min_width=min(width, 60))
        for col in SUMMARY_COLUMNS[1:]:
            table.add_column(col, justify="right", no_wrap=True, min_width=len(col))
        for row in self.summary_rows():
            table.add_row(*row)
        return table


def _short(name: str, width: int = NAME_WIDTH) -> str:
    return name if len(name) <= width else "…" + name[-(width - 1):]
