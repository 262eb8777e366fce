"""The top of the screen: what runs where, the overall bar, rate, ETA, elapsed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from jug_async.view.monitor import Snapshot
from jug_async.view.rates import format_seconds

from .bar import StackedBar

STATUS_STYLE = {
    "starting": "bold cyan", "running": "bold green", "paused": "bold yellow",
    "stopping": "bold yellow", "finished": "bold green", "interrupted": "bold red",
    "watching": "bold cyan",
}


def describe(snap: Snapshot) -> Text:
    """Line one: mode, jugfile, store, workers, status."""
    status = snap.status
    if status == "finished" and snap.count("failed"):
        status = "finished with failures"
    t = Text()
    t.append(f" {status.upper()} ", STATUS_STYLE.get(snap.status, "bold") + " reverse")
    t.append(f" jug-async {snap.mode} · ")
    t.append(snap.jugfile or "?", "bold")
    t.append(f" · store {snap.store or '?'}")
    if snap.jobs:
        t.append(f" · {snap.jobs} workers")
    if snap.note:
        t.append(f"  {snap.note}", "italic")
    return t


def stats(snap: Snapshot) -> Text:
    """Line two, after the bar: done/total, rate, ETA, elapsed, failures."""
    total, done = snap.total, snap.count("done")
    pct = 100.0 * done / total if total else 100.0
    t = Text()
    t.append(f" {done:,}/{total:,}", "bold")
    t.append(f" {pct:5.1f}%")
    rate = "-" if snap.rate is None else f"{snap.rate:,.1f}"
    t.append(f"  {rate} tasks/s", "dim" if snap.rate is None else "")
    eta = snap.eta if snap.status in ("running", "watching", "paused") else None
    t.append(f"  ETA {format_seconds(eta or None)}")
    t.append(f"  elapsed {format_seconds(snap.elapsed)}")
    if snap.count("running"):
        t.append(f"  {snap.count('running'):,} running", "yellow")
    if snap.count("failed"):
        t.append(f"  {snap.count('failed'):,} failed", "bold red")
    if snap.blocked:
        t.append(f"  {snap.blocked:,} blocked", "red")
    return t


class RunHeader(Widget):
    """Two lines; ``show(snapshot)`` updates them."""

    def compose(self) -> ComposeResult:
        yield Static(Text(" jug-async", "bold"), id="what")
        with Horizontal(id="progress-line"):
            yield StackedBar(id="overall")
            yield Static(id="stats")

    def show(self, snap: Snapshot | None) -> None:
        if snap is None:
            self.query_one("#what", Static).update(Text(" jug-async: reading the store…"))
            return
        self.query_one("#what", Static).update(describe(snap))
        self.query_one(StackedBar).counts = (snap.count("done"), snap.count("running"),
                                             snap.count("failed"), snap.total)
        self.query_one("#stats", Static).update(stats(snap))
