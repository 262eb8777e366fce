"""``jug-async run``: execute every task whose result is not saved yet."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from jug_async.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SIGNAL,
    add_jugfile_arguments,
    open_session,
)
from jug_async.errors import JugAsyncError
from jug_async.running import usable_cores
from jug_async.selection import name_matcher

if TYPE_CHECKING:  # run's machinery (rich, the pool, the scheduler) loads only for `run`
    from jug_async.run import pool
    from jug_async.run.scheduler import RunResult, Scheduler
    from jug_async.session import Session
    from jug_async.view.progress import ProgressDisplay

NAME = "run"
HELP = "execute every task whose result is not saved"
DESCRIPTION = ("Execute every task whose result is not saved yet, in dependency order, on a pool "
               "of worker processes. Tasks locked by other processes (other hosts, jug workers) "
               "are waited for. A second run executes nothing. Exit status: 0 all selected "
               "tasks done, 1 a task failed, 2 a usage error, 130/143 stopped by SIGINT/SIGTERM.")


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("-j", "--jobs", type=int, default=usable_cores(), metavar="N",
                        help="worker processes (default: usable cores, here %(default)s)")
    parser.add_argument("--name", "--target", dest="names", action="append", default=[],
                        metavar="NAME", help="only run tasks whose name matches (jug's rules: "
                        "whole name or a suffix after a '.', shell wildcards); repeatable")
    parser.add_argument("--keep-going", action="store_true",
                        help="after a failure, run everything that does not depend on it")
    parser.add_argument("--tui", action="store_true",
                        help="full-screen live view (q asks whether to stop the run; ? for keys)")
    parser.add_argument("--exit-when-done", action="store_true",
                        help="with --tui: quit the screen as soon as the run ends, without "
                        "waiting for q (for scripts); the summary and exit status follow")


def main(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise JugAsyncError(f"--jobs must be at least 1 (got {args.jobs})")
    with open_session(args) as session:
        session.require_shared_store(NAME)
        while True:
            result = _run_once(args, session)
            # A barrier stopped the load: once all it waited for is saved, load again.
            if (not session.stopped_at_barrier or result.done < result.total
                    or result.interrupted):
                return report(result)
            session.load()


def _run_once(args: argparse.Namespace, session: Session) -> RunResult:
    """Run what the session's current load declares."""
    from jug_async.run import pool
    from jug_async.run.scheduler import Scheduler
    from jug_async.view.progress import ProgressDisplay

    graph = session.graph
    assert graph is not None
    functions = pool.FunctionTable(graph, session.module)
    pools = pool.PoolFactory(args.jobs, session.spec, functions)
    display = ProgressDisplay()
    scheduler = Scheduler(graph, session.store, pools.make, functions.key, jobs=args.jobs,
                          sink=display, keep_going=args.keep_going,
                          selected=name_matcher(args.names), jugfile=args.jugfile)
    if not args.tui:  # the TUI prestarts them itself, once their output goes to its log
        scheduler.prepare()  # one listing of the store: is there anything to run?
        if scheduler.ready:
            pools.prestart()  # before any display or event-loop thread exists
    try:
        if args.tui:
            return _run_tui(scheduler, display, pools, args.exit_when_done)
        return pool.run(scheduler.run())
    finally:
        pools.close()
        display.close()


def _run_tui(scheduler: Scheduler, display: ProgressDisplay, pools: pool.PoolFactory,
             exit_when_done: bool = False) -> RunResult:
    from jug_async.tui.app import run_live  # Textual loads only when asked for

    display.quiet = True  # collects the summary table, prints nothing meanwhile
    return run_live(scheduler, forward=display, before=pools.prestart,
                    exit_when_done=exit_when_done)


def report(result: RunResult) -> int:
    """Failures and interruptions on stderr; the exit status."""
    for f in result.failures:
        print(f"jug-async: task {f.name} ({f.hash}) failed: {f.error}", file=sys.stderr)
        if f.traceback:
            print(f.traceback.rstrip(), file=sys.stderr)
    if result.interrupted:
        print(f"jug-async: stopped by {result.interrupted}; saved results are kept, "
              "run again to continue", file=sys.stderr)
        return EXIT_SIGNAL.get(result.interrupted, EXIT_FAILED)
    return EXIT_FAILED if result.failures else EXIT_OK
