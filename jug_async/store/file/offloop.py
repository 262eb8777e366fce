"""Blocking file-system calls made awaitable, for the scheduler's event loop.

A network filesystem can stall for seconds on one ``stat``; the scheduler's
poll of tasks held elsewhere must not freeze the loop (and every other host's
progress display) meanwhile. aiofiles runs such calls in the loop's executor;
its ``wrap`` does that for any function, including the store's own readers
that handle jug's lock text and the pack.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def off_loop(f: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """``f`` as a coroutine function run in the event loop's executor.

    aiofiles is imported on the first call: only the scheduler's poller needs it,
    and `status` should not pay its import.
    """
    from aiofiles.os import wrap

    return wrap(f)



