"""Leases: how a jug-async lock shows, to every host, that its owner lives.

A lock written by jug-async carries jug's two lines plus ``lease_seconds``,
``boot_id``, ``pidns``, ``start_time`` and ``token`` lines (``lease_record``). Its
scheduler refreshes the lock's mtime every ``renew_interval(lease)`` seconds
(``LeaseRenewer`` does a round, ``LeaseKeeper`` runs rounds from the event
loop); a reader on any host treats the lock as stale once its mtime
is older than its lease by the store's clock (``reclaim.judge``).

The default lease, 180 s, with a renewal every 30 s (a sixth): a reader on
another NFS client may see a lock's mtime up to ``acregmax`` (60 s by default on
Linux) old from its attribute cache, so a live lock can look up to
renewal interval + 60 s = 90 s old. 180 s leaves another 90 s for a slow or
briefly unreachable server before a live owner could be judged dead. A shorter
lease recovers a dead host's tasks sooner but needs ``actimeo``/``acregmax``
lowered on every client (or ``noac``); see docs/cluster.md.

A batch's locks are hard links of one inode, so one ``utime`` renews them all.
The renewer keeps that inode open and touches it by descriptor: a name of the
batch released (or re-taken by someone else) cannot redirect the renewal to a
lock that is not ours, and a link count of 0 says every lock is gone.
"""

from __future__ import annotations

import dataclasses
import errno
import logging
import os
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import asyncio

from collections.abc import Awaitable, Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from jug_async.locks import facts
from jug_async.records import LockRecord

DEFAULT_LEASE_SECONDS = 180.0
RENEW_FRACTION = 1 / 6  # renew 6 times per lease: 5 renewals may fail before it expires
MIN_LEASE_SECONDS = 6.0  # renewal every second at the least; below, NFS mtimes are too coarse

log = logging.getLogger("jug_async.locks.lease")


def check_lease(seconds: float) -> float:
    """``seconds`` as a lease length; ``ValueError`` with a one-line reason if unusable."""
    if not seconds == seconds or seconds in (float("inf"), float("-inf")):
        raise ValueError(f"lease must be a number of seconds, not {seconds!r}")
    if seconds < MIN_LEASE_SECONDS:
        raise ValueError(f"lease must be at least {MIN_LEASE_SECONDS:g} s (got {seconds:g})")
    return float(seconds)


def renew_interval(lease: float) -> float:
    """How often a lease of ``lease`` seconds is refreshed."""
    return lease * RENEW_FRACTION


def new_token() -> str:
    """A random token: tells this run's locks from any other's, even with the
    same PID and creation second."""
    return os.urandom(8).hex()


def lease_record(lease: float = DEFAULT_LEASE_SECONDS, token: str | None = None,
                 pid: int | None = None) -> LockRecord:
    """The lock record of this process (a worker writes its own), with lease lines."""
    return dataclasses.replace(
        LockRecord.mine(pid), lease_seconds=lease, boot_id=facts.boot_id(),
        pidns=facts.pidns(), start_time=facts.start_time(pid),
        token=token if token is not None else new_token())


class PathsOf:
    """The lock paths of a batch, computed only if the renewer comes to adopt it:
    most batches end long before the first renewal round."""

    def __init__(self, path_of: Callable[[Any], str], keys: Sequence[Any]) -> None:
        self._path_of = path_of
        self._keys = keys

    def __iter__(self) -> Iterator[str]:
        return map(self._path_of, self._keys)


@dataclass
class _Held:
    paths: Iterable[str]
    token: str | None
    fd: int | None = None
    last_ok: float | None = None
    first_try: float = 0.0
    errors: int = 0


@dataclass(frozen=True)
class RenewReport:
    """One renewal round. ``renewed``: batches whose locks were refreshed.
    ``gone``: batches whose every lock vanished before ``release``: the batch
    finished a moment ago, or someone broke its locks (the scheduler tells the
    two apart: only a batch still in flight is a loss). ``failing``: batches whose
    renewal raised (kept, retried next round), with the error."""

    renewed: list[Hashable] = field(default_factory=list)
    gone: list[Hashable] = field(default_factory=list)
    failing: list[tuple[Hashable, OSError]] = field(default_factory=list)


_GONE = (errno.ENOENT, errno.ESTALE)


