"""A session: one store, one loaded jugfile and its task graph.

Every subcommand and every test that needs a jugfile goes through ``Session``.
Loading a jugfile changes the process: it registers the jugfile's module in
``sys.modules``, puts the working directory first on ``sys.path``, replaces
``sys.argv``, routes ``import jug`` to jug-async (``compat``), marks the process
as running jug (``is_jug_running``) and registers the module for pickling by
value. A session records each change and undoes it on ``close()`` (or at the
end of its ``with`` block), so a test or a script that loads two jugfiles, or
uses the real jug afterwards, finds the process as it was.

``jug_async.init`` keeps its session open for the life of the process: a script
reading results wants ``task.result`` to keep working.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import types
from contextlib import ExitStack
from types import TracebackType

from jug_async import compat
from jug_async import graph as graph_mod
from jug_async import jugfile as jugfile_mod
from jug_async.api import registry
from jug_async.api.registry import LoadContext
from jug_async.errors import JugAsyncError, JugfileError
from jug_async.graph import TaskGraph
from jug_async.running import running_marked
from jug_async.store.base import Store
from jug_async.store.open import open_store


def store_spec(jugfile: str | os.PathLike[str], jugdir: str | None) -> str:
    """The store a jugfile uses: ``jugdir`` or jug's default beside the jugfile,
    as an absolute path (workers may start elsewhere), or a ``scheme:`` spec."""
    spec = jugdir or jugfile_mod.default_jugdir(jugfile)
    return spec if ":" in spec.split(os.sep)[0] else os.path.abspath(spec)


class Session:
    """Open a store, load ``jugfile`` into it, build the graph; undo on close.

    Args:
        jugfile: path of the jugfile.
        jugdir: the store spec (default: ``<jugfile minus .py>.jugdata``).
        argv: the jugfile's ``sys.argv[1:]``.
        store: an already open store (tests pass a ``MemoryStore``).

    Raises:
        JugfileError: the jugfile is missing, does not compile, or raised.
        StoreError: the store spec is bad.
    """

    def __init__(self, jugfile: str | os.PathLike[str], jugdir: str | None = None,
                 argv: list[str] | tuple[str, ...] = (), *, store: Store | None = None) -> None:
        self.jugfile = os.fspath(jugfile)
        self.argv = list(argv)
        self.spec = store_spec(jugfile, jugdir) if store is None else "memory:"
        self.store: Store = store if store is not None else open_store(self.spec)
        self._undo = ExitStack()
        self.loaded: jugfile_mod.LoadedJugfile | None = None
        self.graph: TaskGraph | None = None
        try:
            self._scope_process_changes()
            self.load()
        except BaseException:
            self.close()
            raise

    # ---- loading -----------------------------------------------------------

    def load(self) -> TaskGraph:
        """(Re)load the jugfile up to its first unmet barrier and build the graph.

        Declaring 100,000 tasks allocates many long-lived objects and next to no
        garbage cycles: collecting meanwhile costs 15-20% of `status`. Frozen
        after, they are skipped by later collections and stay shared with
        forked workers.
        """
        gc.disable()
        try:
            self.loaded = jugfile_mod.load(self.jugfile, self.store, self.argv)
            try:
                self.graph = graph_mod.build(self.loaded.tasks)
            except JugAsyncError:
                raise
            except Exception as e:  # an argument that cannot be hashed, say
                raise JugfileError(_cannot_hash(self.jugfile, self.loaded.tasks, e)) from e
        finally:
            gc.enable()
        gc.freeze()
        return self.graph

    @property
    def module(self) -> types.ModuleType:
        assert self.loaded is not None
        return self.loaded.module

    @property
    def stopped_at_barrier(self) -> bool:
        """A barrier stopped the last load: once its tasks are saved, load again."""
        return self.loaded is not None and self.loaded.stopped_at_barrier

    @property
    def context(self) -> LoadContext | None:
        return self.loaded.context if self.loaded is not None else None

    def require_shared_store(self, command: str) -> None:
        """``run`` needs a store its worker processes can open too."""
        if self.spec == "memory:":
            raise JugAsyncError(f"a memory: store lives in one process; `{command}` needs a "
                                "jugdir its worker processes share")

    # ---- process-wide changes ----------------------------------------------

    def _scope_process_changes(self) -> None:
        saved_argv = list(sys.argv)
        saved_path = list(sys.path)
        name = jugfile_mod.module_name(self.jugfile)
        had_module = name in sys.modules
        saved_module = sys.modules.get(name)
        by_value = set(_pickled_by_value())

        def restore() -> None:
            for module_name in set(_pickled_by_value()) - by_value:
                _unregister_by_value(module_name)
            sys.argv[:] = saved_argv
            sys.path[:] = saved_path
            if had_module:
                sys.modules[name] = saved_module  # type: ignore[assignment]
            else:
                sys.modules.pop(name, None)

        self._undo.callback(restore)
        self._undo.enter_context(compat.aliased())
        self._undo.enter_context(running_marked())

    def close(self) -> None:
        """Undo every process-wide change the load made (idempotent)."""
        self._undo.close()

    def keep_open(self) -> None:
        """Keep the load's changes for the life of the process (``jug_async.init``),
        and make this store the one ``task.result`` reads from."""
        self._undo.pop_all()
        registry.set_process_context(LoadContext(store=self.store, collect=False))

    def __enter__(self) -> Session:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _cannot_hash(jugfile: str, tasks: list, error: Exception) -> str:
    """One line naming the first task whose hash fails (searched only on error,
    so the fast path hashes each task once)."""
    culprit = ""
    for t in tasks:
        try:
            t.key()
        except Exception as e:
            culprit, error = f" task {t.name}", e
            break
    line = f"{jugfile}:{culprit} cannot be hashed: {type(error).__name__}: {error}"
    if isinstance(error, pickle.PicklingError):
        line += (" (a task's function and arguments are hashed by pickling them, as jug does:"
                 " use functions defined at the top level of a module, not lambdas)")
    return line


def _pickled_by_value() -> list[str]:
    import cloudpickle

    return list(cloudpickle.list_registry_pickle_by_value())


def _unregister_by_value(module_name: str) -> None:
    import cloudpickle

    # cloudpickle keys its registry by name; any object with that name unregisters it.
    cloudpickle.unregister_pickle_by_value(sys.modules.get(module_name)
                                           or types.SimpleNamespace(__name__=module_name))


def init(jugfile: str | os.PathLike[str] = "jugfile.py", jugdir: str | None = None,
         argv: list[str] | tuple[str, ...] = ()) -> jugfile_mod.LoadedJugfile:
    """Load a jugfile to use its results from a script or notebook (jug's ``init``).

    The session stays open, so ``task.result`` and ``value(task)`` work after
    the call returns.
    """
    session = Session(jugfile, jugdir, argv)
    session.keep_open()
    assert session.loaded is not None
    return session.loaded


