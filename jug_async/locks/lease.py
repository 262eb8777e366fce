"""Leases: how a jug-async lock shows, to every host, that its owner lives.

A lock written by jug-async carries jug's two lines plus ``lease_seconds``,
``boot_id``, ``pidns``, ``start_time`` and ``token`` lines (``lease_record``). Its
scheduler refreshes the lock's mtime every ``renew_interval(lease)`` seconds
(``LeaseRenewer``); a reader on any host treats the lock as stale once its mtime
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

import asyncio
import dataclasses
import errno
import logging
import os
import secrets
import time
from collections.abc import Callable, Hashable, Sequence
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
    return secrets.token_hex(8)


def lease_record(lease: float = DEFAULT_LEASE_SECONDS, token: str | None = None,
                 pid: int | None = None) -> LockRecord:
    """The lock record of this process (a worker writes its own), with lease lines."""
    return dataclasses.replace(
        LockRecord.mine(pid), lease_seconds=lease, boot_id=facts.boot_id(),
        pidns=facts.pidns(), start_time=facts.start_time(pid),
        token=token if token is not None else new_token())


@dataclass
class _Held:
    paths: tuple[str, ...]
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
    """Keeps the locks of the running batches alive, from the event loop.

    ``hold(key, paths, token)`` when a batch is submitted (its worker writes the
    locks: until one of ``paths`` exists with ``token`` in it, nothing is
    touched); ``release(key)`` before its locks are removed or marked failed
    (``mark_failed`` gives a lock its own inode: it must not be renewed). Every
    ``interval`` seconds ``run`` touches each batch's inode, all of them in one
    call on a worker thread, so a stalled filesystem never blocks the loop.
    """

    def __init__(self, lease: float = DEFAULT_LEASE_SECONDS, *,
                 clock: Callable[[], float] = time.monotonic,
                 on_gone: Callable[[Hashable], None] | None = None) -> None:
        self.lease = check_lease(lease)
        self.interval = renew_interval(self.lease)
        self._clock = clock
        self._on_gone = on_gone
        self._held: dict[Hashable, _Held] = {}

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, key: Hashable, paths: Sequence[str], token: str | None = None) -> None:
        """Renew the locks at ``paths`` (one batch: one inode) until ``release``."""
        self.release(key)
        self._held[key] = _Held(tuple(paths), token, first_try=self._clock())

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

    async def renew(self) -> RenewReport:
        """One round on a worker thread; logs failures, reports vanished batches."""
        report = await asyncio.to_thread(self.renew_now)
        for key, exc in report.failing:
            log.warning("lease renewal of batch %r failed (will retry): %s", key, exc)
        for key in report.gone:
            log.info("every lock of batch %r is gone (finished, or broken elsewhere)", key)
            if self._on_gone is not None:
                self._on_gone(key)
        return report

    def overdue(self) -> list[Hashable]:
        """Batches not renewed for a whole lease: other hosts may reclaim them."""
        now = self._clock()
        return [k for k, h in self._held.items()
                if h.fd is not None and now - (h.last_ok or h.first_try) > self.lease]

    async def run(self, sleep: Callable[[float], object] = asyncio.sleep) -> None:
        """Renew every ``interval`` seconds until cancelled; closes the
        descriptors when it ends."""
        try:
            while True:
                await sleep(self.interval)  # type: ignore[misc]
                if self._held:
                    await self.renew()
        finally:
            self.close()
