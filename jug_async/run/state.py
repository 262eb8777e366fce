"""A run's state as plain data, and the few transitions that change it.

The model is dask's ``local.py``: the whole state of a run is a handful of
lists, sets and deques (``RunState``), built once by the pure ``start_state``
and changed only by the transition functions below. Each transition
*mutates its state and runs atomically* (the scheduler calls them from its one
event loop, never awaiting in between); none does I/O or emits an event: each
returns what happened (for instance the tasks it blocked, with the reason) so
that the scheduler emits the events and does the store I/O. Tests drive them
with no event loop and compare whole states.

Policy:

* Node ``i`` of the graph is in state ``state[i]`` (a ``TaskState``). At the
  start it is DONE when its hash is in the store's listing, UNSELECTED when the
  run's name filter rejects it, else WAITING; ``missing[i]`` counts its inputs
  that are not DONE. A WAITING node whose count reaches zero becomes READY and
  is appended to ``ready``, a FIFO: tasks run roughly in declaration order, as
  with jug.
* Dispatching a batch (``start_batch``) takes its tasks off ``ready`` (riders
  were never on it) and makes them RUNNING; ``batches`` holds each batch in
  flight under a small id.
* A task that ran and saved (``task_done``) becomes DONE: ``executed`` counts
  it and ``estimate`` learns its cost. One saved by another process
  (``task_done_elsewhere``) becomes DONE without counting. Either way its
  WAITING dependents lose one missing input.
* A task whose lock another process holds (``task_held_elsewhere``) is
  ELSEWHERE, in ``elsewhere``, until polling finds it done, its lock gone
  (``task_freed``: READY again, at the front) or marked failed.
* A failure (``task_failed``) makes the task FAILED and every WAITING or READY
  task downstream of it BLOCKED; so does an UNSELECTED task at the start.
* A rider whose input was not saved in its batch (``task_skipped``) waits
  again, or is BLOCKED if that input failed.
* When a worker dies, its batch's tasks (``worker_died``) become suspects and
  go back to the front of ``ready``; a suspect runs alone, so a task that kills
  its worker again is known to be the culprit and fails.

Fields of ``RunState``:

    graph        the TaskGraph (hashes, names, deps, dependents per node)
    state        TaskState per node
    missing      per node, its inputs not DONE yet
    ready        READY nodes, FIFO (``task_freed`` and crash retries go first)
    elsewhere    ELSEWHERE nodes (locked by another process)
    batches      batch id -> its nodes, for batches in flight
    suspects     nodes that were running when a worker died
    estimate     task name -> seconds per task (function + save), smoothed
    failure_records  hashes with a failure record in the store (a success deletes it)
    done         nodes DONE (saved before the run, here, or elsewhere)
    executed     tasks that ran here and were saved
    ran          tasks whose function ran here, saved or failed (``max_executed``'s count)
    failed       nodes FAILED
    blocked      nodes BLOCKED
    done_by_name task name -> nodes DONE
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import compress

from jug_async.graph import TaskGraph
from jug_async.states import TaskState

WAITING = TaskState.WAITING
READY = TaskState.READY
RUNNING = TaskState.RUNNING
ELSEWHERE = TaskState.ELSEWHERE
DONE = TaskState.DONE
FAILED = TaskState.FAILED
BLOCKED = TaskState.BLOCKED
UNSELECTED = TaskState.UNSELECTED

Blocked = list[tuple[int, str]]  # (node, reason) for each node a transition blocked


@dataclass(eq=True)
class RunState:
    graph: TaskGraph = field(compare=False)
    state: list[TaskState]
    missing: list[int]
    ready: deque[int] = field(default_factory=deque)
    elsewhere: set[int] = field(default_factory=set)
    batches: dict[int, list[int]] = field(default_factory=dict)
    suspects: set[int] = field(default_factory=set)
    estimate: dict[str, float] = field(default_factory=dict)
    failure_records: set[str] = field(default_factory=set)
    done: int = 0
    executed: int = 0
    ran: int = 0
    failed: int = 0
    blocked: int = 0
    done_by_name: Counter[str] = field(default_factory=Counter)
    next_batch: int = 0

    @property
    def running(self) -> int:
        """Tasks in flight here (in batches sent to the pool)."""
        return sum(map(len, self.batches.values()))


@dataclass(frozen=True)
class Statistics:
    """A read-only picture of the run, for displays (``Scheduler.statistics``,
    and every ``events.Progress``). Tasks held elsewhere are not running here;
    tasks of a batch lost with its worker are ready again, not running."""

    total: int
    done: int  # saved: before the run, here, or elsewhere
    executed: int  # run and saved here
    running: int  # dispatched here, not back yet
    elsewhere: int  # locked by other processes; waited for
    failed: int
    blocked: int
    ready: int
    done_by_name: dict[str, int]
    running_by_name: dict[str, int] = field(default_factory=dict)


def statistics(s: RunState) -> Statistics:
    """A frozen snapshot of ``s`` (O(names + tasks in flight))."""
    names = s.graph.names
    running = Counter(names[i] for nodes in s.batches.values() for i in nodes)
    return Statistics(len(s.state), s.done, s.executed, s.running, len(s.elsewhere), s.failed,
                      s.blocked, len(s.ready), dict(s.done_by_name), dict(running))


def start_state(graph: TaskGraph, saved: set[str], failure_records: Iterable[str] = (),
                selected: Callable[[str], bool] | None = None) -> tuple[RunState, Blocked]:
    """Every node's state from one listing of the store; returns the state and the
    nodes blocked because an input is not selected (and not done)."""
    state = [DONE if h in saved else WAITING for h in graph.hashes]
    pending = [i for i, st in enumerate(state) if st is WAITING]
    missing = [0] * len(graph)
    deps, names = graph.deps, graph.names
    for i in pending:
        missing[i] = sum(1 for d in deps[i] if state[d] is not DONE)
        if selected is not None and not selected(names[i]):
            state[i] = UNSELECTED
    s = RunState(graph, state, missing, failure_records=set(failure_records),
                 done=len(graph) - len(pending),
                 done_by_name=Counter(compress(names, [st is DONE for st in state])))
    blocked: Blocked = []
    for i in pending:
        if state[i] is UNSELECTED:
            blocked += _block_dependents(
                s, i, f"needs {names[i]}, which is not selected and not done")
    ready = [i for i in pending if state[i] is WAITING and missing[i] == 0]
    for i in ready:
        state[i] = READY
    s.ready.extend(ready)
    return s, blocked


def rotate_ready(s: RunState, k: int) -> None:
    """Start ``k`` places into the ready list (when someone else runs this jugfile,
    so that two runners do not spend their time colliding on the same locks)."""
    s.ready.rotate(-k)


# ---- dispatch ---------------------------------------------------------------


def start_batch(s: RunState, taken: list[tuple[int, int]]) -> list[int]:
    """Take the batch ``take_batch`` chose off ``ready`` and make it RUNNING.
    Its tasks that were READY are the head of ``ready``, in order."""
    nodes = []
    for i, _ in taken:
        if s.state[i] is READY:
            head = s.ready.popleft()
            assert head == i, "a batch must be taken from the head of ready"
        s.state[i] = RUNNING
        nodes.append(i)
    return nodes


def batch_sent(s: RunState, nodes: list[int]) -> int:
    """The pool accepted the batch: it is in flight under the returned id."""
    bid = s.next_batch
    s.next_batch += 1
    s.batches[bid] = nodes
    return bid


def batch_refused(s: RunState, nodes: list[int]) -> None:
    """The pool could not take the batch (it broke): its tasks go back to the
    front of ``ready``, in order."""
    for i in reversed(nodes):
        s.state[i] = READY
        s.ready.appendleft(i)


def batch_returned(s: RunState, bid: int) -> list[int]:
    """The batch is back (outcomes or an error): no longer in flight."""
    return s.batches.pop(bid)


# ---- outcomes ---------------------------------------------------------------


def task_done(s: RunState, i: int, cost: float | None = None) -> None:
    """Ran here and saved (``cost``: seconds of function and save), or, with
    ``cost`` None, found saved by another process."""
    if cost is not None:
        s.executed += 1
        s.ran += 1
        name = s.graph.names[i]
        old = s.estimate.get(name)
        s.estimate[name] = cost if old is None else 0.7 * old + 0.3 * cost
    _mark_done(s, i)


def task_done_elsewhere(s: RunState, i: int) -> None:
    """Saved by another process (seen by a worker or by polling)."""
    s.elsewhere.discard(i)
    _mark_done(s, i)


def _mark_done(s: RunState, i: int) -> None:
    state, missing, ready = s.state, s.missing, s.ready
    state[i] = DONE
    s.done += 1
    s.done_by_name[s.graph.names[i]] += 1
    for d in s.graph.dependents[i]:
        missing[d] -= 1
        if missing[d] == 0 and state[d] is WAITING:
            state[d] = READY
            ready.append(d)


def task_held_elsewhere(s: RunState, i: int) -> None:
    s.state[i] = ELSEWHERE
    s.elsewhere.add(i)


def task_freed(s: RunState, i: int) -> None:
    """The other process's lock went away without a result: run it here, next."""
    s.elsewhere.discard(i)
    s.state[i] = READY
    s.ready.appendleft(i)


