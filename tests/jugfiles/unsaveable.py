"""A task whose result cannot be saved (a generator does not pickle), read by a
dependent that rides in the same batch and could compute from the in-memory
value. A third, independent chain saves normally. Each execution appends
"<what>\t<pid>" to executions.log next to this file.
"""

import os

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def numbers(n):
    _log("numbers")
    return (i for i in range(n))  # runs, but its result cannot be pickled


@TaskGenerator
def total(xs):
    _log("total")
    return sum(xs)


@TaskGenerator
def fine(n):
    _log("fine")
    return n


total_of_numbers = total(numbers(5))
total_of_fine = total(fine(list(range(3))))
