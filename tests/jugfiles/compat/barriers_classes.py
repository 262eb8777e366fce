"""Differential corpus: bvalue of a list and of a dict (the barrier-docs pattern),
jugfile classes inside results, hooks and exit checks registered by the jugfile."""
from jug import TaskGenerator, bvalue
from jug.hooks import register_hook
from jug.hooks.exit_checks import exit_after_n_tasks, exit_if_file_exists
from jug.utils import identity


class Box:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return type(other).__name__ == "Box" and other.v == self.v

    def __repr__(self):
        return f"Box({self.v!r})"


@TaskGenerator
def split(n):
    return list(range(n))


@TaskGenerator
def boxed(cls, v):
    return {"box": cls(v), "cls_name": cls.__name__}


@TaskGenerator
def rebox(b):
    return [b, Box(b.v + 1)]


@TaskGenerator
def count(xs):
    return len(xs)


def note(task):
    with open("hooked.log", "a") as f:
        f.write(task.name + "\n")


register_hook("execute.task-executed1", note)
exit_after_n_tasks(10_000)  # never reached: the run completes
exit_if_file_exists("no-such-stop-file")

parts = [split(i) for i in range(4)]
by_name = {"a": split(2), "b": split(3)}
lists = bvalue(parts)          # stops the first load: KeyError here before the fix
named = bvalue(by_name)
pieces = [count(x) for x in lists] + [count(v) for v in named.values()]

RESULTS = {"parts": identity(parts), "pieces": identity(pieces), "by_name": identity(by_name)}
REPRS = {"boxed": boxed(Box, 7), "rebox": rebox(Box(1))}
