"""Which ready tasks go to the pool together: pure functions over a ``RunState``.

* A batch holds one task until tasks of that name have been timed, then as many
  as fit in ``BATCH_SECONDS`` of estimated work, so tiny tasks share one round
  trip and one group commit.
* Fairness: a batch leaves work for every worker (at most ``ready / jobs``
  tasks), unless a smaller split would cost more in round trips than it gains
  in balance (less than ``MIN_SPLIT_SECONDS`` of work).
* Riders: a small task whose only missing input is the task just taken rides
  along; it reads that result from the worker's memory instead of waiting for
  a round trip and reading it back.
* Queue-ahead: batches of tasks under ``QUEUE_AHEAD_BELOW`` are queued two per
  worker, so a worker that finishes one starts the next without waiting for a
  round trip through the scheduler (~1 ms, 2% of a 50 ms task). A queued batch
  holds no lock yet; it only shows as running up to this long before it
  really starts.
* Suspects (tasks running when a worker died) run alone, with nothing else in
  flight, so that a second crash names the culprit.

Nothing here changes the state: ``take_batch`` says what to take and
``state.start_batch`` takes it.
"""

from __future__ import annotations

import math
from itertools import islice

from jug_async.run.state import WAITING, RunState

BATCH_SECONDS = 0.05  # estimated work per batch once tasks are known to be small
MAX_BATCH = 256
MIN_SPLIT_SECONDS = 0.002  # a batch split for fairness keeps at least this much work
SMALL_TASK = 0.02  # seconds; a rider this small may exceed its batch's budget
QUEUE_AHEAD_BELOW = 1.0


def max_in_flight(s: RunState, jobs: int) -> int:
    """Batches in flight at once: two per worker when the next task is short."""
    head = s.ready[0] if s.ready else None
    est = s.estimate.get(s.graph.names[head]) if head is not None else None
    return jobs * 2 if est is not None and est < QUEUE_AHEAD_BELOW else jobs


def suspect_blocks_dispatch(s: RunState) -> bool:
    """A suspect runs alone: nothing is sent while one runs, and one is sent only
    once nothing else is in flight."""
    if any(len(b) == 1 and b[0] in s.suspects for b in s.batches.values()):
        return True
    return bool(s.batches) and bool(s.ready) and s.ready[0] in s.suspects


def take_batch(s: RunState, jobs: int, limit: int = MAX_BATCH) -> list[tuple[int, int]]:
    """The next batch, as ``(task, task of the batch it runs after, or -1)``: at most
    ``limit`` tasks, taken from the head of ``ready`` plus their riders."""
    fair = max(1, math.ceil(len(s.ready) / jobs))
    names, estimate, suspects = s.graph.names, s.estimate, s.suspects
    head = estimate.get(names[s.ready[0]]) if s.ready else None
    if head:  # a smaller split costs more in round trips than it gains in balance
        fair = max(fair, int(MIN_SPLIT_SECONDS / head))
    limit = min(limit, MAX_BATCH, fair)
    batch: list[tuple[int, int]] = []
    budget = BATCH_SECONDS
    for i in islice(s.ready, 0, limit):
        if len(batch) >= limit:
            break
        est = estimate.get(names[i])
        if batch and (est is None or est > budget or i in suspects):
            break
        batch.append((i, -1))
        if i in suspects:
            break
        budget -= est or 0.0
        alone = len(batch) == 1 and est is None
        while (d := rider(s, i, budget, alone)) is not None and len(batch) < limit:
            batch.append((d, i))
            budget -= estimate.get(names[d]) or 0.0
            i = d
        if est is None:
            break
    return batch


def rider(s: RunState, i: int, budget: float, alone: bool) -> int | None:
    """The sole dependent of ``i`` if it waits only for ``i`` and is small
    (riders may exceed the batch's budget by a small task each). A task of
    unknown cost rides only with a lone task of unknown cost: nothing else
    waits on that batch, and it gets timed."""
    ds = s.graph.dependents[i]
    if len(ds) != 1:
        return None
    d = ds[0]
    if s.state[d] is not WAITING or s.missing[d] != 1 or d in s.suspects:
        return None
    est = s.estimate.get(s.graph.names[d])
    if est is None:
        return d if alone else None
    return d if est <= max(budget, SMALL_TASK) else None
