"""The on-disk text formats, written and parsed here and nowhere else.

Lock content (jug 2.7 ``backends/file_store.py`` writes the same two lines, in
local time; jug never reads them back, people and ``status`` style views do)::

    PID <pid> on HOSTNAME <host>
    Lock created on YYYY-MM-DD (HHhMM.SS)
    lease_seconds: 300          <- optional ``key: value`` lines, only when set;
    token: 9f2c...                 jug ignores them, older jug-async skips them

Failed lock: not in the text. jug's file store sets the lock's mtime to
``FAILED_MTIME`` (``jug execute --keep-failed``); jug's redis store stores the value
``F`` instead of ``L``. ``LockRecord.parse`` understands both.

Failure record (jug-async only, ``status``/``monitor`` read it)::

    <task name>
    <traceback text>
"""

from __future__ import annotations

import functools
import os
import re
import socket
from dataclasses import dataclass, fields
from datetime import datetime

LOCK_DATE_FORMAT = "%Y-%m-%d (%Hh%M.%S)"  # jug's "Lock created on" date, local time
FAILED_MTIME = 1  # jug's --keep-failed marker: utime(lock, (1, 1))
REDIS_LOCKED, REDIS_FAILED = "L", "F"  # jug's redis lock values

_PID_HOST = re.compile(r"PID (\d+) on HOSTNAME (.*)")
_CREATED = re.compile(r"Lock created on (.*)")
_EXTRA = re.compile(r"([a-z_]+): ?(.*)")


def _text(value: str) -> str | None:
    return value or None


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _integer(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


# The optional lease lines: name -> parser of the value's text (None if invalid).
_EXTRA_FIELDS = {"lease_seconds": _number, "boot_id": _text, "pidns": _text,
                 "start_time": _integer, "token": _text}


@dataclass(frozen=True, slots=True)
class LockRecord:
    """What a lock says about its owner. Every field is None when unknown: a lock
    read between its creation and its first write is empty, a foreign tool may
    write anything, and a reader must never fail on either.

    ``created`` is kept as written (jug's text), ``created_at()`` converts it.
    The lease fields are written only when set; nothing here interprets them.
    """

    pid: int | None = None
    host: str | None = None
    created: str | None = None
    failed: bool = False
    lease_seconds: float | None = None
    boot_id: str | None = None
    pidns: str | None = None
    start_time: int | None = None
    token: str | None = None

    @classmethod
    def mine(cls, pid: int | None = None, host: str | None = None,
             when: datetime | None = None) -> LockRecord:
        """A record for this process (or ``pid`` on ``host``), created now."""
        return cls(os.getpid() if pid is None else pid,
                   hostname() if host is None else host,
                   format_lock_date(datetime.now() if when is None else when))

    def format(self) -> str:
        """jug's two lines, then one ``key: value`` line per lease field set.

        ``failed`` is not text (see the module docstring). Raises ``ValueError``
        without an owner: a lock is always written by a known process.
        """
        if self.pid is None or self.host is None or self.created is None:
            raise ValueError(f"a lock record needs pid, host and created: {self!r}")
        if "\n" in self.host:
            raise ValueError(f"host name with a newline: {self.host!r}")
        text = _jug_lines(self.pid, self.host, self.created)
        for name in _EXTRA_FIELDS:
            if (value := getattr(self, name)) is not None:
                if "\n" in str(value):
                    raise ValueError(f"{name} with a newline: {value!r}")
                text += f"{name}: {value}\n"
        return text

    @classmethod
    def parse(cls, text: str | bytes, mtime: float | None = None) -> LockRecord:
        """Read a lock's content and, for a lock file, its mtime.

        Failed is jug's marker of the medium: ``mtime == FAILED_MTIME`` when an
        mtime is given (a file), else the value ``F`` (redis). Accepts jug's text,
        jug's redis values, unknown extra lines and garbage; whatever it does not
        recognise stays None. Never raises.
        """
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        failed = mtime == FAILED_MTIME if mtime is not None else text.strip() == REDIS_FAILED
        if len(text) > _CACHED_TEXT:
            return _parse(text, failed)
        return _parse_cached(text, failed)

    def created_at(self) -> float | None:
        """``created`` as a timestamp (read as this host's local time, like jug)."""
        return None if self.created is None else parse_lock_date(self.created)


def _parse(text: str, failed: bool) -> LockRecord:
    lines = text.split("\n")
    pid = host = created = None
    if m := _PID_HOST.fullmatch(lines[0]):
        pid, host = int(m.group(1)), m.group(2)
    if len(lines) > 1 and (m := _CREATED.fullmatch(lines[1])):
        created = m.group(1)
    if len(lines) <= 3 and lines[-1] == "":  # jug's own text: no lease lines
        return LockRecord(pid, host, created, failed)
    extra: dict[str, object] = {}
    for line in lines[2:]:
        if (m := _EXTRA.fullmatch(line)) and (parse := _EXTRA_FIELDS.get(m.group(1))):
            extra[m.group(1)] = parse(m.group(2))
    return LockRecord(pid, host, created, failed, **extra)  # type: ignore[arg-type]


# The locks of a batch share one text, and a status read sees few distinct
# owners: parsing each text once keeps reading many locks as cheap as before
# records had lease fields. Records are frozen, so sharing them is safe.
_CACHED_TEXT = 1024  # longer texts are not a lock we wrote: parse, do not keep
_parse_cached = functools.lru_cache(maxsize=512)(_parse)


LEASE_FIELDS = tuple(f.name for f in fields(LockRecord) if f.name in _EXTRA_FIELDS)


def lock_text(pid: int | None = None, host: str | None = None) -> str:
    """The text of a new lock of this process (or of ``pid`` on ``host``): jug's
    two lines, as ``LockRecord.mine(pid, host).format()`` without building the
    record (it is written once per batch of locks)."""
    return _jug_lines(os.getpid() if pid is None else pid, hostname() if host is None else host,
                      datetime.now().strftime(LOCK_DATE_FORMAT))


def _jug_lines(pid: int, host: str, created: str) -> str:
    return f"PID {pid} on HOSTNAME {host}\nLock created on {created}\n"


def format_lock_date(when: datetime) -> str:
    return when.strftime(LOCK_DATE_FORMAT)


def parse_lock_date(text: str) -> float | None:
    """The timestamp of a ``Lock created on`` date; None if it is not one."""
    try:
        return datetime.strptime(text, LOCK_DATE_FORMAT).timestamp()
    except ValueError:
        return None


@functools.lru_cache(maxsize=1)
def hostname() -> str:
    """The host's name, asked once per process (a syscall per lock otherwise)."""
    return socket.gethostname()


def format_failure(name: str, traceback: str) -> str:
    """A failure record: the task's name on the first line, then its traceback."""
    return f"{name}\n{traceback}"


def split_failure(name: str, text: str) -> tuple[str, str]:
    """A failure record of task ``name``: (its one-line error, its traceback).

    A record whose first line is not ``name`` (written by hand, or by an older
    version) is all traceback.
    """
    first, _, rest = text.partition("\n")
    tb = rest if first == name else text
    lines = [ln for ln in tb.strip().splitlines() if ln.strip()]
    return (lines[-1].strip() if lines else "failed"), tb
