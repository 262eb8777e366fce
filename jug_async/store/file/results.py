"""Results as jug 2.7 keeps them: ``<h[:2]>/<h[2:]>``, plus the pack's keys.

Each result is written to a temp file and renamed into place only once its
bytes are durable. ``dump_many`` is a group commit: on a local filesystem one
``syncfs`` before the renames and one after replace every fsync; elsewhere
each file is fsynced (a few at once) and each touched directory once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import Any, BinaryIO

from jug_async.errors import StoreError
from jug_async.locks.visibility import already_saved
from jug_async.store.base import check_hash
from jug_async.store.encoding import encoded_result, read_result, write_result
from jug_async.store.file.durable import Disk, discard, fsync_dir
from jug_async.store.file.fanout import FanOut, collect
from jug_async.store.file.offloop import off_loop
from jug_async.store.file.pack import Pack

MAX_PACKED_SIZE = 512  # bytes: jug's MAX_FILESIZE_IN_PACK


class Results:
    """The results of one jugdir (``native``: numpy arrays raw, as jug writes them)."""

    def __init__(self, jugdir: str, disk: Disk, fanout: FanOut, pack: Pack, *,
                 native: bool) -> None:
        self.jugdir = jugdir
        self._disk = disk
        self._fanout = fanout
        self._pack = pack
        self._native = native

    # f-string, not os.path.join: this runs several times per task.
    def path(self, h: str) -> str:
        return f"{self.jugdir}/{h[:2]}/{h[2:]}"

    def listing(self) -> set[str]:
        """Every entry of every 2-character directory plus the pack's keys: the
        same set as jug's ``store.list()``, with one directory read per prefix."""
        keys = set(self._pack.current(refresh=True))
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
        return h in self._pack.current() or os.path.exists(self.path(h))

    def saved_now(self, h: str) -> bool:
        """``exists``, but on a network filesystem a "no" is asked of the server,
        past a client cache that still remembers the name as missing
        (``locks.visibility``; 12 µs more per task, so not on a local disk, whose
        cache is the truth). A "yes" is trusted: no running task removes a
        result. The pack is re-read if it changed (one stat)."""
        check_hash(h)
        if h in self._pack.current() or os.path.exists(self.path(h)):
            return True
        if h in self._pack.current(refresh=True):
            return True
        return not self._disk.is_local() and already_saved(self.path(h))

    async def aexists(self, h: str) -> bool:
        """``saved_now`` off the event loop: a network filesystem can stall for
        seconds, and a task held elsewhere is "done" only once its result is
        seen past the client's cache."""
        check_hash(h)
        pack = self._pack.cached()
        if pack is not None and h in pack:
            return True
        return await off_loop(self.saved_now)(h)

    def load(self, h: str) -> Any:
        check_hash(h)
        for refresh in (False, True):  # a miss re-checks a pack rewritten meanwhile
            pack = self._pack.current(refresh=refresh)
            if h in pack:
                return pack[h]
            try:
                with open(self.path(h), "rb") as f:
                    try:
                        return read_result(f)
                    except StoreError as exc:
                        raise StoreError(f"result {h} in {self.jugdir}: {exc}") from exc
            except FileNotFoundError:
                continue
        raise KeyError(h)

    def dump(self, h: str, value: Any) -> int:
        check_hash(h)
        tmp, size = self._disk.write_temp(self._writer(value), sync=True)
        try:
            self._pack.drop([h])
        except BaseException:
            os.unlink(tmp)
            raise
        final = self.path(h)
        self._disk.move_into_place(tmp, final)
        fsync_dir(os.path.dirname(final))
        return size

    def dump_many(self, items: Sequence[tuple[str, Any]]) -> list[int]:
        """Group commit. On a local filesystem: write every temp file, one syncfs,
        rename all, one more syncfs for the renames. Elsewhere: fsync each file (a
        few at once), rename all, fsync each touched directory once. Either way no
        result is renamed into place before its bytes are durable."""
        hashes = [check_hash(h) for h, _ in items]
        if len(items) <= 1:
            return [self.dump(h, v) for h, v in items]
        disk = self._disk
        group = disk.uses_group_sync()
        temps: list[str] = []
        sizes: list[int] = []
        try:
            sync_each = not group
            written, failure = collect(self._fanout.each(
                lambda v: disk.write_temp(self._writer(v), sync=sync_each),
                [v for _, v in items]))
            for one in written:
                if one is not None:  # every temp must be known, to be discarded
                    temps.append(one[0])
                    sizes.append(one[1])
            if failure is not None:
                raise failure
            if group:
                disk.sync_all()
            self._pack.drop(hashes)
        except BaseException:
            discard(temps)
            raise
        touched: set[str] = set()
        try:
            for i, (h, tmp) in enumerate(zip(hashes, temps, strict=True)):
                final = self.path(h)
                try:
                    disk.move_into_place(tmp, final, sync=not group)
                except BaseException:
                    discard(temps[i + 1 :])
                    raise
                touched.add(os.path.dirname(final))
        finally:
            if group:
                disk.sync_all()
            else:
                for d in touched:
                    fsync_dir(d)
        return sizes

    def _writer(self, value: Any) -> bytes | Callable[[BinaryIO], object]:
        """The file's bytes when the value is small enough to encode in memory
        (most results); otherwise a function that streams it to the file."""
        encoded = encoded_result(value, native=self._native)
        if encoded is not None:
            return encoded
        return lambda out: write_result(value, out, native=self._native)

    def update_pack(self) -> int:
        """``jug pack``: move every result file of at most ``MAX_PACKED_SIZE``
        bytes into the pack, then remove those files; how many were moved.
        Each file is decoded as it is (raw ``.npy``, parquet or zlib) so the
        pack holds the values, as jug's does."""
        small: dict[str, Any] = {}
        for h in sorted(self.listing() - set(self._pack.current(refresh=True))):
            path = self.path(h)
            try:
                if os.stat(path).st_size > MAX_PACKED_SIZE:
                    continue
                with open(path, "rb") as f:
                    small[h] = read_result(f)
            except FileNotFoundError:  # removed meanwhile (invalidate): nothing to pack
                continue
            except StoreError as exc:
                raise StoreError(f"result {h} in {self.jugdir}: {exc}") from exc
        self._pack.add(small)
        for h in small:
            with suppress(FileNotFoundError):
                os.unlink(self.path(h))
        return len(small)

    def remove(self, h: str) -> bool:
        check_hash(h)
        removed = bool(self._pack.drop([h]))
        try:
            os.unlink(self.path(h))
        except FileNotFoundError:
            return removed
        return True
