"""``jug-async invalidate``: remove the results of some tasks and of everything
computed from them, so the next run computes them again."""

from __future__ import annotations

import argparse

from jug_async.commands.common import (
    EXIT_OK,
    add_jugfile_arguments,
    err,
    open_session,
    pattern_argument,
    summary_table,
)
from jug_async.errors import JugAsyncError
from jug_async.selection import task_matcher
from jug_async.view import status

NAME = "invalidate"
HELP = "remove the results of the named tasks and of everything downstream of them"
DESCRIPTION = ("Remove the saved results of the tasks selected by --name or --pattern and of "
               "every task that depends on them, directly or not (their failure records too), "
               "as jug invalidate does. The table of removed results goes to stdout.")
EXIT_STATUS = ("exit status: 0 done (also when none of the selected tasks had a saved result), "
               "2 a usage error: no task matches, or a bad option, jugfile, store or jugrc")
CONFIG_SECTION = "invalid"  # jug's section name (invalid_name, invalid_pattern)


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--name", "--target", "--invalid", dest="name", metavar="NAME",
                       help="tasks whose name is NAME: the whole name (module.function) or "
                       "its end after a '.', shell wildcards allowed ('function*')")
    which.add_argument("--pattern", type=pattern_argument, metavar="PATTERN",
                       help="tasks whose name contains PATTERN (or matches it, given as "
                       "/regex/)")
    parser.add_argument("--dry-run", "-n", action="store_true",
                        help="show what would be removed; remove nothing")


def main(args: argparse.Namespace) -> int:
    matcher = task_matcher([args.name] if args.name else [], args.pattern)
    assert matcher is not None  # argparse requires --name or --pattern
    with open_session(args) as session:
        graph, store = session.graph, session.store
        assert graph is not None
        seeds = {i for i, name in enumerate(graph.names) if matcher(name)}
        if not seeds:
            names = graph.name_order()
            shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
            what = f"--name {args.name}" if args.name else f"--pattern {args.pattern}"
            raise JugAsyncError(f"no task matches {what} (task names: {shown or 'none'})")
        saved = store.listing()
        counts = status.invalidation(graph, seeds, saved)
        doomed = [graph.hashes[i] for i in sorted(status.downstream(graph, seeds))]
        if args.dry_run:
            print(summary_table([("Would remove", counts)], short=args.short)
                  if counts else "No results to remove.")
            err("dry run: nothing was removed")
            return EXIT_OK
        for h in doomed:
            if h in saved:
                store.remove(h)
        for h in set(doomed) & store.list_failures():
            store.clear_failure(h)
        if not counts:
            print("Tasks invalidated, but no results removed")
        else:
            print(summary_table([("Invalidated", counts)], short=args.short))
    return EXIT_OK
