"""The key bindings, on `?`."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS = (
    ("q", "quit (in a live run: asks whether to stop it, as Ctrl-C would)"),
    ("f", "failures only: names with failures, failures panel enlarged"),
    ("/", "filter task names (Enter keeps the filter, Esc clears it)"),
    ("p", "pause / resume dispatching new tasks (live run only)"),
    ("s", "cycle the sort column (or click a column header)"),
    ("Enter", "the tasks of the highlighted name"),
    ("Tab", "move between the name table and the failures list"),
    ("?", "this help"),
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", justify="right")
        table.add_column()
        for key, what in KEYS:
            table.add_row(key, what)
        with Vertical(id="help-dialog"):
            yield Static("jug-async · keys", id="help-title")
            yield Static(table)
            yield Static("Esc to close", id="help-foot")
