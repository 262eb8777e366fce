"""Run a user's jugfile as a module and collect the tasks it declares.

The module is named as jug names it (the file's basename minus its last three
characters) and registered in ``sys.modules`` before it runs, so task names and
hashes match jug's and functions defined in it can be pickled. The current
directory goes first on ``sys.path`` and ``sys.argv`` becomes
``[jugfile, *user_args]``, as under ``jug execute``.
"""

from __future__ import annotations

import os
import sys
import traceback
import types
from dataclasses import dataclass
from pathlib import Path

from jug_async import compat
from jug_async.api import registry
from jug_async.api.barrier import BarrierReached
from jug_async.api.registry import LoadContext
from jug_async.api.task import Task

from .errors import JugAsyncError, JugfileError
from .store.base import Store


@dataclass
class LoadedJugfile:
    path: Path
    module: types.ModuleType
    tasks: list[Task]
    store: Store | None
    context: LoadContext  # what the load declared and registered (tasks, hooks, limits)
    stopped_at_barrier: bool = False  # a barrier stopped the load: more tasks follow


def module_name(jugfile: str | os.PathLike[str]) -> str:
    return os.path.basename(os.fspath(jugfile))[:-3]


def default_jugdir(jugfile: str | os.PathLike[str]) -> str:
    """``<jugfile minus its last three characters>.jugdata``, as jug's default."""
    return os.fspath(jugfile)[:-3] + ".jugdata"


def load(
    jugfile: str | os.PathLike[str], store: Store | None, argv: list[str] = ()
) -> LoadedJugfile:
    """Execute ``jugfile`` and return the tasks it declared, in declaration order.

    Raises:
        JugfileError: the file is missing, does not compile, or raised while running.
    """
    path = Path(jugfile)
    if not path.is_file():
        raise JugfileError(f"no such jugfile: {jugfile}")
    try:
        source = path.read_bytes()
        code = compile(source, str(path.resolve()), "exec")
    except SyntaxError as e:
        raise JugfileError(f"{jugfile}:{e.lineno}: syntax error: {e.msg}") from None
    except OSError as e:
        raise JugfileError(f"cannot read jugfile {jugfile}: {e.strerror}") from None

    name = module_name(path)
    module = types.ModuleType(name)
    module.__file__ = str(path.resolve())
    sys.modules[name] = module
    cwd = os.getcwd()
    if not sys.path or sys.path[0] != cwd:
        sys.path.insert(0, cwd)
    sys.argv = [os.fspath(jugfile), *argv]

    compat.install()
    ctx = LoadContext(store=store)
    stopped = False
    with registry.using(ctx):
        try:
            exec(code, module.__dict__)
        except BarrierReached:
            stopped = True
        except (SystemExit, KeyboardInterrupt):
            raise
        except BaseException as e:
            raise JugfileError(_describe_load_error(e, str(path.resolve()), jugfile)) from e
    return LoadedJugfile(path=path, module=module, tasks=ctx.tasks, store=store, context=ctx,
                         stopped_at_barrier=stopped)


def _describe_load_error(exc: BaseException, abspath: str, shown: str | os.PathLike[str]) -> str:
    """One line: where in the jugfile the exception came from, and what it was."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == abspath]
    where = f"{shown}:{frames[-1].lineno}" if frames else str(shown)
    if isinstance(exc, JugAsyncError):
        return f"{where}: {exc}"
    return f"{where}: error while loading the jugfile: {type(exc).__name__}: {exc}"
