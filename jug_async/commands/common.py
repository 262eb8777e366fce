"""What several subcommands share: the jugfile arguments, exit statuses, and
opening a session from parsed arguments."""

from __future__ import annotations

import argparse

from jug_async.session import Session

EXIT_OK = 0
EXIT_FAILED = 1  # a task failed, or (status) not every task is complete
EXIT_USAGE = 2  # a user mistake: bad option, missing jugfile, bad store
EXIT_SIGNAL = {"SIGINT": 130, "SIGTERM": 143}


def add_jugfile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("jugfile", help="the jugfile (Python file declaring tasks)")
    parser.add_argument("args", nargs="*", help="arguments for the jugfile (its sys.argv[1:]); "
                        "put them after `--`")
    parser.add_argument("--jugdir", metavar="DIR",
                        help="where results and locks live (default: <jugfile minus .py>.jugdata;"
                        " `memory:` for an in-process store)")


def open_session(args: argparse.Namespace) -> Session:
    return Session(args.jugfile, args.jugdir, args.args)
