"""Typed events the scheduler emits; the progress display and the TUI consume them.

Events are plain frozen dataclasses with no behaviour: a consumer is any
callable ``sink(event)``. They are emitted on the scheduler's event loop, so a
sink must be quick (a TUI posts them into its own message queue).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RunStarted:
    jugfile: str
    store: str
    jobs: int
    total: int  # tasks (distinct hashes) in the graph
    already_done: int  # saved before this run started
    names: dict[str, int]  # task name -> number of tasks of that name
    done_by_name: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskStarted:
    hash: str
    name: str
    at: float  # time.time() when dispatched


@dataclass(frozen=True)
class TaskFinished:
    hash: str
    name: str
    seconds: float  # time inside the task's function
    nbytes: int  # size of the saved result
    pid: int  # worker process that ran it
    at: float


@dataclass(frozen=True)
class TaskFailed:
    hash: str
    name: str
    error: str  # one line: "ValueError: bad input"
    traceback: str
    pid: int
    at: float


@dataclass(frozen=True)
class TaskHeldElsewhere:
    """The task's lock is held by another process (this host or another); the
    scheduler waits for its result instead of running it."""

    hash: str
    name: str
    owner: str  # "PID 123 on HOSTNAME node7", or "" when unknown
    at: float


@dataclass(frozen=True)
class TaskDoneElsewhere:
    """Another process saved the result (found after a lock or by polling)."""

    hash: str
    name: str
    at: float


@dataclass(frozen=True)
class TaskBlocked:
    """Will not run in this run: a dependency failed or is not selected."""

    hash: str
    name: str
    reason: str


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    running: int
    failed: int
    elsewhere: int
    at: float


@dataclass(frozen=True)
class RunFinished:
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
    | TaskDoneElsewhere
    | TaskBlocked
    | Progress
    | RunFinished
)
