"""What several subcommands share: the jugfile arguments, jug's common options,
configuration defaults, exit statuses, summary tables, and opening a session.

Every subcommand takes the jugfile first (default ``jugfile.py``, as in jug),
then the jugfile's own arguments, and ``--jugdir``. jug's common options
(``--will-cite``, ``--verbose``, ...) are added to every subcommand by
``add_jug_common_options`` unless the subcommand defines them itself.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from jug_async import config
from jug_async.errors import StoreError
from jug_async.selection import pattern_matcher
from jug_async.session import Session

EXIT_OK = 0
EXIT_FAILED = 1  # a task failed, or (status, check) not every task is complete
EXIT_USAGE = 2  # a user mistake: bad option, missing jugfile, bad store
EXIT_SIGNAL = {"SIGINT": 130, "SIGTERM": 143}

# jug's options that live in ``[main]`` of a jugrc; every other option of a
# subcommand is read from its section (``[execute] keep-going``).
MAIN_OPTIONS = frozenset({"jugfile", "jugdir", "aggressive_unload", "verbose", "short", "pdb",
                          "debug", "will_cite"})


def add_jugfile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("jugfile", nargs="?", default=config.DEFAULT_JUGFILE,
                        help="the jugfile (Python file declaring tasks; default: %(default)s)")
    parser.add_argument("args", nargs="*", default=[], metavar="ARG",
                        help="the jugfile's own arguments (its sys.argv[1:]); put them after "
                        "`--` when they start with '-'")
    parser.add_argument("--jugdir", metavar="DIR", default=config.DEFAULT_JUGDIR,
                        help="where results and locks live; %%(jugfile)s is the jugfile minus "
                        ".py, %%(date)s today (YYYY-MM-DD), as in jug (default: "
                        "%%(jugfile)s.jugdata; `memory:` for an in-process store)")


# jug's common options: (flags, keyword arguments). Accepted by every subcommand
# so that job scripts written for jug run unchanged; what each does here is in
# its help.
_COMMON: tuple[tuple[tuple[str, ...], dict[str, Any]], ...] = (
    (("--will-cite",), {"action": "store_true",
                        "help": "accepted for jug's job scripts; jug-async prints no citation "
                        "request (no-op)"}),
    (("--aggressive-unload",), {"action": "store_true",
                                "help": "accepted for jug's job scripts (no-op): results live "
                                "in worker processes, whose caches are bounded anyway"}),
    (("--verbose",), {"metavar": "LEVEL",
                      "help": "as jug: 'info' or 'debug' sets the level of Python's logging "
                      "(the jugfile's messages); other values change nothing"}),
    (("--short",), {"action": "store_true", "help": "short output (totals only)"}),
    (("--pdb",), {"action": "store_true",
                  "help": "open pdb on an error raised while loading the jugfile (tasks run "
                  "in worker processes without the terminal: see their tracebacks); "
                  "implies --debug"}),
    (("--debug",), {"action": "store_true",
                    "help": "accepted for jug's job scripts (no-op): jug-async always hashes "
                    "every task up front and rejects tasks created while tasks run"}),
)


def add_jug_common_options(parser: argparse.ArgumentParser) -> None:
    """Add jug's common options the subcommand has not defined itself."""
    taken = parser._option_string_actions  # argparse keeps no public registry
    for flags, kwargs in _COMMON:
        if not any(f in taken for f in flags):
            parser.add_argument(*flags, **kwargs)


class AppendOverDefault(argparse.Action):
    """``append``, except that the first use on the command line replaces the
    default (which may come from a jugrc) instead of adding to it: the command
    line wins, as in jug."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        current = getattr(namespace, self.dest, None)
        items = [] if current is None or current is self.default else list(current)
        setattr(namespace, self.dest, [*items, values])


def pattern_argument(value: str) -> str:
    """Check a ``--pattern`` as argparse reads it (an error shows the usage)."""
    try:
        pattern_matcher(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return value


# ---- configuration ---------------------------------------------------------------------


def config_key(command: ModuleType, dest: str) -> str:
    """The jugrc option that gives ``dest`` its default for ``command``: ``[main]``
    keys as they are, others under the command's section (``CONFIG_SECTION``, by
    default its name), renamed by ``CONFIG_KEYS`` where jug's name differs."""
    if dest in MAIN_OPTIONS:
        return dest
    renamed = getattr(command, "CONFIG_KEYS", {}).get(dest)
    if renamed:
        return renamed
    section = getattr(command, "CONFIG_SECTION", command.NAME)
    return config.option_name(section, dest)


