"""The run's state transitions (run/state.py) and batching policy (run/batching.py),
with no event loop: each step is compared with the WHOLE expected state, as
dask's test_local.py does."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import replace

from jug_async.graph import TaskGraph
from jug_async.run import batching
from jug_async.run import state as st
from jug_async.run.state import (
    BLOCKED,
    DONE,
    ELSEWHERE,
    FAILED,
    READY,
    RUNNING,
    UNSELECTED,
    WAITING,
    RunState,
)


def graph(names: list[str], deps: list[tuple[int, ...]]) -> TaskGraph:
    n = len(names)
    hashes = [f"{i:040x}" for i in range(n)]
    dependents: list[list[int]] = [[] for _ in range(n)]
    for i, ds in enumerate(deps):
        for d in ds:
            dependents[d].append(i)
    return TaskGraph(hashes, names, [None] * n, deps, dependents, list(range(n)),
                     {h: i for i, h in enumerate(hashes)})


#   0:a   1:a        (a, a)
#    \   /
#     2:b            (b needs both)
#     |
#     3:c            (c needs b)
#   4:a              (independent)
G = graph(["a", "a", "b", "c", "a"], [(), (), (0, 1), (2,), ()])


def fresh(**over: object) -> RunState:
    base = RunState(G, [READY, READY, WAITING, WAITING, READY], [0, 0, 2, 1, 0],
                    ready=deque([0, 1, 4]))
    return replace(base, **over)


def test_start_state_from_an_empty_store():
    s, blocked = st.start_state(G, set())
    assert blocked == []
    assert s == fresh()


def test_start_state_counts_saved_results_and_failure_records():
    s, blocked = st.start_state(G, {G.hashes[0], G.hashes[1]}, [G.hashes[3]])
    assert blocked == []
    assert s == RunState(G, [DONE, DONE, READY, WAITING, READY], [0, 0, 0, 1, 0],
                         ready=deque([2, 4]), failure_records={G.hashes[3]}, done=2,
                         done_by_name=Counter({"a": 2}))


def test_start_state_blocks_what_needs_an_unselected_task():
    s, blocked = st.start_state(G, set(), selected=lambda name: name != "a")
    reason = "needs a, which is not selected and not done"
    assert sorted(blocked) == [(2, reason), (3, reason)]
    assert s == RunState(G, [UNSELECTED, UNSELECTED, BLOCKED, BLOCKED, UNSELECTED],
                         [0, 0, 2, 1, 0], blocked=2)


def test_a_batch_runs_and_its_results_ready_the_dependent():
    s, _ = st.start_state(G, set())
    st.start_batch(s, [(0, -1), (1, -1)])
    bid = st.batch_sent(s, [0, 1])
    assert s == fresh(state=[RUNNING, RUNNING, WAITING, WAITING, READY], ready=deque([4]),
                      batches={0: [0, 1]}, next_batch=1)
    assert st.batch_returned(s, bid) == [0, 1]
    st.task_done(s, 0, 0.5)
    st.task_done(s, 1, 1.0)
    assert s == fresh(state=[DONE, DONE, READY, WAITING, READY], missing=[0, 0, 0, 1, 0],
                      ready=deque([4, 2]), next_batch=1, estimate={"a": 0.7 * 0.5 + 0.3 * 1.0},
                      done=2, executed=2, ran=2, done_by_name=Counter({"a": 2}))


def test_a_refused_batch_goes_back_to_the_front_in_order():
    s, _ = st.start_state(G, set())
    st.start_batch(s, [(0, -1), (1, -1)])
    st.batch_refused(s, [0, 1])
    assert s == fresh()


def test_failure_blocks_everything_downstream():
    s, _ = st.start_state(G, set())
    st.start_batch(s, [(0, -1)])
    blocked = st.task_failed(s, 0, ran=True)
    assert blocked == [(2, "needs a, which failed"), (3, "needs a, which failed")]
    assert s == fresh(state=[FAILED, READY, BLOCKED, BLOCKED, READY], ready=deque([1, 4]),
                      failed=1, ran=1, blocked=2)


def test_held_elsewhere_then_freed_goes_first_then_done_elsewhere():
    s, _ = st.start_state(G, set())
    st.start_batch(s, [(0, -1)])
    st.task_held_elsewhere(s, 0)
    assert s == fresh(state=[ELSEWHERE, READY, WAITING, WAITING, READY], ready=deque([1, 4]),
                      elsewhere={0})
    st.task_freed(s, 0)
    assert s == fresh()
    st.start_batch(s, [(0, -1)])
    st.task_held_elsewhere(s, 0)
    st.task_done_elsewhere(s, 0)
    assert s == fresh(state=[DONE, READY, WAITING, WAITING, READY], missing=[0, 0, 1, 1, 0],
                      ready=deque([1, 4]), done=1, done_by_name=Counter({"a": 1}))


def test_skipped_rider_waits_again_or_is_blocked_by_its_failed_input():
    s, _ = st.start_state(G, {G.hashes[0], G.hashes[1]})
    st.start_batch(s, [(2, -1), (3, 2)])  # c rides after b
    st.task_done(s, 2, None)  # b saved by someone else meanwhile... c was skipped
    assert st.task_skipped(s, 3) == []
    assert s.state[3] is READY and list(s.ready) == [4, 3]
    s, _ = st.start_state(G, {G.hashes[0], G.hashes[1]})
    st.start_batch(s, [(2, -1), (3, 2)])
    st.task_failed(s, 2, ran=True)
    assert st.task_skipped(s, 3) == [(3, "needs b")]
    assert s == RunState(G, [DONE, DONE, FAILED, BLOCKED, READY], [0, 0, 0, 1, 0],
                         ready=deque([4]), done=2, failed=1, ran=1, blocked=1,
                         done_by_name=Counter({"a": 2}))


def test_worker_death_makes_suspects_and_a_lone_suspect_is_the_culprit():
    s, _ = st.start_state(G, set())
    st.start_batch(s, [(0, -1), (1, -1)])
    assert st.worker_died(s, [0, 1]) == []
    assert s == fresh(suspects={0, 1}, ready=deque([1, 0, 4]))  # each to the front
    st.start_batch(s, [(1, -1)])
    st.start_batch(s, [(0, -1)])
    assert st.worker_died(s, [0]) == [0]  # ran alone and killed its worker again
    assert s.state[0] is RUNNING  # the caller fails it


# ---- batching ----------------------------------------------------------------

def chain_graph(n: int) -> TaskGraph:
    """n producers p_i, each with one consumer c_i."""
    names = ["p"] * n + ["c"] * n
    deps = [()] * n + [(i,) for i in range(n)]
    return graph(names, deps)


def test_unknown_cost_runs_alone_with_its_lone_rider():
    s, _ = st.start_state(chain_graph(4), set())
    assert batching.take_batch(s, jobs=2) == [(0, -1), (4, 0)]
    assert s == st.start_state(chain_graph(4), set())[0]  # nothing changed


def test_known_small_tasks_share_a_batch_split_fairly_between_workers():
    g = graph(["t"] * 100, [()] * 100)
    s, _ = st.start_state(g, set())
    s.estimate["t"] = 0.0001
    # fairness: 100 ready / 2 jobs = 50, but a split under 2 ms of work is not worth it
    assert len(batching.take_batch(s, jobs=2)) == 50
    assert len(batching.take_batch(s, jobs=2, limit=7)) == 7  # max_executed's budget
    s.estimate["t"] = 0.02  # two fit in 50 ms of work
    assert len(batching.take_batch(s, jobs=2)) == 2
    assert batching.max_in_flight(s, 2) == 4  # short tasks: two batches per worker
    s.estimate["t"] = 2.0
    assert batching.max_in_flight(s, 2) == 2


def test_riders_count_towards_the_limit_and_suspects_run_alone():
    s, _ = st.start_state(chain_graph(4), set())
    s.estimate.update(p=0.001, c=0.001)
    # fairness: 4 ready / 1 job = 4 tasks, riders included
    assert batching.take_batch(s, jobs=1) == [(0, -1), (4, 0), (1, -1), (5, 1)]
    assert batching.take_batch(s, jobs=1, limit=3) == [(0, -1), (4, 0), (1, -1)]
    s.suspects.add(1)
    assert batching.take_batch(s, jobs=1) == [(0, -1), (4, 0)]
    st.start_batch(s, [(0, -1), (4, 0)])
    st.batch_sent(s, [0, 4])
    assert batching.suspect_blocks_dispatch(s)  # it waits until nothing else runs
