"""Task states as ``jug status`` decides them, from one listing of the store.

A declared task is *Complete* if its result is saved. Otherwise, when all its
dependencies are saved, it is *Failed* (a failed lock, or a failure record not
superseded by a result), *Active* (locked) or *Ready*; else it is *Waiting*
(even if locked). Counts are per task name over all declarations, as jug counts.

Locks whose owner is known dead (``Store.dead_owners``: a crashed host's
expired lease, an exited PID of this host) are still locks to jug, so they
count as jug counts them; ``StoreSnapshot.dead`` lists them for a note below
the table.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from jug_async.graph import TaskGraph
from jug_async.states import JUG_COLUMN, JUG_COLUMNS, TaskState
from jug_async.store.base import LockInfo, Store

COLUMNS = JUG_COLUMNS


@dataclass(frozen=True)
class StoreSnapshot:
    """Everything status needs from the store, read once. ``dead``: the locks
    whose owner is known dead, with why and who (``{hash: "PID p on host: why"}``)."""

    saved: set[str]
    locked: set[str]
    failed: set[str]
    dead: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, store: Store) -> StoreSnapshot:
        locked = store.list_locks()
        failed = set(store.list_failures())
        infos = []
        for h in locked:
            info = store.lock_info(h)
            if info is not None:
                infos.append(info)
                if info.failed:
                    failed.add(h)
        return cls(store.listing(), locked, failed, dead_locks(store, infos))


def dead_locks(store: Store, infos: list[LockInfo]) -> dict[str, str]:
    """``{hash: "PID p on host: why"}`` for the locks of dead owners among ``infos``."""
    owners = {i.hash: f"PID {i.pid} on {i.host}" for i in infos}
    return {h: f"{owners[h]}: {why}" for h, why in store.dead_owners(infos).items()}


def dead_note(snap: StoreSnapshot, graph: TaskGraph | None = None, limit: int = 10) -> str:
    """Lines about the locks of dead owners ("" when there are none)."""
    if not snap.dead:
        return ""
    names = dict(zip(graph.hashes, graph.names, strict=True)) if graph is not None else {}
    n = len(snap.dead)
    lines = [f"{n} lock{'s' if n > 1 else ''} of a dead owner (the next run removes "
             f"{'them' if n > 1 else 'it'}, as does `jug-async cleanup --locks-only`):"]
    for h, why in sorted(snap.dead.items())[:limit]:
        lines.append(f"  dead lock {h}" + (f" ({names[h]})" if h in names else "") + f": {why}")
    if n > limit:
        lines.append(f"  ... and {n - limit} more")
    return "\n".join(lines)


def node_states(graph: TaskGraph, snap: StoreSnapshot) -> list[TaskState]:
    """The state of each node of the graph (DONE, WAITING, FAILED, RUNNING for
    locked, READY; ``JUG_COLUMN`` names jug's column for each)."""
    saved = snap.saved
    done = [h in saved for h in graph.hashes]
    complete = TaskState.DONE
    if all(done):  # the common case worth a fast path: a finished run
        return [complete] * len(done)
    waiting, failed_, active, ready = (TaskState.WAITING, TaskState.FAILED, TaskState.RUNNING,
                                       TaskState.READY)
    deps, failed, locked = graph.deps, snap.failed, snap.locked
    return [complete if done[i]
            else waiting if not all(done[d] for d in deps[i])
            else failed_ if h in failed
            else active if h in locked
            else ready
            for i, h in enumerate(graph.hashes)]


def counts_by_name(graph: TaskGraph, states: list[TaskState]) -> dict[str, dict[str, int]]:
    """``{task name: {jug column: count}}`` over all declarations, names sorted."""
    names = graph.names
    counted = Counter((names[i], states[i]) for i in graph.declared)
    table: dict[str, dict[str, int]] = {}
    for (name, state), n in counted.items():
        table.setdefault(name, dict.fromkeys(COLUMNS, 0))[JUG_COLUMN[state]] += n
    return dict(sorted(table.items()))


def render_table(table: dict[str, dict[str, int]], width: int = 100) -> str:
    """jug's layout: 12-wide count columns, then the name; a dotted Total row."""
    name_width = max(12, width - 12 * len(COLUMNS) - 2)

    def line(cells: list[object], name: str) -> str:
        return "".join(f"{c!s:>12}" for c in cells) + f"  {name}"

    rule = 12 * len(COLUMNS) + 2 + name_width
    out = [line(list(COLUMNS), "Task name"), "-" * rule]
    out += [line([row[c] for c in COLUMNS], name) for name, row in table.items()]
    out.append("." * rule)
    out.append(line([sum(r[c] for r in table.values()) for c in COLUMNS], "Total"))
    return "\n".join(out)


def all_complete(table: dict[str, dict[str, int]]) -> bool:
    return all(row["Complete"] == sum(row.values()) for row in table.values())


# ---- check, invalidate, cleanup: pure decisions over a graph and a listing ----------


def check_complete(graph: TaskGraph, saved: set[str]) -> bool:
    """``jug check``'s answer: walking the declarations from the last, every task
    not needed by a saved task declared after it must be saved (so a finished
    run whose intermediate results were removed still counts as complete)."""
    hashes, deps = graph.hashes, graph.deps
    covered: set[int] = set()
    for i in reversed(graph.declared):
        if i in covered:
            continue
        if hashes[i] not in saved:
            return False
        stack = list(deps[i])
        while stack:
            d = stack.pop()
            if d not in covered:
                covered.add(d)
                stack.extend(deps[d])
    return True


def downstream(graph: TaskGraph, seeds: set[int]) -> set[int]:
    """``seeds`` and every task that depends on one of them, directly or not
    (what ``invalidate`` removes)."""
    out = set(seeds)
    stack = list(seeds)
    while stack:
        for d in graph.dependents[stack.pop()]:
            if d not in out:
                out.add(d)
                stack.append(d)
    return out


def invalidation(graph: TaskGraph, seeds: set[int], saved: set[str]) -> dict[str, int]:
    """``{task name: results that invalidating ``seeds`` removes}``, counted per
    declaration as jug counts them, names sorted."""
    down = downstream(graph, seeds)
    counted = Counter(graph.names[i] for i in graph.declared
                      if i in down and graph.hashes[i] in saved)
    return dict(sorted(counted.items()))


def unused(graph: TaskGraph, hashes: set[str]) -> set[str]:
    """The hashes (results, failure records) no task of the graph uses."""
    return hashes - set(graph.hashes)
