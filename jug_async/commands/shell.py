"""``jug-async shell``: an interactive console with the jugfile loaded.

The namespace is what ``jug shell`` offers: every name the jugfile defines,
plus ``value``, ``load_all``, ``invalidate``, ``get_tasks`` and
``get_filtered_tasks``. IPython is used when it is installed (as jug does);
otherwise, unlike jug, the standard library's console instead of an error.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable
from typing import Any

from jug_async.api import registry
from jug_async.api.task import Task, Tasklet, value
from jug_async.commands.common import EXIT_OK, add_jugfile_arguments, open_session
from jug_async.errors import JugAsyncError
from jug_async.graph import TaskGraph
from jug_async.view import status

NAME = "shell"
HELP = "an interactive console with the jugfile's tasks and results at hand"
DESCRIPTION = ("Load the jugfile and open a console (IPython when installed, else Python's own) "
               "whose namespace holds the jugfile's names and value(), load_all(), "
               "invalidate(task), get_tasks(), get_filtered_tasks(loadable, failed, available), "
               "as in jug shell. Exit status: 0 the console ended (or what exit(n) gave), "
               "2 a usage error (bad jugfile or store).")

BANNER = """\
jug-async shell: the jugfile's names are loaded. Also:
    value(task)        its result, loaded from the store
    load_all()         replace every task name here by its result
    invalidate(task)   remove the saved results of task and of everything downstream
    get_tasks()        every declared task
    get_filtered_tasks(loadable=False, failed=False, available=False)
Ctrl-D (or exit()) leaves."""


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("--plain", action="store_true",
                        help="Python's own console even when IPython is installed")


def main(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        assert session.graph is not None
        namespace = dict(vars(session.module))
        namespace.update(helpers(session.graph, namespace))
        with registry.using(registry.LoadContext(store=session.store, collect=False)):
            interact(namespace, plain=args.plain)
    return EXIT_OK


def helpers(graph: TaskGraph, namespace: dict[str, Any]) -> dict[str, Callable[..., Any]]:
    """jug shell's functions, over this load's graph."""
    declared = [graph.tasks[i] for i in graph.declared]

    def load_all() -> None:
        """Replace every (non-dunder) name of the namespace by its value."""
        for k, v in list(namespace.items()):
            if (k.startswith("__") and k.endswith("__")) or k in ours:
                continue
            try:
                namespace[k] = value(v)
            except Exception as e:  # a missing result: say so and go on, as jug
                print(f"Error while loading {k}: {e}")

    def invalidate(t: Task | Tasklet) -> int:
        """Remove the saved results of ``t`` and every task that (even indirectly)
        depends on it, as ``jug invalidate`` does; returns how many were removed."""
        while isinstance(t, Tasklet):
            t = t.base
        if not isinstance(t, Task) or t.key() not in graph.index:
            raise JugAsyncError(f"{t!r} is not a task of this jugfile")
        seen = status.downstream(graph, {graph.index[t.key()]})
        store = registry.current_store()
        assert store is not None
        return sum(store.remove(graph.hashes[i]) for i in seen)

    def get_tasks(copy: bool = True) -> list[Task]:
        """Every declared task, in order (a task declared twice appears twice)."""
        return list(declared) if copy else declared

    def get_filtered_tasks(loadable: bool = False, failed: bool = False,
                           available: bool = False) -> list[Task]:
        """Tasks matching any of the flags (none given: no task), as jug's."""
        return [t for t in declared
                if (loadable and t.can_load()) or (failed and t.is_failed())
                or (available and not t.can_load() and t.can_run())]

    ours = {"value": value, "load_all": load_all, "invalidate": invalidate,
            "get_tasks": get_tasks, "get_filtered_tasks": get_filtered_tasks}
    return ours


def interact(namespace: dict[str, Any], *, plain: bool = False) -> None:
    """IPython when it is installed (and not ``plain``), else ``code.interact``."""
    if not plain:
        try:
            from IPython.terminal.embed import InteractiveShellEmbed
        except ImportError:
            pass
        else:
            InteractiveShellEmbed(banner1=BANNER + "\n", exit_msg="")(local_ns=namespace)
            return
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401  (line editing and history for input())
    import code

    code.interact(banner=BANNER, local=namespace, exitmsg="")
    sys.stdout.flush()
