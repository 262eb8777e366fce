"""Typed errors. Every error jug-async raises on purpose derives from JugAsyncError,
so the CLI can print it as one line instead of a traceback."""


class JugAsyncError(Exception):
    """Base of every error that is the user's input or environment, not a bug."""


class JugfileError(JugAsyncError):
    """The jugfile is missing, does not compile, or raised while it was being loaded."""


class TaskDeclarationError(JugAsyncError, ValueError):
    """A task was declared in a way jug cannot hash or run (a lambda as the function,
    a Task inside a list subclass). Raised at declaration, never at run time."""


class StoreError(JugAsyncError):
    """The store cannot be read or written: a bad jugdir, an undecodable result file.
    Not raised for "result absent": that is a normal answer (``KeyError`` on load)."""


class TaskFailed(JugAsyncError):
    """A task's function raised. Carries the task name, hash and the worker's
    traceback text so the CLI and TUI can show where it failed."""

    def __init__(self, name: str, hash: str, traceback_text: str) -> None:
        super().__init__(f"task {name} ({hash[:12]}) failed")
        self.name = name
        self.hash = hash
        self.traceback_text = traceback_text
