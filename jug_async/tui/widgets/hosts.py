"""Hosts and processes seen holding locks: how many tasks each holds, last seen."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from jug_async.view.monitor import Snapshot
from jug_async.view.rates import format_seconds


def ago(seconds: float) -> str:
    return "now" if seconds < 1 else f"{format_seconds(seconds)} ago"


class HostsPanel(DataTable):
    """``show(snapshot)`` replaces the rows."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="none", zebra_stripes=True, **kwargs)
        self.can_focus = False

    def on_mount(self) -> None:
        self.add_column("Host", key="host")
        self.add_column("PID", key="pid", width=7)
        self.add_column("Holds", key="holding", width=5)
        self.add_column("Last seen", key="seen", width=11)
        self.border_title = "Hosts"

    def show(self, snap: Snapshot) -> None:
        self.clear()
        for h in snap.hosts:
            self.add_row(Text(h.host), Text(str(h.pid) if h.pid else "-", justify="right"),
                         Text(str(h.holding), "yellow" if h.holding else "dim", justify="right"),
                         Text(ago(max(0.0, snap.at - h.last_seen)), justify="right"))
        hosts = len({h.host for h in snap.hosts})
        self.border_title = f"Hosts ({hosts}) · processes ({len(snap.hosts)})"
