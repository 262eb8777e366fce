"""The task DAG, built once per load: nodes are distinct hashes.

Plain lists indexed by node number keep it small and fast at 100,000 tasks.
A jugfile may declare the same task twice; both declarations map to one node
(``declared`` keeps one entry per declaration, which ``status`` counts as jug
does).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any

from jug_async.api.task import Task

from .running import usable_cores

PARALLEL_HASHING_FROM = 20_000  # tasks; below, a fork costs more than it saves
_HEX_LEN = 40


@dataclass(frozen=True)
class TaskGraph:
    hashes: list[str]
    names: list[str]
    tasks: list[Task]
    deps: list[tuple[int, ...]]
    dependents: list[list[int] | tuple[()]]
    declared: list[int]
    index: dict[str, int]

    def __len__(self) -> int:
        return len(self.hashes)

    def name_order(self) -> list[str]:
        """Task names in order of first declaration."""
        return list(dict.fromkeys(self.names[i] for i in self.declared))


def build(tasks: list[Task]) -> TaskGraph:
    """Hash every task and link dependencies; dependencies declared outside the
    list (created in another context) become nodes too."""
    _hash_in_two_processes(tasks)
    hashes: list[str] = []
    names: list[str] = []
    nodes: list[Task] = []
    deps: list[tuple[int, ...]] = []
    index: dict[str, int] = {}

    def node_of(t: Any) -> int:
        h = t.key()
        i = index.get(h)
        if i is None:
            i = len(hashes)
            index[h] = i
            hashes.append(h)
            names.append(t.name)
            nodes.append(t)
            deps.append(())
            ds = t.dependencies()
            if ds:
                # Dependencies are usually declared (and so numbered) already.
                deps[i] = tuple(dict.fromkeys(
                    [j if (j := index.get(d.key())) is not None else node_of(d) for d in ds]))
        return i

    declared = []
    for t in tasks:  # node_of inlined for the usual case: a task seen for the first time
        h = t.key()
        i = index.get(h)
        if i is None and not t.dependencies():
            i = index[h] = len(hashes)
            hashes.append(h)
            names.append(t.name)
            nodes.append(t)
            deps.append(())
        elif i is None:
            i = node_of(t)
        declared.append(i)
    # Most tasks have no dependents: they share one empty tuple.
    dependents: list[list[int] | tuple[()]] = [()] * len(hashes)
    for i, ds in enumerate(deps):
        for d in ds:
            if dependents[d] == ():
                dependents[d] = [i]
            else:
                dependents[d].append(i)
    return TaskGraph(hashes, names, nodes, deps, dependents, declared, index)


def _hash_in_two_processes(tasks: list[Task]) -> None:
    """Compute the keys of the second half of ``tasks`` in a forked child while
    this process hashes the first half: hashing is most of the time ``status``
    spends on 100,000 tasks, and it is pure Python, so threads would not help.

    A child that fails (an argument that cannot be hashed, say) changes nothing:
    the keys are then computed here, and the error is raised here.
    """
    if (len(tasks) < PARALLEL_HASHING_FROM or not hasattr(os, "fork")
            or threading.active_count() > 1 or usable_cores() < 2):
        return
    half = len(tasks) // 2
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no cleanup handlers, no buffered output of the parent's
        try:
            os.close(read_end)
            keys = "".join([t.key() for t in tasks[half:]]).encode("ascii")
            with os.fdopen(write_end, "wb") as out:
                out.write(keys)
        except BaseException:
            os._exit(1)
        os._exit(0)
    os.close(write_end)
    try:
        for t in tasks[:half]:
            t.key()
    finally:
        with os.fdopen(read_end, "rb") as inp:
            blob = inp.read()
        _, status = os.waitpid(pid, 0)
    rest = tasks[half:]
    if status != 0 or len(blob) != _HEX_LEN * len(rest):
        return
    text = blob.decode("ascii")
    for t, k in zip(rest, range(0, len(text), _HEX_LEN), strict=True):
        t._hash = text[k:k + _HEX_LEN]
