"""``jug-async``: build the parser from ``commands/``, dispatch, set the exit status.

No scheduling logic lives here. Defaults come from jug's configuration files
(``config.py``); the command line wins. User mistakes (a bad option, a missing
jugfile, a syntax error, a bad store or jugrc) are reported as one line on
stderr with exit status 2; a failed task gives exit status 1 with its name and
traceback on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from jug_async import __version__, config
from jug_async.commands import COMMANDS
from jug_async.commands.common import (
    EXIT_SIGNAL,
    EXIT_USAGE,
    add_jug_common_options,
    apply_config,
    finish,
)
from jug_async.errors import JugAsyncError


def build_parser(options: Mapping[str, str] | None = None,
                 ) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser and each subcommand's parser (aliases included); ``options``
    from the jugrc files become the subcommands' defaults."""
    parser = argparse.ArgumentParser(
        prog="jug-async",
        description="Run a jug jugfile on every core with one scheduler per host. "
        "Uses jug 2.7's store and locks: jug and jug-async workers can share a jugdir. "
        "Reads jug's configuration files (~/.config/jug/jugrc, .jugrc, ...).",
    )
    parser.add_argument("--version", action="version", version=__version__)  # bare, as jug
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parsers: dict[str, argparse.ArgumentParser] = {}
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP, description=command.DESCRIPTION,
                           epilog=getattr(command, "EXIT_STATUS", None))
        command.configure(p)
        add_jug_common_options(p)
        if options:
            apply_config(p, command, options)
        p.set_defaults(main=command.main)
        parsers[command.NAME] = p
    return parser, parsers


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after `--` belongs to the jugfile, wherever the options are.
    user_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, user_args = argv[:cut], argv[cut + 1:]
    if argv and argv[0] not in {c.NAME for c in COMMANDS} and not argv[0].startswith("-"):
        status = _user_command([*argv, *(["--", *user_args] if user_args else [])])
        if status is not None:
            return status
    try:
        parser, parsers = build_parser(config.load())
    except JugAsyncError as e:  # a jugrc that is not INI, or a value of the wrong type
        print(f"jug-async: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    args, unknown = parser.parse_known_args(argv)
    options_left = [a for a in unknown if a.startswith("-")]
    if options_left:  # the subcommand's usage, not the top-level one
        parsers[args.command].error(f"unrecognized arguments: {' '.join(options_left)}")
    # argparse hands out positionals in one go: jugfile arguments after an option
    # (`run x.py -j 2 6`) come back unparsed. They are the jugfile's, in order.
    args.args = [*getattr(args, "args", []), *unknown, *user_args]
    try:
        finish(args)
        return args.main(args)
    except JugAsyncError as e:
        print(f"jug-async: error: {e}", file=sys.stderr)
        _maybe_debug(args, e)
        return EXIT_USAGE
    except OSError as e:  # the filesystem said no: one line, not a traceback
        where = f": {e.filename}" if e.filename else ""
        print(f"jug-async: error: {e.strerror or e}{where}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jug-async: interrupted", file=sys.stderr)
        return EXIT_SIGNAL["SIGINT"]


USER_COMMANDS = "~/.config/jug/jug_user_commands.py"


def _user_command(argv: list[str]) -> int | None:
    """Run a jug user's own subcommand (a ``jug.subcommands.SubCommand`` subclass in
    ``~/.config/jug/jug_user_commands.py``, which jug loads too) by its name; None
    when there is no such command, so the parser reports the unknown name."""
    if not os.path.isfile(os.path.expanduser(USER_COMMANDS)):
        return None
    from jug_async import compat

    with compat.aliased():
        from jug.subcommands import cmdapi

        if cmdapi.user_command(argv[0]) is None:
            return None
        import jug.jug

        try:
            jug.jug.main(["jug-async", *argv])
        except SystemExit as e:
            return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def _maybe_debug(args: argparse.Namespace, error: BaseException) -> None:
    """``--pdb``: post-mortem on what the jugfile raised while loading."""
    cause = error.__cause__
    if getattr(args, "pdb", False) and cause is not None and cause.__traceback__ is not None:
        import pdb

        pdb.post_mortem(cause.__traceback__)
