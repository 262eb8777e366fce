"""``jug-async sleep-until``: wait until the jugfile is done, then exit."""

from __future__ import annotations

import argparse
import time

from jug_async.commands.common import EXIT_OK, add_jugfile_arguments, open_session
from jug_async.errors import JugAsyncError
from jug_async.view import status

NAME = "sleep-until"
HELP = "wait until every task is saved (by any worker, on any host), then exit"
DESCRIPTION = ("Poll the store until `check` would succeed; past a barrier, load the jugfile "
               "again and wait for the rest, as jug sleep-until does. Runs nothing itself. "
               "Failed tasks are waited for too (a worker may retry them).")
EXIT_STATUS = ("exit status: 0 every task is saved, 2 a usage error (bad jugfile, store or "
               "jugrc), 130/143 stopped by SIGINT/SIGTERM")
CONFIG_SECTION = "sleep_until"


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("--interval", type=float, default=2.0, metavar="S",
                        help="seconds between looks at the store (default %(default)s; jug "
                        "sleeps 12)")


def main(args: argparse.Namespace, sleep: object = time.sleep) -> int:
    if args.interval <= 0:
        raise JugAsyncError(f"--interval must be positive (got {args.interval})")
    with open_session(args) as session:
        while True:
            assert session.graph is not None
            if status.check_complete(session.graph, session.store.listing()):
                if not session.stopped_at_barrier:
                    return EXIT_OK
                session.load()  # what the barrier waited for is saved: read on
                continue
            sleep(args.interval)  # type: ignore[operator]
