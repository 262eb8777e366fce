"""One task that raises, one task that needs it, four independent tasks.

``boom`` is declared first, so with ``-j 1`` it is the first to run.
Each execution appends "<what>\t<pid>" to executions.log next to this file.
"""

import os
import time

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


def check_input(x):
    if x > 0:
        raise ValueError(f"boom on input {x}")


@TaskGenerator
def boom(x):
    _log("boom")
    check_input(x)
    return x


@TaskGenerator
def after(v):
    _log("after")
    return v + 1


@TaskGenerator
def ok(i):
    _log(f"ok {i}")
    time.sleep(0.05)
    return i


b = boom(1)
a = after(b)
oks = [ok(i) for i in range(4)]

RESULTS = {"boom": b, "after": a}
RESULTS.update({f"ok {i}": t for i, t in enumerate(oks)})
