"""What dead processes leave in a jugdir, and its removal at the start of a run.

* Temp files (``tempfiles/``): a writer killed mid-``dump`` leaves its temp
  file, which nothing renames and nothing reads (251 MB after ten kills during
  50 MB writes, in issue 11). A temp file carries no owner, but a live writer
  keeps changing its mtime, and every write path renames or removes its temp
  file within one call. So one whose mtime is older than the lease, **by the
  store's clock** (``locks.clock.store_time``), has no live writer: removed.
* Locks of dead owners on tasks whose result is saved: the run never looks at
  a saved task's lock, so nobody else would ever remove it. Judged by
  ``locks.reclaim.judge`` (the same rules as for any lock) and broken with
  ``locks.reclaim.reclaim`` (race-free against another sweeper or a renewal).
* Locks moved aside by a breaker that died between its rename and its unlink
  (``.<h>.lock.reclaim.*``; ``.<h>.breaking.*`` of older versions), older than the lease.

``store/owners.py`` applies the same judgement without breaking anything, for
``status`` and ``monitor`` to show such locks.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from contextlib import suppress

from jug_async.locks import facts
from jug_async.locks.clock import store_time
from jug_async.locks.reclaim import Action, judge, read_snapshot, reclaim
from jug_async.store.base import Swept


def _old_files(directory: str, lease: float, now: Callable[[], float],
               keep: Callable[[str], bool]) -> list[tuple[str, int]]:
    """Regular files of ``directory`` (not ``keep``) older than ``lease``: (path, size)."""
    try:
        entries = [e for e in os.scandir(directory) if not keep(e.name)]
    except FileNotFoundError:
        return []
    old = []
    for entry in entries:
        try:
            st = entry.stat(follow_symlinks=False)
        except FileNotFoundError:  # renamed into place meanwhile
            continue
        if entry.is_file(follow_symlinks=False) and now() - st.st_mtime > lease:
            old.append((entry.path, st.st_size))
    return old


def _remove(files: Iterable[tuple[str, int]]) -> tuple[list[str], int]:
    removed, size = [], 0
    for path, n in files:
        with suppress(FileNotFoundError):
            os.unlink(path)
            removed.append(path)
            size += n
    return removed, size


def _aside(name: str) -> bool:
    """A lock moved aside by a breaker (``Locks.break_lock``, ``reclaim``)."""
    return name.startswith(".") and (".reclaim." in name or ".breaking." in name)


class _Now:
    """The store's time, measured on first need only (it writes a file)."""

    def __init__(self, tempdir: str, given: float | None) -> None:
        self.tempdir, self.value = tempdir, given

    def __call__(self) -> float:
        if self.value is None:
            self.value = store_time(self.tempdir)
        return self.value


def sweep(tempdir: str, lockdir: str, saved_locked: Iterable[tuple[str, str]], lease: float,
          *, store_now: float | None = None,
          here: facts.HostFacts | None = None,
          probe: Callable[[int], facts.ProcessFacts] | None = None) -> Swept:
    """Remove stale temp files, aside locks, and the dead owners' locks in
    ``saved_locked`` ((hash, lock path) of saved tasks); what was removed."""
    now = _Now(tempdir, store_now)
    temps, size = _remove(_old_files(tempdir, lease, now, keep=lambda n: False))
    asides, _ = _remove(_old_files(lockdir, lease, now, keep=lambda n: not _aside(n)))
    here = facts.here() if here is None else here
    probe = (lambda pid: facts.probe(pid, here)) if probe is None else probe
    broken = []
    for h, path in saved_locked:
        try:
            snap = read_snapshot(path)
        except OSError:  # unreadable: not a lock we can judge
            continue
        if snap is None or not snap.text:  # gone, or a directory: not a lock we break
            continue
        verdict = judge(snap.record(), snap.mtime, here=here, store_now=now(), probe=probe)
        if verdict.action is Action.RECLAIM and reclaim(path, snap):
            broken.append((h, verdict.reason))
    return Swept(tuple(temps), size, tuple(broken), tuple(asides))

