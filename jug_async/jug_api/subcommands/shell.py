"""``jug.subcommands.shell``: jug's shell subcommand, run by jug-async's CLI, and the
two helpers jug's module exposes (``load_all``, ``invalidate``) with jug's signatures."""

from __future__ import annotations

from typing import Any

from jug_async.api.task import Task, Tasklet, value

from . import BuiltinCommand, cmdapi

__all__ = ["ShellCommand", "invalidate", "load_all", "shell"]


class ShellCommand(BuiltinCommand):
    """Run a shell after initialization"""

    def __init__(self) -> None:
        super().__init__("shell", cmdapi.get("shell").__doc__ or "")


def load_all(jugspace: dict[str, Any], local_ns: dict[str, Any]) -> None:
    """Put the value of every (non-dunder) name of ``jugspace`` into ``local_ns``."""
    for k, v in jugspace.items():
        if k.startswith("__") and k.endswith("__"):
            continue
        try:
            local_ns[k] = value(v)
        except Exception as e:  # a result not saved yet: say so and go on, as jug
            print(f"Error while loading {k}: {e}")


def invalidate(tasklist: list[Task], reverse: dict[str, list[Task]], task: Task) -> None:
    """Invalidate ``task`` and every task of ``tasklist`` depending on it (even
    indirectly). ``reverse`` caches the reverse dependencies across calls: pass
    the same (initially empty) dict each time, as jug's shell does."""
    if not reverse:
        for t in tasklist:
            for d in t.dependencies():
                while isinstance(d, Tasklet):
                    d = d.base
                reverse.setdefault(d.key(), []).append(t)
        reverse.setdefault("#", [])  # built, even for a jugfile without edges
    queue, seen = [task], set()
    while queue:
        t = queue.pop()
        if t.key() in seen:
            continue
        seen.add(t.key())
        t.invalidate()
        queue.extend(d for d in reverse.get(t.key(), []) if d.key() not in seen)


shell = ShellCommand()
