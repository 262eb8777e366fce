"""``jug-async monitor``: the live view of a store, read-only, from any host."""

from __future__ import annotations

import argparse

from jug_async.commands.common import add_jugfile_arguments, open_session
from jug_async.errors import JugAsyncError

NAME = "monitor"
HELP = "full-screen live view of the store, from any host (read-only)"
DESCRIPTION = ("Watch the tasks of a jugfile from any host sharing its store: counts per name, "
               "running tasks with host and PID (from lock files, jug's too), hosts, failures "
               "with tracebacks. Polls with back-off; never writes.")


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("--interval", type=float, default=1.0, metavar="S",
                        help="seconds between polls while things change (default %(default)s; "
                        "backs off to 8x while nothing does)")


def main(args: argparse.Namespace) -> int:
    if args.interval <= 0:
        raise JugAsyncError(f"--interval must be positive (got {args.interval})")
    with open_session(args) as session:
        from jug_async.tui.app import run_monitor  # Textual loads only when asked for

        return run_monitor(session.graph, session.store, jugfile=args.jugfile,
                           interval=args.interval)
