"""Transient errors of a slow or flaky shared filesystem: retried, logged, bounded.

An NFS server that reboots, a FUSE mount whose connection drops and comes back
(``sshfs -o reconnect``), a stale file handle after the server moved a
directory: each makes a few calls fail with ``EIO``, ``ESTALE``, ``ETIMEDOUT``,
``ENOTCONN``... and then work again. Listing, lock and failure-record calls go
through ``call``: the first attempt is a plain call (no cost on the hot path);
only a transient ``OSError`` starts retrying, with exponential back-off, each
retry logged. A store that keeps failing for ``patience`` seconds raises
``StoreError`` naming the call and the last error, so a run stops with one
clear line instead of a traceback or a half-decided state.

Other errors (``ENOENT``, ``EACCES``, ``ENOSPC``...) are answers, not hiccups:
they propagate at once.
"""

from __future__ import annotations

import errno
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from jug_async.errors import StoreError

T = TypeVar("T")

log = logging.getLogger("jug_async.store")

TRANSIENT = frozenset({
    errno.EIO, errno.ESTALE, errno.ETIMEDOUT, errno.EAGAIN, errno.ENOTCONN,
    errno.ECONNRESET, errno.ECONNABORTED, errno.ECONNREFUSED, errno.EHOSTUNREACH,
    errno.ENETUNREACH, errno.ENETDOWN, errno.EHOSTDOWN, errno.ENOLCK, errno.EBUSY,
})
DEFAULT_PATIENCE = 60.0  # seconds of failures before the store is declared broken
FIRST_WAIT, MAX_WAIT = 0.05, 5.0


def is_transient(exc: BaseException) -> bool:
    """An ``OSError`` a flaky shared filesystem gives and may not give next time."""
    return isinstance(exc, OSError) and exc.errno in TRANSIENT


def call(what: str, fn: Callable[..., T], *args: object, patience: float = DEFAULT_PATIENCE,
         sleep: Callable[[float], None] = time.sleep) -> T:
    """``fn(*args)``, retried on transient errors for up to ``patience`` seconds.

    Raises:
        StoreError: still failing after ``patience`` seconds (``what`` and the
            last error in the message; the ``OSError`` as its cause).
    """
    try:
        return fn(*args)
    except OSError as exc:
        if not is_transient(exc):
            raise
        first = exc
    return _retry(what, fn, args, first, patience, sleep)


def _retry(what: str, fn: Callable[..., T], args: tuple[object, ...], first: OSError,
           patience: float, sleep: Callable[[float], None]) -> T:
    import tenacity  # only once something failed: every start would pay 6 ms for it

    started = time.monotonic()
    log.warning("%s failed (%s); retrying", what, first)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning("%s failed again (%s); retry %d in %.1f s", what, exc,
                    state.attempt_number, state.upcoming_sleep)

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(is_transient),
        stop=tenacity.stop_after_delay(patience),
        wait=tenacity.wait_exponential(multiplier=FIRST_WAIT, max=MAX_WAIT),
        before_sleep=before_sleep, sleep=sleep, reraise=True)
    sleep(FIRST_WAIT)
    try:
        result = retrying(fn, *args)
    except OSError as exc:
        if not is_transient(exc):
            raise
        raise StoreError(f"{what} kept failing for {time.monotonic() - started:.0f} s: "
                         f"{exc}; is the shared filesystem reachable?") from exc
    log.warning("%s succeeded after retrying for %.1f s", what, time.monotonic() - started)
    return result
