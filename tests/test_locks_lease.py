"""Lease lengths, the lease lines of a lock, and the renewer on real lock files."""

from __future__ import annotations

import asyncio
import os

import pytest

from jug_async.locks import facts
from jug_async.locks.lease import (
    DEFAULT_LEASE_SECONDS,
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


async def test_run_renews_on_its_interval_without_blocking_the_loop(tmp_path):
    paths = _batch(tmp_path, "a")
    ticks = []

    async def fast_sleep(seconds):
        ticks.append(seconds)
        if len(ticks) > 3:
            raise asyncio.CancelledError
        await asyncio.sleep(0)

    gone = []
    r = LeaseRenewer(60.0, on_gone=gone.append)
    r.hold("b", paths, token="tok")
    with pytest.raises(asyncio.CancelledError):
        await r.run(sleep=fast_sleep)
    assert ticks == [10.0] * 4
    assert os.stat(paths[0]).st_mtime > 1000
    assert len(r) == 0 and gone == []  # descriptors closed when it ends
