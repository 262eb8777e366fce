"""A stacked progress bar: done, running and failed parts of a total.

``bar_text`` renders it as a fixed-width ``Text`` (for table cells);
``StackedBar`` is the widget that fills its width (for the header).
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

CHAR = "━"
STYLES = ("green", "yellow", "red")  # done, running, failed
REST = "grey35"


def bar_text(done: int, running: int, failed: int, total: int, width: int) -> Text:
    """``width`` cells: green for done, yellow for running, red for failed, grey
    for the rest. A part that is not zero gets at least one cell."""
    text = Text()
    if width <= 0:
        return text
    if total <= 0:
        text.append(CHAR * width, REST)
        return text
    cells = [round(n * width / total) for n in (done, running, failed)]
    for k, n in enumerate((done, running, failed)):
        if n and not cells[k]:
            cells[k] = 1
    while sum(cells) > width:  # rounding up may overflow: shrink the largest part
        cells[cells.index(max(cells))] -= 1
    if done < total and cells[0] == width:  # never look complete when it is not
        cells[0] -= 1
    for n, style in zip(cells, STYLES, strict=True):
        text.append(CHAR * n, style)
    text.append(CHAR * (width - sum(cells)), REST)
    return text


class StackedBar(Widget):
    """``bar_text`` as wide as the widget."""

    counts: reactive[tuple[int, int, int, int]] = reactive((0, 0, 0, 0))

    def render(self) -> Text:
        done, running, failed, total = self.counts
        return bar_text(done, running, failed, total, self.size.width)
