"""Failure records: ``jug-async/failures/<h>``, the text of ``records.format_failure``.

jug's listing skips them (they are not under a 2-character directory) and
``jug cleanup`` may delete them: they are cheap to lose, so they are written
atomically (never seen half-written) but not fsynced, as many may fail at once.
"""

from __future__ import annotations

import os
from contextlib import suppress

from jug_async.store.base import check_hash, is_hash
from jug_async.store.file.durable import Disk


class Failures:
    """The failure records of one jugdir."""

    def __init__(self, jugdir: str, disk: Disk) -> None:
        self.dir = os.path.join(jugdir, "jug-async", "failures")
        self._disk = disk

    def path(self, h: str) -> str:
        return os.path.join(self.dir, h)

    def save_failure(self, h: str, text: str) -> None:
        final = self.path(check_hash(h))
        tmp, _ = self._disk.write_temp(text.encode(), sync=False)
        self._disk.move_into_place(tmp, final)

    def load_failure(self, h: str) -> str | None:
        try:
            with open(self.path(check_hash(h)), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return None

    def list_failures(self) -> set[str]:
        try:
            names = os.listdir(self.dir)
        except FileNotFoundError:
            return set()
        return {n for n in names if is_hash(n)}

    def clear_failure(self, h: str) -> None:
        with suppress(FileNotFoundError):
            os.unlink(self.path(check_hash(h)))
