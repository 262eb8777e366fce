"""``jug.backends.memoize_store``: a store wrapper that answers "is it saved?" and
"is it locked?" once per name (what ``status`` asks thousands of times).

Unlike jug's, which answers only those queries, every other call passes
through to the wrapped store (and forgets the cached answers it changes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .base import JugStoreView, base_lock, base_store

__all__ = ["cache_lock", "memoize_store"]


def _jug_api(store: Any) -> Any:
    """A jug-API store: jug-async stores are viewed through ``JugStoreView``."""
    return store if hasattr(store, "getlock") else JugStoreView(store)


class memoize_store(base_store):
    """Wrap ``base``, caching ``can_load`` and lock states; with ``list_base``,
    list the results and locks once now and answer from those lists."""

    def __init__(self, base: Any, list_base: bool = False) -> None:
        super().__init__(getattr(base, "name", None))
        self.base = _jug_api(base)
        self.cache: dict[tuple[str, Any], bool] = {}
        self.keys: set[str] | None = ({_str(k) for k in self.base.list()} if list_base
                                     else None)
        self.locks: set[str] | None = ({_str(k) for k in self.base.listlocks()} if list_base
                                      else None)

    def can_load(self, name: Any) -> bool:
        if self.keys is not None:
            return _str(name) in self.keys
        if ("can-load", name) not in self.cache:
            self.cache["can-load", name] = self.base.can_load(name)
        return self.cache["can-load", name]

    def dump(self, object: Any, outname: Any) -> None:
        self.base.dump(object, outname)
        self.cache.pop(("can-load", outname), None)
        if self.keys is not None:
            self.keys.add(_str(outname))

    def list(self) -> Iterable[Any]:
        return self.base.list()

    def listlocks(self) -> Iterable[Any]:
        return self.base.listlocks()

    def load(self, name: Any) -> Any:
        return self.base.load(name)

    def remove(self, name: Any) -> bool:
        self.cache.pop(("can-load", name), None)
        if self.keys is not None:
            self.keys.discard(_str(name))
        return self.base.remove(name)

    def remove_locks(self) -> int:
        self.locks = set() if self.locks is not None else None
        return self.base.remove_locks()

    def cleanup(self, active: Iterable[Any], keeplocks: bool = False) -> int:
        self.cache.clear()
        return self.base.cleanup(active, keeplocks)

    def getlock(self, name: Any) -> base_lock:
        return cache_lock(self.base, name, self.locks)

    def close(self) -> None:
        self.base.close()


def _str(name: Any) -> str:
    return name.decode() if isinstance(name, bytes) else str(name)


_UNKNOWN, _NOT_LOCKED, _LOCKED, _FAILED = -1, 0, 1, 2


class cache_lock(base_lock):
    """A lock whose state is asked of the store once (``locks``: the listed lock
    names, or None to ask on first use); taking, releasing and failing it go
    to the store's lock and update the cached state."""

    def __init__(self, base: Any, name: Any, locks: set[str] | None) -> None:
        self.base = base.getlock(name)
        self.status = _UNKNOWN
        if locks is not None:
            self.status = _LOCKED if _str(name) in locks else _NOT_LOCKED

    def get(self) -> bool:
        got = self.base.get()
        self.status = _LOCKED if got else _UNKNOWN
        return got

    def release(self) -> None:
        self.base.release()
        self.status = _NOT_LOCKED

    def is_locked(self) -> bool:
        if self.status == _UNKNOWN:
            self.status = (_FAILED if self.base.is_failed() else
                           _LOCKED if self.base.is_locked() else _NOT_LOCKED)
        return self.status in (_LOCKED, _FAILED)

    def fail(self) -> bool:
        failed = self.base.fail()
        self.status = _FAILED if failed else _UNKNOWN
        return failed

    def is_failed(self) -> bool:
        if self.status in (_UNKNOWN, _LOCKED):
            self.status = _FAILED if self.base.is_failed() else self.status
        return self.status == _FAILED