def task_failed(s: RunState, i: int, ran: bool = False) -> Blocked:
    """FAILED (``ran``: its function ran in a worker here); blocks downstream."""
    s.elsewhere.discard(i)
    s.state[i] = FAILED
    s.failed += 1
    s.ran += ran
    return _block_dependents(s, i, f"needs {s.graph.names[i]}, which failed")


def task_skipped(s: RunState, i: int) -> Blocked:
    """A rider whose input was not saved in its batch: wait again, or be blocked
    if that input failed."""
    g, state = s.graph, s.state
    state[i] = WAITING
    bad = [p for p in g.deps[i] if state[p] in (FAILED, BLOCKED, UNSELECTED)]
    if bad:
        state[i] = BLOCKED
        s.blocked += 1
        return [(i, f"needs {g.names[bad[0]]}"),
                *_block_dependents(s, i, f"needs {g.names[i]}, which is blocked")]
    if s.missing[i] == 0:
        state[i] = READY
        s.ready.append(i)
    return []


def worker_died(s: RunState, nodes: list[int]) -> list[int]:
    """A worker died running ``nodes``: retry them alone, at the front of ``ready``.
    Returns the culprit (a suspect that ran alone), which the caller fails."""
    culprits = []
    for i in nodes:
        if i in s.suspects and len(nodes) == 1:
            culprits.append(i)
        else:
            s.suspects.add(i)
            s.state[i] = READY
            s.ready.appendleft(i)
    return culprits


def _block_dependents(s: RunState, i: int, reason: str) -> Blocked:
    g, state = s.graph, s.state
    blocked: Blocked = []
    stack = list(g.dependents[i])
    while stack:
        d = stack.pop()
        st = state[d]
        if st is WAITING or st is READY:
            if st is READY:
                s.ready.remove(d)
            state[d] = BLOCKED
            s.blocked += 1
            blocked.append((d, reason))
            stack.extend(g.dependents[d])
    return blocked
