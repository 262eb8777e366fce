"""Shared by the store tests: sample values, a deep equality check, one contract
suite per store protocol (ResultStore, LockStore, FailureLog; each subclassed
per store), and the bodies of racing processes (importable, so spawned children
can run them)."""

from __future__ import annotations

import dataclasses
import hashlib
import multiprocessing
import os
import re
import socket
from typing import Any

import numpy as np
import pytest

from jug_async.errors import StoreError
from jug_async.locks.lease import lease_record
from jug_async.records import LockRecord, format_failure, split_failure
from jug_async.store.base import FailureLog, LockInfo, LockStore, ResultStore, Store

CREATED = re.compile(r"\d{4}-\d{2}-\d{2} \(\d{2}h\d{2}\.\d{2}\)")


def H(i: object) -> str:
    """A task-like hash for test key ``i``."""
    return hashlib.sha1(repr(i).encode()).hexdigest()


class Tagged(np.ndarray):
    """An ndarray subclass: must survive a round trip as itself (so it is pickled)."""


def sample_values() -> dict[str, Any]:
    return {
        "none": None,
        "int": 42,
        "bigint": 2**100,
        "float": 1.5,
        "str": "héllo",
        "bytes": b"\x00\x01",
        "dict": {"a": 1, "b": [1, 2]},
        "set": {1, 2, 3},
        "tuple": (1, "two", (3.0,)),
        "nested": {"k": [(1, {2}), {"x": None}], "arr": np.arange(3)},
        "f64": np.linspace(0, 1, 7),
        "i8": np.array([-3, 0, 7], dtype=np.int8),
        "bool": np.array([True, False]),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)),
        "zero_d": np.array(3.25),
        "empty": np.zeros((0, 3)),
        "object": np.array([None, "a", 1], dtype=object),
        "subclass": np.arange(4.0).view(Tagged),
        "scalar": np.float64(2.5),
    }


def assert_same(got: Any, want: Any) -> None:
    """Equal value *and* type (an array must come back with its dtype and order)."""
    assert type(got) is type(want), (type(got), type(want))
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype and got.shape == want.shape
        assert np.isfortran(got) == np.isfortran(want)
        assert got.tolist() == want.tolist()
    elif isinstance(want, dict):
        assert got.keys() == want.keys()
        for k in want:
            assert_same(got[k], want[k])
    elif isinstance(want, list | tuple):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert_same(g, w)
    else:
        assert got == want


class ResultStoreContract:
    """The ResultStore contract, run against every store: a subclass supplies
    ``store`` (an empty store)."""

    @pytest.fixture
    def store(self) -> Store:
        raise NotImplementedError

    def test_is_a_result_store(self, store: Store) -> None:
        assert isinstance(store, ResultStore) and isinstance(store, Store)
        assert store.describe()

    @pytest.mark.parametrize("name", sorted(sample_values()))
    def test_round_trip(self, store: Store, name: str) -> None:
        value = sample_values()[name]
        h = H(name)
        assert not store.exists(h)
        assert store.dump(h, value) >= 0
        assert store.exists(h)
        assert_same(store.load(h), value)

    def test_none_is_empty(self, store: Store) -> None:
        assert store.dump(H(0), None) == 0
        assert store.load(H(0)) is None

    def test_listing_remove_and_missing(self, store: Store) -> None:
        assert store.listing() == set()
        store.dump(H(1), 1)
        store.dump(H(2), None)
        assert store.listing() == {H(1), H(2)}
        assert store.remove(H(1)) is True
        assert store.remove(H(1)) is False
        assert store.listing() == {H(2)}
        with pytest.raises(KeyError):
            store.load(H(1))

    def test_dump_overwrites(self, store: Store) -> None:
        store.dump(H(1), "old")
        store.dump(H(1), "new")
        assert store.load(H(1)) == "new"

    def test_dump_many(self, store: Store) -> None:
        values = sample_values()
        sizes = store.dump_many([(H(k), v) for k, v in values.items()])
        assert len(sizes) == len(values) and sizes[0] == 0
        assert store.listing() == {H(k) for k in values}
        for k, v in values.items():
            assert_same(store.load(H(k)), v)
        assert store.dump_many([]) == []

    def test_unpicklable_value_saves_nothing(self, store: Store) -> None:
        with pytest.raises(Exception):  # noqa: B017 - whatever pickle raises
            store.dump(H(1), {"f": lambda: 0})
        assert not store.exists(H(1))
        with pytest.raises(Exception):  # noqa: B017
            store.dump_many([(H(2), 2), (H(3), [lambda: 0]), (H(4), 4)])
        assert store.listing() == set()

    def test_rejects_non_hashes(self, store: Store) -> None:
        for bad in ("../../etc/passwd", "ABC", H(1).upper(), H(1).encode()):
            with pytest.raises(StoreError):
                store.exists(bad)  # type: ignore[arg-type]
        with pytest.raises(StoreError):
            store.dump_many([(H(1), 1), ("../x", 2)])
        assert store.listing() == set()

    async def test_aexists(self, store: Store) -> None:
        h = H("async")
        assert await store.aexists(h) is False
        store.dump(h, 1)
        assert await store.aexists(h) is True

    def test_saved_now(self, store: Store) -> None:
        h = H("now")
        assert store.saved_now(h) is False
        assert store.listing() == set()  # the check creates nothing
        store.dump(h, None)
        assert store.saved_now(h) is True
        store.remove(h)
        assert store.saved_now(h) is False


