"""One row per task name: counts per state and a progress bar; sortable.

Never one row per task: with 100,000 tasks the table still has one row per
name. Rows are updated in place (only changed cells) unless the order or the
set of visible names changed.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from jug_async.view.monitor import STATES, NameCounts

from .bar import bar_text

BAR_WIDTH = 20
COLUMNS = ("name", *STATES, "total", "progress", "pct")
LABELS = {"name": "Task name", "waiting": "Waiting", "ready": "Ready", "running": "Running",
          "done": "Done", "failed": "Failed", "total": "Total", "progress": "Progress",
          "pct": "%"}
SORTS = ("declared", "name", "waiting", "ready", "running", "done", "failed", "total", "pct")


def _pct(r: NameCounts) -> float:
    return r.done / r.total if r.total else 1.0


def sort_key(column: str):
    """The key function for sorting rows by ``column`` (``declared`` keeps order)."""
    if column == "name":
        return lambda r: r.name
    if column in ("pct", "progress"):
        return _pct
    return lambda r: getattr(r, column)


def cells(r: NameCounts) -> list[Text]:
    def num(n: int, style: str = "") -> Text:
        return Text(f"{n:,}", style=style if n else "dim", justify="right")

    return [
        Text(r.name),
        num(r.waiting), num(r.ready), num(r.running, "yellow"), num(r.done, "green"),
        num(r.failed, "bold red"), num(r.total),
        bar_text(r.done, r.running, r.failed, r.total, BAR_WIDTH),
        Text(f"{100 * _pct(r):.0f}%", justify="right"),
    ]


class NameTable(DataTable):
    """``show(rows)`` with the current filter, failures-only flag and sort."""

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.sort_by = "declared"
        self.reverse = False
        self.filter_text = ""
        self.failures_only = False
        self._keys: list[str] = []
        self._rows: dict[str, NameCounts] = {}
        self._all: tuple[NameCounts, ...] = ()

    def on_mount(self) -> None:
        for key in COLUMNS:
            width = None if key == "name" else BAR_WIDTH if key == "progress" else \
                5 if key == "pct" else 8
            self.add_column(LABELS[key], key=key, width=width)
        self._update_title()

    def show(self, rows: tuple[NameCounts, ...]) -> None:
        self._all = rows
        needle = self.filter_text.lower()
        visible = [r for r in rows if (not needle or needle in r.name.lower())
                   and (not self.failures_only or r.failed)]
        if self.sort_by != "declared":
            visible.sort(key=sort_key(self.sort_by), reverse=self.reverse)
        elif self.reverse:
            visible.reverse()
        keys = [r.name for r in visible]
        if keys != self._keys:
            current = self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) \
                else None
            self.clear()
            for r in visible:
                self.add_row(*cells(r), key=r.name)
            self._keys = keys
            if current in keys:
                self.move_cursor(row=keys.index(current), animate=False)
        else:
            for r in visible:
                if self._rows.get(r.name) != r:
                    for key, value in zip(COLUMNS, cells(r), strict=True):
                        if key != "name":
                            self.update_cell(r.name, key, value)
        self._rows = {r.name: r for r in visible}
        self._update_title(len(visible), len(rows))

    def cycle_sort(self) -> str:
        """The next sort order (each column descending, then declaration order)."""
        k = SORTS.index(self.sort_by)
        self.sort_by = SORTS[(k + 1) % len(SORTS)]
        self.reverse = self.sort_by not in ("declared", "name")
        self.show(self._all)
        return self.sort_by

    def sort_on(self, column: str) -> None:
        """Sort by ``column``; again on the same column flips the direction."""
        column = "pct" if column == "progress" else column
        if self.sort_by == column:
            self.reverse = not self.reverse
        else:
            self.sort_by, self.reverse = column, column not in ("name",)
        self.show(self._all)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        self.sort_on(str(event.column_key.value))

    @property
    def current_name(self) -> str | None:
        return self._keys[self.cursor_row] if 0 <= self.cursor_row < len(self._keys) else None

    def _update_title(self, shown: int | None = None, total: int | None = None) -> None:
        arrow = "" if self.sort_by == "declared" and not self.reverse else \
            (" ↓" if self.reverse else " ↑")
        title = f"Task names · sorted by {self.sort_by}{arrow}"
        if shown is not None and total is not None and shown != total:
            title += f" · {shown} of {total} shown"
        if self.filter_text:
            title += f" · filter “{self.filter_text}”"
        if self.failures_only:
            title += " · failures only"
        self.border_title = title
