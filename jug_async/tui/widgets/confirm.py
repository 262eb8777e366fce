"""Asks whether quitting should stop the live run."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static


class ConfirmStop(ModalScreen[bool]):
    """Dismissed with True (stop the run and quit) or False (keep running)."""

    BINDINGS = [
        Binding("y", "answer(True)", "Stop and quit"),
        Binding("n", "answer(False)", "Keep running"),
        Binding("escape", "answer(False)", "Keep running", show=False),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            yield Static("Stop the run and quit?", id="confirm-question")
            yield Static("Running tasks are stopped and their locks released; saved "
                         "results are kept. Run again to continue.", id="confirm-detail")
            with Horizontal(id="confirm-buttons"):
                yield Button("Stop (y)", variant="error", id="yes")
                yield Button("Keep running (n)", variant="primary", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
