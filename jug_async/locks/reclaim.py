"""When may a lock be broken, and how to break it without a race.

``judge`` is pure: given what a lock says (``LockRecord``), its mtime, the
facts of this host and the store's clock, it answers one of:

RECLAIM
    The owner is gone. (1) The lock was written on this very kernel (same boot
    id) in our PID namespace, and its PID has exited or now belongs to a process
    that started at another time (PID reuse). (2) A jug-async lock whose lease ran
    out: its mtime, refreshed by its owner every few seconds, is older than the
    lease it declares, by the store's clock. (3) A plain jug lock written under
    our hostname whose PID no process of this kernel has, in any PID namespace;
    checked only where every namespace is visible (see below).
HELD
    A jug-async lock with a live lease: wait for it, as long as it is renewed.
WAIT
    A lock this host cannot judge: a plain jug lock (no lease lines) of another
    host, or of ours where a container could hide its owner, or content that is
    not jug's. Never broken on age alone (jug's locks are never refreshed, so
    age says nothing); wait for it, bounded like jug's ``--nr-wait-cycles``, and
    tell the user which lock, host, PID and age, and the command that clears it.
FAILED
    jug's ``--keep-failed`` marker (mtime 1): nobody retries it until cleaned.

Why plain jug locks of our own hostname need every PID namespace: jug writes
``os.getpid()``, the PID inside the writer's namespace. A ``jug execute`` in a
container sharing the hostname (``docker --uts=host``, Kubernetes
``hostNetwork``) writes a PID that may not exist in ours while it runs. Only a
process in the kernel's first PID namespace sees every process, with each
one's innermost PID in ``/proc/<pid>/status`` (NSpid); it can prove a PID is
nobody's. Anywhere else the lock waits (bounded) and the user is told.

``reclaim`` breaks a lock judged RECLAIM: it renames the lock to a unique name
(a rename succeeds for one caller only), then keeps it removed only if the file
moved is still the very lock that was judged (same inode, content and mtime: a
renewal or a re-take in between means its owner lives). Otherwise it puts the
lock back, without clobbering one taken meanwhile.
"""

from __future__ import annotations

import enum
import os
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass

from jug_async.locks.facts import HostFacts, ProcessFacts
from jug_async.records import LockRecord

# jug execute's defaults: --nr-wait-cycles 150 x --wait-cycle-time 12 s.
JUG_WAIT_CYCLES, JUG_WAIT_CYCLE_SECONDS = 150, 12.0
DEFAULT_WAIT_SECONDS = JUG_WAIT_CYCLES * JUG_WAIT_CYCLE_SECONDS  # 30 min, as jug
CLEAR_COMMANDS = "`jug-async cleanup --locks-only` (or `jug cleanup --locks-only`)"


class Action(enum.Enum):
    RECLAIM = "reclaim"
    HELD = "held"
    WAIT = "wait"
    FAILED = "failed"


@dataclass(frozen=True)
class Verdict:
    """A decision about one lock. ``reason`` is one short clause for logs;
    ``age`` is the lock's age by the store's clock; ``recheck`` (HELD only) is
    when, at the earliest, the answer can change (the lease's remaining time)."""

    action: Action
    reason: str
    age: float
    recheck: float | None = None


def judge(record: LockRecord, mtime: float, *, here: HostFacts, store_now: float,
          probe: Callable[[int], ProcessFacts]) -> Verdict:
    """Decide about a lock; see the module docstring for the rules.

    Args:
        record: the lock's content. mtime: its ``st_mtime``, read with it.
        here: this host (``facts.here()``). store_now: the store's time
            (``StoreClock.now()``), never this host's ``time.time()``.
        probe: what this host sees of a PID (``facts.probe``); called only when a
            rule needs it.
    """
    age = store_now - mtime
    if record.failed:
        return Verdict(Action.FAILED, "marked failed (jug --keep-failed)", age)
    pid, host = record.pid, record.host
    if pid is None or host is None:
        return Verdict(Action.WAIT, "its content does not say who holds it", age)
    if (record.boot_id is not None and record.boot_id == here.boot_id
            and record.pidns is not None and record.pidns == here.pidns):
        seen = probe(pid)
        if seen.alive is False:
            return Verdict(Action.RECLAIM, f"PID {pid} on {host} has exited", age)
        if (seen.alive and record.start_time is not None and seen.start_time is not None
                and seen.start_time != record.start_time):
            return Verdict(Action.RECLAIM, f"PID {pid} on {host} has exited (PID reused)", age)
    if record.lease_seconds is not None:
        lease = record.lease_seconds
        if age > lease:
            return Verdict(Action.RECLAIM, f"its {lease:g} s lease ran out {age - lease:.0f} s "
                           "ago (store clock)", age)
        return Verdict(Action.HELD, f"lease renewed {max(age, 0):.0f} s ago", age,
                       recheck=lease - max(age, 0.0))
    if host == here.host and here.sees_every_pid and probe(pid).anywhere is False:
        return Verdict(Action.RECLAIM, f"no process of {host} has PID {pid}", age)
    why = ("a plain jug lock of another host" if host != here.host else
           "a plain jug lock whose PID may live in another PID namespace"
           if not here.sees_every_pid else "a plain jug lock whose PID is in use")
    return Verdict(Action.WAIT, f"{why}: never broken on age", age)


