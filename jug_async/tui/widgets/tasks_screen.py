"""The tasks of one name (Enter on the name table): hash, state, host, duration."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from jug_async.view.monitor import TaskRow
from jug_async.view.rates import format_seconds

MAX_ROWS = 2000
ORDER = {"running": 0, "failed": 1, "ready": 2, "waiting": 3, "done": 4}
STYLE = {"running": "yellow", "failed": "bold red", "ready": "cyan", "waiting": "dim",
         "done": "green"}


class TasksScreen(ModalScreen[None]):
    """A modal list of at most ``MAX_ROWS`` tasks, running and failed first."""

    BINDINGS = [Binding("escape", "dismiss", "Back"), Binding("enter", "dismiss", "Back",
                                                              show=False)]

    def __init__(self, name: str, rows: list[TaskRow]) -> None:
        super().__init__()
        self.task_name = name
        self.rows = sorted(rows, key=lambda r: ORDER.get(r.state, 9))

    def compose(self) -> ComposeResult:
        with Vertical(id="tasks-dialog"):
            shown = min(len(self.rows), MAX_ROWS)
            more = f" (first {shown} shown)" if shown < len(self.rows) else ""
            yield Static(Text.assemble((self.task_name, "bold"),
                                       f": {len(self.rows):,} tasks{more} · Esc to close"),
                         id="tasks-title")
            yield DataTable(cursor_type="row", zebra_stripes=True, id="tasks-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Hash", key="hash")
        table.add_column("State", key="state", width=8)
        table.add_column("Host", key="host")
        table.add_column("PID", key="pid", width=7)
        table.add_column("Duration", key="seconds", width=8)
        for r in self.rows[:MAX_ROWS]:
            table.add_row(Text(r.hash, "dim"), Text(r.state, STYLE.get(r.state, "")),
                          Text(r.host or "-"),
                          Text(str(r.pid) if r.pid else "-", justify="right"),
                          Text(format_seconds(r.seconds), justify="right"), key=r.hash)
        table.focus()
