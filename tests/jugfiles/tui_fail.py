"""Some tasks fail (odd inputs), so the failures panel has tracebacks to show."""

from jug import TaskGenerator


@TaskGenerator
def check(x):
    if x % 2:
        raise ValueError(f"odd input {x}")
    return x


@TaskGenerator
def collect(xs):
    return list(xs)


checked = [check(i) for i in range(6)]
evens = collect([checked[0], checked[2]])
odds = collect([checked[1], checked[3]])
