"""``jug.unsafe``."""

from jug_async.api.utils import NoHash

__all__ = ["NoHash"]
