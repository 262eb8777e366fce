"""The reclaim rules (pure: records, facts and the store's clock as data) and the
race-free break (real files, two real processes racing)."""

from __future__ import annotations

import dataclasses
import multiprocessing
import os

import pytest

from jug_async.locks.facts import INITIAL_PIDNS, HostFacts, ProcessFacts
from jug_async.locks.reclaim import (
    CLEAR_COMMANDS,
    Action,
    WaitBound,
    explain,
    judge,
    read_snapshot,
    reclaim,
)
from jug_async.records import LockRecord

HERE = HostFacts("node1", "boot-a", "4026532000")
LEASE = dataclasses.replace(LockRecord(4242, "node1", "2026-01-01 (10h00.00)"),
                            lease_seconds=180.0, boot_id="boot-a", pidns="4026532000",
                            start_time=777, token="t0")
PLAIN = LockRecord(4242, "node1", "2026-01-01 (10h00.00)")
T = 1_000_000.0  # the store's clock


def probe_of(**facts):
    calls = []

    def probe(pid):
        calls.append(pid)
        return ProcessFacts(**facts)
    probe.calls = calls
    return probe


def verdict(record, age, here=HERE, **facts):
    return judge(record, T - age, here=here, store_now=T, probe=probe_of(**facts))


# ---- same kernel, same PID namespace: decided by the PID at once -------------------

def test_local_owner_gone_is_reclaimed_at_once():
    v = verdict(LEASE, age=1, alive=False)
    assert v.action is Action.RECLAIM and "exited" in v.reason


def test_local_pid_reused_is_reclaimed_at_once():
    v = verdict(LEASE, age=1, alive=True, start_time=778)
    assert v.action is Action.RECLAIM and "reused" in v.reason


def test_local_live_owner_with_fresh_lease_is_held():
    v = verdict(LEASE, age=10, alive=True, start_time=777)
    assert v.action is Action.HELD and v.recheck == pytest.approx(170)


def test_local_live_owner_whose_lease_ran_out_is_reclaimed():
    # Nothing renews it: its scheduler is gone (its workers must follow it).
    assert verdict(LEASE, age=181, alive=True, start_time=777).action is Action.RECLAIM


def test_hostname_does_not_matter_the_kernel_does():
    # Same boot and namespace under another UTS name (unshare --uts): still local.
    other_name = dataclasses.replace(LEASE, host="h2")
    assert verdict(other_name, age=1, alive=False).action is Action.RECLAIM


# ---- other kernel or other namespace: only the lease speaks -------------------------

@pytest.mark.parametrize("change", [{"boot_id": "boot-b"}, {"pidns": "4026532999"},
                                    {"boot_id": None}, {"pidns": None}])
def test_pid_is_not_trusted_outside_our_kernel_and_namespace(change):
    record = dataclasses.replace(LEASE, **change)
    probe = probe_of(alive=False)
    v = judge(record, T - 5, here=HERE, store_now=T, probe=probe)
    assert v.action is Action.HELD and probe.calls == []


def test_same_hostname_other_pid_namespace_is_not_broken():
    # Finding 2: a runner in a container sharing the hostname; its PID is not ours.
    record = dataclasses.replace(LEASE, pidns="4026532999")
    assert verdict(record, age=60, alive=False).action is Action.HELD


def test_remote_lease_expires_by_the_store_clock():
    remote = dataclasses.replace(LEASE, host="node2", boot_id="boot-b")
    assert verdict(remote, age=179.5).action is Action.HELD
    v = verdict(remote, age=200)
    assert v.action is Action.RECLAIM and "lease ran out 20 s ago" in v.reason


def test_the_lease_the_lock_declares_counts():
    short = dataclasses.replace(LEASE, host="node2", boot_id="boot-b", lease_seconds=30.0)
    assert verdict(short, age=31).action is Action.RECLAIM


def test_a_renewal_stamped_ahead_of_the_store_clock_is_held():
    remote = dataclasses.replace(LEASE, host="node2", boot_id="boot-b")
    assert verdict(remote, age=-40).action is Action.HELD


def test_reader_clock_skew_cannot_cause_a_false_reclaim(tmp_path):
    """The lock was just written: by the store's clock it is fresh, even when
    this host's own clock runs an hour ahead (judging by it would reclaim)."""
    from jug_async.locks.clock import StoreClock

    lock = tmp_path / "x.lock"
    lock.write_text(dataclasses.replace(LEASE, host="node2", boot_id="boot-b").format())
    snap = read_snapshot(str(lock))
    skewed_reader_now = snap.mtime + 3600.0  # what time.time() says on a skewed reader
    store_now = StoreClock(str(tmp_path / "tempfiles")).now()
    v = judge(snap.record(), snap.mtime, here=HERE, store_now=store_now,
              probe=probe_of(alive=False))
    assert v.action is Action.HELD
    naive = judge(snap.record(), snap.mtime, here=HERE, store_now=skewed_reader_now,
                  probe=probe_of(alive=False))
    assert naive.action is Action.RECLAIM  # the false reclaim the store clock avoids


