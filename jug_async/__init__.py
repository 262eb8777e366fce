"""jug-async: run jug jugfiles on every core, sharing jug 2.7's store and locks.

Layout (imports point down only):
    cli, progress, tui      front ends: parse, display, exit status
    scheduler, pool         the asyncio loop and the worker pool
    worker                  what runs in a worker process
    graph, status           the DAG and the states derived from the store
    store/                  results, locks, failure records (file, memory)
    hashing, task           jug-compatible declarations and hashes
    registry, jugfile, compat   loading a jugfile and answering `import jug`
"""

from jug_async.api.barrier import barrier as barrier
from jug_async.api.barrier import bvalue as bvalue
from jug_async.api.task import Task as Task
from jug_async.api.task import TaskGenerator as TaskGenerator
from jug_async.api.task import Tasklet as Tasklet
from jug_async.api.task import iteratetask as iteratetask
from jug_async.api.task import return_tuple as return_tuple
from jug_async.api.task import value as value

from .running import is_jug_running as is_jug_running

__version__ = "0.1.0"


def init(jugfile: str = "jugfile.py", jugdir: str | None = None, argv: tuple[str, ...] = ()):
    """Load a jugfile to use its results from a script (see ``jug_async.session.init``)."""
    from .session import init as _init  # the store and graph load only when asked for

    return _init(jugfile, jugdir, argv)
