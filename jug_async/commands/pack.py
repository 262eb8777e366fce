"""``jug-async pack``: jug's ``pack``, moving small result files into one file.

A store of many tiny results (one file each) is slow to list and to copy; the
pack (``<jugdir>/packs/jugpack``) holds every result of at most 512 bytes in one
file that jug and jug-async read once. Results stay where jug looks for them:
either tool reads a store the other packed. The jugfile is not loaded: only its
store is opened (``--jugdir``, or the jugfile's name, as jug derives it).
"""

from __future__ import annotations

import argparse
import sys

from jug_async.commands.common import EXIT_OK, EXIT_USAGE, add_jugfile_arguments
from jug_async.session import store_spec
from jug_async.store.open import open_store

NAME = "pack"
HELP = "move small result files (512 bytes at most) into jug's pack file"
DESCRIPTION = ("Move every result file of at most 512 bytes into the store's pack "
               "(packs/jugpack), as jug pack does, under jug's pack-save lock; jug and "
               "jug-async both read packed results.")
EXIT_STATUS = "exit status: 0 packed, 2 a usage error (a store that cannot be packed, bad jugrc)"


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)


def main(args: argparse.Namespace) -> int:
    store = open_store(store_spec(args.jugfile, args.jugdir))
    update_pack = getattr(store, "update_pack", None)
    if update_pack is None:
        print(f"jug-async: cannot pack {store.describe()} (only jugdir directories can be "
              "packed)", file=sys.stderr)
        return EXIT_USAGE
    print(f"Packed {update_pack()} objects")
    return EXIT_OK
