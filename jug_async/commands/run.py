"""``jug-async run`` (and ``execute``, jug's name): execute every task whose result
is not saved yet.

Every ``jug execute`` option is accepted with jug's meaning; those that have
nothing to do in jug-async say so in their help. ``[execute]`` in a jugrc sets
their defaults, for ``run`` as for ``execute``.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from jug_async.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SIGNAL,
    AppendOverDefault,
    add_jugfile_arguments,
    err,
    open_session,
    pattern_argument,
)
from jug_async.errors import JugAsyncError
from jug_async.locks.lease import DEFAULT_LEASE_SECONDS
from jug_async.running import usable_cores
from jug_async.selection import task_matcher

if TYPE_CHECKING:  # run's machinery (rich, the pool, the scheduler) loads only for `run`
    from collections.abc import Callable

    from jug_async.run import events as ev
    from jug_async.run import pool
    from jug_async.run.hooks import RunHooks
    from jug_async.run.scheduler import RunResult, Scheduler
    from jug_async.session import Session
    from jug_async.store.base import Store
    from jug_async.view.progress import ProgressDisplay

NAME = "run"
HELP = "execute every task whose result is not saved"
DESCRIPTION = ("Execute every task whose result is not saved yet, in dependency order, on a pool "
               "of worker processes. Tasks locked by other processes (other hosts, jug workers) "
               "are waited for, up to --nr-wait-cycles x --wait-cycle-time seconds without "
               "progress. A second run executes nothing. Progress goes to stderr, the summary "
               "table to stdout.")
EXIT_STATUS = ("exit status: 0 every selected task is saved (or, as in jug, the rest is held "
               "by other processes past the wait limit: they are listed on stderr), 1 a task "
               "failed, 2 a usage error (bad option, jugfile, store or jugrc), 130/143 stopped "
               "by SIGINT/SIGTERM")
CONFIG_SECTION = "execute"  # jug's section: a jugrc's [execute] sets run's defaults too
CONFIG_KEYS = {"names": "execute_name"}
WAIT_CYCLE_TIME = 12.0  # jug's defaults: give up after 150 x 12 s = 30 min without progress
NR_WAIT_CYCLES = 150
LEASE_ENV = "JUG_ASYNC_LEASE"  # the lease's default when neither option nor jugrc sets it


def _positive_seconds(text: str) -> float:
    value = float(text)
    if not value > 0 or value == float("inf"):
        raise ValueError(f"must be a positive number of seconds, not {text}")
    return value


def _size(text: str) -> int:
    from jug_async.run.limits import parse_size

    return parse_size(text)


_size.__name__ = "size"  # argparse names the type in its error message
_positive_seconds.__name__ = "seconds"


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("-j", "--jobs", type=int, default=usable_cores(), metavar="N",
                        help="worker processes (default: usable cores, here %(default)s)")
    parser.add_argument("--name", "--target", "--invalid", dest="names",
                        action=AppendOverDefault, default=[], metavar="NAME",
                        help="only run tasks whose name matches (jug's rules: whole name or a "
                        "suffix after a '.', shell wildcards); repeatable. Their dependencies "
                        "are not pulled in, as in jug")
    parser.add_argument("--pattern", type=pattern_argument, metavar="PATTERN",
                        help="only run tasks whose name contains PATTERN (or matches it, "
                        "given as /regex/)")
    parser.add_argument("--keep-going", action="store_true",
                        help="after a failure, run everything that does not depend on it")
    parser.add_argument("--keep-failed", action="store_true",
                        help="leave a failed task's lock in place, marked failed as jug marks "
                        "it: no worker (jug's or jug-async's) retries it until "
                        "`cleanup --failed-only`")
    parser.add_argument("--wait-cycle-time", type=float, default=WAIT_CYCLE_TIME,
                        metavar="SECONDS",
                        help="with --nr-wait-cycles: how long tasks held by other processes "
                        "are waited for (default %(default)s; jug-async polls with back-off "
                        "meanwhile, it does not sleep whole cycles)")
    parser.add_argument("--nr-wait-cycles", type=int, default=NR_WAIT_CYCLES, metavar="N",
                        help="give up on tasks held by other processes after N x "
                        "--wait-cycle-time seconds without progress (default %(default)s)")
    parser.add_argument("--lease", type=float, metavar="SECONDS",
                        default=os.environ.get(LEASE_ENV, DEFAULT_LEASE_SECONDS),
                        help="how long this run's locks stay valid without renewal; renewed "
                        "every sixth of it. Another host takes over the tasks of a run that "
                        "died once its lease ran out (by the store's clock). Default: "
                        f"${LEASE_ENV}, else {DEFAULT_LEASE_SECONDS:g} (NFS clients may see "
                        "a lock's mtime up to 60 s late; see docs/cluster.md)")
    parser.add_argument("--timeout", type=_positive_seconds, metavar="SECONDS",
                        help="fail a task that runs longer than this (its worker is killed, "
                        "the run goes on)")
    parser.add_argument("--max-memory", type=_size, metavar="SIZE",
                        help="fail a task whose worker's resident memory exceeds SIZE "
                        "(500M, 2G, ...; its worker is killed, the run goes on)")
    parser.add_argument("--no-check-environment", action="store_true",
                        help="ignore JUG_MAX_TASKS, JUG_MAX_HOURS/MINUTES/SECONDS, "
                        "JUG_EXIT_IF_FILE_EXISTS and the file __jug_please_stop_running.txt")
    parser.add_argument("--tui", action="store_true",
                        help="full-screen live view (q asks whether to stop the run; ? for keys)")
    parser.add_argument("--exit-when-done", action="store_true",
                        help="with --tui: quit the screen as soon as the run ends, without "
                        "waiting for q (for scripts); the summary and exit status follow")


def main(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise JugAsyncError(f"--jobs must be at least 1 (got {args.jobs})")
    if args.wait_cycle_time < 0 or args.nr_wait_cycles < 0:
        raise JugAsyncError("--wait-cycle-time and --nr-wait-cycles must not be negative")
    from jug_async.locks.lease import check_lease

    try:
        args.lease = check_lease(float(args.lease))
    except ValueError as e:
        raise JugAsyncError(f"--lease: {e}") from None
    with open_session(args) as session:
        session.require_shared_store(NAME)
        _sweep(session.store, args.lease)
        hooks = _run_hooks(args)
        while True:
            result = _run_once(args, session, hooks)
            # A barrier stopped the load: once all it waited for is saved, load again.
            if (hooks.stopped or not session.stopped_at_barrier or result.done < result.total
                    or result.interrupted):
                assert session.context is not None
                hooks.after_summary(session.context)
                return report(result, session)
            session.load()


def _run_once(args: argparse.Namespace, session: Session, hooks: RunHooks) -> RunResult:
    """Run what the session's current load declares."""
    from jug_async.run import pool
    from jug_async.run.launch import prepare_run
    from jug_async.run.limits import Limits
    from jug_async.view.progress import ProgressDisplay

    display = ProgressDisplay()
    scheduler, pools = prepare_run(
        session, jobs=args.jobs,
        sink=_KeepFailed(display, session.store) if args.keep_failed else display,
        keep_going=args.keep_going, keep_failed=args.keep_failed,
        selected=task_matcher(args.names, args.pattern), lease=args.lease,
        limits=Limits(args.timeout, args.max_memory),
        wait_limit=args.wait_cycle_time * args.nr_wait_cycles, hooks=hooks)
    sink = scheduler.emit  # the display behind the hooks: the TUI forwards to it
    if not args.tui:  # the TUI prestarts them itself, once their output goes to its log
        scheduler.prepare()  # one listing of the store: is there anything to run?
        if scheduler.ready:
            pools.prestart()  # before any display or event-loop thread exists
    try:
        if args.tui:
            return _run_tui(scheduler, display, pools, sink, args.exit_when_done)
        return pool.run(scheduler.run())
    finally:
        pools.close()
        _close(display)


