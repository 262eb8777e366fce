"""What ``jug execute`` does with a jugfile's hooks and exit checks, for ``jug-async run``.

One ``RunHooks`` lives for a whole run, across barrier reloads: jug registers
each exit check once per process (``register_hook_once``), so "after N tasks"
counts over the whole run and a deadline is set by the first load.

Events become hooks in the scheduler's process, called with the declared Task
as jug calls them:

- ``RunStarted``: ``execute.task-loadable`` for each declaration (selected by
  ``--name`` / ``--pattern``) whose result is saved, in declaration order: jug
  fires it for every task it skips as loadable, again after each barrier reload.
- ``TaskStarted``: ``execute.task-pre-execute``, at dispatch (jug: after the
  lock, next to the task).
- ``TaskFinished``: ``execute.task-executed1``, then ``execute.task-loadable``
  for any further declaration of the same task (jug finds those loadable).
- ``TaskDoneElsewhere``: ``execute.task-loadable`` (another process saved it).
- ``RunFinished`` of the last load: ``execute.finished_pre_status``, and
  ``after_summary()`` then fires ``execute.finished_post_status``, only when the
  run ended as ``jug execute`` ends normally: jug leaves by an exception (no
  finished hooks) when an exit check or a hook raises ``SystemExit``, on a
  signal, and on a failure without ``--keep-going``.

A hook raising ``SystemExit`` sets ``ctx.stop``: nothing new is dispatched,
what is already dispatched finishes and is saved.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from jug_async.api import registry
from jug_async.api.hooks import STOP_FILE, exit_env_vars, exit_if_file_exists, fire
from jug_async.api.registry import ExitCheck, LoadContext
from jug_async.run import events as ev

if TYPE_CHECKING:
    from jug_async.api.task import Task
    from jug_async.store.base import Store

LOADABLE = "execute.task-loadable"


class RunHooks:
    """Hooks and exit checks over one run.

    Args:
        keep_going: the run's ``--keep-going`` (with it, a failure still ends
            with the finished hooks, as in jug).
        check_environment: read ``JUG_MAX_*``, ``JUG_EXIT_IF_FILE_EXISTS`` and
            ``__jug_please_stop_running.txt`` (jug's ``--no-check-environment``
            turns it off).
        environ, clock: for tests.

    Raises:
        JugAsyncError: a ``JUG_MAX_*`` variable is not an integer.
    """

    def __init__(self, *, keep_going: bool = False, check_environment: bool = True,
                 environ: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.keep_going = keep_going
        self._clock = clock
        self._checks: dict[tuple[Any, ...], ExitCheck] = {}
        self._max: int | None = None
        self.executed = 0  # saved by this run, over every load
        self.stopped = False  # an exit check or a hook's SystemExit ended the run
        self.last = False  # the load just run is the last one (no barrier reload)
        self.completed = False  # ... and it ended as jug's execute ends normally
        if check_environment:
            env = LoadContext(collect=False)
            with registry.using(env):
                exit_env_vars(environ, clock)
                exit_if_file_exists(STOP_FILE)
            self._merge(env)

    def _merge(self, ctx: LoadContext) -> None:
        for c in ctx.exit_checks:
            self._checks.setdefault(c.code, c)  # the first registration wins, as in jug

    def limits(self, ctx: LoadContext) -> tuple[int | None, Callable[[], bool]]:
        """``(max_executed, stop_requested)`` for the scheduler of this load."""
        self._merge(ctx)
        checks = list(self._checks.values())
        counts = [c.max_tasks for c in checks if c.max_tasks is not None]
        deadlines = [c.deadline for c in checks if c.deadline is not None]
        files = [c.stop_file for c in checks if c.stop_file is not None]
        self._max = min(counts) if counts else None
        deadline = min(deadlines) if deadlines else None
        clock = self._clock

        def stop_requested() -> bool:
            if (ctx.stop or (deadline is not None and clock() >= deadline)
                    or any(os.path.exists(f) for f in files)):
                self.stopped = True
            return self.stopped

        remaining = None if self._max is None else max(0, self._max - self.executed)
        return remaining, stop_requested

    def sink(self, ctx: LoadContext, declared: Iterable[Task], store: Store,
             forward: Callable[[Any], None], *, barrier: bool = False,
             selected: Callable[[str], bool] | None = None) -> Callable[[Any], None]:
        """An event sink firing the execute hooks of ``ctx``, then passing the
        event on. ``barrier``: the load stopped at a barrier (more loads may follow)."""
        order: list[Task] = []
        by_hash: dict[str, list[Task]] = {}
        if ctx.hooks:
            order = [t for t in declared if selected is None or selected(t.name)]
            for t in order:
                by_hash.setdefault(t.key(), []).append(t)

        if not ctx.hooks:  # the usual jugfile: only the run's end matters here
            def on_finish(e: Any) -> None:
                if type(e) is ev.RunFinished:
                    self._finished(ctx, e, barrier)
                forward(e)

            return on_finish

        def loadable(ts: Iterable[Task]) -> None:
            for t in ts:
                fire(ctx, LOADABLE, t)

        def on_event(e: Any) -> None:
            if isinstance(e, ev.RunFinished):
                self._finished(ctx, e, barrier)
            elif ctx.hooks:
                ts = by_hash.get(getattr(e, "hash", ""), ())
                if isinstance(e, ev.TaskStarted) and ts:
                    fire(ctx, "execute.task-pre-execute", ts[0])
                elif isinstance(e, ev.TaskFinished) and ts:
                    fire(ctx, "execute.task-executed1", ts[0])
                    loadable(ts[1:])
                elif isinstance(e, ev.TaskDoneElsewhere):
                    loadable(ts)
                elif isinstance(e, ev.RunStarted) and LOADABLE in ctx.hooks:
                    saved = store.listing()
                    loadable(t for t in order if t.key() in saved)
            forward(e)

        return on_event

    def _finished(self, ctx: LoadContext, e: Any, barrier: bool) -> None:
        self.executed += e.executed
        if ctx.stop or (self._max is not None and self.executed >= self._max):
            self.stopped = True  # jug exits from the N-th task's hook
        self.last = not barrier or e.done < e.total or e.interrupted or self.stopped
        self.completed = (self.last and not e.interrupted and not self.stopped
                          and (e.failed == 0 or self.keep_going))
        if self.completed:
            fire(ctx, "execute.finished_pre_status")

    def after_summary(self, ctx: LoadContext) -> None:
        """Once the summary table is printed: ``execute.finished_post_status``."""
        if self.completed:
            fire(ctx, "execute.finished_post_status")