def explain(path: str, record: LockRecord, verdict: Verdict) -> str:
    """One line for the progress output about a lock that is waited for."""
    owner = (f"PID {record.pid} on {record.host}" if record.pid is not None
             else "an unknown owner")
    line = f"{path}: held by {owner} for {_duration(verdict.age)}; {verdict.reason}"
    if verdict.action in (Action.WAIT, Action.FAILED):
        line += f"; if that process is gone, clear it with {CLEAR_COMMANDS}"
    return line


def _duration(seconds: float) -> str:
    s = max(0, round(seconds))
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    return f"{s // 3600} h {s % 3600 // 60} min"


class WaitBound:
    """How long to keep waiting for locks that cannot be judged (WAIT): like
    jug's wait cycles, the budget starts again whenever the run makes progress."""

    def __init__(self, seconds: float = DEFAULT_WAIT_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._since = clock()

    def progress(self) -> None:
        """A task finished (here or elsewhere): wait afresh."""
        self._since = self._clock()

    def exhausted(self) -> bool:
        return self._clock() - self._since >= self.seconds

    def remaining(self) -> float:
        return max(0.0, self.seconds - (self._clock() - self._since))


# ---- breaking a lock --------------------------------------------------------------


@dataclass(frozen=True)
class LockSnapshot:
    """One lock file as read at one moment: enough to recognise the very same
    lock later (a renewal changes the mtime, a re-take the inode)."""

    text: bytes
    mtime_ns: int
    dev: int
    ino: int

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9

    def record(self) -> LockRecord:
        return LockRecord.parse(self.text, self.mtime)


def read_snapshot(path: str) -> LockSnapshot | None:
    """Read a lock and its mtime through one open file (on NFS the open
    revalidates the cached attributes: close-to-open). None when there is no
    lock. A directory in the lock's place (jug treats it as locked) gives empty
    text."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            text = os.read(fd, 1 << 16)
        except IsADirectoryError:
            text = b""
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return LockSnapshot(text, st.st_mtime_ns, st.st_dev, st.st_ino)


def reclaim(path: str, seen: LockSnapshot) -> bool:
    """Break the lock at ``path`` if it is still the one in ``seen``; True for
    exactly one of any number of concurrent callers, on any host."""
    return break_if_unchanged(path, lambda aside: read_snapshot(aside) == seen)


def break_if_unchanged(path: str, unchanged: Callable[[str], bool]) -> bool:
    """Move the lock at ``path`` aside (a rename succeeds for one caller only),
    then keep it removed only if ``unchanged(aside)`` says it is still the lock
    the caller judged; otherwise put it back without clobbering a lock taken
    meanwhile. True for exactly one of any number of concurrent callers.

    If a lock taken in the gap between moving it aside and putting it back
    holds the name, the one moved aside is dropped: its task may then run
    twice, which costs time but not correctness (results are written
    atomically). That needs a re-take, a stale judgement and a third process
    within milliseconds. A breaker killed in between leaves ``.<name>.reclaim.*``
    behind, which the store's sweep removes.
    """
    head, base = os.path.split(path)
    aside = os.path.join(head, f".{base}.reclaim.{os.urandom(8).hex()}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return False
    if unchanged(aside):
        try:
            os.unlink(aside)
            return True
        except FileNotFoundError:
            return True
        except IsADirectoryError:  # a directory replaced the lock meanwhile: put it back
            pass
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    except OSError:  # no hard links (some FUSE mounts, a directory): rename, checking first
        if not os.path.lexists(path):
            os.rename(aside, path)
    with suppress(OSError):  # (a directory that could not go back stays aside)
        os.unlink(aside)
    return False
