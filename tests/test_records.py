"""records.py: lock text and failure records, against text the real jug 2.7 writes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from _store_helpers import CREATED, H
from jug.backends import redis_store
from jug.backends.file_store import file_store

from jug_async.records import (
    FAILED_MTIME,
    LEASE_FIELDS,
    REDIS_FAILED,
    REDIS_LOCKED,
    LockRecord,
    format_failure,
    format_lock_date,
    lock_text,
    parse_lock_date,
    split_failure,
)

LEASED = LockRecord(4242, "node-7.example", "2024-03-01 (13h05.07)", False,
                    lease_seconds=300.0, boot_id="2f1c-boot", pidns="pid:[4026531836]",
                    start_time=123456789, token="9f2c0d")


def jug_lock(jugdir: str, h: str) -> tuple[bytes, float, int]:
    """A lock taken by the real jug in a child process: its bytes, mtime, pid."""
    code = ("import sys; from jug.backends.file_store import file_store; "
            "assert file_store(sys.argv[1]).getlock(sys.argv[2]).get()")
    proc = subprocess.run([sys.executable, "-c", code, jugdir, h], check=True)
    assert proc.returncode == 0
    path = os.path.join(jugdir, "locks", f"{h}.lock")
    data = Path(path).read_bytes()
    pid = int(data.split(b" ")[1])
    return data, os.stat(path).st_mtime, pid


def test_parses_the_lock_jug_writes(tmp_path: Path) -> None:
    data, mtime, pid = jug_lock(str(tmp_path), H(1))
    record = LockRecord.parse(data, mtime)
    assert (record.pid, record.host) == (pid, socket.gethostname())
    assert record.created and CREATED.fullmatch(record.created) and not record.failed
    assert abs(record.created_at() - mtime) < 5  # type: ignore[operator]
    assert all(getattr(record, f) is None for f in LEASE_FIELDS)


def test_our_lock_text_is_jugs_byte_for_byte(tmp_path: Path) -> None:
    """Same process, same second: jug's bytes and ours are the same bytes."""
    path = tmp_path / "locks" / f"{H(1)}.lock"
    for _ in range(5):  # retry if the clock ticked between the two
        ours = lock_text().encode()
        file_store(str(tmp_path)).getlock(H(1)).get()
        theirs = path.read_bytes()
        path.unlink()
        if ours == theirs:
            break
    assert ours == theirs
    assert LockRecord.parse(ours) == LockRecord.parse(theirs)


def test_jugs_failed_marker(tmp_path: Path) -> None:
    theirs = file_store(str(tmp_path))
    theirs.getlock(H(1)).get()
    theirs.getlock(H(1)).fail()
    path = tmp_path / "locks" / f"{H(1)}.lock"
    record = LockRecord.parse(path.read_bytes(), os.stat(path).st_mtime)
    assert record.failed and record.pid == os.getpid()
    assert os.stat(path).st_mtime == FAILED_MTIME
    assert not LockRecord.parse(path.read_bytes(), 2.0).failed


def test_jugs_redis_lock_values() -> None:
    theirs = (redis_store._LOCKED.decode(), redis_store._FAILED.decode())
    assert theirs == (REDIS_LOCKED, REDIS_FAILED)
    assert LockRecord.parse(redis_store._FAILED) == LockRecord(failed=True)
    assert LockRecord.parse(redis_store._LOCKED) == LockRecord()
    # A lock file saying F is not failed: on files jug marks failure by the mtime.
    assert LockRecord.parse(redis_store._FAILED, 1234.0) == LockRecord()


def test_round_trips() -> None:
    mine = LockRecord.mine()
    assert (mine.pid, mine.host) == (os.getpid(), socket.gethostname())
    for record in (mine, LockRecord(1, "", "x"), LEASED,
                   LockRecord(7, "h", "2024-01-01 (00h00.00)", token="t")):
        assert LockRecord.parse(record.format()) == record
    assert LockRecord.parse(LEASED.format(), FAILED_MTIME) == replace(LEASED, failed=True)


def test_lease_lines_follow_jugs_two_lines() -> None:
    first, second, *rest = LEASED.format().split("\n")
    assert first == "PID 4242 on HOSTNAME node-7.example"
    assert second == "Lock created on 2024-03-01 (13h05.07)"
    assert rest == ["lease_seconds: 300.0", "boot_id: 2f1c-boot", "pidns: pid:[4026531836]",
                    "start_time: 123456789", "token: 9f2c0d", ""]
    # Unset lease fields write nothing: the text is exactly jug's.
    assert LockRecord(1, "h", "d").format() == "PID 1 on HOSTNAME h\nLock created on d\n"


def test_format_refuses_what_it_could_not_read_back() -> None:
    for bad in (LockRecord(), LockRecord(1, None, "d"), LockRecord(1, "h", None),
                LockRecord(1, "a\nb", "d"), LockRecord(1, "h", "d", token="x\ny")):
        with pytest.raises(ValueError):
            bad.format()


@pytest.mark.parametrize("text", [
    "", "\n", "garbage", b"\xff\xfe\x00binary", "PID x on HOSTNAME h\n",
    "PID 12\nLock created\n", "PID -3 on HOSTNAME h", "\n\n\n\n",
    "lease_seconds: 300\n", "Lock created on 2024-03-01 (13h05.07)\n", "x\n" * 5000,
])
def test_garbage_gives_an_unknown_owner(text: str | bytes) -> None:
    record = LockRecord.parse(text, 1234.0)
    assert (record.pid, record.host, record.failed) == (None, None, False)
    assert record.created_at() is None


def test_a_long_text_parses_like_a_short_one() -> None:
    """Short texts are parsed once and the record shared; long ones are not kept."""
    text = LEASED.format()
    padded = text + "note: " + "x" * 5000 + "\n"
    assert LockRecord.parse(text) == LockRecord.parse(text) == LockRecord.parse(padded) == LEASED


def test_unknown_and_bad_extra_lines_are_ignored() -> None:
    text = ("PID 5 on HOSTNAME h\nLock created on 2024-03-01 (13h05.07)\n"
            "colour: blue\nlease_seconds: soon\nstart_time: 1.5\ntoken: abc\n"
            "Lock created on elsewhere\nno colon here\n")
    record = LockRecord.parse(text)
    assert record == LockRecord(5, "h", "2024-03-01 (13h05.07)", token="abc")
    assert LockRecord.parse("PID 5 on HOSTNAME h\nbad\nlease_seconds: nan\n") == \
        LockRecord(5, "h")


def test_lock_dates() -> None:
    when = datetime(2024, 3, 1, 13, 5, 7)
    assert format_lock_date(when) == "2024-03-01 (13h05.07)"
    assert parse_lock_date("2024-03-01 (13h05.07)") == when.timestamp()
    assert time.localtime(parse_lock_date("2024-03-01 (13h05.07)"))[:6] == (2024, 3, 1, 13, 5, 7)
    for bad in ("", "yesterday", "2024-13-01 (13h05.07)", "2024-03-01 13:05:07"):
        assert parse_lock_date(bad) is None
    assert LockRecord.mine(when=when).created == "2024-03-01 (13h05.07)"


def test_failure_records() -> None:
    tb = "Traceback (most recent call last):\n  File x\nKeyError: 'k'\n"
    text = format_failure("m.f", tb)
    assert text == "m.f\n" + tb
    assert split_failure("m.f", text) == ("KeyError: 'k'", tb)
    assert split_failure("other.name", text) == ("KeyError: 'k'", text)  # not ours: all of it
    assert split_failure("m.f", "m.f\n") == ("failed", "")
    assert split_failure("m.f", "") == ("failed", "")
