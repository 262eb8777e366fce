"""``jug-async``: parse the command line, wire the layers, set the exit status.

No scheduling logic lives here. User mistakes (a missing jugfile, a syntax
error, a bad store) are reported as one line on stderr with exit status 2; a
failed task gives exit status 1 with its name and traceback on stderr.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from jug_async.view import status

from . import graph as graph_mod
from . import jugfile as jugfile_mod
from .errors import JugAsyncError
from .running import mark_running, usable_cores
from .selection import name_matcher
from .store.open import open_store

if TYPE_CHECKING:  # run's machinery (rich, the pool, the scheduler) loads only for `run`
    from jug_async.run import pool
    from jug_async.run.scheduler import RunResult, Scheduler
    from jug_async.view.progress import ProgressDisplay

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_SIGNAL = {"SIGINT": 130, "SIGTERM": 143}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jug-async",
        description="Run a jug jugfile on every core with one scheduler per host. "
        "Uses jug 2.7's store and locks: jug and jug-async workers can share a jugdir.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("jugfile", help="the jugfile (Python file declaring tasks)")
        p.add_argument("args", nargs="*", help="arguments for the jugfile (its sys.argv[1:]); "
                       "put them after `--`")
        p.add_argument("--jugdir", metavar="DIR",
                       help="where results and locks live (default: <jugfile minus .py>.jugdata;"
                       " `memory:` for an in-process store)")

    run = sub.add_parser(
        "run", help="execute every task whose result is not saved",
        description="Execute every task whose result is not saved yet, in dependency order, "
        "on a pool of worker processes. Tasks locked by other processes (other hosts, jug "
        "workers) are waited for. A second run executes nothing.",
    )
    common(run)
    run.add_argument("-j", "--jobs", type=int, default=usable_cores(), metavar="N",
                     help="worker processes (default: usable cores, here %(default)s)")
    run.add_argument("--name", "--target", dest="names", action="append", default=[],
                     metavar="NAME", help="only run tasks whose name matches (jug's rules: "
                     "whole name or a suffix after a '.', shell wildcards); repeatable")
    run.add_argument("--keep-going", action="store_true",
                     help="after a failure, run everything that does not depend on it")
    run.add_argument("--tui", action="store_true",
                     help="full-screen live view (q asks whether to stop the run; ? for keys)")

    st = sub.add_parser(
        "status", help="count tasks per name: Failed, Waiting, Ready, Complete, Active",
        description="Show the state of every task, per task name, from one listing of the "
        "store. Exit status 0 only when every task is complete.",
    )
    common(st)
    st.add_argument("--json", action="store_true", help="machine-readable output")

    mon = sub.add_parser(
        "monitor", help="full-screen live view of the store, from any host (read-only)",
        description="Watch the tasks of a jugfile from any host sharing its store: counts "
        "per name, running tasks with host and PID (from lock files, jug's too), hosts, "
        "failures with tracebacks. Polls with back-off; never writes.",
    )
    common(mon)
    mon.add_argument("--interval", type=float, default=1.0, metavar="S",
                     help="seconds between polls while things change (default %(default)s; "
                     "backs off to 8x while nothing does)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after `--` belongs to the jugfile, wherever the options are.
    user_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, user_args = argv[:cut], argv[cut + 1:]
    args = build_parser().parse_args(argv)
    args.args = [*args.args, *user_args]
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "monitor":
            return cmd_monitor(args)
        return cmd_status(args)
    except JugAsyncError as e:
        print(f"jug-async: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jug-async: interrupted", file=sys.stderr)
        return EXIT_SIGNAL["SIGINT"]


def _store_spec(args: argparse.Namespace) -> str:
    spec = args.jugdir or jugfile_mod.default_jugdir(args.jugfile)
    return spec if ":" in spec.split(os.sep)[0] else os.path.abspath(spec)


def _load(args: argparse.Namespace):
    spec = _store_spec(args)
    store = open_store(spec)
    # Declaring 100,000 tasks allocates many long-lived objects and next to no
    # garbage cycles: collecting meanwhile costs 15-20% of `status`. Frozen after,
    # they are skipped by later collections and stay shared with forked workers.
    gc.disable()
    try:
        loaded = jugfile_mod.load(args.jugfile, store, args.args)
        graph = graph_mod.build(loaded.tasks)
    finally:
        gc.enable()
    gc.freeze()
    return spec, store, loaded, graph


def cmd_run(args: argparse.Namespace) -> int:
    if args.jobs < 1:
        raise JugAsyncError(f"--jobs must be at least 1 (got {args.jobs})")
    if _store_spec(args) == "memory:":
        raise JugAsyncError("a memory: store lives in one process; `run` needs a jugdir "
                            "its worker processes share")
    mark_running()
    while True:
        result, loaded = _run_once(args)
        # A barrier stopped the load: once all it waited for is saved, load again.
        if not loaded.stopped_at_barrier or result.done < result.total or result.interrupted:
            return _report(result)


def _run_once(args: argparse.Namespace) -> tuple[RunResult, jugfile_mod.LoadedJugfile]:
    """Load the jugfile (up to its first unmet barrier) and run what it declares."""
    from jug_async.run import pool
    from jug_async.run.scheduler import Scheduler
    from jug_async.view.progress import ProgressDisplay

    spec, store, loaded, graph = _load(args)
    functions = pool.FunctionTable(graph, loaded.module)
    pools = pool.PoolFactory(args.jobs, spec, functions)
    display = ProgressDisplay()
    scheduler = Scheduler(graph, store, pools.make, functions.key, jobs=args.jobs,
                          sink=display, keep_going=args.keep_going,
                          selected=name_matcher(args.names), jugfile=args.jugfile)
    if not args.tui:  # the TUI prestarts them itself, once their output goes to its log
        scheduler.prepare()  # one listing of the store: is there anything to run?
        if scheduler.ready:
            pools.prestart()  # before any display or event-loop thread exists
    try:
        result = _run_tui(scheduler, display, pools) if args.tui else pool.run(scheduler.run())
    finally:
        pools.close()
        display.close()
    return result, loaded


def _run_tui(scheduler: Scheduler, display: ProgressDisplay, pools: pool.PoolFactory) -> RunResult:
    from .tui.app import run_live  # Textual loads only when asked for

    display.quiet = True  # collects the summary table, prints nothing meanwhile
    return run_live(scheduler, forward=display, before=pools.prestart)


def cmd_monitor(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        raise JugAsyncError(f"--interval must be positive (got {args.interval})")
    _, store, _, graph = _load(args)
    from .tui.app import run_monitor

    return run_monitor(graph, store, jugfile=args.jugfile, interval=args.interval)


def _report(result: RunResult) -> int:
    for f in result.failures:
        print(f"jug-async: task {f.name} ({f.hash}) failed: {f.error}", file=sys.stderr)
        if f.traceback:
            print(f.traceback.rstrip(), file=sys.stderr)
    if result.interrupted:
        print(f"jug-async: stopped by {result.interrupted}; saved results are kept, "
              "run again to continue", file=sys.stderr)
        return EXIT_SIGNAL.get(result.interrupted, EXIT_FAILED)
    return EXIT_FAILED if result.failures else 0


def cmd_status(args: argparse.Namespace) -> int:
    _, store, _, graph = _load(args)
    states = status.node_states(graph, status.StoreSnapshot.read(store))
    table = status.counts_by_name(graph, states)
    complete = status.all_complete(table)
    if args.json:
        totals = {c: sum(r[c] for r in table.values()) for c in status.COLUMNS}
        json.dump({"jugfile": args.jugfile, "store": store.describe(), "complete": complete,
                   "total": totals, "tasks": table}, sys.stdout, indent=2)
        print()
    else:
        print(status.render_table(table))
    return 0 if complete else EXIT_FAILED
