"""``jug-async status``: per-name counts from one listing of the store."""

from __future__ import annotations

import argparse
import json
import sys

from jug_async.commands.common import EXIT_FAILED, EXIT_OK, add_jugfile_arguments, open_session
from jug_async.view import status

NAME = "status"
HELP = "count tasks per name: Failed, Waiting, Ready, Complete, Active"
DESCRIPTION = ("Show the state of every task, per task name, from one listing of the store. "
               "Exit status 0 only when every task is complete.")


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def main(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        assert session.graph is not None
        states = status.node_states(session.graph, status.StoreSnapshot.read(session.store))
        table = status.counts_by_name(session.graph, states)
        complete = status.all_complete(table)
        if args.json:
            totals = {c: sum(r[c] for r in table.values()) for c in status.COLUMNS}
            json.dump({"jugfile": args.jugfile, "store": session.store.describe(),
                       "complete": complete, "total": totals, "tasks": table},
                      sys.stdout, indent=2)
            print()
        else:
            print(status.render_table(table))
    return EXIT_OK if complete else EXIT_FAILED
