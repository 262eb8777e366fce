"""A task that raises after writing part of its work, and one whose result cannot
be saved (a generator cannot be pickled)."""

from jug import TaskGenerator


@TaskGenerator
def explode(x):
    data = list(range(x))
    raise RuntimeError(f"exploded after {len(data)} items")


@TaskGenerator
def unpicklable(n):
    return (i for i in range(n))


@TaskGenerator
def fine(x):
    return x


e = explode(1000)
u = unpicklable(3)
f = fine(1)
