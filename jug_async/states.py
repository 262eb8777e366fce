"""The one vocabulary for a task's state, shared by every part that names one.

The scheduler's run state (``run/state.py``), ``status``, the monitor, the TUI
tracker and the worker's outcomes all speak ``TaskState``. It is a ``StrEnum``
so a member *is* its lowercase string: the monitor's snapshots and the TUI keep
showing and comparing ``"waiting"``/``"ready"``/``"running"``/``"done"``/``"failed"``
with no translation, and members are singletons, so hot loops may compare them
with ``is``.

jug's ``status`` columns (Failed, Waiting, Ready, Complete, Active) are a view
of these states: ``JUG_COLUMN`` maps each state to its column, as jug counts it
(a blocked or unselected task is Waiting; a task locked elsewhere is Active).
"""

from __future__ import annotations

from enum import StrEnum


class TaskState(StrEnum):
    WAITING = "waiting"  # some input is not saved yet
    READY = "ready"  # every input saved; not started
    RUNNING = "running"  # dispatched to a worker here (status/monitor: locked by anyone)
    ELSEWHERE = "elsewhere"  # its lock is held by another process; we wait for its result
    DONE = "done"  # its result is saved
    FAILED = "failed"  # its function raised, its result could not be saved, or marked failed
    BLOCKED = "blocked"  # will not run in this run: an input failed or is not selected
    UNSELECTED = "unselected"  # not chosen by the run's name filter
    # Worker outcomes only (never a node's state): what became of a dispatched task.
    DONE_ELSEWHERE = "done elsewhere"  # found saved by another process when locked
    SKIPPED = "skipped"  # a rider whose input was not saved in its batch: not run, wait again


# jug's status columns, in jug's order, and the column of each state.
JUG_COLUMNS = ("Failed", "Waiting", "Ready", "Complete", "Active")
JUG_COLUMN: dict[TaskState, str] = {
    TaskState.WAITING: "Waiting",
    TaskState.READY: "Ready",
    TaskState.RUNNING: "Active",
    TaskState.ELSEWHERE: "Active",
    TaskState.DONE: "Complete",
    TaskState.FAILED: "Failed",
    TaskState.BLOCKED: "Waiting",
    TaskState.UNSELECTED: "Waiting",
}

# The five states the monitor and the TUI count per name, in display order.
MONITOR_STATES = (TaskState.WAITING, TaskState.READY, TaskState.RUNNING, TaskState.DONE,
                  TaskState.FAILED)