def apply_config(parser: argparse.ArgumentParser, command: ModuleType,
                 options: Mapping[str, str]) -> None:
    """Make the jugrc's values this subcommand's defaults (the command line still
    wins), each converted to its option's type as jug converts to the type of
    the option's default."""
    defaults: dict[str, Any] = {}
    for action in parser._actions:
        if action.dest in ("help", argparse.SUPPRESS) or action.dest == "args":
            continue
        key = config_key(command, action.dest)
        if key in options:
            defaults[action.dest] = _convert(action, key, options[key])
    if defaults:
        parser.set_defaults(**defaults)


def _convert(action: argparse.Action, key: str, raw: str) -> Any:
    if action.nargs == 0:  # a flag
        return config.to_bool(raw) if isinstance(action.const, bool) else raw
    try:
        value = action.type(raw) if callable(action.type) else raw
    except (TypeError, ValueError, argparse.ArgumentTypeError) as e:
        raise config.ConfigError(f"configuration option {key} = {raw!r}: {e}") from None
    return [value] if isinstance(action, AppendOverDefault) else value


def finish(args: argparse.Namespace) -> None:
    """What jug does after parsing: ``--pdb`` implies ``--debug``, ``--verbose``
    sets logging's level, ``--jugdir`` placeholders are expanded and checked."""
    if getattr(args, "pdb", False):
        args.debug = True
    level = {"DEBUG": logging.DEBUG, "INFO": logging.INFO}.get(
        str(getattr(args, "verbose", None) or "").upper())
    if level is not None:
        logging.getLogger().setLevel(level)
    if getattr(args, "jugdir", None) is not None and hasattr(args, "jugfile"):
        args.jugdir = config.expand_jugdir(args.jugdir, args.jugfile)
        check_jugdir_path(args.jugdir)


def check_jugdir_path(jugdir: str) -> None:
    """A jugdir path must not pass through a regular file: say so now, instead
    of a NotADirectoryError from deep inside the store later."""
    if ":" in jugdir.split(os.sep)[0]:
        return  # a store spec (memory:), not a path
    path = os.path.abspath(jugdir)
    while True:
        if os.path.exists(path):
            if not os.path.isdir(path):
                what = "is a file" if path == os.path.abspath(jugdir) else f"is under {path}"
                raise StoreError(f"jugdir {jugdir} {what}, which is not a directory")
            return
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def open_session(args: argparse.Namespace) -> Session:
    return Session(args.jugfile, args.jugdir, args.args)


# ---- output ----------------------------------------------------------------------------


def summary_table(groups: Sequence[tuple[str, Mapping[str, int]]], short: bool = False,
                  width: int | None = None) -> str:
    """jug's ``print_task_summary_table``: a 12-wide column per group, then the
    task name; with ``short`` one line per group and a total."""
    if short:
        lines = [f"{title}:  {sum(g.values())} tasks" for title, g in groups]
        lines.append(f"** Total: {sum(sum(g.values()) for _, g in groups)} tasks.")
        return "\n".join(lines)
    if not width:
        import shutil  # here: it imports bz2 and lzma, which other commands never need

        width = shutil.get_terminal_size().columns
    name_width = width - 12 * len(groups) - 2
    if name_width <= 8:
        name_width = 12

    def line(cells: Sequence[object], name: str) -> str:
        return "".join(f"{c!s:>12}" for c in cells) + f"  {name}"

    rule = 12 * len(groups) + 2 + name_width
    names = sorted(set().union(*(g.keys() for _, g in groups)))
    out = [line([t for t, _ in groups], "Task name"), "-" * rule]
    out += [line([g.get(n, 0) for _, g in groups], n) for n in names]
    out += ["." * rule, line([sum(g.values()) for _, g in groups], "Total")]
    return "\n".join(out)


def err(message: str) -> None:
    """A line for the user on stderr (progress, warnings, errors)."""
    print(f"jug-async: {message}", file=sys.stderr)