class LockStoreContract:
    """The LockStore contract, run against every store: a subclass supplies
    ``store`` (an empty store)."""

    @pytest.fixture
    def store(self) -> Store:
        raise NotImplementedError

    def test_is_a_lock_store(self, store: Store) -> None:
        assert isinstance(store, LockStore)

    def test_rejects_non_hashes(self, store: Store) -> None:
        with pytest.raises(StoreError):
            store.try_lock("pack-save")
        with pytest.raises(StoreError):
            store.lock_info("../x")

    def test_lock_cycle(self, store: Store) -> None:
        h = H("lock")
        assert store.lock_info(h) is None
        assert store.try_lock(h) is True
        assert store.try_lock(h) is False
        assert store.list_locks() == {h}
        info = store.lock_info(h)
        assert info is not None
        assert (info.hash, info.pid, info.host) == (h, os.getpid(), socket.gethostname())
        assert info.created and CREATED.fullmatch(info.created)
        assert not info.failed and info.mtime > 1
        assert info.record == LockRecord(info.pid, info.host, info.created)
        store.unlock(h)
        store.unlock(h)  # releasing twice is harmless
        assert store.lock_info(h) is None and store.list_locks() == set()
        assert store.try_lock(h) is True

    def test_lock_many_takes_the_free_ones(self, store: Store) -> None:
        held = H("held")
        assert store.try_lock(held)
        hashes = [H(("many", i)) for i in range(5)]
        assert store.try_lock_many([hashes[0], held, *hashes[1:]]) == [True, False] + [True] * 4
        assert store.try_lock_many(hashes[:2]) == [False, False]
        assert store.list_locks() == {held, *hashes}
        info = store.lock_info(hashes[3])
        assert info is not None and (info.pid, info.host) == (os.getpid(), socket.gethostname())
        assert info.created and not info.failed
        store.unlock_many(hashes)
        assert store.list_locks() == {held}
        with pytest.raises(StoreError):
            store.try_lock_many([H(1), "pack-save"])
        assert store.list_locks() == {held}

    def test_marking_one_lock_of_a_batch_failed_spares_the_others(self, store: Store) -> None:
        a, b = H("batch-a"), H("batch-b")
        assert store.try_lock_many([a, b]) == [True, True]
        store.mark_failed(a)
        assert store.lock_info(a).failed  # type: ignore[union-attr]
        assert not store.lock_info(b).failed  # type: ignore[union-attr]

    def test_mark_failed(self, store: Store) -> None:
        h = H("failed")
        store.mark_failed(h)  # not locked: nothing to mark
        assert store.lock_info(h) is None
        store.try_lock(h)
        before = store.lock_info(h)
        store.mark_failed(h)
        info = store.lock_info(h)
        assert info is not None and info.failed and info.mtime == 1
        assert (info.pid, info.host, info.created) == (before.pid, before.host, before.created)  # type: ignore[union-attr]
        assert store.try_lock(h) is False

    def test_break_lock(self, store: Store) -> None:
        h = H("stale")
        store.try_lock(h)
        seen = store.lock_info(h)
        assert seen is not None
        assert store.break_lock(h, seen) is True
        assert store.lock_info(h) is None
        assert store.break_lock(h, seen) is False

    def test_break_lock_spares_a_new_lock(self, store: Store) -> None:
        h = H("retaken")
        store.try_lock(h)
        seen = store.lock_info(h)
        assert seen is not None
        store.unlock(h)
        store.try_lock(h)  # taken again meanwhile: a different lock
        store.mark_failed(h)  # make sure it differs even within one clock tick
        now = store.lock_info(h)
        assert store.break_lock(h, seen) is False
        assert store.lock_info(h) == now

    async def test_alock_info(self, store: Store) -> None:
        h = H("async")
        assert await store.alock_info(h) is None
        store.try_lock(h)
        assert await store.alock_info(h) == store.lock_info(h)

    def test_lock_record_lines_in_every_lock(self, store: Store) -> None:
        record = lease_record(60.0, token="feedbeef")
        store.set_lock_record(record)
        assert store.try_lock(H("one"))
        assert store.try_lock_many([H("a"), H("b")]) == [True, True]
        for h in (H("one"), H("a"), H("b")):
            info = store.lock_info(h)
            assert info is not None and info.record is not None
            assert (info.pid, info.host) == (os.getpid(), socket.gethostname())
            assert info.created and CREATED.fullmatch(info.created)
            assert dataclasses.replace(info.record, created=record.created) == record
        store.mark_failed(H("a"))
        failed = store.lock_info(H("a"))
        assert failed is not None and failed.failed and failed.record.token == "feedbeef"  # type: ignore[union-attr]
        store.set_lock_record(None)
        assert store.try_lock(H("plain"))
        plain = store.lock_info(H("plain"))
        assert plain is not None and plain.record == LockRecord(plain.pid, plain.host,
                                                                plain.created)

    def test_lock_record_must_be_this_process(self, store: Store) -> None:
        with pytest.raises(ValueError, match="PID 1 "):
            store.set_lock_record(lease_record(pid=1))

    def test_sweep_of_a_clean_store_removes_nothing(self, store: Store) -> None:
        store.dump(H(1), 1)
        assert store.try_lock(H(1))  # ours, alive: never a dead owner's
        swept = store.sweep()
        assert not swept and swept.describe() == ""
        assert store.list_locks() == {H(1)}


