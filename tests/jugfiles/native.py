"""A jugfile written for jug-async directly: ``from jug_async import ...``.

4 squares, 2 sums of two squares each, 1 final: 4 tasks ready at first, 3 waiting.
Each execution appends "<what>\t<pid>" to executions.log next to this file.
"""

import os

from jug_async import TaskGenerator, is_jug_running, value

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def square(i):
    _log(f"square {i}")
    return i * i


@TaskGenerator
def pair_sum(a, b):
    _log(f"pair_sum {a} {b}")
    return a + b


@TaskGenerator
def final(sums):
    _log("final")
    return {"sums": sums, "total": sum(sums), "running": is_jug_running()}


squares = [square(i) for i in range(4)]
sums = [pair_sum(squares[0], squares[1]), pair_sum(squares[2], squares[3])]
last = final(sums)
assert value([1, (2,)]) == [1, (2,)]

RESULTS = {"final": last, "sum 0": sums[0], "sum 1": sums[1]}
RESULTS.update({f"square {i}": t for i, t in enumerate(squares)})
