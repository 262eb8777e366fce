"""Transient errors of a shared filesystem: retried with back-off, then a clear
StoreError. The real conditions come from an sshfs mount whose client dies
(every call answers ENOTCONN) and is mounted again; the back-off policy itself
is checked on a function that fails a set number of times, with the sleeps
recorded instead of slept."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from _store_helpers import H

from jug_async.errors import StoreError
from jug_async.store.file import FileStore, retry


class Flaky:
    """Fails with ``err`` the first ``times`` calls, then answers ``value``."""

    def __init__(self, times: int, err: int = errno.EIO, value: object = "ok") -> None:
        self.times, self.err, self.value, self.calls = times, err, value, 0

    def __call__(self) -> object:
        self.calls += 1
        if self.calls <= self.times:
            raise OSError(self.err, os.strerror(self.err))
        return self.value


def test_a_transient_error_is_retried_with_growing_waits(caplog) -> None:
    slept: list[float] = []
    f = Flaky(4)
    assert retry.call("listing", f, sleep=slept.append) == "ok"
    assert f.calls == 5
    assert slept == sorted(slept) and slept[-1] > slept[0]  # back-off grows
    assert "listing failed" in caplog.text and "succeeded after retrying" in caplog.text


def test_an_answer_is_not_retried() -> None:
    for err in (errno.ENOENT, errno.EACCES, errno.ENOSPC):
        f = Flaky(1, err)
        with pytest.raises(OSError) as info:
            retry.call("x", f, sleep=lambda s: None)
        assert info.value.errno == err and f.calls == 1


def test_a_store_that_keeps_failing_raises_store_error() -> None:
    f = Flaky(10**9, errno.ESTALE)
    with pytest.raises(StoreError, match=r"listing locks kept failing.*Stale file handle"):
        retry.call("listing locks", f, patience=0.2)


def _kill_sshfs(mountpoint: Path) -> None:
    """kill -9 the sshfs client serving ``mountpoint`` (found by its command line)."""
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"sshfs") and os.fsencode(mountpoint) in argv:
            os.kill(int(pid), signal.SIGKILL)
            return
    raise AssertionError(f"no sshfs process for {mountpoint}")


def _wait_enotconn(path: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.listdir(path)
        except OSError as exc:
            if exc.errno == errno.ENOTCONN:
                return
        time.sleep(0.05)
    raise AssertionError("the mount kept answering")


def test_a_mount_that_is_gone_stops_with_one_clear_line(tmp_path, export_dir, sshfs_mount):
    mnt = sshfs_mount()
    store = FileStore(mnt / "jugfile.jugdata", patience=0.5)
    store.dump(H(1), 1)
    assert store.try_lock(H(2))
    _kill_sshfs(mnt)
    _wait_enotconn(mnt)
    for call in (store.listing, store.list_locks, lambda: store.lock_info(H(2)),
                 lambda: store.try_lock(H(3)), lambda: store.unlock(H(2))):
        with pytest.raises(StoreError, match=r"kept failing.*not connected"):
            call()


@pytest.mark.slow
def test_status_on_a_mount_that_is_gone_is_one_line(tmp_path, export_dir, sshfs_mount):
    mnt = sshfs_mount()
    FileStore(mnt / "jugfile.jugdata").dump(H(1), 1)
    _kill_sshfs(mnt)
    _wait_enotconn(mnt)
    (tmp_path / "jugfile.py").write_text("from jug import Task\n")
    r = subprocess.run([sys.executable, "-m", "jug_async", "status", "jugfile.py",
                        "--jugdir", str(mnt / "jugfile.jugdata")], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert "not connected" in r.stderr


def test_a_mount_that_comes_back_is_waited_for(tmp_path, sshd, export_dir, sshfs_mount):
    mnt = sshfs_mount()
    store = FileStore(mnt / "jugfile.jugdata", patience=30)
    store.dump_many([(H(i), i) for i in range(5)])
    assert store.try_lock(H("held"))
    _kill_sshfs(mnt)
    _wait_enotconn(mnt)

    from _multihost import Mount

    def remount() -> None:  # the server is back a moment later
        time.sleep(0.5)
        subprocess.run(["fusermount3", "-u", "-z", str(mnt)], capture_output=True)
        Mount(sshd, export_dir, mnt)

    t = threading.Thread(target=remount)
    t.start()
    try:
        assert store.listing() == {H(i) for i in range(5)}
        assert store.list_locks() == {H("held")}
        assert store.try_lock(H("held")) is False
    finally:
        t.join()