class LeaseRenewer:
    """Keeps the locks of the running batches alive (blocking; ``LeaseKeeper``
    drives it from the event loop).

    ``hold(key, paths, token)`` when a batch is submitted (its worker writes the
    locks: until one of ``paths`` exists with ``token`` in it, nothing is
    touched); ``release(key)`` before its locks are removed or marked failed
    (``mark_failed`` gives a lock its own inode: it must not be renewed).
    ``renew_now`` touches each batch's inode once.
    """

    def __init__(self, lease: float = DEFAULT_LEASE_SECONDS, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.lease = check_lease(lease)
        self.interval = renew_interval(self.lease)
        self._clock = clock
        self._held: dict[Hashable, _Held] = {}

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, key: Hashable, paths: Iterable[str], token: str | None = None) -> None:
        """Renew the locks at ``paths`` (one batch: one inode; any re-iterable, e.g.
        ``PathsOf``) until ``release``."""
        self.release(key)
        self._held[key] = _Held(paths, token, first_try=self._clock())

    def release(self, key: Hashable) -> None:
        held = self._held.pop(key, None)
        if held is not None and held.fd is not None:
            os.close(held.fd)

    def close(self) -> None:
        for key in list(self._held):
            self.release(key)

    def _adopt(self, held: _Held) -> int | None:
        """Open the batch's inode through the first of its paths that holds our lock."""
        for path in held.paths:
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                text = os.read(fd, 1 << 16)
            except OSError:
                os.close(fd)
                continue
            if held.token is None or LockRecord.parse(text).token == held.token:
                return fd
            os.close(fd)
        return None

    def renew_now(self) -> RenewReport:
        """One round, blocking: touch each batch's inode once."""
        report = RenewReport()
        for key, held in list(self._held.items()):
            try:
                if held.fd is None:
                    held.fd = self._adopt(held)
                    if held.fd is None:  # not written yet, or already released
                        continue
                os.utime(held.fd)
                if os.fstat(held.fd).st_nlink == 0:
                    raise FileNotFoundError(errno.ENOENT, "every lock of the batch is gone")
            except OSError as exc:
                if exc.errno in _GONE and held.fd is not None:
                    report.gone.append(key)
                    continue
                held.errors += 1
                report.failing.append((key, exc))
                continue
            held.last_ok, held.errors = self._clock(), 0
            report.renewed.append(key)
        for key in report.gone:
            self.release(key)
        return report

    def overdue(self) -> list[Hashable]:
        """Batches not renewed for a whole lease: other hosts may reclaim them."""
        now = self._clock()
        return [k for k, h in self._held.items()
                if h.fd is not None and now - (h.last_ok or h.first_try) > self.lease]


class LeaseKeeper:
    """``LeaseRenewer`` as the event loop uses it: ``run`` renews every
    ``interval`` seconds on a worker thread (a stalled filesystem never blocks
    the loop), while ``hold``, ``release`` and ``close`` are called from the loop
    at any moment. A batch's descriptor is in use on the thread while a round
    runs: a ``release`` or ``close`` then waits for the round's end, so a closed
    descriptor number, reused meanwhile by another open file, is never touched.
    """

    def __init__(self, lease: float = DEFAULT_LEASE_SECONDS, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.renewer = LeaseRenewer(lease, clock=clock)
        self.lease = self.renewer.lease
        self.interval = self.renewer.interval
        self._round: asyncio.Future[RenewReport] | None = None  # on the thread now
        self._release_later: list[Hashable] = []
        self._closing = False

    def __len__(self) -> int:
        """Batches held (including those whose release waits for a round's end)."""
        return len(self.renewer)

    def hold(self, key: Hashable, paths: Iterable[str], token: str | None = None) -> None:
        """Renew the locks at ``paths`` (one batch) until ``release(key)``."""
        self.renewer.hold(key, paths, token)

    def release(self, key: Hashable) -> None:
        """Stop renewing a batch: now, or when the round running ends."""
        if self._round is not None:
            self._release_later.append(key)
        else:
            self.renewer.release(key)

    def close(self) -> None:
        """Release every batch (the run ends): now, or when the round running ends."""
        self._closing = True
        if self._round is None:
            self.renewer.close()

    async def run(self, on_overdue: Callable[[str], None],
                  sleep: Callable[[float], Awaitable[object]] | None = None) -> None:
        """Renew every ``interval`` seconds until cancelled. A failing round is
        logged and retried at the next; once a batch went a whole lease without
        renewal (another host may take it over: the store is failing),
        ``on_overdue`` gets the reason after every round. Cancelled while a round
        runs, that round ends on its thread and its releases happen then."""
        r = self.renewer
        import asyncio  # here: `status` imports this module and needs no event loop

        sleep = sleep or asyncio.sleep
        loop = asyncio.get_running_loop()
        while True:
            await sleep(self.interval)
            if not len(r):
                continue
            fut = self._round = loop.run_in_executor(None, r.renew_now)
            try:
                report = await asyncio.shield(fut)
            finally:
                fut.add_done_callback(self._round_done)
            for key, exc in report.failing:
                log.warning("renewing the locks of batch %r failed (will retry): %s", key, exc)
            if r.overdue():
                on_overdue(f"the locks of running tasks could not be renewed for "
                           f"{r.lease:g} s (--lease)")

    def _round_done(self, fut: asyncio.Future[RenewReport]) -> None:
        """A round ended: the releases it held back happen now."""
        if fut is not self._round:
            return
        self._round = None
        for key in self._release_later:
            self.renewer.release(key)
        self._release_later.clear()
        if self._closing:
            self.renewer.close()
