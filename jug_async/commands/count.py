"""``jug-async count``: how many tasks the jugfile declares, per name."""

from __future__ import annotations

import argparse
from collections import Counter

from jug_async.commands.common import EXIT_OK, add_jugfile_arguments, open_session, summary_table

NAME = "count"
HELP = "count the declared tasks per name (reads no results)"
DESCRIPTION = ("Load the jugfile and count its task declarations per task name, as jug count "
               "does (up to the first unmet barrier). The table goes to stdout.")
EXIT_STATUS = "exit status: 0 counted, 2 a usage error (bad jugfile, store or jugrc)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)


def main(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        graph = session.graph
        assert graph is not None
        counts = Counter(graph.names[i] for i in graph.declared)
        print(summary_table([("Count", counts)], short=args.short))
    return EXIT_OK
