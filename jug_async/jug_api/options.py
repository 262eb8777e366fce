"""``jug.options.set_jugdir``: open a store for a script's ``value(task)`` calls."""

from __future__ import annotations

from typing import Any

from jug_async.api import registry

__all__ = ["set_jugdir"]


def set_jugdir(jugdir: Any) -> Any:
    """Open ``jugdir`` (a path or store spec; None: ``jugdata``, as jug) or use a
    store object as it is; make it the store results load from; return it."""
    from jug_async.store.open import open_store

    store = open_store("jugdata" if jugdir is None else jugdir) if (
        jugdir is None or isinstance(jugdir, str)) else jugdir
    ctx = registry.current()
    if ctx is not None and ctx.collect:  # called from a jugfile while it loads
        ctx.store = store
        ctx.saved = None
    else:
        registry.set_process_context(registry.LoadContext(store=store, collect=False))
    return store
