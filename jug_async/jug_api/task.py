"""``jug.task`` for jugfiles; ``_getitem``/``_get_check`` must be reachable here
because jug's hashes and pickles name them ``jug.task.*``."""

from jug_async.api.task import (
    Task,
    TaskGenerator,
    Tasklet,
    _get_check,
    _getitem,
    iteratetask,
    return_tuple,
    value,
)

__all__ = [
    "Task",
    "TaskGenerator",
    "Tasklet",
    "_get_check",
    "_getitem",
    "iteratetask",
    "return_tuple",
    "value",
]
