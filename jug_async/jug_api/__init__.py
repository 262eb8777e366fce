"""What ``import jug`` gives a jugfile run by jug-async (see ``jug_async.compat``).

Each submodule mirrors the jug 2.7 module of the same name (``jug.task``,
``jug.mapreduce``, ``jug.hooks.exit_checks``...), re-exporting jug-async's
implementation from ``jug_async.api``, so ``from jug.task import value`` works.
"""

from jug_async.api.barrier import barrier, bvalue
from jug_async.api.compound import CompoundTask, CompoundTaskGenerator
from jug_async.api.task import (
    CachedFunction,
    Task,
    TaskGenerator,
    Tasklet,
    iteratetask,
    return_tuple,
    value,
)

from ..running import is_jug_running
from .backends import dict_store, file_store, redis_store
from .jug import init
from .jug_version import __version__
from .options import set_jugdir

__all__ = [
    "CachedFunction",
    "CompoundTask",
    "CompoundTaskGenerator",
    "Task",
    "TaskGenerator",
    "Tasklet",
    "__version__",
    "barrier",
    "bvalue",
    "dict_store",
    "file_store",
    "init",
    "is_jug_running",
    "iteratetask",
    "redis_store",
    "return_tuple",
    "set_jugdir",
    "value",
]
