"""``jug.compound``: tasks whose function builds more tasks, run at load time.

``CompoundTask(f, *a)`` is the task ``Task(f, *a)`` when that is saved; else
``f`` runs now and declares its sub-graph, whose final task is wrapped in a
``jug.compound.compound_task_execute`` task carrying the outer hash, so the
result lands where jug puts it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from jug_async.api import registry
from jug_async.api.task import Task

__all__ = ["CompoundTask", "CompoundTaskGenerator", "compound_task_execute"]


def compound_task_execute(x: Any, h: bytes) -> Any:
    """Internal: the value of the inner graph's result, saved under ``h``."""
    return x


compound_task_execute.__module__ = "jug.compound"


def CompoundTask(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Task:
    """A task whose ``f`` returns a Task (see the module docstring)."""
    task = Task(f, *args, **kwargs)
    if task.can_load():
        return task
    registry.unregister_last(task)
    h = task.hash()
    inner = f(*args, **kwargs)
    compound = Task(compound_task_execute, inner, h)
    compound._hash = h.decode()
    return compound


def CompoundTaskGenerator(f: Callable[..., Any]) -> Callable[..., Task]:
    """Decorator: calling ``f(...)`` declares ``CompoundTask(f, ...)``."""

    @functools.wraps(f)
    def ctask_generator(*args: Any, **kwargs: Any) -> Task:
        return CompoundTask(f, *args, **kwargs)

    ctask_generator.f = f  # type: ignore[attr-defined]
    return ctask_generator
