"""The running tasks: name, hash, host, PID and how long it has been running."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from jug_async.view.monitor import Snapshot
from jug_async.view.rates import format_seconds

MAX_ROWS = 100


class RunningPanel(DataTable):
    """``show(snapshot)`` replaces the rows (at most ``MAX_ROWS``, longest first)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)
        self.can_focus = False

    def on_mount(self) -> None:
        self.add_column("Task", key="name")
        self.add_column("Hash", key="hash", width=12)
        self.add_column("Host", key="host")
        self.add_column("PID", key="pid", width=7)
        self.add_column("Elapsed", key="elapsed", width=7)
        self.border_title = "Running"

    def show(self, snap: Snapshot) -> None:
        self.clear()
        for r in snap.running[:MAX_ROWS]:
            elapsed = snap.at - r.since if r.since is not None else None
            self.add_row(Text(r.name), Text(r.hash[:12], "dim"), Text(r.host or "?"),
                         Text(str(r.pid) if r.pid else "-", justify="right"),
                         Text(format_seconds(elapsed), justify="right"))
        n = snap.count("running")
        more = f" · {MAX_ROWS} shown" if n > MAX_ROWS else ""
        self.border_title = f"Running ({n:,}){more}"
