"""``jug.backends.redis_store``: importable, so ``from jug import redis_store``
works; jug-async has no redis store yet, and says so when one is opened."""

from typing import Any

from jug_async.errors import StoreError

__all__ = ["redis_store"]


class redis_store:
    def __init__(self, url: str, *args: Any, **kwargs: Any) -> None:
        raise StoreError(f"jug-async has no redis store yet (asked for {url})")
