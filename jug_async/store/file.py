"""FileStore: jug 2.7's file store, shared with jug workers on one (network) disk.

Layout under the jugdir (all created lazily, on the first write):

    <h[:2]>/<h[2:]>          result of hash h (see encoding.py for the format)
    locks/<h>.lock           lock of h: jug's two-line content; see try_lock_many
    locks/pack-save.lock     held while the pack is rewritten
    packs/jugpack            jug's pack: value-encoded {bytes hash: value}
    tempfiles/<24 hex digits> files being written; renamed into place when durable
    jug-async/failures/<h>   traceback of a failed task (jug's listing skips it)

Only ``O_EXCL`` create, ``link``, ``rename`` and ``utime`` are relied on across
hosts: they are atomic on NFS and FUSE, unlike ``flock``.

On this VM's ext4 creating an inode costs 35-180 us while link, rename, unlink
and write cost 5-10 us each (``bench/``): the hot path creates one inode per
result and one per batch of locks, and nothing else.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, BinaryIO

from jug_async.errors import StoreError
from jug_async.records import FAILED_MTIME, lock_text
from jug_async.store.base import LockInfo, check_hash, is_hash
from jug_async.store.encoding import (
    decode_from,
    encode_to,
    encoded_result,
    read_result,
    write_result,
)

_EXCL_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
# Filesystems whose syncfs() makes every written file durable and reports errors
# (Linux >= 5.8). Network and FUSE filesystems are not here: there syncfs may not
# reach the server, so each file is fsynced instead.
_GROUP_SYNC_FS_TYPES = frozenset(
    {0xEF53, 0x58465342, 0x9123683E, 0x01021994, 0x2FC12FC1, 0xF2F52010}
)  # ext2/3/4, xfs, btrfs, tmpfs, zfs, f2fs
IO_THREADS = 4  # files written or unlinked at once on a network filesystem
_NO_LINKS = frozenset({errno.EPERM, errno.EXDEV, errno.EOPNOTSUPP, errno.ENOSYS, errno.EMLINK})
_PACK_LOCK_PATIENCE = 60.0  # seconds; jug holds pack-save only while rewriting the pack
_MISSING = object()


class _Done:
    """The result of a call made now, shaped like a Future (``result()`` raises)."""

    def __init__(self, f: Any, *args: Any, **kwargs: Any) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        try:
            self._value = f(*args, **kwargs)
        except BaseException as e:
            self._error = e

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value


def _random_name() -> str:
    """A unique file name; from os.urandom so forked workers (which share the
    ``random`` module's state) do not collide."""
    return os.urandom(12).hex()


def _fsync_dir(path: str) -> None:
    """Make renames and creations in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # a filesystem without directory fsync
            raise
    finally:
        os.close(fd)


@functools.cache
def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _kernel_reports_syncfs_errors() -> bool:
    """syncfs() returns writeback errors only since Linux 5.8; before, a failed
    write could go unnoticed, so per-file fsync is the only safe choice."""
    release = re.match(r"(\d+)\.(\d+)", os.uname().release)
    return release is not None and (int(release[1]), int(release[2])) >= (5, 8)


def _group_sync_works(path: str) -> bool:
    """Whether one syncfs() on ``path``'s filesystem can replace per-file fsyncs."""
    if not sys.platform.startswith("linux") or not _kernel_reports_syncfs_errors():
        return False
    try:
        libc = _libc()
        if not hasattr(libc, "syncfs"):
            return False
        buf = ctypes.create_string_buffer(512)  # struct statfs; f_type comes first
        if libc.statfs(os.fsencode(path), buf) != 0:
            return False
        return ctypes.c_long.from_buffer(buf).value in _GROUP_SYNC_FS_TYPES
    except (OSError, AttributeError):
        return False


def _syncfs(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if _libc().syncfs(fd) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"syncfs: {os.strerror(err)}", path)
    finally:
        os.close(fd)


class FileStore:
    """Results, locks and failure records in a jugdir, readable and writable by
    jug 2.7 at the same time. Safe to share between threads and processes."""

    def __init__(self, jugdir: str | os.PathLike[str], *, compress_numpy: bool = False) -> None:
        path = os.fspath(jugdir)
        if not path:
            raise StoreError("empty jugdir path")
        self.jugdir = path.rstrip("/") or path
        self._native = not compress_numpy
        self._mutex = threading.Lock()
        self._pack: dict[str, Any] | None = None  # str hash -> value; read lazily
        self._pack_sig: tuple[int, int, int] | None = None
        self._group_sync: bool | None = None
        self._io_threads: ThreadPoolExecutor | None = None  # network filesystems only
        self._links_work = True  # until a link(2) says otherwise

    def __repr__(self) -> str:
        return f"FileStore({self.jugdir!r})"

    def describe(self) -> str:
        return self.jugdir

    # -- paths ---------------------------------------------------------------

    # f-strings, not os.path.join: these run several times per task.
    def _result_path(self, h: str) -> str:
        return f"{self.jugdir}/{h[:2]}/{h[2:]}"

    def _lock_path(self, name: str) -> str:
        return f"{self.jugdir}/locks/{name}.lock"

    def _failure_path(self, h: str) -> str:
        return os.path.join(self.jugdir, "jug-async", "failures", h)

    def _tempdir(self) -> str:
        return f"{self.jugdir}/tempfiles"

    def _pack_path(self) -> str:
        return os.path.join(self.jugdir, "packs", "jugpack")

    # -- writing files atomically -------------------------------------------

    def _open_temp(self) -> tuple[str, int]:
        """A new temp file's path and descriptor, created ``O_EXCL`` with mode 0666
        minus umask, like jug's ``'xb'``."""
        while True:
            path = f"{self._tempdir()}/{_random_name()}"
            try:
                return path, os.open(path, _NEW_FILE, 0o666)
            except FileExistsError:
                continue
            except FileNotFoundError:
                os.makedirs(self._tempdir(), exist_ok=True)

    def _write_temp(self, content: bytes | Callable[[BinaryIO], object], *,
                    sync: bool) -> tuple[str, int]:
        """Write ``content`` (bytes, or a function writing to a file object) into a
        new temp file; return its path and size. Nothing is left behind if
        writing fails."""
        path, fd = self._open_temp()
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

    def _ensure_dir(self, path: str, *, sync: bool = True) -> None:
        """Create ``path`` if needed, durably unless the caller syncs the whole
        filesystem later: a result renamed into a directory that vanishes on a
        crash would vanish with it."""
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            if sync:
                _fsync_dir(os.path.dirname(path))

    def _move_into_place(self, tmp: str, final: str, *, sync: bool = True) -> None:
        try:
            try:
                os.rename(tmp, final)
            except FileNotFoundError:  # the first result under this prefix
                self._ensure_dir(os.path.dirname(final), sync=sync)
                os.rename(tmp, final)
        except BaseException:
            with suppress(OSError):
                os.unlink(tmp)
            raise

    def _each(self, f: Any, items: Sequence[Any]) -> list[Any]:
        """``f`` over ``items`` as Future-like results. On a local filesystem a
        metadata call takes microseconds and threads would only add GIL hand-offs;
        on a network filesystem each is a round trip, so a few overlap."""
        if len(items) < 2 or self._uses_group_sync():
            return [_Done(f, x) for x in items]
        if self._io_threads is None:
            self._io_threads = ThreadPoolExecutor(IO_THREADS, "jug-async-store")
        return [self._io_threads.submit(f, x) for x in items]

    def _uses_group_sync(self) -> bool:
        if self._group_sync is None:
            os.makedirs(self._tempdir(), exist_ok=True)  # statfs needs it to exist
            self._group_sync = _group_sync_works(self._tempdir())
        return self._group_sync

    # -- results -------------------------------------------------------------

    def listing(self) -> set[str]:
        """Every entry of every 2-character directory plus the pack's keys: the
        same set as jug's ``store.list()``, with one directory read per prefix."""
        keys = set(self._current_pack(refresh=True))
        try:
            top = os.scandir(self.jugdir)
        except FileNotFoundError:
            return keys
        with top:
            for entry in top:
                if len(entry.name) == 2 and entry.is_dir():
                    with suppress(FileNotFoundError, NotADirectoryError):
                        keys.update(map(entry.name.__add__, os.listdir(entry.path)))
        return keys

    def exists(self, h: str) -> bool:
        check_hash(h)
        return h in self._current_pack() or os.path.exists(self._result_path(h))

    def load(self, h: str) -> Any:
        check_hash(h)
        for refresh in (False, True):  # a miss re-checks a pack rewritten meanwhile
            pack = self._current_pack(refresh=refresh)
            if h in pack:
                return pack[h]
            try:
                with open(self._result_path(h), "rb") as f:
                    try:
                        return read_result(f)
                    except StoreError as exc:
                        raise StoreError(f"result {h} in {self.jugdir}: {exc}") from exc
            except FileNotFoundError:
                continue
        raise KeyError(h)

    def dump(self, h: str, value: Any) -> int:
        check_hash(h)
        tmp, size = self._write_temp(self._writer(value), sync=True)
        try:
            self._drop_from_pack([h])
        except BaseException:
            os.unlink(tmp)
            raise
        final = self._result_path(h)
        self._move_into_place(tmp, final)
        _fsync_dir(os.path.dirname(final))
        return size

    def dump_many(self, items: Sequence[tuple[str, Any]]) -> list[int]:
        """Group commit. On a local filesystem: write every temp file, one syncfs,
        rename all, one more syncfs for the renames. Elsewhere: fsync each file (a
        few at once), rename all, fsync each touched directory once. Either way no
        result is renamed into place before its bytes are durable."""
        hashes = [check_hash(h) for h, _ in items]
        if len(items) <= 1:
            return [self.dump(h, v) for h, v in items]
        group = self._uses_group_sync()
        temps: list[str] = []
        sizes: list[int] = []
        try:
            sync_each = not group
            written = self._each(
                lambda v: self._write_temp(self._writer(v), sync=sync_each), [v for _, v in items])
            failure: BaseException | None = None
            for fut in written:
                try:
                    tmp, size = fut.result()
                except BaseException as e:  # keep collecting: every temp must be discarded
                    failure = failure or e
                    continue
                temps.append(tmp)
                sizes.append(size)
            if failure is not None:
                raise failure
            if group:
                _syncfs(self._tempdir())
            self._drop_from_pack(hashes)
        except BaseException:
            self._discard(temps)
            raise
        touched: set[str] = set()
        try:
            for i, (h, tmp) in enumerate(zip(hashes, temps, strict=True)):
                final = self._result_path(h)
                try:
                    self._move_into_place(tmp, final, sync=not group)
                except BaseException:
                    self._discard(temps[i + 1 :])
                    raise
                touched.add(os.path.dirname(final))
        finally:
            if group:
                _syncfs(self._tempdir())
            else:
                for d in touched:
                    _fsync_dir(d)
        return sizes

    @staticmethod
    def _discard(temps: Sequence[str]) -> None:
        for tmp in temps:
            with suppress(OSError):
                os.unlink(tmp)

    def _writer(self, value: Any) -> bytes | Callable[[BinaryIO], object]:
        """The file's bytes when the value is small enough to encode in memory
        (most results); otherwise a function that streams it to the file."""
        encoded = encoded_result(value, native=self._native)
        if encoded is not None:
            return encoded
        return lambda out: write_result(value, out, native=self._native)

    def remove(self, h: str) -> bool:
        check_hash(h)
        removed = bool(self._drop_from_pack([h]))
        try:
            os.unlink(self._result_path(h))
        except FileNotFoundError:
            return removed
        return True

    # -- the pack (jug pack) -------------------------------------------------

    def _current_pack(self, *, refresh: bool = False) -> dict[str, Any]:
        """The pack's contents, read once; ``refresh`` re-reads it (one stat when
        unchanged) so a ``jug pack`` run meanwhile is noticed."""
        with self._mutex:
            if self._pack is None or refresh:
                try:
                    st = os.stat(self._pack_path())
                    sig = (st.st_ino, st.st_mtime_ns, st.st_size)
                except FileNotFoundError:
                    sig = None
                if self._pack is None or sig != self._pack_sig:
                    self._pack, self._pack_sig = self._read_pack()
            return self._pack

    def _read_pack(self) -> tuple[dict[str, Any], tuple[int, int, int] | None]:
        try:
            with open(self._pack_path(), "rb") as f:
                st = os.fstat(f.fileno())
                raw = decode_from(f)
        except FileNotFoundError:
            return {}, None
        except StoreError as exc:
            raise StoreError(f"pack {self._pack_path()}: {exc}") from exc
        if not isinstance(raw, dict):
            raise StoreError(f"pack {self._pack_path()} does not hold a dict")
        pack = {(k.decode("ascii") if isinstance(k, bytes) else k): v for k, v in raw.items()}
        return pack, (st.st_ino, st.st_mtime_ns, st.st_size)

    def _drop_from_pack(self, hashes: Sequence[str]) -> set[str]:
        """Remove ``hashes`` from the pack on disk, so a stale packed value never
        shadows a newer file. Touches nothing when none is packed."""
        pack = self._current_pack(refresh=True)
        if not any(h in pack for h in hashes):
            return set()
        dropped: set[str] = set()
        with self._pack_lock(), self._mutex:
            try:
                with open(self._pack_path(), "rb") as f:
                    raw = decode_from(f)
            except FileNotFoundError:
                raw = {}
            if not isinstance(raw, dict):
                raise StoreError(f"pack {self._pack_path()} does not hold a dict")
            for h in hashes:
                for key in (h.encode("ascii"), h):
                    if raw.pop(key, _MISSING) is not _MISSING:
                        dropped.add(h)
            if dropped:
                self._write_pack(raw)
            self._pack = None  # re-read next time; cheap next to a rewrite
        return dropped

    def _write_pack(self, raw: dict[Any, Any]) -> None:
        tmp, _ = self._write_temp(lambda out: encode_to(raw, out), sync=True)
        final = self._pack_path()
        self._move_into_place(tmp, final)
        _fsync_dir(os.path.dirname(final))

    @contextmanager
    def _pack_lock(self) -> Iterator[None]:
        """jug's ``pack-save`` lock, waited for with backoff."""
        path = self._lock_path("pack-save")
        deadline = time.monotonic() + _PACK_LOCK_PATIENCE
        delay = 0.05
        while not self._create_lock(path):
            if time.monotonic() > deadline:
                raise StoreError(f"{path} held for over {_PACK_LOCK_PATIENCE:.0f} s: "
                                 "delete it if no jug process is rewriting the pack")
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        try:
            yield
        finally:
            with suppress(OSError):
                os.unlink(path)

    # -- locks ---------------------------------------------------------------

    def _create_lock(self, path: str) -> bool:
        """O_EXCL-create ``path`` with jug's content; False if it exists.

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
            os.write(fd, lock_text().encode())
        except BaseException:
            os.unlink(path)
            raise
        finally:
            os.close(fd)
        return True

    def try_lock(self, h: str) -> bool:
        return self._create_lock(self._lock_path(check_hash(h)))

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
        paths = [self._lock_path(check_hash(h)) for h in hashes]
        if not paths or not self._links_work:
            return [self._create_lock(p) for p in paths]
        template, _ = self._write_temp(lock_text().encode(), sync=False)
        try:  # one link per lock; on a network filesystem a few at once
            links = self._each(lambda p: self._link_lock(template, p), paths)
            taken: list[bool] = []
            failure: BaseException | None = None
            for link in links:
                try:
                    taken.append(link.result())
                except BaseException as e:  # keep collecting: every lock taken must be known
                    failure = failure or e
                    taken.append(False)
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
                return self._create_lock(path)
        raise AssertionError("unreachable")

    def unlock(self, h: str) -> None:
        with suppress(OSError):
            os.unlink(self._lock_path(check_hash(h)))

    def unlock_many(self, hashes: Sequence[str]) -> None:
        for fut in self._each(self.unlock, hashes):
            fut.result()

    def mark_failed(self, h: str) -> None:
        path = self._lock_path(check_hash(h))
        try:
            with open(path, "rb") as f:
                text = f.read()
        except FileNotFoundError:
            return
        # Its own inode first: the lock may be a hard link shared by a batch.
        tmp, _ = self._write_temp(text, sync=False)
        os.rename(tmp, path)
        os.utime(path, (FAILED_MTIME, FAILED_MTIME))

    def list_locks(self) -> set[str]:
        try:
            names = os.listdir(os.path.join(self.jugdir, "locks"))
        except FileNotFoundError:
            return set()
        return {n[:-5] for n in names if n.endswith(".lock") and is_hash(n[:-5])}

    def lock_info(self, h: str) -> LockInfo | None:
        return self._read_lock(check_hash(h), self._lock_path(h))

    @staticmethod
    def _read_lock(h: str, path: str) -> LockInfo | None:
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            data = os.read(fd, 1 << 16)
            mtime = os.fstat(fd).st_mtime
        finally:
            os.close(fd)
        return LockInfo.parse(h, data.decode("utf-8", "replace"), mtime)

    def break_lock(self, h: str, seen: LockInfo) -> bool:
        """Move the lock aside (only one breaker's rename can succeed), then keep
        it removed only if it is still the lock ``seen`` describes; else put it
        back without clobbering a lock taken meanwhile.

        If a third lock appeared in the gap, the one moved aside is dropped: its
        task may then run twice, which costs time but not correctness, as every
        result is written atomically.
        """
        path = self._lock_path(check_hash(h))
        aside = os.path.join(os.path.dirname(path), f".{h}.breaking.{_random_name()}")
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            return False
        if self._read_lock(h, aside) == seen:
            os.unlink(aside)
            return True
        try:
            os.link(aside, path)
        except FileExistsError:
            pass
        except OSError:  # no hard links (some FUSE mounts): rename, checking first
            if not os.path.lexists(path):
                os.rename(aside, path)
        with suppress(FileNotFoundError):
            os.unlink(aside)
        return False

    # -- failure records -----------------------------------------------------

    def save_failure(self, h: str, text: str) -> None:
        """Written via a temp file and rename, so never seen half-written; not
        fsynced: a traceback is cheap to lose, and many may fail at once."""
        final = self._failure_path(check_hash(h))
        tmp, _ = self._write_temp(text.encode(), sync=False)
        self._move_into_place(tmp, final)

    def load_failure(self, h: str) -> str | None:
        try:
            with open(self._failure_path(check_hash(h)), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return None

    def list_failures(self) -> set[str]:
        try:
            names = os.listdir(os.path.join(self.jugdir, "jug-async", "failures"))
        except FileNotFoundError:
            return set()
        return {n for n in names if is_hash(n)}

    def clear_failure(self, h: str) -> None:
        with suppress(FileNotFoundError):
            os.unlink(self._failure_path(check_hash(h)))

    # -- async variants (the event loop never waits on the disk) --------------
    # aiofiles is imported on first use: only a run that waits on other workers'
    # locks needs it, and `status` or a busy run should not pay for loading it.

    async def aexists(self, h: str) -> bool:
        import aiofiles.os

        check_hash(h)
        pack = self._pack
        if pack is None:
            pack = await aiofiles.os.wrap(self._current_pack)()
        return h in pack or await aiofiles.os.path.exists(self._result_path(h))

    async def alock_info(self, h: str) -> LockInfo | None:
        import aiofiles.os

        check_hash(h)
        try:
            async with aiofiles.open(self._lock_path(h), "rb") as f:
                data = await f.read()
                st = await aiofiles.os.wrap(os.fstat)(f.fileno())
        except FileNotFoundError:
            return None
        return LockInfo.parse(h, data.decode("utf-8", "replace"), st.st_mtime)

    async def asave_failure(self, h: str, text: str) -> None:
        import aiofiles.os

        final = self._failure_path(check_hash(h))
        await aiofiles.os.makedirs(self._tempdir(), exist_ok=True)
        await aiofiles.os.makedirs(os.path.dirname(final), exist_ok=True)
        tmp = os.path.join(self._tempdir(), _random_name())
        try:
            async with aiofiles.open(tmp, "xb") as f:
                await f.write(text.encode())
            await aiofiles.os.rename(tmp, final)
        except BaseException:
            with suppress(OSError):
                await aiofiles.os.unlink(tmp)
            raise

