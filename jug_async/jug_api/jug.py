"""``jug.jug.init`` and ``is_jug_running`` for scripts and notebooks."""

from __future__ import annotations

import sys
from typing import Any

from jug_async.errors import JugAsyncError

from ..running import is_jug_running

__all__ = ["init", "is_jug_running"]


def init(jugfile: str | None = None, jugdir: Any = None, on_error: str = "exit",
         store: Any = None) -> tuple[Any, dict[str, Any]]:
    """Load ``jugfile`` (default ``jugfile.py``) with the store at ``jugdir``
    (default ``jugdata``, as jug) or ``store``; return ``(store, namespace)``.
    ``on_error="exit"`` prints the error and exits 1, ``"propagate"`` raises."""
    from jug_async.session import Session

    if on_error not in ("exit", "propagate"):
        raise ValueError("jug.init: on_error option is not valid.")
    jugfile = jugfile or "jugfile.py"
    try:
        if store is not None or (jugdir is not None and not isinstance(jugdir, str)):
            session = Session(jugfile, store=store if store is not None else jugdir)
        else:
            session = Session(jugfile, "jugdata" if jugdir is None else jugdir)
    except JugAsyncError as e:
        if on_error == "propagate":
            raise
        print(f"jug-async: {e}", file=sys.stderr)
        sys.exit(1)
    session.keep_open()
    return session.store, vars(session.module)
