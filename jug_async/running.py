"""Facts about this process: whether it runs tasks for jug-async (jug's
``is_jug_running``), and how many cores it may use.

A jugfile may guard expensive module-level code with ``is_jug_running``. True in
the scheduler process while it loads the jugfile and in every worker process.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager

_ENV = "JUG_ASYNC_RUNNING"


def is_jug_running() -> bool:
    return os.environ.get(_ENV) == "1"


def mark_running() -> None:
    os.environ[_ENV] = "1"


@contextmanager
def running_marked() -> Iterator[None]:
    """``is_jug_running()`` is True inside the block (jug makes it True under every
    subcommand: a jugfile may declare its tasks only then)."""
    before = os.environ.get(_ENV)
    mark_running()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(_ENV, None)
        else:
            os.environ[_ENV] = before


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask: a batch scheduler or
    taskset may give it fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
