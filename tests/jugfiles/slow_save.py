"""A task whose result takes seconds to save: it pickles slowly.

``SlowToSave.__reduce__`` runs while the store writes the result into its temp
file, so a signal sent after "saving" appears in executions.log arrives
mid-write. Each step appends "<what>\t<pid>" to executions.log next to this file.
"""

import os
import time

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


class SlowToSave:
    def __reduce__(self):
        _log("saving")
        time.sleep(4)
        return (int, (5,))


@TaskGenerator
def produce():
    _log("produce")
    return SlowToSave()


result = produce()
RESULTS = {"result": result}
