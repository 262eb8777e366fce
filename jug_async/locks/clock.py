"""The store's clock: the time the shared filesystem stamps on files.

A lock's age is ``store time now - lock mtime``. Both sides of that subtraction
must come from the same clock, and the lock's mtime comes from the file server
(NFS sets it from its own clock on a write and on ``utime(path, None)``). The
reader's ``time.time()`` may be minutes off the server's on another host: using
it would break live locks (reader ahead) or keep dead ones (reader behind).

So the store's "now" is read the only way a client can: write a file in the
store, read back its mtime. ``StoreClock`` does that at most once per
``refresh`` seconds and advances the reading with this process's monotonic
clock in between, so a jump of the reader's wall clock changes nothing.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable


def store_time(directory: str) -> float:
    """The server's time now: the mtime of a file just written in ``directory``
    (created if missing). One byte is written so the server, not the client,
    stamps the file (an empty exclusive create may carry client-side times)."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, f".clock-{os.urandom(8).hex()}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, b"t")
        return os.fstat(fd).st_mtime
    finally:
        os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


class StoreClock:
    """The store's time, measured in ``directory`` (``<jugdir>/tempfiles`` is a
    good place: ``jug cleanup`` leaves it alone) at most every ``refresh`` s."""

    def __init__(self, directory: str, refresh: float = 30.0,
                 monotonic: Callable[[], float] = time.monotonic,
                 measure: Callable[[str], float] = store_time) -> None:
        self.directory = directory
        self.refresh = refresh
        self._monotonic = monotonic
        self._measure = measure
        self._base: tuple[float, float] | None = None  # (store time, monotonic) read together

    def _current(self) -> tuple[float, float] | None:
        base = self._base
        if base is None or self._monotonic() - base[1] >= self.refresh:
            return None
        return base

    def _take(self, stamp: float, before: float) -> tuple[float, float]:
        # The mtime was stamped between `before` and now: take the midpoint.
        self._base = (stamp, (before + self._monotonic()) / 2)
        return self._base

    def now(self) -> float:
        """The store's time now (blocking: may write a file)."""
        base = self._current()
        if base is None:
            before = self._monotonic()
            base = self._take(self._measure(self.directory), before)
        return base[0] + (self._monotonic() - base[1])

    async def anow(self) -> float:
        """``now()`` with the file written in a thread, off the event loop."""
        base = self._current()
        if base is None:
            before = self._monotonic()
            import asyncio  # here: `status` reads the clock without an event loop

            base = self._take(await asyncio.to_thread(self._measure, self.directory), before)
        return base[0] + (self._monotonic() - base[1])
