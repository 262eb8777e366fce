"""``jug-async``: build the parser from ``commands/``, dispatch, set the exit status.

No scheduling logic lives here. User mistakes (a missing jugfile, a syntax
error, a bad store) are reported as one line on stderr with exit status 2; a
failed task gives exit status 1 with its name and traceback on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from jug_async import __version__
from jug_async.commands import COMMANDS
from jug_async.commands.common import EXIT_SIGNAL, EXIT_USAGE
from jug_async.errors import JugAsyncError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jug-async",
        description="Run a jug jugfile on every core with one scheduler per host. "
        "Uses jug 2.7's store and locks: jug and jug-async workers can share a jugdir.",
    )
    parser.add_argument("--version", action="version", version=__version__)  # bare, as jug
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP, description=command.DESCRIPTION)
        command.configure(p)
        p.set_defaults(main=command.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after `--` belongs to the jugfile, wherever the options are.
    user_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, user_args = argv[:cut], argv[cut + 1:]
    args = build_parser().parse_args(argv)
    args.args = [*getattr(args, "args", []), *user_args]
    try:
        return args.main(args)
    except JugAsyncError as e:
        print(f"jug-async: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jug-async: interrupted", file=sys.stderr)
        return EXIT_SIGNAL["SIGINT"]
