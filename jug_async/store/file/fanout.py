"""Many small file operations at once, on a network filesystem only.

On a local filesystem a metadata call (link, unlink, a small write) takes
microseconds and threads would only add GIL hand-offs, so calls run inline. On
NFS or FUSE each call is a round trip to the server, so a few overlap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

IO_THREADS = 4  # files written or unlinked at once on a network filesystem


class Outcome(Protocol):
    def result(self) -> Any: ...


class _Done:
    """The result of a call made now, shaped like a Future (``result()`` raises)."""

    def __init__(self, f: Callable[..., Any], *args: Any) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        try:
            self._value = f(*args)
        except BaseException as e:
            self._error = e

    def result(self) -> Any:
        if self._error is not None:
            raise self._error
        return self._value


class FanOut:
    """Runs ``f`` over items inline when ``is_local()``, else on a few threads
    (started on first need, shared by every call)."""

    def __init__(self, is_local: Callable[[], bool]) -> None:
        self._is_local = is_local
        self._threads: ThreadPoolExecutor | None = None

    def each(self, f: Callable[[Any], Any], items: Sequence[Any]) -> list[Outcome]:
        """``f`` over ``items``, as Future-like outcomes in the items' order: every
        call is made even if some raise, so callers can clean up after each."""
        if len(items) < 2 or self._is_local():
            return [_Done(f, x) for x in items]
        if self._threads is None:
            self._threads = ThreadPoolExecutor(IO_THREADS, "jug-async-store")
        return [self._threads.submit(f, x) for x in items]


def collect(outcomes: Sequence[Outcome],
            failed: Any = None) -> tuple[list[Any], BaseException | None]:
    """Every outcome's value (``failed`` in place of an error) and the first error."""
    values: list[Any] = []
    error: BaseException | None = None
    for outcome in outcomes:
        try:
            values.append(outcome.result())
        except BaseException as e:  # keep collecting: the caller must see every call
            error = error or e
            values.append(failed)
    return values, error
