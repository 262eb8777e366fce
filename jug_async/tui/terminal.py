"""Hand the terminal to the TUI and keep the workers' output off it.

Worker processes inherit file descriptors 1 and 2; a task that prints (or a
library that warns) would scribble over the screen. While the TUI runs, fds 1
and 2 point to a log file, and Textual draws on duplicates of the terminal
(``sys.__stdout__``/``sys.__stderr__`` are swapped for them, as Textual writes
to ``sys.__stderr__`` and sizes the screen from ``sys.__stdout__``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator

from ..errors import JugAsyncError


def require_terminal(what: str) -> None:
    """Raises:
    JugAsyncError: stdin or stderr is not a terminal (a batch job, a pipe)."""
    for stream in (sys.__stdin__, sys.__stderr__):
        if stream is None or not stream.isatty():
            raise JugAsyncError(f"{what} needs a terminal (stdin and stderr); "
                                "without one, use `jug-async run` without --tui")


@contextlib.contextmanager
def output_to_log(prefix: str = "jug-async-tui-") -> Iterator[str]:
    """Point fds 1 and 2 at a new log file for the duration; yields its path.

    The log is removed afterwards when nothing was written to it.
    """
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".log")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = os.dup(1), os.dup(2)
    old = sys.__stdout__, sys.__stderr__
    tty_out = open(os.dup(1), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
    tty_err = open(os.dup(2), "w", encoding="utf-8", errors="replace")  # noqa: SIM115
    try:
        sys.__stdout__, sys.__stderr__ = tty_out, tty_err
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        yield path
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        sys.__stdout__, sys.__stderr__ = old
        for f in (tty_out, tty_err):
            with contextlib.suppress(Exception):
                f.close()
        for n in (*saved, fd):
            os.close(n)
        with contextlib.suppress(OSError):
            if os.path.getsize(path) == 0:
                os.unlink(path)
