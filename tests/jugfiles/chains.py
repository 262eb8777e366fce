"""40 two-step chains (produce -> consume), where consume only reads its producer:
the scheduler batches each consume with its producer ("riders"). Producer 13
fails when FAIL_13 is set. Each execution appends "<what>\t<pid>" to
executions.log next to this file.
"""

import os

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def produce(i):
    _log(f"produce {i}")
    if i == 13 and os.environ.get("FAIL_13"):
        raise ValueError("producer 13 fails")
    return list(range(i))


@TaskGenerator
def consume(xs):
    _log(f"consume {len(xs)}")
    return sum(xs)


results = [consume(produce(i)) for i in range(40)]
RESULTS = {f"consume {i}": r for i, r in enumerate(results)}
