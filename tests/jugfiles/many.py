"""60 tasks of ~20 ms, a layer of 6 sums over them, and a grand total.

Each execution appends "<what>\t<pid>" to executions.log next to this file.
"""

import os
import time

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")
N, GROUPS = 60, 6


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def work(i):
    _log(f"work {i}")
    time.sleep(0.02)
    return i * i


@TaskGenerator
def group_sum(xs, g):
    _log(f"group_sum {g}")
    return sum(xs)


@TaskGenerator
def total(sums):
    _log("total")
    return sum(sums)


works = [work(i) for i in range(N)]
size = N // GROUPS
sums = [group_sum(works[g * size:(g + 1) * size], g) for g in range(GROUPS)]
grand = total(sums)

RESULTS = {"grand": grand}
RESULTS.update({f"sum {g}": s for g, s in enumerate(sums)})
RESULTS.update({f"work {i}": w for i, w in enumerate(works)})
