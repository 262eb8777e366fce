"""Durable writes: a temp file, fsynced, renamed into place, its directory fsynced.

jug's ``dump`` does exactly that per result. To share the cost over a batch,
``Disk.uses_group_sync`` probes whether one ``syncfs()`` of the jugdir's
filesystem can stand in for the per-file and per-directory fsyncs: only on a
local filesystem (a network one may not pass syncfs to the server) and only on
Linux >= 5.8 (before, syncfs did not report writeback errors).
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any, BinaryIO

_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
# Filesystems whose syncfs() makes every written file durable and reports errors
# (Linux >= 5.8). Network and FUSE filesystems are not here: there syncfs may not
# reach the server, so each file is fsynced instead.
_GROUP_SYNC_FS_TYPES = frozenset(
    {0xEF53, 0x58465342, 0x9123683E, 0x01021994, 0x2FC12FC1, 0xF2F52010}
)  # ext2/3/4, xfs, btrfs, tmpfs, zfs, f2fs

Content = bytes | Callable[[BinaryIO], object]  # a file's bytes, or a function writing them


def random_name() -> str:
    """A unique file name; from os.urandom so forked workers (which share the
    ``random`` module's state) do not collide."""
    return os.urandom(12).hex()


def fsync_dir(path: str) -> None:
    """Make renames and creations in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # a filesystem without directory fsync
            raise
    finally:
        os.close(fd)


def discard(temps: Sequence[str]) -> None:
    """Remove temp files that will not be renamed into place."""
    for tmp in temps:
        with suppress(OSError):
            os.unlink(tmp)


@functools.cache
def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _kernel_reports_syncfs_errors() -> bool:
    """syncfs() returns writeback errors only since Linux 5.8; before, a failed
    write could go unnoticed, so per-file fsync is the only safe choice."""
    release = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return release is not None and (int(release[1]), int(release[2])) >= (5, 8)


def local_filesystem(path: str) -> bool:
    """Whether ``path`` is on a local filesystem of a known kind (Linux): no other
    machine writes there, so this kernel's cache is the truth."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        buf = ctypes.create_string_buffer(512)  # struct statfs; f_type comes first
        if _libc().statfs(os.fsencode(path), buf) != 0:
            return False
        return ctypes.c_long.from_buffer(buf).value in _GROUP_SYNC_FS_TYPES
    except (OSError, AttributeError):
        return False


def group_sync_works(path: str) -> bool:
    """Whether one syncfs() on ``path``'s filesystem can replace per-file fsyncs."""
    if not _kernel_reports_syncfs_errors():
        return False
    try:
        if not hasattr(_libc(), "syncfs"):
            return False
    except OSError:
        return False
    return local_filesystem(path)


def syncfs(path: str) -> None:
    """Flush every dirty file of ``path``'s filesystem; raise on a write error."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _libc().syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs: {os.strerror(err)}", path)
    finally:
        os.close(fd)


class Disk:
    """Temp files under ``<jugdir>/tempfiles`` and their atomic move into place.

    ``group_sync`` is None until first needed, then whether ``syncfs`` replaces
    per-file fsyncs here (tests set it to exercise both paths).
    """

    def __init__(self, jugdir: str) -> None:
        self.tempdir = f"{jugdir}/tempfiles"
        self.group_sync: bool | None = None
        self.local: bool | None = None

    def uses_group_sync(self) -> bool:
        if self.group_sync is None:
            os.makedirs(self.tempdir, exist_ok=True)  # statfs needs it to exist
            self.group_sync = group_sync_works(self.tempdir)
        return self.group_sync

    def is_local(self) -> bool:
        """A local filesystem (``local_filesystem``), probed once."""
        if self.local is None:
            os.makedirs(self.tempdir, exist_ok=True)  # statfs needs it to exist
            self.local = local_filesystem(self.tempdir)
        return self.local

    def sync_all(self) -> None:
        """The group commit's one sync (only when ``uses_group_sync``)."""
        syncfs(self.tempdir)

    def open_temp(self) -> tuple[str, int]:
        """A new temp file's path and descriptor, created ``O_EXCL`` with mode 0666
        minus umask, like jug's ``'xb'``."""
        while True:
            path = f"{self.tempdir}/{random_name()}"
            try:
                return path, os.open(path, _NEW_FILE, 0o666)
            except FileExistsError:
                continue
            except FileNotFoundError:
                os.makedirs(self.tempdir, exist_ok=True)

    def write_temp(self, content: Content, *, sync: bool) -> tuple[str, int]:
        """Write ``content`` (bytes, or a function writing to a file object) into a
        new temp file; return its path and size. Nothing is left behind if
        writing fails."""
        path, fd = self.open_temp()
        try:
            if isinstance(content, bytes):
                try:
                    with memoryview(content) as view:
                        written = 0
                        while written < len(view):
                            written += os.write(fd, view[written:])
                    if sync:
                        os.fsync(fd)
                finally:
                    os.close(fd)
                size = len(content)
            else:
                with open(fd, "wb") as out:  # owns fd from here: closes it on error too
                    content(out)
                    out.flush()
                    size = out.tell()
                    if sync:
                        os.fsync(out.fileno())
        except BaseException:
            with suppress(OSError):
                os.unlink(path)
            raise
        return path, size

    @staticmethod
    def ensure_dir(path: str, *, sync: bool = True) -> None:
        """Create ``path`` if needed, durably unless the caller syncs the whole
        filesystem later: a result renamed into a directory that vanishes on a
        crash would vanish with it."""
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            if sync:
                fsync_dir(os.path.dirname(path))

    def move_into_place(self, tmp: str, final: str, *, sync: bool = True) -> None:
        """Rename ``tmp`` onto ``final`` (creating its directory); the caller
        fsyncs ``final``'s directory (or the filesystem) to make it durable."""
        try:
            try:
                os.rename(tmp, final)
            except FileNotFoundError:  # the first file in this directory
                self.ensure_dir(os.path.dirname(final), sync=sync)
                os.rename(tmp, final)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp)
            raise

    def replace(self, content: Content, final: str) -> int:
        """Write ``final`` atomically and durably (jug's ``dump``); its size."""
        tmp, size = self.write_temp(content, sync=True)
        self.move_into_place(tmp, final)
        fsync_dir(os.path.dirname(final))
        return size
