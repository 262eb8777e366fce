"""``jug.backends.select``: a store from a jugdir spec."""

from typing import Any

__all__ = ["select"]


def select(jugdir: Any) -> Any:
    """Open the store ``jugdir`` names (a store object is returned as it is)."""
    from jug_async.store.open import open_store

    return open_store(jugdir) if isinstance(jugdir, str) else jugdir
