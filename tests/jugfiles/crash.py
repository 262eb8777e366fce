"""A task whose worker dies (SIGKILL) the first time it runs.

``fragile`` creates crashed.marker next to this file and kills its own process;
on the next attempt the marker exists and it returns normally.
Each execution appends "<what>\t<pid>" to executions.log next to this file.
"""

import os
import signal
import time

from jug import TaskGenerator

HERE = os.path.dirname(os.path.abspath(__file__))
LOG = os.path.join(HERE, "executions.log")
MARKER = os.path.join(HERE, "crashed.marker")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def fragile(x):
    _log("fragile")
    if not os.path.exists(MARKER):
        open(MARKER, "w").close()
        os.kill(os.getpid(), signal.SIGKILL)
    return x * 10


@TaskGenerator
def steady(i):
    _log(f"steady {i}")
    time.sleep(0.05)
    return i


@TaskGenerator
def after(f, s):
    _log("after")
    return f + sum(s)


f = fragile(4)
s = [steady(i) for i in range(4)]
a = after(f, s)

RESULTS = {"fragile": f, "after": a}
RESULTS.update({f"steady {i}": t for i, t in enumerate(s)})
