"""Typed events the scheduler emits; the progress display and the TUI consume them.

Events are NamedTuples with no behaviour (cheap to create, 20,000 of them for
10,000 tasks, and to import): a consumer is any callable ``sink(event)``,
usually matching on the class. They are emitted on the scheduler's event loop, so a
sink must be quick (a TUI posts them into its own message queue).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from jug_async.run.state import Statistics


class RunStarted(NamedTuple):
    jugfile: str
    store: str
    jobs: int
    total: int  # tasks (distinct hashes) in the graph
    already_done: int  # saved before this run started
    names: dict[str, int]  # task name -> number of tasks of that name
    done_by_name: dict[str, int]  # of those, saved before this run started


class TaskStarted(NamedTuple):
    hash: str
    name: str
    at: float  # time.time() when dispatched


class TaskFinished(NamedTuple):
    hash: str
    name: str
    seconds: float  # time inside the task's function
    nbytes: int  # size of the saved result
    pid: int  # worker process that ran it
    at: float


class TaskFailed(NamedTuple):
    hash: str
    name: str
    error: str  # one line: "ValueError: bad input"
    traceback: str
    pid: int
    at: float


class TaskHeldElsewhere(NamedTuple):
    """The task's lock is held by another process (this host or another); the
    scheduler waits for its result instead of running it."""

    hash: str
    name: str
    owner: str  # "PID 123 on HOSTNAME node7", or "" when unknown
    at: float


class LockWaited(NamedTuple):
    """A task's lock cannot be judged from here (a plain jug lock of another
    host, say): it is waited for, bounded by the run's wait limit. ``text``
    names the lock, its owner and age, and the command that clears it."""

    hash: str
    name: str
    owner: str  # "PID 4321 on node7, 12 min", or "an unknown owner"
    text: str
    at: float


class TaskDoneElsewhere(NamedTuple):
    """Another process saved the result (found after a lock or by polling)."""

    hash: str
    name: str
    at: float


class TaskBlocked(NamedTuple):
    """Will not run in this run: a dependency failed or is not selected."""

    hash: str
    name: str
    reason: str


class Progress(NamedTuple):
    done: int
    total: int
    running: int
    failed: int
    elsewhere: int
    at: float
    stats: Statistics | None = None  # the scheduler's snapshot (per-name counts)


class RunFinished(NamedTuple):
    executed: int
    done: int
    total: int
    failed: int
    blocked: int
    interrupted: bool
    seconds: float


Event = (
    RunStarted
    | TaskStarted
    | TaskFinished
    | TaskFailed
    | TaskHeldElsewhere
    | LockWaited
    | TaskDoneElsewhere
    | TaskBlocked
    | Progress
    | RunFinished
)
