"""8 tasks of 0.6 s and one that gathers them: something to interrupt.

Each task logs "start <i>" before sleeping and "end <i>" after, as
"<what>\t<pid>" lines of executions.log next to this file.
"""

import os
import time

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def slow(i):
    _log(f"start {i}")
    time.sleep(0.6)
    _log(f"end {i}")
    return i * 100


@TaskGenerator
def gather(xs):
    _log("gather")
    return sum(xs)


tasks = [slow(i) for i in range(8)]
total = gather(tasks)

RESULTS = {"gather": total}
RESULTS.update({f"slow {i}": t for i, t in enumerate(tasks)})
