"""What ``import jug`` gives a jugfile run by jug-async (see ``jug_async.compat``).

Only jug's jugfile-facing API lives here; each submodule mirrors the jug module
of the same name, so ``from jug.task import value`` works unchanged.
"""

from jug_async.api.barrier import barrier, bvalue
from jug_async.api.task import Task, TaskGenerator, Tasklet, iteratetask, return_tuple, value

from ..running import is_jug_running

__all__ = [
    "Task",
    "TaskGenerator",
    "Tasklet",
    "barrier",
    "bvalue",
    "is_jug_running",
    "iteratetask",
    "return_tuple",
    "value",
]
