"""open_store: turn a ``--jugdir`` style spec into a Store."""

from __future__ import annotations

import os
import re

from jug_async.errors import StoreError
from jug_async.store.base import Store
from jug_async.store.file import FileStore
from jug_async.store.memory import MemoryStore

# A scheme is two or more letters before a colon, so a Windows drive (C:) is a path.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+._-]+):")


def open_store(spec: str) -> Store:
    """``memory:`` gives a MemoryStore; a plain path gives a FileStore (nothing is
    created until the first write).

    Raises:
        StoreError: an empty spec, or a ``scheme:`` this version does not know
            (``redis:`` included, for now).
    """
    if not spec:
        raise StoreError("empty store spec: give a jugdir path or memory:")
    if spec == "memory:":
        return MemoryStore()
    if m := _SCHEME.match(spec):
        scheme = m.group(1)
        if scheme == "memory":
            raise StoreError(f"{spec!r}: memory: takes nothing after the colon")
        if scheme == "redis":
            raise StoreError(f"{spec!r}: redis stores are not supported yet; use a jugdir path")
        raise StoreError(f"{spec!r}: unknown store scheme {scheme}: "
                         "(for a path containing ':', write it as ./" + spec + ")")
    if os.path.exists(spec) and not os.path.isdir(spec):
        raise StoreError(f"{spec!r} is a file, not a jugdir (a directory)")
    return FileStore(spec)
