"""``jug.task``. ``_getitem``/``_get_check`` must be reachable here because jug's
hashes and pickles name them ``jug.task.*``. ``alltasks`` is the task list of
the current (or last) load, not a global that keeps growing."""

from typing import Any

from jug_async.api import registry
from jug_async.api.task import (
    CachedFunction,
    Task,
    TaskGenerator,
    Tasklet,
    TaskletMixin,
    _get_check,
    _getitem,
    describe,
    iteratetask,
    recursive_dependencies,
    return_tuple,
    topological_sort,
    value,
)

__all__ = [
    "CachedFunction",
    "Task",
    "TaskGenerator",
    "Tasklet",
    "TaskletMixin",
    "_get_check",
    "_getitem",
    "describe",
    "iteratetask",
    "recursive_dependencies",
    "return_tuple",
    "topological_sort",
    "value",
]


def __getattr__(name: str) -> Any:
    if name == "alltasks":
        ctx = registry.last_loaded()
        return ctx.tasks if ctx is not None else []
    raise AttributeError(f"module 'jug.task' has no attribute {name!r}")
