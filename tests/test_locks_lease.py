"""Lease lengths, the lease lines of a lock, and the renewer and its keeper on real
lock files (a FIFO stands for a stalled filesystem)."""

from __future__ import annotations

import asyncio
import contextlib
import os

import pytest

from jug_async.locks import facts
from jug_async.locks.lease import (
    DEFAULT_LEASE_SECONDS,
    LeaseKeeper,
    LeaseRenewer,
    RenewReport,
    check_lease,
    lease_record,
    renew_interval,
)
from jug_async.records import LockRecord


def test_default_lease_outlives_nfs_attribute_caching():
    # a live lock may look (renewal interval + acregmax 60 s) old to another client
    assert renew_interval(DEFAULT_LEASE_SECONDS) + 60 < DEFAULT_LEASE_SECONDS / 1.5


@pytest.mark.parametrize("bad", [0, 5, -1, float("nan"), float("inf")])
def test_unusable_leases_are_refused_with_a_reason(bad):
    with pytest.raises(ValueError, match="lease"):
        check_lease(bad)


def test_lease_record_round_trips_through_the_lock_text():
    rec = lease_record(120.0)
    back = LockRecord.parse(rec.format())
    assert back == rec
    assert back.pid == os.getpid() and back.lease_seconds == 120.0
    assert back.boot_id == facts.boot_id() and back.pidns == facts.pidns()
    assert back.start_time == facts.start_time() and len(back.token) == 16
    assert rec.format().startswith(f"PID {os.getpid()} on HOSTNAME ")


def _batch(tmp_path, names, token="tok"):
    """A batch's locks as the file store makes them: links of one inode."""
    (tmp_path / "locks").mkdir(exist_ok=True)
    template = tmp_path / "template"
    template.write_text(lease_record(60.0, token=token).format())
    paths = [str(tmp_path / "locks" / f"{n}.lock") for n in names]
    for p in paths:
        os.link(template, p)
    template.unlink()
    for p in paths:
        os.utime(p, (1000, 1000))
    return paths


def test_one_touch_renews_every_lock_of_a_batch(tmp_path):
    paths = _batch(tmp_path, "abc")
    r = LeaseRenewer(60.0)
    r.hold("b1", paths, token="tok")
    report = r.renew_now()
    assert report.renewed == ["b1"] and not report.gone and not report.failing
    assert all(os.stat(p).st_mtime > 1000 for p in paths)
    r.close()


def test_a_released_name_does_not_stop_the_renewal_of_the_rest(tmp_path):
    paths = _batch(tmp_path, "ab")
    r = LeaseRenewer(60.0)
    r.hold("b", paths, token="tok")
    r.renew_now()
    os.unlink(paths[0])
    os.utime(paths[1], (1000, 1000))
    assert r.renew_now().renewed == ["b"]
    assert os.stat(paths[1]).st_mtime > 1000
    r.close()


def test_a_lock_of_someone_else_is_never_renewed(tmp_path):
    paths = _batch(tmp_path, "a", token="theirs")
    r = LeaseRenewer(60.0)
    r.hold("b", paths, token="ours")
    assert r.renew_now().renewed == []
    assert os.stat(paths[0]).st_mtime == 1000
    r.close()


def test_not_yet_written_then_gone(tmp_path):
    (tmp_path / "locks").mkdir()
    r = LeaseRenewer(60.0)
    path = str(tmp_path / "locks" / "a.lock")
    r.hold("b", [path], token="tok")
    assert r.renew_now() == RenewReport()  # nothing yet: a queued batch
    _batch(tmp_path, "a")
    assert r.renew_now().renewed == ["b"]
    os.unlink(path)  # finished, or broken by another host
    report = r.renew_now()
    assert report.gone == ["b"] and len(r) == 0


def test_overdue_when_renewals_keep_failing(tmp_path):
    now = [0.0]
    paths = _batch(tmp_path, "a")
    r = LeaseRenewer(60.0, clock=lambda: now[0])
    r.hold("b", paths, token="tok")
    r.renew_now()
    now[0] = 59
    assert r.overdue() == []
    now[0] = 61
    assert r.overdue() == ["b"]
    r.close()


# ---- LeaseKeeper: the renewer driven from an event loop -------------------------------


async def _until(predicate, what: str) -> None:
    """Let the loop run until ``predicate()`` (a renewal thread is at work)."""
    for _ in range(2000):
        if predicate():
            return
        await asyncio.sleep(0.005)
    raise AssertionError(f"never happened: {what}")


