"""A jugfile whose later tasks depend on earlier values: barrier() and bvalue().

Each execution appends "<what>\t<pid>" to executions.log next to this file.
"""

import os

from jug import TaskGenerator, barrier, bvalue

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def count():
    _log("count")
    return 4


@TaskGenerator
def square(i):
    _log(f"square {i}")
    return i * i


@TaskGenerator
def total(xs):
    _log(f"total {len(xs)}")
    return sum(xs)


n = count()
barrier()
squares = [square(i) for i in range(n.result)]
subtotal = bvalue(total(squares))
final = total([subtotal, 100])