# ---- plain jug locks: never broken on age ---------------------------------------

def test_plain_jug_lock_of_another_host_waits_however_old():
    remote = dataclasses.replace(PLAIN, host="node2")
    v = verdict(remote, age=10 * 86400, alive=False, anywhere=False)
    assert v.action is Action.WAIT
    line = explain("/store/locks/ab.lock", remote, v)
    for part in ("/store/locks/ab.lock", "PID 4242", "node2", "240 h", CLEAR_COMMANDS):
        assert part in line, line


def test_plain_jug_lock_of_this_host_is_reclaimed_when_no_namespace_has_its_pid():
    root = HostFacts("node1", "boot-a", INITIAL_PIDNS)
    v = verdict(PLAIN, age=5, here=root, alive=False, anywhere=False)
    assert v.action is Action.RECLAIM and "no process of node1" in v.reason


def test_plain_jug_lock_whose_pid_lives_in_some_namespace_waits():
    root = HostFacts("node1", "boot-a", INITIAL_PIDNS)
    assert verdict(PLAIN, age=5, here=root, alive=False, anywhere=True).action is Action.WAIT


def test_plain_jug_lock_of_this_host_waits_inside_a_container():
    # We cannot see the other namespaces: the owner may live in one of them.
    v = verdict(PLAIN, age=5000, alive=False, anywhere=None)
    assert v.action is Action.WAIT and "another PID namespace" in v.reason


def test_failed_and_unreadable_locks():
    failed = dataclasses.replace(LEASE, failed=True)
    assert verdict(failed, age=1e9, alive=False).action is Action.FAILED
    v = verdict(LockRecord(), age=1e9, alive=False)
    assert v.action is Action.WAIT
    assert "unknown owner" in explain("l", LockRecord(), v)


def test_wait_bound_restarts_on_progress():
    now = [0.0]
    bound = WaitBound(100, clock=lambda: now[0])
    now[0] = 99
    assert not bound.exhausted() and bound.remaining() == 1
    bound.progress()
    now[0] = 150
    assert not bound.exhausted()
    now[0] = 199
    assert bound.exhausted()


# ---- breaking: the very lock judged, one winner ------------------------------------

def test_reclaim_removes_the_lock_it_judged(tmp_path):
    lock = tmp_path / "a.lock"
    lock.write_text(PLAIN.format())
    assert reclaim(str(lock), read_snapshot(str(lock)))
    assert os.listdir(tmp_path) == []


def test_reclaim_keeps_a_lock_renewed_since_it_was_judged(tmp_path):
    lock = tmp_path / "a.lock"
    lock.write_text(LEASE.format())
    seen = read_snapshot(str(lock))
    os.utime(lock, ns=(seen.mtime_ns + 10**9, seen.mtime_ns + 10**9))  # the owner renewed
    assert not reclaim(str(lock), seen)
    assert read_snapshot(str(lock)).ino == seen.ino and os.listdir(tmp_path) == ["a.lock"]


def test_reclaim_keeps_a_lock_taken_again_since(tmp_path):
    lock = tmp_path / "a.lock"
    lock.write_text(PLAIN.format())
    seen = read_snapshot(str(lock))
    lock.unlink()
    lock.write_text(PLAIN.format())  # re-taken: same text, another inode
    assert not reclaim(str(lock), seen)
    assert lock.read_text() == PLAIN.format() and os.listdir(tmp_path) == ["a.lock"]


def test_reclaim_of_a_missing_lock_is_false(tmp_path):
    lock = tmp_path / "a.lock"
    lock.write_text("x")
    seen = read_snapshot(str(lock))
    lock.unlink()
    assert not reclaim(str(lock), seen)


def test_a_directory_in_place_of_a_lock_reads_as_unknown(tmp_path):
    (tmp_path / "d.lock").mkdir()
    snap = read_snapshot(str(tmp_path / "d.lock"))
    assert snap.text == b"" and snap.record().pid is None


def _racer(path, seen, start, results):
    start.wait()
    results.put(reclaim(path, seen))


def test_two_reclaimers_racing_exactly_one_wins(tmp_path):
    ctx = multiprocessing.get_context("fork")
    for round_ in range(15):
        lock = tmp_path / f"r{round_}.lock"
        lock.write_text(PLAIN.format())
        seen = read_snapshot(str(lock))
        start, results = ctx.Barrier(3), ctx.Queue()
        procs = [ctx.Process(target=_racer, args=(str(lock), seen, start, results))
                 for _ in range(3)]
        for p in procs:
            p.start()
        wins = [results.get(timeout=20) for _ in procs]
        for p in procs:
            p.join(20)
        assert sorted(wins) == [False, False, True], f"round {round_}: {wins}"
        assert not lock.exists()
    assert os.listdir(tmp_path) == []
