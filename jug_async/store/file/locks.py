"""Locks as jug 2.7 makes them: ``locks/<h>.lock``, created with ``O_EXCL``
(or hard-linked, which fails the same way when the name is taken), holding the
text of ``records.LockRecord``; a failed lock has mtime ``FAILED_MTIME``.

Only ``O_EXCL`` create, ``link``, ``rename`` and ``utime`` are relied on across
hosts: they are atomic on NFS and FUSE, unlike ``flock``.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from contextlib import suppress

from jug_async.errors import StoreError
from jug_async.locks.reclaim import break_if_unchanged
from jug_async.records import FAILED_MTIME, LockRecord, hostname, lock_text
from jug_async.store.base import LockInfo, check_hash, is_hash
from jug_async.store.file.durable import Disk
from jug_async.store.file.fanout import FanOut, collect
from jug_async.store.file.offloop import off_loop
from jug_async.store.file.retry import is_transient

_EXCL_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not hang a reader
_NO_LINKS = frozenset({errno.EPERM, errno.EXDEV, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK})


def create_lock(path: str, text: str | None = None) -> bool:
    """O_EXCL-create ``path`` holding ``text`` (default: this process's plain jug
    lock text); False if it exists.

    EPERM counts as "exists": NFS and FUSE servers answer it to an exclusive
    create that lost a race. A lock directory we cannot write to is an error,
    or every task would look locked forever.
    """
    for attempt in range(2):
        try:
            fd = os.open(path, _EXCL_FLAGS)
            break
        except FileNotFoundError:
            if attempt:
                raise
            os.makedirs(os.path.dirname(path), exist_ok=True)
        except FileExistsError:
            return False
        except PermissionError:
            if not os.access(os.path.dirname(path), os.W_OK):
                raise StoreError(f"cannot create locks in {os.path.dirname(path)}: "
                                 "permission denied") from None
            return False
    try:
        os.write(fd, (lock_text() if text is None else text).encode())
    except BaseException:
        os.unlink(path)
        raise
    finally:
        os.close(fd)
    return True


def read_lock(h: str, path: str) -> LockInfo | None:
    """The lock at ``path`` as a snapshot; None if there is none. A lock that
    cannot be read (a directory, a permission error) is still a lock, as jug
    sees it: one with an unknown owner."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if is_transient(exc):  # the filesystem, not the lock: the caller retries
            raise
        return unreadable_lock(h, path)
    try:
        data = os.read(fd, 1 << 16)
        mtime = os.fstat(fd).st_mtime
    except OSError as exc:
        if is_transient(exc):
            raise
        return unreadable_lock(h, path)
    finally:
        os.close(fd)
    return LockInfo.parse(h, data, mtime)


def unreadable_lock(h: str, path: str) -> LockInfo | None:
    """A lock whose content cannot be read: owner unknown, mtime if it has one."""
    try:
        mtime = os.stat(path).st_mtime
    except FileNotFoundError:
        return None
    except OSError:
        mtime = 0.0
    return LockInfo.parse(h, b"", mtime)


