"""``jug.backends.redis_store``: jug's redis lock protocol over a redis client.

jug-async has no redis result store yet: opening ``redis://`` says so. The lock
works on any client with ``getset/get/set/delete`` (redis-py's ``Redis``):
key ``lock:<hash>``, ``L`` held, ``F`` failed, taken with ``GETSET`` as jug does.
"""

from __future__ import annotations

from typing import Any

from jug_async.errors import StoreError

from .base import base_lock

__all__ = ["redis_lock", "redis_store"]
_LOCKED, _FAILED = b"L", b"F"


class redis_store:
    """Not available yet: raises ``StoreError`` naming the URL."""

    def __init__(self, url: str, *args: Any, **kwargs: Any) -> None:
        raise StoreError(f"jug-async has no redis store yet (asked for {url})")


def _lockname(name: str | bytes) -> bytes:
    return b"lock:" + (name.encode() if isinstance(name, str) else name)


class redis_lock(base_lock):
    """jug's lock on ``name`` in the redis server behind ``redis`` (a client)."""

    def __init__(self, redis: Any, name: str | bytes) -> None:
        self.name = _lockname(name)
        self.redis = redis

    def get(self) -> bool:
        previous = self.redis.getset(self.name, _LOCKED)  # race-free, as jug's
        if previous == _FAILED:
            self.redis.set(self.name, _FAILED)
        return previous is None

    def release(self) -> None:
        self.redis.delete(self.name)

    def is_locked(self) -> bool:
        return self.redis.get(self.name) in (_LOCKED, _FAILED)

    def fail(self) -> bool:
        if self.redis.get(self.name) == _LOCKED:
            self.redis.set(self.name, _FAILED)
        return self.redis.get(self.name) == _FAILED

    def is_failed(self) -> bool:
        return self.redis.get(self.name) == _FAILED
