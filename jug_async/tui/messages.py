"""Messages the data sources post to the app (dataclasses, as toolong's).

``RunChanged`` and ``SnapshotPolled`` come in bursts: each may replace a pending
one of its kind, so the app handles the newest only. The app renders from the
source's current snapshot, at most a few times per second.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from jug_async.run.scheduler import RunResult
from jug_async.view.monitor import Snapshot


@dataclass
class RunChanged(Message):
    """The live run's state changed (one or many scheduler events)."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunChanged)


@dataclass
class SnapshotPolled(Message):
    """The monitor read the store again."""

    snapshot: Snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotPolled)


@dataclass
class PollFailed(Message):
    """Reading the store failed; the monitor keeps the last picture and retries."""

    error: str


@dataclass
class RunEnded(Message):
    """The scheduler returned (``result``) or raised (``error``)."""

    result: RunResult | None
    error: BaseException | None = None
