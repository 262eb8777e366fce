"""Facts about this host and its processes that decide whether a lock's owner lives.

Linux keeps them in ``/proc``; elsewhere each answer is None ("cannot tell"), and
the reclaim rules then fall back to the lease, which needs no local facts.

* boot id: ``/proc/sys/kernel/random/boot_id``, new at every boot. Two locks with
  the same boot id were written on the same running kernel, whatever hostname
  (UTS namespace) each process saw.
* PID namespace: the inode of ``/proc/self/ns/pid``. A PID means something only
  inside its namespace: a container sharing the hostname (Kubernetes
  ``hostNetwork``, ``docker --uts=host``) has PIDs this process cannot see.
* start time: field 22 of ``/proc/<pid>/stat``, in clock ticks since boot. It is
  an exact integer per process (``psutil.create_time`` derives a float from it and
  the boot time, which may shift by a second), so equality means "the same
  process" and a difference means the PID was reused.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from jug_async.records import hostname

# The inode of the first PID namespace the kernel creates (PROC_PID_INIT_INO):
# a process whose namespace has it sees every process of the host.
INITIAL_PIDNS = str(0xEFFFFFFC)


@dataclass(frozen=True)
class HostFacts:
    """Who "here" is, for comparing with the owner a lock names."""

    host: str
    boot_id: str | None
    pidns: str | None

    @property
    def sees_every_pid(self) -> bool:
        """In the host's first PID namespace: every process of the kernel is in
        ``/proc``, those of containers included (with their own PIDs in NSpid)."""
        return self.pidns == INITIAL_PIDNS


@dataclass(frozen=True)
class ProcessFacts:
    """What this host can see of one PID. None: cannot tell.

    ``alive``: a process with this PID runs in our namespace (zombies count as
    gone: they have exited). ``start_time``: its start, in ticks since boot.
    ``anywhere``: some process in *any* PID namespace has this PID as its own
    (innermost) PID; known only where ``HostFacts.sees_every_pid``.
    """

    alive: bool | None
    start_time: int | None = None
    anywhere: bool | None = None


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError:
        return None


@functools.lru_cache(maxsize=1)
def boot_id() -> str | None:
    """This kernel boot's id (None where the OS does not publish one)."""
    text = _read("/proc/sys/kernel/random/boot_id")
    return text.strip() or None if text else None


@functools.lru_cache(maxsize=1)
def pidns() -> str | None:
    """The inode of this process's PID namespace, as decimal text."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return None


def here() -> HostFacts:
    """This process's host facts (each read once per process)."""
    return HostFacts(hostname(), boot_id(), pidns())


def _stat_fields(pid: int) -> list[str] | None:
    """``/proc/<pid>/stat`` split after the command name (which may hold spaces):
    index 0 is the state, index 19 the start time."""
    text = _read(f"/proc/{pid}/stat")
    if not text or ")" not in text:
        return None
    return text[text.rindex(")") + 2:].split()


def start_time(pid: int | None = None) -> int | None:
    """When ``pid`` (default: this process) started, in clock ticks since boot."""
    fields = _stat_fields(os.getpid() if pid is None else pid)
    return int(fields[19]) if fields and len(fields) > 19 else None


def _alive_by_signal(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def probe(pid: int, facts: HostFacts | None = None) -> ProcessFacts:
    """What this host sees of ``pid`` now. ``anywhere`` is looked up only where
    every PID is visible (it reads every process's status: a few ms)."""
    if pid <= 0:
        return ProcessFacts(False)
    if not os.path.isdir("/proc/self"):  # no procfs: the signal is all we have
        return ProcessFacts(_alive_by_signal(pid))
    fields = _stat_fields(pid)
    alive = fields is not None and fields[0] not in ("Z", "X")
    started = int(fields[19]) if alive and fields and len(fields) > 19 else None
    facts = here() if facts is None else facts
    anywhere = pid_in_any_namespace(pid) if facts.sees_every_pid else None
    return ProcessFacts(alive, started, anywhere)


def pid_in_any_namespace(pid: int) -> bool | None:
    """Whether any live process, in any PID namespace, calls itself ``pid``.

    ``NSpid`` in ``/proc/<p>/status`` lists a process's PID in each namespace from
    ours inwards; the last is the one the process itself sees (and writes into a
    lock). None when the kernel has no NSpid (before 4.1).
    """
    want = str(pid)
    seen_nspid = False
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        text = _read(f"/proc/{entry}/status")
        if text is None:
            continue
        state = nspid = None
        for line in text.splitlines():
            if line.startswith("State:"):
                state = line.split()[1] if len(line.split()) > 1 else None
            elif line.startswith("NSpid:"):
                nspid = line.split()[1:]
                break
        if nspid is None:
            continue
        seen_nspid = True
        if nspid and nspid[-1] == want and state not in ("Z", "X"):
            return True
    return False if seen_nspid else None
