"""Differential corpus: a failing task, its dependent (never run) and an
independent task (run)."""
from jug import TaskGenerator


@TaskGenerator
def ok(x):
    return x + 1


@TaskGenerator
def boom(x):
    raise ValueError(f"boom {x}")


@TaskGenerator
def after(x):
    return x * 2


RESULTS = {"ok": ok(1), "boom": boom(2), "after": after(boom(2))}
