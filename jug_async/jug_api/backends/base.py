"""``jug.backends.base``: jug's store and lock contracts, for code written against them.

``base_store`` is jug's abstract store (results by name, locks by name);
``base_lock`` its abstract lock. Subclass them as with jug. jug-async's own
stores follow ``jug_async.store.base`` instead; ``JugStoreView`` gives one of
them jug's store methods (``dump(object, name)``, ``getlock(name)``, ...), so a
script written for jug's store API works on a jug-async store.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Iterable
from typing import Any

__all__ = ["JugStoreView", "base_lock", "base_store", "name_of"]


def name_of(name: str | bytes) -> str:
    """jug names results by the task hash as bytes or str; jug-async keys by str."""
    return name.decode() if isinstance(name, bytes) else name


class base_store(metaclass=ABCMeta):
    """A jug store: results and locks named by task hash."""

    def __init__(self, name: Any = None) -> None:
        self.name = name

    @abstractmethod
    def dump(self, object: Any, name: str | bytes) -> None:
        """Save ``object`` as the result ``name``."""

    @abstractmethod
    def list(self) -> Iterable[str]:
        """Every saved result's name."""

    @abstractmethod
    def listlocks(self) -> Iterable[str]:
        """Every lock's name."""

    @abstractmethod
    def can_load(self, name: str | bytes) -> bool:
        """Whether the result ``name`` is saved."""

    @abstractmethod
    def load(self, name: str | bytes) -> Any:
        """The saved result ``name``."""

    def remove_many(self, names: Iterable[str | bytes]) -> int:
        """Remove several results; how many were removed."""
        return sum(1 for n in names if self.remove(n))

    @abstractmethod
    def remove(self, name: str | bytes) -> bool:
        """Remove the result ``name``; whether it existed."""

    @abstractmethod
    def cleanup(self, active: Iterable[str | bytes], keeplocks: bool = False) -> int:
        """Remove every result not in ``active`` (and the locks unless
        ``keeplocks``); how many entries were removed."""

    @abstractmethod
    def remove_locks(self) -> int:
        """Remove every lock; how many were removed."""

    @abstractmethod
    def getlock(self, name: str | bytes) -> base_lock:
        """The lock object for ``name`` (not taken)."""

    def close(self) -> None:  # noqa: B027 - a default: most stores hold nothing open
        """Release what the store holds open (nothing by default)."""

    @staticmethod
    def remove_store(jugdir: Any) -> None:
        """Remove a whole jugdir (a directory) and everything in it."""
        import shutil

        shutil.rmtree(jugdir)

    def metadata(self, t: Any) -> dict[str, Any]:
        """Metadata about task ``t``'s result (none by default)."""
        return {}


class base_lock(metaclass=ABCMeta):
    """A lock on one task: take it before running the task, release after."""

    @abstractmethod
    def get(self) -> bool:
        """Try to take the lock (without waiting); whether it was taken."""

    @abstractmethod
    def release(self) -> None:
        """Release the lock (held or not)."""

    @abstractmethod
    def is_locked(self) -> bool:
        """Whether anyone holds the lock (a racy answer, as in jug)."""

    @abstractmethod
    def fail(self) -> bool:
        """Mark the held lock failed (kept until cleaned up); whether it now is."""

    @abstractmethod
    def is_failed(self) -> bool:
        """Whether the lock is marked failed."""


class StoreLock(base_lock):
    """A jug lock over a jug-async store's locks (file: jug's lock files)."""

    def __init__(self, store: Any, name: str | bytes) -> None:
        self.store = store
        self.name = name_of(name)

    def get(self) -> bool:
        return self.store.try_lock(self.name)

    def release(self) -> None:
        self.store.unlock(self.name)

    def is_locked(self) -> bool:
        return self.store.lock_info(self.name) is not None

    def fail(self) -> bool:
        if self.store.lock_info(self.name) is None:
            return False  # jug: no effect unless locked
        self.store.mark_failed(self.name)
        return True

    def is_failed(self) -> bool:
        info = self.store.lock_info(self.name)
        return info is not None and info.failed


class JugStoreView(base_store):
    """jug's store methods over a jug-async store (``jug_async.store.base.Store``)."""

    def __init__(self, store: Any) -> None:
        super().__init__(store.describe())
        self.store = store

    def dump(self, object: Any, name: str | bytes) -> None:
        self.store.dump(name_of(name), object)

    def list(self) -> Iterable[str]:
        return iter(self.store.listing())

    def listlocks(self) -> Iterable[str]:
        return iter(self.store.list_locks())

    def can_load(self, name: str | bytes) -> bool:
        return self.store.exists(name_of(name))

    def load(self, name: str | bytes) -> Any:
        return self.store.load(name_of(name))

    def remove(self, name: str | bytes) -> bool:
        return self.store.remove(name_of(name))

    def cleanup(self, active: Iterable[str | bytes], keeplocks: bool = False) -> int:
        keep = {name_of(n) for n in active}
        removed = sum(1 for h in self.store.listing() - keep if self.store.remove(h))
        return removed if keeplocks else removed + self.remove_locks()

    def remove_locks(self) -> int:
        locks = self.store.list_locks()
        for h in locks:
            self.store.unlock(h)
        return len(locks)

    def getlock(self, name: str | bytes) -> base_lock:
        return StoreLock(self.store, name)

    def close(self) -> None:
        close = getattr(self.store, "close", None)
        if close is not None:
            close()
