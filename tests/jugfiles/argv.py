"""A jugfile driven by its command-line arguments (``jug execute argv.py -- a b``).

One task per argument, declared at load time from ``sys.argv``, and one task
that reads ``sys.argv`` when it runs (under jug, tasks run in the jug process).
"""

import sys

from jug import TaskGenerator


@TaskGenerator
def echo(position, arg):
    return (position, arg)


@TaskGenerator
def argv_at_run_time():
    return list(sys.argv)


declared = [echo(i, a) for i, a in enumerate(sys.argv)]
at_run = argv_at_run_time()

RESULTS = {f"echo {i}": t for i, t in enumerate(declared)}
RESULTS["at_run"] = at_run
