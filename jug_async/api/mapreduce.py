"""``jug.mapreduce``: map, reduce and mapreduce as blocks of tasks.

The block tasks call functions jug names ``jug.mapreduce.*``, so their hashes
(and the store's keys) are jug's: a store built by one tool is complete for the
other. Unlike jug, inputs without ``len()`` (generators) are accepted: they are
read into a list first, which is what jug hashes for a list of the same items.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

from jug_async.api.task import Task, Tasklet, TaskletMixin, value
from jug_async.api.utils import identity
from jug_async.hashing import hash_one

__all__ = ["currymap", "map", "mapreduce", "reduce"]


def _get_function(f: Any) -> Any:
    """A TaskGenerator's function, carrying the TaskGenerator's hash (as jug does:
    it sets ``__jug_hash__`` on the function itself)."""
    if getattr(f, "_jug_is_task_generator", False):
        hvalue = hash_one(f)
        f = f.f
        f.__jug_hash__ = lambda: hvalue
    return f


def _plain(f: Any) -> Any:
    """At run time only the function matters: jug's ``_get_function`` without the
    hash (which a worker could not compute: the TaskGenerator is not its module's)."""
    return f.f if getattr(f, "_jug_is_task_generator", False) else f


def _jug_map_reduce(reducer: Callable, mapper: Callable | None, inputs: Sequence) -> Any:
    return functools.reduce(_plain(reducer), _jug_map(_plain(mapper), inputs))


def _jug_reduce(reducer: Callable, inputs: Sequence) -> Any:
    return functools.reduce(_plain(reducer), chain(inputs))


def _jug_map(mapper: Callable | None, es: Iterable) -> list:
    if mapper is None:
        return list(es)
    return [mapper(e) for e in es]


def _jug_map_curry(mapper: Callable, es: Iterable) -> list:
    return [mapper(*e) for e in es]


for _f in (_jug_map_reduce, _jug_reduce, _jug_map, _jug_map_curry):
    _f.__module__ = "jug.mapreduce"  # task names and pickles are jug's


def _sized(seq: Any) -> Any:
    return seq if hasattr(seq, "__len__") and hasattr(seq, "__getitem__") else list(seq)


def _break_up(seq: Any, step: int) -> Iterator[Any]:
    for start in range(0, len(seq), step):
        yield seq[start:start + step]


def mapreduce(reducer: Callable, mapper: Callable | None, inputs: Iterable,
              map_step: int = 4, reduce_step: int = 8) -> Task:
    """``reduce(reducer, map(mapper, inputs))`` as a tree of tasks; ``reducer``
    must be associative. Empty ``inputs`` give ``identity([])``."""
    reducers = [Task(_jug_map_reduce, reducer, mapper, chunk)
                for chunk in _break_up(_sized(inputs), map_step)]
    while len(reducers) > 1:
        reducers = [Task(_jug_reduce, reducer, chunk)
                    for chunk in _break_up(reducers, reduce_step)]
    return reducers[0] if reducers else identity([])


def reduce(reducer: Callable, inputs: Iterable, reduce_step: int = 8) -> Task:
    """``functools.reduce(reducer, inputs)`` as a tree of tasks."""
    return mapreduce(reducer, None, inputs, reduce_step=reduce_step)


class block_access_slice(TaskletMixin):
    """A slice of a ``block_access``."""

    __slots__ = ("_hvalue", "base", "start", "stop", "stride")

    def __init__(self, access: block_access, orig: tuple[int, int, int]) -> None:
        self.base = access
        self.start, self.stop, self.stride = orig
        self._hvalue: bytes | None = None

    def _range(self) -> range:
        return range(self.start, self.stop, self.stride)

    def __getitem__(self, p: Any) -> Any:
        if isinstance(p, slice):
            r = self._range()[p]
            return block_access_slice(self.base, (r.start, r.stop, r.step))
        if isinstance(p, int):
            return self.base[self._range()[p]]
        raise TypeError(f"block_access_slice indices must be int or slice, not {type(p)}")

    def __len__(self) -> int:
        return len(self._range())

    def __jug_hash__(self) -> bytes:
        if self._hvalue is None:
            self._hvalue = hash_one({"type": "map-access-slice", "base": self.base,
                                     "start": self.start, "stop": self.stop,
                                     "stride": self.stride})
        return self._hvalue

    def __jug_dependencies__(self) -> list[Task]:
        blocks = sorted({i // self.base.block_size for i in self._range()})
        return [self.base.blocks[b] for b in blocks]

    def __jug_value__(self) -> list:
        return [value(self[i]) for i in range(len(self))]

    def can_load(self) -> bool:
        return self.base.can_load()


class block_access(TaskletMixin):
    """List-like view over the results of ``map``'s block tasks: indexing gives a
    Tasklet, slicing a ``block_access_slice``."""

    __slots__ = ("_hvalue", "block_size", "blocks", "len")

    def __init__(self, blocks: list[Task], block_size: int, len: int) -> None:
        self.blocks = blocks
        self.block_size = block_size
        self.len = len
        self._hvalue: bytes | None = None

    def __getitem__(self, p: Any) -> Any:
        if isinstance(p, slice):
            return block_access_slice(self, p.indices(self.len))
        if isinstance(p, int):
            if p < 0:
                p += self.len
            if not 0 <= p < self.len:
                raise IndexError(p)
            return self.blocks[p // self.block_size][p % self.block_size]
        raise TypeError(f"block_access indices must be int or slice, not {type(p)}")

    def __len__(self) -> int:
        return self.len

    def __jug_hash__(self) -> bytes:
        if self._hvalue is None:
            self._hvalue = hash_one({"type": "map-access", "len": self.len,
                                     "blocks": self.blocks, "block_size": self.block_size})
        return self._hvalue

    def __jug_dependencies__(self) -> list[Task]:
        return self.blocks

    def __jug_value__(self) -> list:
        out: list = []
        for b in self.blocks:
            out.extend(value(b))
        return out

    def can_load(self) -> bool:
        return all(b.can_load() for b in self.blocks)


for _c in (block_access, block_access_slice):
    _c.__module__ = "jug.mapreduce"


def map(mapper: Callable, sequence: Iterable, map_step: int = 4) -> Any:
    """``[mapper(s) for s in sequence]`` in tasks of ``map_step`` elements: a list
    of Tasks when ``map_step == 1``, else a list-like ``block_access``."""
    if map_step == 1:
        f = _get_function(mapper)
        return [Task(f, s) for s in sequence]
    f = _get_function(mapper)
    blocks, n = [], 0
    for chunk in _break_up(_sized(sequence), map_step):
        blocks.append(Task(_jug_map, f, chunk))
        n += len(chunk)
    return block_access(blocks, map_step, n)


def currymap(mapper: Callable, sequence: Iterable, map_step: int = 4) -> list[Any]:
    """``[mapper(*s) for s in sequence]`` in tasks of ``map_step`` elements."""
    f = _get_function(mapper)
    if map_step == 1:
        return [Task(f, *s) for s in sequence]
    out: list[Tasklet] = []
    for chunk in _break_up(_sized(sequence), map_step):
        t = Task(_jug_map_curry, f, chunk)
        out.extend(t[i] for i in range(len(chunk)))
    return out
