"""``jug.hooks`` and ``jug.hooks.exit_checks``: callbacks around task execution,
and the conditions that stop a run early.

Hooks and exit checks are recorded in the current ``LoadContext`` (jug keeps
them in module globals, and its exit checks are hooks that raise ``SystemExit``).
Exit checks are kept as data (``ExitCheck``) so that "after N tasks" can be
exact with a pool of workers; ``jug_async.run.hooks.RunHooks`` turns both into
behaviour for ``jug-async run``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from jug_async.api import registry
from jug_async.api.registry import ExitCheck, LoadContext
from jug_async.errors import JugAsyncError

KNOWN_HOOKS = frozenset({
    "execute.task-loadable",
    "execute.task-executed1",
    "execute.task-pre-execute",
    "execute.finished_pre_status",
    "execute.finished_post_status",
})
STOP_FILE = "__jug_please_stop_running.txt"
_ENV_INTS = ("JUG_MAX_TASKS", "JUG_MAX_HOURS", "JUG_MAX_MINUTES", "JUG_MAX_SECONDS")

_outside: LoadContext | None = None  # hooks registered by a script outside any load


def _ctx() -> LoadContext:
    global _outside
    ctx = registry.current()
    if ctx is not None:
        return ctx
    if _outside is None:
        _outside = LoadContext(collect=False)
    return _outside


# ---- jug.hooks ---------------------------------------------------------------------


def register_hook(name: str, f: Callable[..., Any] | None = None) -> Any:
    """Call ``f`` at the event ``name`` (see ``KNOWN_HOOKS``); without ``f``, a decorator."""
    if name not in KNOWN_HOOKS:
        raise ValueError(f"jug.register_hook: {name} is not a known hook name "
                         f"(Known are {sorted(KNOWN_HOOKS)}.)")
    if f is None:
        return partial(register_hook, name)
    _ctx().hooks.setdefault(name, []).append(f)
    return None


def register_hook_once(name: str, code: Any, f: Callable[..., Any]) -> None:
    """``register_hook`` unless ``(name, code)`` was registered before in this load."""
    if f is None:
        raise NotImplementedError("jug.register_hook_once: function argument must be used")
    ctx = _ctx()
    if (name, code) not in ctx.hook_codes:
        ctx.hook_codes.add((name, code))
        register_hook(name, f)


def jug_hook(name: str, args: tuple = (), kwargs: dict | None = None,
             ctx: LoadContext | None = None) -> list[Any]:
    """Call every hook registered under ``name``; their results, in order."""
    ctx = ctx or _ctx()
    return [f(*args, **(kwargs or {})) for f in ctx.hooks.get(name, [])]


def reset_all_hooks() -> None:
    ctx = _ctx()
    ctx.hooks.clear()
    ctx.hook_codes.clear()


def fire(ctx: LoadContext, name: str, *args: Any) -> None:
    """``jug_hook`` for the runner: a hook's ``SystemExit`` sets ``ctx.stop``."""
    try:
        jug_hook(name, args, ctx=ctx)
    except SystemExit:
        ctx.stop = True


# ---- jug.hooks.exit_checks ------------------------------------------------------------


def _add_check(code: tuple[Any, ...], check: ExitCheck) -> None:
    ctx = _ctx()
    if ("exit", code) not in ctx.hook_codes:  # declared twice in one load
        ctx.hook_codes.add(("exit", code))
        check.code = code
        ctx.exit_checks.append(check)


def exit_after_n_tasks(n: int) -> None:
    """Stop once ``n`` tasks have been executed by this run."""
    _add_check(("n", n), ExitCheck(max_tasks=int(n)))


def exit_after_time(hours: float = 0, minutes: float = 0, seconds: float = 0,
                    clock: Callable[[], float] = time.time) -> None:
    """Start no task once this much time has passed since this call (a running
    task is not interrupted, as in jug)."""
    total = seconds + 60 * minutes + 3600 * hours
    _add_check(("time", hours, minutes, seconds), ExitCheck(deadline=clock() + total))


def exit_if_file_exists(fname: str) -> None:
    """Start no task once ``fname`` exists."""
    _add_check(("file", fname), ExitCheck(stop_file=fname))


def exit_when_true(f: Callable[..., bool], function_takes_Task: bool = False) -> None:
    """Stop after a task for which ``f()`` (or ``f(task)``) returns true."""

    def exit_when(t: Any) -> None:
        if f(t) if function_takes_Task else f():
            raise SystemExit(0)

    register_hook("execute.task-executed1", exit_when)


def exit_env_vars(environ: Mapping[str, str] | None = None,
                  clock: Callable[[], float] = time.time) -> None:
    """The exit checks jug reads from the environment (see the module docstring)."""
    env = os.environ if environ is None else environ
    vals: dict[str, int] = {}
    for k in _ENV_INTS:
        if k in env:
            try:
                vals[k] = int(env[k])
            except ValueError:
                raise JugAsyncError(f"{k} must be an integer, not {env[k]!r}") from None
    if "JUG_MAX_TASKS" in vals:
        exit_after_n_tasks(vals["JUG_MAX_TASKS"])
    h, m, s = (vals.get(f"JUG_MAX_{u}", 0) for u in ("HOURS", "MINUTES", "SECONDS"))
    if h or m or s:
        exit_after_time(hours=h, minutes=m, seconds=s, clock=clock)
    if "JUG_EXIT_IF_FILE_EXISTS" in env:
        exit_if_file_exists(env["JUG_EXIT_IF_FILE_EXISTS"])
