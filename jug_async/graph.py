"""The task DAG, built once per load: nodes are distinct hashes.

Plain lists indexed by node number keep it small and fast at 100,000 tasks.
A jugfile may declare the same task twice; both declarations map to one node
(``declared`` keeps one entry per declaration, which ``status`` counts as jug
does).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .task import Task


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

    declared = [node_of(t) for t in tasks]
    # Most tasks have no dependents: they share one empty tuple.
    dependents: list[list[int] | tuple[()]] = [()] * len(hashes)
    for i, ds in enumerate(deps):
        for d in ds:
            if dependents[d] == ():
                dependents[d] = [i]
            else:
                dependents[d].append(i)
    return TaskGraph(hashes, names, nodes, deps, dependents, declared, index)
