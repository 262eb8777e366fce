"""One place that wires a run from a loaded session: the function table, the
worker pools, the run's lease, the jugfile's hooks and exit checks, and the
``Scheduler`` itself.

``jug-async run`` calls it once per load (barrier reloads too), and so do the
tests that drive a real run (the TUI's), so what they run is what users run.
What stays with the caller is what depends on the front end: the event sink
(progress display or TUI), and when to fork the first pool (``prestart``, only
while the process has no other thread) and to close the factory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from jug_async.locks.lease import DEFAULT_LEASE_SECONDS, new_token
from jug_async.run import events as ev
from jug_async.run.pool import FunctionTable, PoolFactory
from jug_async.run.scheduler import Scheduler
from jug_async.run.worker import Lease

if TYPE_CHECKING:
    from jug_async.run.hooks import RunHooks
    from jug_async.run.limits import Limits
    from jug_async.session import Session


def prepare_run(session: Session, *, jobs: int,
                sink: Callable[[ev.Event], None] = lambda e: None,
                keep_going: bool = False, keep_failed: bool = False,
                selected: Callable[[str], bool] | None = None,
                lease: float | None = DEFAULT_LEASE_SECONDS,
                limits: Limits | None = None, wait_limit: float | None = None,
                hooks: RunHooks | None = None) -> tuple[Scheduler, PoolFactory]:
    """The scheduler of the session's current load, and the factory of its pools.

    Args:
        session: a loaded jugfile and its store (workers open ``session.spec``).
        jobs, keep_going, keep_failed, selected, limits, wait_limit: as
            ``Scheduler`` takes them.
        sink: receives every event; with ``hooks`` it is wrapped so the
            jugfile's execute hooks fire first (``scheduler.emit`` is the result).
        lease: seconds of this run's lock leases (a fresh token per call); None
            writes plain jug locks and renews nothing.
        hooks: the jugfile's hooks and exit checks over the whole run (``RunHooks``:
            one across barrier reloads); they set ``max_executed`` and
            ``stop_requested``. None: no hooks, no exit checks.
    """
    graph, ctx = session.graph, session.context
    assert graph is not None and ctx is not None, "the session has not loaded"
    max_executed: int | None = None
    stop_requested: Callable[[], bool] | None = None
    if hooks is not None:
        max_executed, stop_requested = hooks.limits(ctx)
        sink = hooks.sink(ctx, ctx.tasks, session.store, sink,
                          barrier=session.stopped_at_barrier, selected=selected)
    functions = FunctionTable(graph, session.module)
    run_lease = Lease(lease, new_token()) if lease is not None else None
    pools = PoolFactory(jobs, session.spec, functions, lease=run_lease)
    scheduler = Scheduler(graph, session.store, pools.make, functions.key, jobs=jobs,
                          sink=sink, keep_going=keep_going, selected=selected,
                          jugfile=session.jugfile, max_executed=max_executed,
                          stop_requested=stop_requested, wait_limit=wait_limit,
                          lease=lease, token=run_lease.token if run_lease else None,
                          limits=limits, keep_failed=keep_failed)
    return scheduler, pools