def _sweep(store: Store, lease: float) -> None:
    """Remove what dead processes left in the store (temp files of killed writers,
    dead owners' locks on saved tasks): nothing else ever would."""
    sweep = getattr(store, "sweep", None)
    if sweep is None:
        return
    try:
        swept = sweep(lease)
    except OSError as e:  # a flaky store: the run itself will say more if it persists
        err(f"could not clean up the store: {e}")
        return
    if swept:
        err(swept.describe())


def _run_hooks(args: argparse.Namespace) -> RunHooks:
    """The jugfile's hooks and exit checks over the whole run (every barrier reload):
    execute.* hooks fire from the scheduler's events, exit checks stop dispatch."""
    from jug_async.run.hooks import RunHooks

    return RunHooks(keep_going=args.keep_going,
                    check_environment=not args.no_check_environment)


def _run_tui(scheduler: Scheduler, display: ProgressDisplay, pools: pool.PoolFactory,
             sink: Callable[[ev.Event], None], exit_when_done: bool = False) -> RunResult:
    from jug_async.tui.app import run_live  # Textual loads only when asked for

    display.quiet = True  # collects the summary table, prints nothing meanwhile
    return run_live(scheduler, forward=sink, before=pools.prestart,
                    exit_when_done=exit_when_done)


def _close(display: ProgressDisplay) -> None:
    """Stop the progress display (stderr) and print its summary table on stdout."""
    finished, display.finished = display.finished, None
    display.close()  # with nothing finished it prints no summary of its own
    display.finished = finished
    if finished is None:
        return
    if display.console is None:
        print(display.summary_text(), flush=True)
    else:
        from rich.console import Console

        Console(highlight=False).print(display.summary_table())


