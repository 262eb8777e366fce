"""jug's pack (``jug pack``): small results in one file, ``packs/jugpack``.

The pack is a value-encoded dict from bytes hashes to values. jug reads it once
when its store opens and rewrites it under ``locks/pack-save.lock``. jug-async
reads it lazily and notices a rewrite by one ``stat``. A ``dump`` removes its
key from the pack (so a packed value never shadows a newer result file);
``Results.update_pack`` (``jug-async pack``) adds small results, as
``jug pack`` does.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from jug_async.errors import StoreError
from jug_async.store.encoding import decode_from, encode_to
from jug_async.store.file.durable import Disk
from jug_async.store.file.locks import create_lock

_PACK_LOCK_PATIENCE = 60.0  # seconds; jug holds pack-save only while rewriting the pack
_MISSING = object()

Signature = tuple[int, int, int]  # inode, mtime_ns, size: changes when the pack is rewritten


class Pack:
    """The pack's contents (str hash -> value), cached; safe between threads."""

    def __init__(self, jugdir: str, disk: Disk) -> None:
        self.path = os.path.join(jugdir, "packs", "jugpack")
        self._lock_path = f"{jugdir}/locks/pack-save.lock"
        self._disk = disk
        self._mutex = threading.Lock()
        self._values: dict[str, Any] | None = None  # read lazily
        self._sig: Signature | None = None

    def cached(self) -> dict[str, Any] | None:
        """The contents as last read, without touching the disk (None: never read)."""
        return self._values

    def current(self, *, refresh: bool = False) -> dict[str, Any]:
        """The contents, read once; ``refresh`` re-reads them (one stat when
        unchanged) so a ``jug pack`` run meanwhile is noticed."""
        with self._mutex:
            if self._values is None or refresh:
                try:
                    st = os.stat(self.path)
                    sig: Signature | None = (st.st_ino, st.st_mtime_ns, st.st_size)
                except FileNotFoundError:
                    sig = None
                if self._values is None or sig != self._sig:
                    self._values, self._sig = self._read()
            return self._values

    def _read(self) -> tuple[dict[str, Any], Signature | None]:
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                raw = decode_from(f)
        except FileNotFoundError:
            return {}, None
        except StoreError as exc:
            raise StoreError(f"pack {self.path}: {exc}") from exc
        if not isinstance(raw, dict):
            raise StoreError(f"pack {self.path} does not hold a dict")
        values = {(k.decode("ascii") if isinstance(k, bytes) else k): v for k, v in raw.items()}
        return values, (st.st_ino, st.st_mtime_ns, st.st_size)

    def _read_raw(self) -> dict[Any, Any]:
        """The pack's dict as stored (bytes or str keys); empty when there is none.
        Called under the pack lock, to rewrite it."""
        try:
            with open(self.path, "rb") as f:
                raw = decode_from(f)
        except FileNotFoundError:
            return {}
        if not isinstance(raw, dict):
            raise StoreError(f"pack {self.path} does not hold a dict")
        return raw

    def drop(self, hashes: Sequence[str]) -> set[str]:
        """Remove ``hashes`` from the pack on disk; the ones that were there.
        Touches nothing when none is packed."""
        pack = self.current(refresh=True)
        if not any(h in pack for h in hashes):
            return set()
        dropped: set[str] = set()
        with self._pack_lock(), self._mutex:
            raw = self._read_raw()
            for h in hashes:
                for key in (h.encode("ascii"), h):
                    if raw.pop(key, _MISSING) is not _MISSING:
                        dropped.add(h)
            if dropped:
                self._disk.replace(lambda out: encode_to(raw, out), self.path)
            self._values = None  # re-read next time; cheap next to a rewrite
        return dropped

    def add(self, values: dict[str, Any]) -> None:
        """Put ``values`` (str hash -> value) into the pack on disk, under jug's
        ``pack-save`` lock, keyed by bytes hashes as jug keys them."""
        if not values:
            return
        with self._pack_lock(), self._mutex:
            raw = self._read_raw()
            for h, value in values.items():
                raw.pop(h, None)
                raw[h.encode("ascii")] = value
            self._disk.ensure_dir(os.path.dirname(self.path))
            self._disk.replace(lambda out: encode_to(raw, out), self.path)
            self._values = None

    @contextmanager
    def _pack_lock(self) -> Iterator[None]:
        """jug's ``pack-save`` lock, waited for with backoff."""
        deadline = time.monotonic() + _PACK_LOCK_PATIENCE
        delay = 0.05
        while not create_lock(self._lock_path):
            if time.monotonic() > deadline:
                raise StoreError(f"{self._lock_path} held for over {_PACK_LOCK_PATIENCE:.0f} s: "
                                 "delete it if no jug process is rewriting the pack")
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
        try:
            yield
        finally:
            with suppress(OSError):
                os.unlink(self._lock_path)
