"""Durations and rates as people read them; shared by the plain progress
display and the TUI (kept apart so that ``run`` does not import the monitor)."""

from __future__ import annotations

from collections import deque


def format_seconds(s: float | None) -> str:
    """``4.2s``, ``1m07s``, ``2h03m``; ``-`` for unknown."""
    if s is None:
        return "-"
    if s < 10:
        return f"{s:.1f}s"
    s = int(s)
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s" if s >= 60 else f"{s}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"



class RateMeter:
    """Tasks per second over a sliding window of (time, done) samples."""

    def __init__(self, window: float = 30.0) -> None:
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()

    def add(self, t: float, done: int) -> None:
        s = self._samples
        s.append((t, done))
        while len(s) > 2 and s[1][0] <= t - self.window:
            s.popleft()

    def rate(self) -> float | None:
        s = self._samples
        if len(s) < 2 or s[-1][0] - s[0][0] < 1e-6:
            return None
        return max(0.0, (s[-1][1] - s[0][1]) / (s[-1][0] - s[0][0]))
