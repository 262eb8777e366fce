"""``jug.backends.file_store``: jug-async's file store (same layout as jug's)."""

import os

from jug_async.store.file import FileStore as file_store

__all__ = ["MAX_FILESIZE_IN_PACK", "file_store", "fsync_dir"]
MAX_FILESIZE_IN_PACK = 512  # jug packs only results this small


def fsync_dir(path: str) -> None:
    """fsync the directory holding ``path`` (jug's helper for durable renames)."""
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
