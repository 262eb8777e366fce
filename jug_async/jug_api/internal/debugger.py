"""``jug.internal.debugger``: ``--pdb``'s post-mortem debugger."""

from __future__ import annotations

import sys

__all__ = ["debug_exception"]


def debug_exception() -> None:
    """Post-mortem debugging of the exception being handled, with IPython's
    debugger when it is installed (as jug prefers), else ``pdb``."""
    tb = sys.exc_info()[2]
    try:
        from IPython.core.debugger import Pdb

        Pdb().interaction(None, tb)
    except ImportError:
        import pdb

        pdb.post_mortem(tb)
