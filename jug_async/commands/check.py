"""``jug-async check``: is everything saved? The answer is the exit status."""

from __future__ import annotations

import argparse

from jug_async.commands.common import EXIT_FAILED, EXIT_OK, add_jugfile_arguments, open_session
from jug_async.view import status

NAME = "check"
HELP = "exit status 0 if every task is saved, 1 otherwise (prints nothing)"
DESCRIPTION = ("Decide from one listing of the store whether the jugfile is done, as jug check "
               "does: walking back from the last task, every task not needed by a saved later "
               "task must be saved. A jugfile stopped at an unmet barrier is not done.")
EXIT_STATUS = ("exit status: 0 every task is saved, 1 some task is not, 2 a usage error "
               "(bad jugfile, store or jugrc)")


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)


def main(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        assert session.graph is not None
        done = status.check_complete(session.graph, session.store.listing())
        return EXIT_OK if done and not session.stopped_at_barrier else EXIT_FAILED