class SharedLockStoreContract(LockStoreContract):
    """The LockStore contract across processes, for stores that several
    processes open: a subclass also supplies ``spec``, what ``open_store`` takes
    to reach the same store as ``store`` from another process."""

    @pytest.fixture
    def spec(self) -> str:
        raise NotImplementedError

    def test_try_lock_race_has_one_winner(self, store: Store, spec: str) -> None:
        rounds = 150
        a, b = run_racers(race_try_lock, spec, rounds)
        assert not set(a) & set(b)
        assert set(a) | set(b) == set(range(rounds))

    def test_try_lock_many_race_has_one_winner(self, store: Store, spec: str) -> None:
        rounds = 60
        a, b = run_racers(race_try_lock_many, spec, rounds)
        assert not set(a) & set(b)
        assert set(a) | set(b) == {H(("race-many", r, i)) for r in range(rounds) for i in range(8)}

    def test_break_lock_race_has_one_winner(self, store: Store, spec: str) -> None:
        seen = []
        for r in range(100):
            h = H(("stale", r))
            store.try_lock(h)
            seen.append(store.lock_info(h))
        a, b = run_racers(race_break_lock, spec, seen)
        assert not set(a) & set(b)
        assert set(a) | set(b) == set(range(100))
        assert store.list_locks() == set()


class FailureLogContract:
    """The FailureLog contract, run against every store: a subclass supplies
    ``store`` (an empty store)."""

    @pytest.fixture
    def store(self) -> Store:
        raise NotImplementedError

    def test_is_a_failure_log(self, store: Store) -> None:
        assert isinstance(store, FailureLog)

    def test_failures(self, store: Store) -> None:
        assert store.load_failure(H(1)) is None and store.list_failures() == set()
        store.save_failure(H(1), "Traceback: boom ✗")
        store.save_failure(H(2), "first")
        store.save_failure(H(2), "second")
        assert store.load_failure(H(1)) == "Traceback: boom ✗"
        assert store.load_failure(H(2)) == "second"
        assert store.list_failures() == {H(1), H(2)}
        assert store.listing() == set()  # failures are not results
        store.clear_failure(H(1))
        store.clear_failure(H(1))
        assert store.list_failures() == {H(2)}

    def test_a_failure_record_round_trips(self, store: Store) -> None:
        tb = "Traceback (most recent call last):\n  File x\nKeyError: 'k'\n"
        store.save_failure(H(1), format_failure("m.f", tb))
        assert split_failure("m.f", store.load_failure(H(1)) or "") == ("KeyError: 'k'", tb)

    def test_rejects_non_hashes(self, store: Store) -> None:
        for bad in ("../x", "", H(1).upper()):
            with pytest.raises(StoreError):
                store.save_failure(bad, "x")
            with pytest.raises(StoreError):
                store.load_failure(bad)


# -- racing processes (bodies importable, so spawned children can run them) ---


def run_racers(target: object, *args: object) -> list[list[Any]]:
    """Run ``target`` in two spawned processes started in step; their results."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=target, args=(*args, barrier, out)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return results


def race_try_lock(spec: str, rounds: int, barrier: Any, out: Any) -> None:
    """Try to lock H(("race", r)) for each round, in step with the other racer."""
    from jug_async.store.open import open_store

    store = open_store(spec)
    won = []
    for r in range(rounds):
        barrier.wait()
        if store.try_lock(H(("race", r))):
            won.append(r)
    out.put(won)


def race_try_lock_many(spec: str, rounds: int, barrier: Any, out: Any) -> None:
    """Lock overlapping batches of 8 hashes per round: one racer walks them
    forwards, the other backwards, so they collide at different positions."""
    from jug_async.store.open import open_store

    store = open_store(spec)
    won = []
    for r in range(rounds):
        batch = [H(("race-many", r, i)) for i in range(8)]
        if os.getpid() % 2:
            batch.reverse()
        barrier.wait()
        won += [h for h, got in zip(batch, store.try_lock_many(batch), strict=True) if got]
    out.put(won)


def race_break_lock(spec: str, seen: list[LockInfo], barrier: Any, out: Any) -> None:
    """Try to break each stale lock in ``seen``, in step with the other breaker."""
    from jug_async.store.open import open_store

    store = open_store(spec)
    won = []
    for r, info in enumerate(seen):
        barrier.wait()
        if store.break_lock(info.hash, info):
            won.append(r)
    out.put(won)
