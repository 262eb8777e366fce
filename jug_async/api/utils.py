"""``jug.utils`` and ``jug.unsafe``: helpers jugfiles use around tasks.

Functions that become tasks carry ``__module__ = "jug.utils"`` so their task
names and hashes are jug's (``identity`` renames its task ``identity``, as jug).
``cached_glob`` runs at load time and saves its result, as ``CachedFunction``.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from glob import glob
from typing import Any

from jug_async.api.task import Task, TaskGenerator, Tasklet, value
from jug_async.hashing import hash_one

__all__ = ["CustomHash", "cached_glob", "identity", "jug_execute", "sync_move", "timed_path"]


def _identity(x: Any) -> Any:
    return x


_identity.__module__ = "jug.utils"


def identity(x: Any) -> Any:
    """``x`` as a task (hashed once, however many tasks use it); a Task or
    Tasklet is returned as it is."""
    if isinstance(x, (Task, Tasklet)):
        return x
    t = Task(_identity, x)
    t.name = "identity"  # before the hash is computed: jug's name for it
    return t


class CustomHash:
    """``obj`` hashed by ``hash_function(obj)`` (bytes) instead of by value;
    ``hash_function`` must be a strong hash."""

    def __init__(self, obj: Any, hash_function: Callable[[Any], bytes]) -> None:
        self.obj = obj
        self.hash_function = hash_function

    def __jug_hash__(self) -> bytes:
        return self.hash_function(self.obj)

    def __jug_value__(self) -> Any:
        return value(self.obj)

    def __jug_dependencies__(self) -> list[Any]:
        return [self.obj]


def hash_with_mtime_size(path: str | bytes) -> bytes:
    """A hash of ``path`` with the file's mtime and size (``timed_path``)."""
    # jug rebuilds the stat_result from its sequence, which makes st_mtime a whole
    # number of seconds: done the same way, or the hashes differ.
    st = os.stat_result(os.stat(path))
    return hash_one((path, st.st_mtime, st.st_size))


def timed_path(path: str | bytes) -> CustomHash:
    """``path``, hashed with its file's mtime and size: touching the file makes
    the tasks using it (and their dependents) new tasks."""
    return CustomHash(path, hash_with_mtime_size)


def _jug_execute(args: list[str], check_exit: bool = True, run_after: Any = None,
                 return_value: Any = None) -> Any:
    """Run a command (``subprocess.call``); ``run_after``/``return_value`` only
    order tasks. A non-zero exit raises ``SystemError`` when ``check_exit``."""
    ret = subprocess.call(args)
    if check_exit and ret != 0:
        raise SystemError(f"Command {args!r} failed with exit code {ret}")
    return return_value


_jug_execute.__module__ = "jug.utils"
_jug_execute.__name__ = _jug_execute.__qualname__ = "jug_execute"
jug_execute = TaskGenerator(_jug_execute)


def sync_move(src: str, dst: str) -> None:
    """Rename ``src`` to ``dst`` and fsync ``dst``'s directory (the rename is durable)."""
    os.rename(src, dst)
    fd = os.open(os.path.dirname(os.path.abspath(dst)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def glob_sort(pat: str) -> list[str]:
    """``sorted(glob(pat))``."""
    return sorted(glob(pat))


glob_sort.__module__ = "jug.utils"


def cached_glob(pat: str) -> list[str]:
    """``glob_sort(pat)`` run at load time and saved (a ``jug.utils.glob_sort``
    task): new files are not seen until that task is invalidated."""
    t = Task(glob_sort, pat)
    if not t.can_load():
        from jug_async.api import registry

        return t.run(save=registry.current_store() is not None)
    return t.value()


class NoHash:
    """``jug.unsafe.NoHash``: pass ``obj`` to a task without it entering the hash
    (changing it will not re-run the task)."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __jug_value__(self) -> Any:
        return value(self.obj)

    def __jug_hash__(self) -> bytes:
        return b"nohash"

    def __jug_dependencies__(self) -> list[Any]:
        return [self.obj]
