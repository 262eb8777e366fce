"""Where declared tasks go and where results come from, for one load.

jug keeps both in globals (``alltasks``, ``Task.store``); here they live in a
``LoadContext`` held by a ContextVar, so two loads (or two tests) never see each
other's tasks. Outside any context, Tasks are still valid objects; they are
simply not collected, and ``.result`` needs the value computed or a store.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jug_async.api.task import Task
    from jug_async.store.base import Store


@dataclass
class LoadContext:
    """The tasks declared during one load and the store their results live in."""

    store: Store | None = None
    tasks: list[Task] = field(default_factory=list)
    collect: bool = True
    saved: set[str] | None = None  # the store's listing, read by the first barrier


_current: ContextVar[LoadContext | None] = ContextVar("jug_async_load_context", default=None)


def current() -> LoadContext | None:
    return _current.get()


def current_store() -> Store | None:
    ctx = _current.get()
    return ctx.store if ctx is not None else None


def register(task: Task) -> None:
    ctx = _current.get()
    if ctx is not None and ctx.collect:
        ctx.tasks.append(task)


@contextmanager
def using(ctx: LoadContext) -> Iterator[LoadContext]:
    """Make ``ctx`` the current context for the duration of the block."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_process_context(ctx: LoadContext) -> Any:
    """For worker processes: one context for the life of the process."""
    return _current.set(ctx)
