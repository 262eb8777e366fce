"""Where declared tasks go and where results come from, for one load.

jug keeps both in globals (``alltasks``, ``Task.store``, the hooks table); here
they live in a ``LoadContext`` held by a ContextVar, so two loads (or two tests)
never see each other's tasks. Outside any context, Tasks are still valid
objects; they are simply not collected, and ``.result`` needs the value
computed or a store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jug_async.api.task import Task
    from jug_async.store.base import Store


@dataclass
class ExitCheck:
    """One stop condition a jugfile asked for (``jug.hooks.exit_checks``)."""

    code: tuple[Any, ...] = ()  # identifies it, as jug's register_hook_once code does
    max_tasks: int | None = None  # executed by this run
    deadline: float | None = None  # time.time() after which no task starts
    stop_file: str | None = None  # stop once this path exists
    when: Callable[[], bool] | None = None  # ``exit_when_true``: checked per task


@dataclass
class LoadContext:
    """The tasks declared during one load, the store their results live in, and
    the hooks and exit checks the jugfile registered."""

    store: Store | None = None
    tasks: list[Task] = field(default_factory=list)
    collect: bool = True
    saved: set[str] | None = None  # the store's listing, read by the first barrier
    hooks: dict[str, list[Callable[..., Any]]] = field(default_factory=dict)
    hook_codes: set[tuple[str, str]] = field(default_factory=set)  # register_hook_once
    exit_checks: list[ExitCheck] = field(default_factory=list)
    stop: bool = False  # a hook raised SystemExit (jug exits there): start no more tasks


_current: ContextVar[LoadContext | None] = ContextVar("jug_async_load_context", default=None)
# The last load that collected tasks: what ``jug.task.alltasks`` shows a script
# after ``init`` (jug's global list, without being one).
_last_loaded: list[LoadContext] = []


def current() -> LoadContext | None:
    return _current.get()


def current_store() -> Store | None:
    ctx = _current.get()
    return ctx.store if ctx is not None else None


def last_loaded() -> LoadContext | None:
    """The current collecting context, else the last one that finished."""
    ctx = _current.get()
    if ctx is not None and ctx.collect:
        return ctx
    return _last_loaded[-1] if _last_loaded else None


def register(task: Task) -> None:
    ctx = _current.get()
    if ctx is not None and ctx.collect:
        ctx.tasks.append(task)


def unregister_last(task: Task) -> None:
    """Forget ``task`` if it is the last one declared (``CompoundTask`` replaces it)."""
    ctx = _current.get()
    if ctx is not None and ctx.collect and ctx.tasks and ctx.tasks[-1] is task:
        ctx.tasks.pop()


@contextmanager
def using(ctx: LoadContext) -> Iterator[LoadContext]:
    """Make ``ctx`` the current context for the duration of the block."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
        if ctx.collect:
            _last_loaded[:] = [ctx]


def set_process_context(ctx: LoadContext) -> Any:
    """For worker processes: one context for the life of the process."""
    return _current.set(ctx)
