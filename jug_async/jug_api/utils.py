"""``jug.utils``."""

from jug_async.api.utils import (
    CustomHash,
    _identity,
    cached_glob,
    glob_sort,
    hash_with_mtime_size,
    identity,
    jug_execute,
    sync_move,
    timed_path,
)

__all__ = ["CustomHash", "cached_glob", "identity", "jug_execute", "sync_move", "timed_path"]
_internal = (_identity, glob_sort, hash_with_mtime_size)
