"""A task that kills its own worker (SIGKILL) every time it runs, and innocent
neighbours that are still running in the other worker when it does.

Each execution appends "<what>\t<pid>" to executions.log next to this file.
"""

import os
import signal
import time

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def deadly(x):
    _log("deadly")
    time.sleep(0.1)  # let the neighbour start
    os.kill(os.getpid(), signal.SIGKILL)


@TaskGenerator
def innocent(i):
    _log(f"innocent {i}")
    time.sleep(0.5)
    return i


d = deadly(1)
neighbours = [innocent(i) for i in range(3)]

RESULTS = {"deadly": d}
RESULTS.update({f"innocent {i}": t for i, t in enumerate(neighbours)})
