"""``barrier()`` and ``bvalue()``: jugfiles whose later tasks depend on earlier values.

A barrier stops the loading of the jugfile while any task declared before it
has no saved result; the runner then runs what was declared, and loads the
jugfile again (see ``cli.cmd_run``). Whether a result is saved is decided from
one listing of the store per load.
"""

from __future__ import annotations

from typing import Any

from jug_async.api import registry
from jug_async.api.task import Task, Tasklet, value


class BarrierReached(Exception):
    """Raised inside a jugfile to stop its loading at a barrier; caught by the loader."""


def _saved(ctx: registry.LoadContext) -> set[str]:
    if ctx.saved is None:
        ctx.saved = ctx.store.listing() if ctx.store is not None else set()
    return ctx.saved


def _is_saved(t: Any, saved: set[str]) -> bool:
    while isinstance(t, Tasklet):
        t = t.base
    return not isinstance(t, Task) or t.key() in saved


def barrier() -> None:
    """Stop loading here unless every task declared so far has a saved result."""
    ctx = registry.current()
    if ctx is None or not ctx.collect:
        return
    saved = _saved(ctx)
    if not all(_is_saved(t, saved) for t in ctx.tasks):
        raise BarrierReached


def bvalue(t: Any) -> Any:
    """The value of ``t`` if it is saved; otherwise stop loading here (a barrier
    on that one task)."""
    ctx = registry.current()
    if ctx is not None and ctx.collect and not _is_saved(t, _saved(ctx)):
        raise BarrierReached
    return value(t)