class Locks:
    """The locks of one jugdir."""

    def __init__(self, jugdir: str, disk: Disk, fanout: FanOut) -> None:
        self.dir = f"{jugdir}/locks"
        self._disk = disk
        self._fanout = fanout
        self._links_work = True  # until a link(2) says otherwise
        self._record: LockRecord | None = None
        self._suffix = ""  # the record's lines after jug's two

    def set_record(self, record: LockRecord | None) -> None:
        """Write ``record``'s lines (jug's two, then the lease lines) into every
        lock taken from now on; None: jug's two lines only. The record names
        this process, which writes the locks: anything else would let another
        host judge a live lock by a dead PID."""
        if record is not None:
            if record.pid != os.getpid():
                raise ValueError(f"lock record of PID {record.pid} set in PID {os.getpid()}")
            self._suffix = record.format().split("\n", 2)[2]
        self._record = record

    def text(self) -> str:
        """A new lock's content: jug's two lines dated now, then the lease lines."""
        if self._record is None:
            return lock_text()
        return lock_text(self._record.pid, self._record.host) + self._suffix

    def is_mine(self, h: str) -> bool:
        """Whether the lock of ``h`` is one this process holds (not marked failed):
        after a create whose reply was lost, the retry finds our own lock."""
        info = read_lock(h, self.path(h))
        if info is None or info.failed or info.pid != os.getpid():
            return False
        want = self._record
        return (info.host == (want.host if want else hostname())
                and (want is None or want.token is None or info.record is None
                     or info.record.token == want.token))

    # f-string, not os.path.join: this runs several times per task.
    def path(self, h: str) -> str:
        return f"{self.dir}/{h}.lock"

    def try_lock(self, h: str) -> bool:
        return create_lock(self.path(check_hash(h)), self.text())

    def try_lock_many(self, hashes: Sequence[str]) -> list[bool]:
        """``try_lock`` for each hash, at the cost of one inode for all of them.

        One file with this process's lock text is written, then hard-linked to
        each ``locks/<h>.lock``: ``link`` fails with EEXIST when the name is taken,
        exactly like an ``O_EXCL`` create, and readers (jug included) see an
        ordinary lock file. A lock made this way appears with its content, so a
        worker killed while locking never leaves an empty lock that no one can
        attribute to a dead process. The locks of a batch share the inode, so a
        change to one lock's inode (``mark_failed``) first gives it its own.
        Where hard links are not supported each lock is created on its own.
        """
        paths = [self.path(check_hash(h)) for h in hashes]
        text = self.text()
        if not paths or not self._links_work:
            return [create_lock(p, text) for p in paths]
        template, _ = self._disk.write_temp(text.encode(), sync=False)
        try:  # one link per lock; on a network filesystem a few at once
            taken, failure = collect(
                self._fanout.each(lambda p: self._link_lock(template, p), paths), False)
            if failure is not None:  # give back what was taken: the caller gets no list
                for path, got in zip(paths, taken, strict=True):
                    if got:
                        with suppress(OSError):
                            os.unlink(path)
                raise failure
            return taken
        finally:
            with suppress(OSError):
                os.unlink(template)

    def _link_lock(self, template: str, path: str) -> bool:
        for attempt in range(2):
            try:
                os.link(template, path)
                return True
            except FileNotFoundError:
                if attempt:
                    raise
                os.makedirs(os.path.dirname(path), exist_ok=True)
            except FileExistsError:
                # On NFS a retransmitted link that had succeeded answers EEXIST:
                # the lock is ours if it is our inode.
                with suppress(OSError):
                    return os.path.samefile(template, path)
                return False
            except OSError as exc:
                if exc.errno not in _NO_LINKS:
                    raise
                self._links_work = False
                return create_lock(path, self.text())
        raise AssertionError("unreachable")

    def unlock(self, h: str) -> None:
        """Remove the lock (gone already is fine). A transient error is raised,
        for the caller to retry; any other is ignored, as jug ignores it."""
        try:
            os.unlink(self.path(check_hash(h)))
        except OSError as exc:
            if is_transient(exc):
                raise

    def unlock_many(self, hashes: Sequence[str]) -> None:
        for outcome in self._fanout.each(self.unlock, hashes):
            outcome.result()

    def mark_failed(self, h: str) -> None:
        """jug's marker (mtime ``FAILED_MTIME``), on the lock's own inode first:
        the lock may be a hard link shared by a batch."""
        path = self.path(check_hash(h))
        try:
            with open(path, "rb") as f:
                text = f.read()
        except (FileNotFoundError, IsADirectoryError):  # not our lock to mark
            return
        tmp, _ = self._disk.write_temp(text, sync=False)
        os.rename(tmp, path)
        os.utime(path, (FAILED_MTIME, FAILED_MTIME))

    def list_locks(self) -> set[str]:
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return set()
        return {n[:-5] for n in names if n.endswith(".lock") and is_hash(n[:-5])}

    def lock_info(self, h: str) -> LockInfo | None:
        return read_lock(check_hash(h), self.path(h))

    async def alock_info(self, h: str) -> LockInfo | None:
        """``lock_info`` in a thread: a network filesystem can stall for seconds."""
        return await off_loop(read_lock)(check_hash(h), self.path(h))

    def break_lock(self, h: str, seen: LockInfo) -> bool:
        """Remove the lock only if it is still the one ``seen`` describes, race-free
        against other breakers (``locks.reclaim.break_if_unchanged``)."""
        path = self.path(check_hash(h))
        try:
            if stat.S_ISDIR(os.lstat(path).st_mode):  # held, as jug sees it: not a lock we break
                return False
        except FileNotFoundError:
            return False
        return break_if_unchanged(path, lambda aside: read_lock(h, aside) == seen)
