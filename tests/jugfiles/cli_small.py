"""double(i) for i < N (N: the first jugfile argument, default 5), their total, and
checked(total), which fails while a file ``fail.flag`` exists next to this jugfile.

Each execution appends "<what>\t<pid>" to executions.log next to this file.
"""

import os
import sys

from jug import TaskGenerator

HERE = os.path.dirname(os.path.abspath(__file__))
N = int(sys.argv[1]) if len(sys.argv) > 1 else 5


def _log(what):
    with open(os.path.join(HERE, "executions.log"), "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def double(x):
    _log(f"double {x}")
    return 2 * x


@TaskGenerator
def total(xs):
    _log("total")
    return sum(xs)


@TaskGenerator
def checked(t):
    _log("checked")
    if os.path.exists(os.path.join(HERE, "fail.flag")):
        raise ValueError("fail.flag exists")
    return t


doubles = [double(i) for i in range(N)]
result = total(doubles)
final = checked(result)
RESULTS = {"total": result, "final": final, "double 0": doubles[0]}
