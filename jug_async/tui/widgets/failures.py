"""Failed tasks, and the traceback of the one under the cursor."""

from __future__ import annotations

from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from jug_async.view.monitor import FailedTask, Snapshot


class FailuresPanel(Horizontal):
    """A list of failures beside the highlighted one's traceback."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._failures: tuple[FailedTask, ...] = ()
        self.shown: FailedTask | None = None  # whose traceback is on screen

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True, id="failure-list")
        with VerticalScroll(id="traceback-box"):
            yield Static(id="traceback")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Task", key="name")
        table.add_column("Error", key="error")
        self.border_title = "Failures (0)"
        self.add_class("-empty")
        self._show_traceback(None)

    def show(self, snap: Snapshot) -> None:
        if snap.failures == self._failures:
            return
        table = self.query_one(DataTable)
        row = table.cursor_row
        known = {f.hash for f in self._failures}
        self._failures = snap.failures
        if not known.issubset(f.hash for f in snap.failures):
            table.clear()
            known = set()
        for f in snap.failures:
            if f.hash not in known:
                table.add_row(Text(f.name), Text(f.error, "red"), key=f.hash)
        self.set_class(not snap.failures, "-empty")
        self.border_title = f"Failures ({snap.count('failed'):,})"
        if snap.failures:
            table.move_cursor(row=max(0, min(row, len(snap.failures) - 1)), animate=False)
            self._show_traceback(snap.failures[table.cursor_row])
        else:
            self._show_traceback(None)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if 0 <= event.cursor_row < len(self._failures):
            self._show_traceback(self._failures[event.cursor_row])

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # Enter here is not the name table's drill-down

    def _show_traceback(self, f: FailedTask | None) -> None:
        box = self.query_one("#traceback", Static)
        self.shown = f
        if f is None:
            box.update(Text("No failures.", "dim"))
            return
        head = Text.assemble((f"{f.name}  {f.hash}\n", "bold"), (f.error, "bold red"))
        tb = f.traceback.rstrip()
        body = Syntax(tb, "pytb", theme="ansi_dark", background_color="default",
                      word_wrap=True) if tb else Text("(no traceback recorded)", "dim")
        box.update(Group(head, Text(), body))
