"""``jug-async status``: per-name counts from one listing of the store.

``--short`` and ``--cache`` (``--cache-file``, ``--clear``) mean what they mean
to ``jug status``; the cache file is jug's own, so either tool can read the
cache the other wrote.
"""

from __future__ import annotations

import argparse
import json
import sys

from jug_async.commands.common import EXIT_FAILED, EXIT_OK, add_jugfile_arguments, open_session
from jug_async.session import store_spec
from jug_async.store.open import open_store
from jug_async.view import status, status_cache

NAME = "status"
HELP = "count tasks per name: Failed, Waiting, Ready, Complete, Active"
DESCRIPTION = ("Show the state of every task, per task name, from one listing of the store. "
               "Exit status: 0 every task is complete (or --clear removed the cache), "
               "1 some task is not, 2 a usage error (bad jugfile, bad store, unreadable cache).")


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    if "--short" not in parser._option_string_actions:  # jug's common option; may be shared
        parser.add_argument("--short", action="store_true",
                            help="one line of totals (jug's wording) instead of the table")
    parser.add_argument("--cache", action="store_true",
                        help="use jug's status cache: once written, the jugfile is not loaded "
                        "again and tasks recorded complete are not re-checked, so the output "
                        "and the exit status miss a changed jugfile or removed results")
    parser.add_argument("--cache-file", default=status_cache.DEFAULT_FILE, metavar="FILE",
                        help="the cache, with --cache (default: %(default)s, as jug)")
    parser.add_argument("--clear", action="store_true",
                        help="with --cache: remove the cache file, show nothing")


def main(args: argparse.Namespace) -> int:
    if args.cache:
        if args.clear:
            status_cache.clear(args.cache_file)
            return EXIT_OK
        cached = _cached_table(args)
        note, dead = "", {}
        if cached is None:  # the cache cannot describe this jugfile: plain status
            print("jug-async: a task depends on one declared after it; "
                  "status without the cache", file=sys.stderr)
            table, note, dead = _table(args)
        else:
            table = cached
    else:
        table, note, dead = _table(args)
    complete = status.all_complete(table)
    if args.json:
        totals = {c: sum(r[c] for r in table.values()) for c in status.COLUMNS}
        json.dump({"jugfile": args.jugfile, "store": store_spec(args.jugfile, args.jugdir),
                   "complete": complete, "total": totals, "tasks": table,
                   "dead_locks": dead}, sys.stdout, indent=2)
        print()
    elif getattr(args, "short", False):
        print(short_line(table))
    else:
        print(status.render_table(table))
    if note and not args.json:  # stderr: stdout stays jug's table or line
        print(note, file=sys.stderr)
    return EXIT_OK if complete else EXIT_FAILED


def _table(args: argparse.Namespace) -> tuple[dict[str, dict[str, int]], str, dict[str, str]]:
    """The counts, the note about locks of dead owners, and those locks."""
    with open_session(args) as session:
        assert session.graph is not None
        snap = status.StoreSnapshot.read(session.store)
        states = status.node_states(session.graph, snap)
        return (status.counts_by_name(session.graph, states),
                status.dead_note(snap, session.graph), snap.dead)


def _cached_table(args: argparse.Namespace) -> dict[str, dict[str, int]] | None:
    """Counts from the cache (built from the jugfile first when there is none)."""
    cache = status_cache.read(args.cache_file)
    create = cache is None
    if cache is None:
        with open_session(args) as session:
            assert session.graph is not None
            cache = status_cache.from_graph(session.graph)
            store = session.store
            if cache is None:
                return None
            dirty = status_cache.update(cache, status.StoreSnapshot.read(store))
    else:
        store = open_store(store_spec(args.jugfile, args.jugdir))
        dirty = status_cache.update(cache, status.StoreSnapshot.read(store))
    status_cache.write(args.cache_file, cache, dirty, create=create)
    return status_cache.table(cache)


def short_line(table: dict[str, dict[str, int]]) -> str:
    """``jug status --short``'s one line, word for word."""
    total = {c: sum(r[c] for r in table.values()) for c in status.COLUMNS}
    if status.all_complete(table):
        return f"All tasks complete ({total['Complete']} tasks)."
    active = f"{total['Active']} active" if total["Active"] else "none active"
    return (f"{total['Waiting'] + total['Ready']} tasks waiting to be run, {total['Failed']} "
            f"failed, {total['Complete']} complete, ({active}).")