class _KeepFailed:
    """``--keep-failed``: a worker marks the lock of a task that failed in it
    (jug's mark: mtime 1) instead of releasing it, so jug and jug-async workers
    leave it alone. A failure no worker reported (a worker that died, an
    argument that could not be sent) has no lock: take it and mark it here."""

    def __init__(self, forward: ProgressDisplay, store: Store) -> None:
        self._forward = forward
        self._store = store

    def __call__(self, event: ev.Event) -> None:
        from jug_async.run import events as ev

        if isinstance(event, ev.TaskFailed):
            try:
                if self._store.try_lock(event.hash):
                    self._store.mark_failed(event.hash)
            except OSError as e:
                err(f"--keep-failed: could not mark {event.name} failed: {e}")
        self._forward(event)


def report(result: RunResult, session: Session | None = None) -> int:
    """Failures, tasks given up on and interruptions on stderr; the exit status."""
    for f in result.failures:
        print(f"jug-async: task {f.name} ({f.hash}) failed: {f.error}", file=sys.stderr)
        if session is not None:
            hint = _unreadable_input(f.error + f.traceback, session)
            if hint:
                print(f"jug-async: {hint}", file=sys.stderr)
        if f.traceback:
            print(f.traceback.rstrip(), file=sys.stderr)
    if result.gave_up:
        err(f"gave up waiting for {len(result.gave_up)} task(s) held by other processes "
            "(--nr-wait-cycles x --wait-cycle-time without progress):")
        for w in result.gave_up[:20]:
            print(f"  {w.name} ({w.hash[:12]}), locked by {w.owner}", file=sys.stderr)
        if len(result.gave_up) > 20:
            print(f"  ... and {len(result.gave_up) - 20} more", file=sys.stderr)
        first = next((w.detail for w in result.gave_up if w.detail), "")
        if first:
            print(f"  first: {first}", file=sys.stderr)
    if result.store_error:
        err(f"{result.store_error}: the run stopped; saved results are kept, run again to "
            "continue")
        return EXIT_FAILED
    if result.interrupted:
        print(f"jug-async: stopped by {result.interrupted}; saved results are kept, "
              "run again to continue", file=sys.stderr)
        return EXIT_SIGNAL.get(result.interrupted, EXIT_FAILED)
    return EXIT_FAILED if result.failures else EXIT_OK


def _unreadable_input(text: str, session: Session) -> str:
    """When a task failed because a saved result could not be decoded, name the
    task that result belongs to and its file."""
    import re

    graph = session.graph
    m = re.search(r"result ([0-9a-f]{40}) in ", text)
    if m is None or graph is None:
        return ""
    h = m.group(1)
    owner = graph.names[graph.index[h]] if h in graph.index else "an unknown task"
    path = f"{session.spec}/{h[:2]}/{h[2:]}"
    return (f"the saved result of {owner} ({path}) cannot be read; it was left as it is: "
            f"delete it (or `jug-async invalidate --name {owner}`) to compute it again")
