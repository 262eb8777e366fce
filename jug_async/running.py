"""Whether this process is running tasks for jug-async (jug's ``is_jug_running``).

A jugfile may guard expensive module-level code with it. True in the scheduler
process while it loads the jugfile and in every worker process.
"""

import os

_ENV = "JUG_ASYNC_RUNNING"


def is_jug_running() -> bool:
    return os.environ.get(_ENV) == "1"


def mark_running() -> None:
    os.environ[_ENV] = "1"
