"""``jug.backends``: the stores jug-async opens for jug's store specs."""

from . import dict_store, file_store, redis_store
from .select import select

__all__ = ["dict_store", "file_store", "redis_store", "select"]
