"""The scheduler's loop on real jugfiles: with ``InlinePool`` (batches run in this
process: fast, deterministic) and, once per limit, with real worker processes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jug_async.run import events as ev
from jug_async.run.pool import FunctionTable, InlinePool, PoolFactory
from jug_async.run.scheduler import Scheduler, Statistics
from jug_async.session import Session
from jug_async.store.file import FileStore
from jug_async.store.memory import MemoryStore

TINY_TOTAL = 300 + 10 + 1  # cubes, block sums, grand total (tests/jugfiles/tiny.py)


@pytest.fixture
def tiny(jugfile) -> Iterator[Session]:
    with Session(jugfile("tiny.py"), store=MemoryStore()) as session:
        yield session


def inline(session: Session, **kw) -> tuple[Scheduler, list[ev.Event], InlinePool]:
    assert session.graph is not None
    table = FunctionTable(session.graph, session.module)
    pool = InlinePool(session.store, table.functions)
    events: list[ev.Event] = []
    sched = Scheduler(session.graph, session.store, lambda: pool, table.key, jobs=2,
                      sink=events.append, **kw)
    return sched, events, pool


async def test_inline_pool_runs_everything_in_this_process(tiny, executions):
    sched, events, pool = inline(tiny)
    r = await sched.run()
    assert (r.total, r.done, r.executed, r.failures, r.interrupted) == (
        TINY_TOTAL, TINY_TOTAL, TINY_TOTAL, [], None)
    assert sum(executions().values()) == TINY_TOTAL
    assert pool.batches < TINY_TOTAL / 4  # tiny tasks travel in batches
    h = tiny.graph.hashes[tiny.graph.names.index("tiny.grand_total")]
    assert tiny.store.load(h) == sum(i**3 for i in range(300))
    assert sched.statistics() == Statistics(
        total=TINY_TOTAL, done=TINY_TOTAL, executed=TINY_TOTAL, running=0, elsewhere=0,
        failed=0, blocked=0, ready=0,
        done_by_name={"tiny.cube": 300, "tiny.block_sum": 10, "tiny.grand_total": 1})
    assert isinstance(events[0], ev.RunStarted) and isinstance(events[-1], ev.RunFinished)


async def test_statistics_before_the_run_counts_saved_results(tiny):
    sched, _, _ = inline(tiny)
    assert sched.statistics().total == TINY_TOTAL and sched.statistics().done == 0
    await sched.run()
    again, _, _ = inline(tiny)
    again.prepare()
    assert again.statistics().done == TINY_TOTAL and not again.ready


@pytest.mark.parametrize("n", [1, 7, 150, 305])
async def test_max_executed_runs_exactly_that_many(tiny, executions, n):
    sched, _, _ = inline(tiny, max_executed=n)
    r = await sched.run()
    assert (r.executed, r.failures, r.interrupted) == (n, [], None)
    assert sum(executions().values()) == n
    assert sched.statistics().running == 0


async def test_max_executed_does_not_count_tasks_locked_elsewhere(tiny, executions):
    g, store = tiny.graph, tiny.store
    cubes = [h for h, name in zip(g.hashes, g.names, strict=True) if name == "tiny.cube"]
    assert all(store.try_lock_many(cubes[:40]))  # another process holds these
    # Runnable: 260 cubes and the 8 block sums whose cubes are all free. Had the
    # 40 locked cubes used up budget, at most 300 - 40 tasks would run.
    sched, events, _ = inline(tiny, max_executed=265)
    r = await sched.run()
    assert r.executed == 265 and sum(executions().values()) == 265
    held = {e.hash for e in events if isinstance(e, ev.TaskHeldElsewhere)}
    assert held == set(cubes[:40])


async def test_max_executed_counts_failures(jugfile, executions):
    with Session(jugfile("chains.py"), store=MemoryStore()) as session:
        import os

        os.environ["FAIL_13"] = "1"
        try:
            sched, _, _ = inline(session, max_executed=60, keep_going=True)
            r = await sched.run()
        finally:
            del os.environ["FAIL_13"]
    assert r.executed + len(r.failures) == 60 and len(r.failures) == 1
    assert sum(executions().values()) == 60


async def test_stop_requested_dispatches_nothing_more_and_ends_normally(tiny, executions):
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 2  # two batches, then stop

    sched, events, pool = inline(tiny, stop_requested=stop)
    r = await sched.run()
    started = sum(isinstance(e, ev.TaskStarted) for e in events)
    assert pool.batches == 2
    assert 0 < r.executed == started == sum(executions().values()) < TINY_TOTAL
    assert (r.failures, r.interrupted) == ([], None)
    assert sched.statistics().running == 0


async def test_stop_requested_at_once_runs_nothing(tiny, executions):
    sched, _, pool = inline(tiny, stop_requested=lambda: True)
    r = await sched.run()
    assert (r.executed, r.done, r.interrupted, pool.batches) == (0, 0, None, 0)
    assert not executions()


async def test_max_executed_with_worker_processes(jugfile, tmp_path, executions):
    path = jugfile("tiny.py")
    jugdir = tmp_path / "tiny.jugdata"
    with Session(path, str(jugdir)) as session:
        assert session.graph is not None
        table = FunctionTable(session.graph, session.module)
        pools = PoolFactory(2, session.spec, table)  # not prestarted: pytest runs threads
        sched = Scheduler(session.graph, session.store, pools.make, table.key, jobs=2,
                          max_executed=123)
        r = await sched.run()
    assert (r.executed, r.failures, r.interrupted) == (123, [], None)
    assert sum(executions().values()) == 123
    assert len(FileStore(str(jugdir)).listing()) == 123
    assert not FileStore(str(jugdir)).list_locks()


def test_inline_pool_leaves_the_callers_worker_state_alone(tiny):
    from jug_async.run import worker

    before = worker._state
    table = FunctionTable(tiny.graph, tiny.module)
    InlinePool(tiny.store, table.functions)
    assert worker._state is before




# ---- locks held elsewhere: the scheduler's use of locks.reclaim.judge -----------------


class StoreClock:
    """The store's time as a test decides it: ``offset`` seconds from now,
    growing by ``step`` at each reading."""

    def __init__(self, offset: float = 0.0, step: float = 0.0) -> None:
        self.offset, self.step = offset, step

    async def anow(self) -> float:
        import time

        self.offset += self.step
        return time.time() + self.offset


def held_by(store, h: str, host: str, lease: float | None) -> None:
    """Lock ``h`` as a process of ``host`` would (a lease when given)."""
    import dataclasses

    from jug_async.records import LockRecord

    record = dataclasses.replace(LockRecord.mine(host=host), lease_seconds=lease,
                                 boot_id="their-kernel" if lease else None,
                                 pidns="4026531836" if lease else None)
    store.set_lock_record(record)
    assert store.try_lock(h)
    store.set_lock_record(None)


def judged(session: Session, clock: StoreClock, **kw):
    from jug_async.locks.facts import HostFacts, ProcessFacts
    from jug_async.run.held import HeldLocks

    held = HeldLocks(session.store, here=HostFacts("this-node", "our-kernel", "1"),
                     probe=lambda pid: ProcessFacts(True), clock=clock)
    return inline(session, held_locks=held, **kw)


@pytest.fixture
def one(tiny) -> str:
    """The hash of the first cube of tiny.py (nothing depends on it but a block sum)."""
    return tiny.graph.hashes[tiny.graph.names.index("tiny.cube")]


async def test_a_lock_whose_lease_ran_out_by_the_store_clock_is_broken(tiny, one, executions):
    held_by(tiny.store, one, "crashed-node", lease=60.0)
    sched, events, _ = judged(tiny, StoreClock(offset=61.0), wait_limit=0.0)
    r = await sched.run()
    assert (r.done, r.gave_up, r.failures) == (TINY_TOTAL, [], [])
    assert sum(executions().values()) == TINY_TOTAL and not tiny.store.list_locks()
    assert not any(isinstance(e, ev.LockWaited) for e in events)


async def test_a_live_lease_is_waited_for_past_the_wait_limit_until_it_runs_out(tiny, one,
                                                                              executions):
    held_by(tiny.store, one, "busy-node", lease=60.0)
    # The store's clock moves 20 s per reading: held for three polls, then stale.
    sched, events, _ = judged(tiny, StoreClock(step=20.0), wait_limit=0.0)
    r = await sched.run()
    assert (r.done, r.gave_up) == (TINY_TOTAL, [])  # not given up while renewed
    assert sum(executions().values()) == TINY_TOTAL
    assert not any(isinstance(e, ev.LockWaited) for e in events)


async def test_a_plain_jug_lock_of_another_host_is_named_and_given_up_on(tiny, one,
                                                                        executions):
    held_by(tiny.store, one, "jug-node", lease=None)
    sched, events, _ = judged(tiny, StoreClock(offset=86400.0), wait_limit=0.0)
    r = await sched.run()
    [w] = r.gave_up
    assert w.hash == one and w.owner.endswith("on jug-node")
    assert "jug-node" in w.detail and "cleanup --locks-only" in w.detail
    assert "never broken on age" in w.detail
    [told] = [e for e in events if isinstance(e, ev.LockWaited)]
    assert told.hash == one and "jug-node" in told.owner
    assert tiny.store.lock_info(one) is not None  # a day old, and still not broken
    assert sum(executions().values()) == TINY_TOTAL - 3  # not the cube, its sum, the total


async def test_progress_never_counts_tasks_held_elsewhere_as_running(tiny, one):
    held_by(tiny.store, one, "jug-node", lease=None)
    sched, events, _ = judged(tiny, StoreClock(), wait_limit=0.0)
    await sched.run()
    for e in events:
        if isinstance(e, ev.Progress) and e.stats is not None:
            assert e.running == e.stats.running == sum(e.stats.running_by_name.values())
            assert e.elsewhere <= 1
    assert sched.statistics().running == 0 and sched.statistics().elsewhere == 1


def test_after_a_worker_died_only_its_locks_and_dead_owners_locks_are_broken(tiny):
    import dataclasses
    import os

    from jug_async.locks.facts import HostFacts, ProcessFacts
    from jug_async.records import LockRecord
    from jug_async.run.held import HeldLocks

    store = tiny.store

    def lock(h: str, host: str, **lease_lines) -> None:
        store.set_lock_record(dataclasses.replace(LockRecord.mine(host=host), **lease_lines))
        assert store.try_lock(h)
        store.set_lock_record(None)

    ours, dead, leased, jugs, failed = tiny.graph.hashes[:5]
    same_kernel = {"boot_id": "our-kernel", "pidns": "4026531836"}
    lock(ours, "this-node")  # our worker's: its PID is one of ours
    lock(dead, "this-node", **same_kernel)  # a PID this kernel sees dead
    lock(leased, "busy-node", boot_id="their-kernel", lease_seconds=60.0)  # fresh lease
    lock(jugs, "jug-node")  # a plain jug lock of another host
    lock(failed, "this-node")
    store.mark_failed(failed)  # jug --keep-failed: stays
    held = HeldLocks(store, here=HostFacts("this-node", "our-kernel", "4026531836"),
                     probe=lambda pid: ProcessFacts(False))
    held.break_dead_workers([ours, failed], ours={os.getpid()})
    held.break_dead_workers([dead, leased, jugs], ours=set())
    assert store.list_locks() == {leased, jugs, failed}
