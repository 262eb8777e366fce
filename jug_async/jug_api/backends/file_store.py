"""``jug.backends.file_store``: jug-async's file store (same layout as jug's) and
jug's lock classes over its lock files (``<jugdir>/locks/<hash>.lock``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from jug_async.store.file import FileStore as file_store

from .base import StoreLock

__all__ = ["MAX_FILESIZE_IN_PACK", "file_based_lock", "file_keepalive_based_lock",
           "file_keepalive_store", "file_store", "fsync_dir"]
MAX_FILESIZE_IN_PACK = 512  # jug packs only results this small
KEEPALIVE_STALE = 30 * 60  # seconds: a keepalive lock this old counts as failed (jug's rule)


def fsync_dir(path: str) -> None:
    """fsync the directory holding ``path`` (jug's helper for durable renames)."""
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class file_based_lock(StoreLock):
    """jug's lock on task ``name`` in ``jugdir``: the same lock file as jug's,
    taken with O_EXCL, marked failed with mtime 1; jug and jug-async honour it."""

    def __init__(self, jugdir: str | os.PathLike[str], name: str | bytes) -> None:
        super().__init__(file_store(os.fspath(jugdir)), name)
        self.fullname = self.store.lock_path(self.name)


class file_keepalive_based_lock(file_based_lock):
    """A ``file_based_lock`` kept fresh while this process lives: a monitor
    process touches the lock file every 5 minutes; a lock not touched for 30
    minutes counts as failed (its holder died), as jug's ``file_keepalive:``."""

    def __init__(self, jugdir: str | os.PathLike[str], name: str | bytes) -> None:
        super().__init__(jugdir, name)
        self.monitor: subprocess.Popen[bytes] | None = None

    def get(self) -> bool:
        got = super().get()
        if got:
            self.monitor = subprocess.Popen(
                [sys.executable, "-m", "jug_async.jug_api.backends.file_keepalive_monitor",
                 self.fullname])
        return got

    def release(self) -> None:
        if self.monitor is not None:
            self.monitor.kill()
            self.monitor.wait()
            self.monitor = None
        super().release()

    def is_failed(self) -> bool:
        try:
            mtime = os.stat(self.fullname).st_mtime
        except FileNotFoundError:
            return False
        return mtime == 1 or time.time() - mtime >= KEEPALIVE_STALE


class file_keepalive_store(file_store):
    """The file store whose ``getlock`` gives keepalive locks (``file_keepalive:DIR``)."""

    def __repr__(self) -> str:
        return f"file_keepalive_store({self.jugdir!r})"

    def getlock(self, name: str | bytes) -> Any:
        return file_keepalive_based_lock(self.jugdir, name)
