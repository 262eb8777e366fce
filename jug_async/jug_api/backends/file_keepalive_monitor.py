"""``jug.backends.file_keepalive_monitor``: the side process of a keepalive lock.

``python -m jug_async.jug_api.backends.file_keepalive_monitor LOCKFILE`` touches
LOCKFILE every 5 minutes while the process that started it lives, and exits
when that parent is gone (or the lock file is).
"""

from __future__ import annotations

import os
import sys
import time

__all__ = ["main", "parent_gone_or_changed"]
CHECK_EVERY = 5.0  # seconds between checks of the parent
TOUCH_EVERY = 60  # checks between touches: 5 minutes


def parent_gone_or_changed(pid: int) -> bool:
    """Whether the parent ``pid`` died or this process was re-parented."""
    current = os.getppid()
    if current != pid or current == 1:
        return True
    try:
        os.kill(pid, 0)
    except OSError:
        return True
    return False


def main(argv: list[str] | None = None, sleep=time.sleep) -> int:
    lock = (sys.argv if argv is None else argv)[1]
    parent = os.getppid()
    countdown = TOUCH_EVERY
    while True:
        sleep(CHECK_EVERY)
        if parent_gone_or_changed(parent):
            return 0
        countdown -= 1
        if countdown <= 0:
            countdown = TOUCH_EVERY
            try:
                os.utime(lock, None)
            except OSError:  # the lock was released or removed
                return 0


if __name__ == "__main__":
    sys.exit(main())
