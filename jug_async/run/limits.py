"""Per-task limits of a run (``--timeout``, ``--max-memory``): a task over a
limit fails with that reason instead of running for ever or taking the node
down with it.

The scheduler enforces them from outside the worker, the only place that
survives a task gone wild: every ``CHECK_EVERY`` seconds (on a thread, off the
event loop) it reads each worker's resident memory with psutil and each
running task's age. A limited run sends one task per batch and no more batches
than workers, so a task's age is the time since it was sent, and the worker
that runs it is the PID its lock names. The worker over a limit is killed
(SIGKILL: a task stuck in native code ignores anything gentler); the pool
breaks and is rebuilt, and the other tasks it was running go back to the
ready list as after any worker death.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CHECK_EVERY = 0.25  # seconds between checks
_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """``timeout``: seconds a task may run; ``max_memory``: bytes of resident
    memory its worker may use. None: no limit."""

    timeout: float | None = None
    max_memory: int | None = None

    def __bool__(self) -> bool:
        return self.timeout is not None or self.max_memory is not None


def parse_size(text: str) -> int:
    """``"200M"``, ``"1.5GiB"``, ``"512k"``, ``"1000000"`` to bytes (binary
    multiples, as ``ulimit`` and SLURM's ``--mem`` read them).

    Raises:
        ValueError: not a size.
    """
    m = _SIZE.fullmatch(text)
    if m is None:
        raise ValueError(f"not a size: {text!r} (examples: 500M, 2G, 1.5GiB)")
    n = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    if n <= 0:
        raise ValueError(f"a size must be positive: {text!r}")
    return n


def format_size(n: float) -> str:
    """Bytes as the largest binary unit that keeps a number >= 1: ``1.3 GiB``."""
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f}".removesuffix(".0") + f" {unit}"
    return f"{int(n)} B"


def over_time(limits: Limits, age: float) -> str | None:
    """The failure reason of a task running for ``age`` seconds, if over."""
    if limits.timeout is not None and age > limits.timeout:
        return f"exceeded --timeout {limits.timeout:g} s"
    return None


def over_memory(limits: Limits, rss: int) -> str | None:
    """The failure reason of a task whose worker uses ``rss`` bytes, if over."""
    if limits.max_memory is not None and rss > limits.max_memory:
        return (f"exceeded --max-memory {format_size(limits.max_memory)} "
                f"(RSS {format_size(rss)})")
    return None


def rss_of(pids: set[int]) -> dict[int, int]:
    """Resident memory of each live PID (blocking: a few /proc reads each)."""
    import psutil

    out = {}
    for pid in pids:
        try:
            out[pid] = psutil.Process(pid).memory_info().rss
        except psutil.Error:
            continue
    return out
