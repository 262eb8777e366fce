"""``jug.backends.dict_store``: an in-memory store (one process)."""

from jug_async.store.memory import MemoryStore as dict_store

__all__ = ["dict_store"]
