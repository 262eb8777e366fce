"""``jug-async cleanup``: remove results no current task uses, and locks.

Results are removed through the store (files and packed entries alike); locks
are removed with ``break_lock``, which removes a lock only if it is still the
one inspected. jug-async's failure records go with the results and locks they
describe. Files that are neither results, locks nor failure records are left
alone (jug's cleanup deletes every other file under the jugdir).
"""

from __future__ import annotations

import argparse
import os
import socket

from jug_async.commands.common import (
    EXIT_FAILED,
    EXIT_OK,
    add_jugfile_arguments,
    err,
    open_session,
)
from jug_async.errors import JugAsyncError
from jug_async.session import store_spec
from jug_async.store.base import Store, is_hash
from jug_async.store.open import open_store
from jug_async.view import status

NAME = "cleanup"
HELP = "remove results no current task uses, then every lock (jug's cleanup)"
DESCRIPTION = ("Remove the saved results that no task of the jugfile uses (and their failure "
               "records), then, unless --keep-locks, every lock, as jug cleanup does: locks of "
               "processes still running are removed too (their tasks may then run twice; a "
               "warning names the ones on this host). Counts go to stdout.")
EXIT_STATUS = ("exit status: 0 done, 1 something under locks/ could not be removed (named on "
               "stderr), 2 a usage error (bad jugfile, store or jugrc, or a jugfile stopped at "
               "a barrier, whose later tasks are unknown)")


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--locks-only", action="store_true",
                       help="remove every lock, leave results alone (the jugfile is not loaded)")
    which.add_argument("--failed-only", action="store_true",
                       help="remove the locks marked failed (jug's --keep-failed, jug-async's "
                       "too) and jug-async's failure records; leave results and other locks "
                       "(the jugfile is not loaded)")
    which.add_argument("--keep-locks", action="store_true",
                       help="remove unused results, leave every lock")
    parser.add_argument("--dry-run", "-n", action="store_true",
                        help="say what would be removed; remove nothing")


def main(args: argparse.Namespace) -> int:
    verb = "Would remove" if args.dry_run else "Removed"
    if args.locks_only or args.failed_only:
        store = open_store(store_spec(args.jugfile, args.jugdir))
        removed, ok = _remove_locks(store, failed_only=args.failed_only, dry_run=args.dry_run)
        print(f"{verb} {removed} {'failure locks' if args.failed_only else 'locks'}")
        if args.failed_only:
            records = store.list_failures()
            if not args.dry_run:
                for h in records:
                    store.clear_failure(h)
            print(f"{verb} {len(records)} failure records")
        return EXIT_OK if ok else EXIT_FAILED
    with open_session(args) as session:
        if session.stopped_at_barrier:
            raise JugAsyncError("the jugfile stops at a barrier whose tasks are not all saved: "
                                "the tasks after it are unknown and cleanup would remove their "
                                "results (run it first, or use --locks-only)")
        store, graph = session.store, session.graph
        assert graph is not None
        unused = status.unused(graph, {h for h in store.listing() if is_hash(h)})
        if not args.dry_run:
            for h in unused:
                store.remove(h)
        print(f"{verb} {len(unused)} objects")
        records = status.unused(graph, store.list_failures())
        if not args.dry_run:
            for h in records:
                store.clear_failure(h)
        if records:
            print(f"{verb} {len(records)} failure records")
        ok = True
        if not args.keep_locks:
            removed, ok = _remove_locks(store, failed_only=False, dry_run=args.dry_run)
            print(f"{verb} {removed} locks")
    if args.dry_run:
        err("dry run: nothing was removed")
    return EXIT_OK if ok else EXIT_FAILED


def _remove_locks(store: Store, *, failed_only: bool, dry_run: bool) -> tuple[int, bool]:
    """Remove every lock (or the failed ones); return how many, and whether every
    entry could be read. A lock path that is not a lock file (a directory) is
    named on stderr and left alone."""
    from jug_async.run.scheduler import pid_alive

    host = socket.gethostname()
    removed, ok, live = 0, True, []
    for h in sorted(store.list_locks()):
        where = os.path.join(store.describe(), "locks", f"{h}.lock")
        if os.path.isdir(where):  # jug's cleanup stops with a traceback here
            err(f"{where}: not a lock file (a directory); left alone")
            ok = False
            continue
        info = store.lock_info(h)
        if info is None or (failed_only and not info.failed):
            continue
        if dry_run or store.break_lock(h, info):
            removed += 1
            if (not info.failed and info.host == host and info.pid is not None
                    and pid_alive(info.pid)):
                live.append(info.pid)
    if live:
        pids = ", ".join(map(str, sorted(set(live))[:10]))
        err(f"{len(live)} of these locks belonged to processes still running on this host "
            f"(PID {pids}): their tasks may run twice, as with jug cleanup")
    return removed, ok