def _one_round_then_idle(ticks: list[float]):
    """A ``sleep`` for ``LeaseKeeper.run``: the first round at once, then none."""

    async def sleep(seconds: float) -> None:
        ticks.append(seconds)
        if len(ticks) > 1:
            await asyncio.Event().wait()

    return sleep


class StalledLock:
    """A lock path whose renewal stalls like a hung NFS server: a FIFO, so the
    renewal thread blocks opening it until ``answer`` writes our lock into it."""

    def __init__(self, tmp_path, token: str = "tok") -> None:
        (tmp_path / "locks").mkdir(exist_ok=True)
        self.path = str(tmp_path / "locks" / "stalled.lock")
        os.mkfifo(self.path)
        self.text = lease_record(60.0, token=token).format().encode()

    async def answer(self) -> None:
        def write() -> None:
            fd = os.open(self.path, os.O_WRONLY)  # the renewal thread is the reader
            try:
                os.write(fd, self.text)
            finally:
                os.close(fd)

        await asyncio.to_thread(write)

    def unblock(self) -> None:
        """After a failed test: free a renewal thread still waiting."""
        with contextlib.suppress(OSError):
            os.close(os.open(self.path, os.O_WRONLY | os.O_NONBLOCK))


async def test_keeper_renews_held_locks_every_interval(tmp_path):
    paths = _batch(tmp_path, "ab")
    keeper = LeaseKeeper(60.0)
    keeper.hold("b1", paths, token="tok")
    ticks: list[float] = []
    overdue: list[str] = []
    task = asyncio.ensure_future(keeper.run(overdue.append, sleep=_one_round_then_idle(ticks)))
    await _until(lambda: all(os.stat(p).st_mtime > 1000 for p in paths), "renewed")
    task.cancel()
    keeper.close()
    await _until(lambda: len(keeper) == 0, "closed")
    assert ticks[0] == renew_interval(60.0) == 10.0 and overdue == []


async def test_a_release_during_a_round_waits_for_the_round_to_end(tmp_path):
    paths = _batch(tmp_path, "a")
    stalled = StalledLock(tmp_path)
    keeper = LeaseKeeper(60.0)
    keeper.hold("done", paths, token="tok")  # renewed first, then the round stalls
    keeper.hold("stalled", [stalled.path], token="tok")
    task = asyncio.ensure_future(keeper.run(lambda why: None, sleep=_one_round_then_idle([])))
    try:
        await _until(lambda: os.stat(paths[0]).st_mtime > 1000, "first batch renewed")
        keeper.release("done")  # its batch finished while the round is on its thread
        assert len(keeper) == 2  # its descriptor is not closed under the thread
        await stalled.answer()
        await _until(lambda: len(keeper) == 1, "released at the round's end")
        keeper.release("stalled")  # no round running: at once
        assert len(keeper) == 0
    finally:
        stalled.unblock()
        task.cancel()
        keeper.close()


async def test_close_during_a_round_closes_when_the_round_ends(tmp_path):
    paths = _batch(tmp_path, "a")
    stalled = StalledLock(tmp_path)
    keeper = LeaseKeeper(60.0)
    keeper.hold("b1", paths, token="tok")
    keeper.hold("b2", [stalled.path], token="tok")
    task = asyncio.ensure_future(keeper.run(lambda why: None, sleep=_one_round_then_idle([])))
    try:
        await _until(lambda: os.stat(paths[0]).st_mtime > 1000, "first batch renewed")
        task.cancel()  # the run ends (as the scheduler ends it) mid-round
        keeper.close()
        await asyncio.sleep(0)
        assert len(keeper) == 2
        await stalled.answer()
        await _until(lambda: len(keeper) == 0, "closed at the round's end")
    finally:
        stalled.unblock()


async def test_a_round_stalled_past_the_lease_reports_the_overdue_batches(tmp_path):
    now = [0.0]
    paths = _batch(tmp_path, "a")
    stalled = StalledLock(tmp_path)
    keeper = LeaseKeeper(60.0, clock=lambda: now[0])
    keeper.hold("b1", paths, token="tok")
    keeper.hold("b2", [stalled.path], token="tok")
    overdue: list[str] = []
    task = asyncio.ensure_future(keeper.run(overdue.append, sleep=_one_round_then_idle([])))
    try:
        await _until(lambda: os.stat(paths[0]).st_mtime > 1000, "first batch renewed")
        now[0] = 61.0  # the server answers a lease later
        await stalled.answer()
        await _until(lambda: overdue, "overdue reported")
        assert overdue == ["the locks of running tasks could not be renewed for 60 s (--lease)"]
    finally:
        stalled.unblock()
        task.cancel()
        keeper.close()
