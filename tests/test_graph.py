"""The task graph: nodes, edges, and the two-process hashing of large graphs."""

from __future__ import annotations

import os
import threading

import pytest

from jug_async import graph as graph_mod
from jug_async.api.task import Task


def add(a: int, b: int = 0) -> int:
    return a + b


def serial_keys(make) -> list[str]:
    """Keys of a fresh copy of the same tasks, hashed one by one in this process."""
    return [t.key() for t in make()]


def big_graph() -> list[Task]:
    """Independent tasks, plus tasks in the second half that depend on tasks of
    the first half (the child process must hash those dependencies too)."""
    n = graph_mod.PARALLEL_HASHING_FROM + 500
    base = [Task(add, i) for i in range(n // 2)]
    tail = [Task(add, base[i % len(base)], b=i) for i in range(n - n // 2)]
    return base + tail


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the forks graph.build makes (the real fork still runs)."""
    made: list[int] = []
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            made.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counting_fork)
    return made


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two usable cores")
def test_large_graphs_hash_in_two_processes_and_match(forks: list[int]) -> None:
    assert threading.active_count() == 1, "the parallel path needs a single-threaded process"
    tasks = big_graph()
    graph = graph_mod.build(tasks)
    assert len(forks) == 1
    assert graph.hashes == serial_keys(big_graph)
    assert [graph.hashes[i] for i in graph.declared] == [t.key() for t in tasks]
    half = len(tasks) // 2
    assert graph.deps[graph.index[tasks[half].key()]] == (graph.index[tasks[0].key()],)


def test_small_graphs_hash_here(forks: list[int]) -> None:
    graph = graph_mod.build([Task(add, i) for i in range(100)])
    assert forks == [] and len(graph) == 100


def test_an_unhashable_argument_in_the_childs_half_raises_here(forks: list[int]) -> None:
    class Opaque:
        def __reduce__(self):
            raise TypeError("Opaque cannot be pickled")

    tasks = big_graph()
    tasks.append(Task(add, Opaque()))
    with pytest.raises(TypeError, match="Opaque cannot be pickled"):
        graph_mod.build(tasks)
    assert len(forks) == 1  # the child failed; this process hashed again and raised
