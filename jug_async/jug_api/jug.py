"""``jug.jug``: jug's entry points (``main``, ``init``, ``execution_loop``) on
jug-async's machinery.

``main(argv)`` is jug's command line: ``argv[1:]`` goes to jug-async's CLI
(``jug execute x.py`` -> ``jug-async execute x.py``), or to a user's own
``SubCommand`` (``jug.subcommands``) when one has that name. It exits with the
command's status, as jug's does.

``execution_loop(tasks, options, state)`` runs the given tasks one after
another in this process, over the Task methods (lock, re-check, run, unlock),
firing the execute hooks as jug does: a working equivalent of jug's loop for
scripts that call it. ``jug-async run`` does not use it (it runs a scheduler
over a process pool).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Sequence
from typing import Any

from jug_async.errors import JugAsyncError

from ..running import is_jug_running

__all__ = ["ExecutionState", "execution_loop", "init", "is_jug_running", "main",
           "main_execute"]


def init(jugfile: str | None = None, jugdir: Any = None, on_error: str = "exit",
         store: Any = None) -> tuple[Any, dict[str, Any]]:
    """Load ``jugfile`` (default ``jugfile.py``) with the store at ``jugdir``
    (default ``jugdata``, as jug) or ``store``; return ``(store, namespace)``.
    ``on_error="exit"`` prints the error and exits 1, ``"propagate"`` raises."""
    from jug_async.session import Session

    if on_error not in ("exit", "propagate"):
        raise ValueError("jug.init: on_error option is not valid.")
    jugfile = jugfile or "jugfile.py"
    try:
        if store is not None or (jugdir is not None and not isinstance(jugdir, str)):
            session = Session(jugfile, store=store if store is not None else jugdir)
        else:
            session = Session(jugfile, "jugdata" if jugdir is None else jugdir)
    except JugAsyncError as e:
        if on_error == "propagate":
            raise
        print(f"jug-async: {e}", file=sys.stderr)
        sys.exit(1)
    session.keep_open()
    return session.store, vars(session.module)


class ExecutionState:
    """What ``execution_loop`` keeps across calls (barrier reloads): wait cycles
    since the last progress, and the hashes of tasks that failed."""

    def __init__(self) -> None:
        self.nr_waits = 0
        self.failed: set[bytes] = set()


def execution_loop(tasks: list[Any], options: Any, state: ExecutionState | None = None,
                   sleep: Any = time.sleep) -> bool:
    """Run ``tasks`` (a list of Tasks; emptied as they are handled) in this
    process; whether any failed. ``options``: jug's ``execute_*`` options
    (``parse(["execute", ...])`` gives them). Tasks that cannot run yet (an
    input held elsewhere) are waited for up to ``execute_nr_wait_cycles`` x
    ``execute_wait_cycle_time`` seconds; a failure raises unless
    ``execute_keep_going``.
    """
    from jug_async.api.hooks import jug_hook
    from jug_async.selection import task_matcher

    state = state or ExecutionState()
    names = _opt(options, "execute_name", None) or []
    matcher = task_matcher(list(names) if not isinstance(names, str) else [names],
                           _opt(options, "execute_pattern", None))
    if matcher is not None:
        tasks[:] = [t for t in tasks if matcher(t.name)]
    keep_going = bool(_opt(options, "execute_keep_going", False))
    keep_failed = bool(_opt(options, "execute_keep_failed", False))
    max_waits = int(_opt(options, "execute_nr_wait_cycles", 150))
    wait = float(_opt(options, "execute_wait_cycle_time", 12.0))
    failures = False
    while tasks:
        runnable = [t for t in tasks if t.can_run()]
        if not runnable:
            if state.nr_waits >= max_waits:
                logging.info("No tasks can be run!")
                break
            sleep(wait)
            state.nr_waits += 1
            continue
        ids = {id(t) for t in runnable}
        tasks[:] = [t for t in tasks if id(t) not in ids]
        for t in runnable:
            if t.hash() in state.failed:
                continue
            if t.can_load():
                jug_hook("execute.task-loadable", (t,))
                continue
            locked = failed = False
            try:
                locked = t.lock()
                if t.can_load():  # saved by another process since the check
                    jug_hook("execute.task-loadable", (t,))
                elif locked:
                    jug_hook("execute.task-pre-execute", (t,))
                    state.nr_waits = 0
                    t.run()
                    jug_hook("execute.task-executed1", (t,))
            except Exception as e:
                failures = failed = True
                if locked:
                    state.failed.add(t.hash())
                logging.critical(f"Exception while running {t.name}: {e}")
                if keep_failed and locked:
                    t.fail()
                if not keep_going:
                    raise
            finally:
                if locked and not (failed and keep_failed):
                    t.unlock()
    return failures


def _opt(options: Any, name: str, default: Any) -> Any:
    return getattr(options, name, default) if options is not None else default


def main(argv: Sequence[str] | None = None) -> None:
    """jug's command line (``argv[0]`` is the program name): run the command and
    exit with its status."""
    from jug_async.cli import main as cli_main

    from .subcommands import cmdapi

    argv = list(sys.argv if argv is None else argv)
    command = argv[1] if len(argv) > 1 else ""
    user = cmdapi.user_command(command)
    if user is None:
        sys.exit(cli_main(argv[1:]))
    options = cmdapi.parse(command, argv[2:])
    store, jugspace = init(options.jugfile, options.jugdir)
    try:
        retval = user(options=options, store=store, jugspace=jugspace)
    finally:
        close = getattr(store, "close", None)
        if close is not None:
            close()
    sys.exit(retval or 0)


def main_execute() -> None:
    """``jug-execute``: ``jug execute`` with the rest of the command line."""
    main([sys.argv[0], "execute", *sys.argv[1:]])
