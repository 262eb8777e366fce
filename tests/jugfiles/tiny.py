"""300 tiny tasks (no sleep): jug-async batches them; a reduce layer on top.

Each execution appends "<what>\t<pid>" to executions.log next to this file.
"""

import os

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")
N, GROUPS = 300, 10


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def cube(i):
    _log(f"cube {i}")
    return i**3


@TaskGenerator
def block_sum(xs, g):
    _log(f"block_sum {g}")
    return sum(xs)


@TaskGenerator
def grand_total(sums):
    _log("grand_total")
    return sum(sums)


cubes = [cube(i) for i in range(N)]
size = N // GROUPS
sums = [block_sum(cubes[g * size:(g + 1) * size], g) for g in range(GROUPS)]
total = grand_total(sums)

RESULTS = {"total": total}
RESULTS.update({f"sum {g}": s for g, s in enumerate(sums)})
