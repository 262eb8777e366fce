"""``barrier()`` and ``bvalue()``: jugfiles whose later tasks depend on earlier values.

A barrier stops the loading of the jugfile while any task declared before it
has no saved result; the runner then runs what was declared, and loads the
jugfile again (see ``cli.cmd_run``). Whether a result is saved is decided from
one listing of the store per load.
"""

from __future__ import annotations

from typing import Any

from jug_async.api import registry
from jug_async.api.task import Task


class BarrierError(Exception):
    """Raised inside a jugfile to stop its loading at a barrier; caught by the
    loader (jug's name for it; ``BarrierReached`` is the same class)."""


BarrierReached = BarrierError


def _saved(ctx: registry.LoadContext) -> set[str]:
    if ctx.saved is None:
        ctx.saved = ctx.store.listing() if ctx.store is not None else set()
    return ctx.saved


def _all_saved(obj: Any, saved: set[str]) -> bool:
    """Whether every task ``value(obj)`` needs has a result: ``obj`` may be a
    Task, a Tasklet, or any list/tuple/dict/object holding them (jug's rule)."""
    queue: list[Any] = [[obj]]
    while queue:
        for e in queue.pop():
            if getattr(e, "_jug_no_load", False):  # NoLoad: its value needs no result
                continue
            if isinstance(e, Task):
                if not e.is_loaded() and e.key() not in saved:
                    return False
            elif hasattr(e, "__jug_dependencies__"):
                queue.append(e.__jug_dependencies__())
            elif hasattr(e, "can_load"):
                if not e.can_load():
                    return False
            elif isinstance(e, (list, tuple)):
                queue.append(e)
            elif isinstance(e, dict):
                queue.append(e.values())
    return True


def barrier() -> None:
    """Stop loading here unless every task declared so far has a saved result."""
    ctx = registry.current()
    if ctx is None or not ctx.collect:
        return
    saved = _saved(ctx)
    if not all(t.is_loaded() or t.key() in saved for t in ctx.tasks):
        raise BarrierError


def bvalue(t: Any) -> Any:
    """The value of ``t`` (a task, or a list/tuple/dict of them) if every task in
    it is saved; otherwise stop loading here (a barrier on those tasks only)."""
    from jug_async.api.task import value

    ctx = registry.current()
    if ctx is not None and ctx.collect and not _all_saved(t, _saved(ctx)):
        raise BarrierError
    return value(t)
