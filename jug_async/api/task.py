"""Declarations: Task, Tasklet, TaskGenerator, iteratetask, value.

Pure objects: declaring a task does no I/O. A Task remembers its function and
arguments; its hash is computed on first use and then cached. Results are
loaded from the store of the current ``LoadContext`` when asked for.

``_getitem`` and ``_get_check`` carry ``__module__ = "jug.task"`` because jug
hashes them under that name (a ``return_tuple`` Tasklet pickles ``_get_check``
by reference); ``jug_async.compat`` makes ``jug.task`` resolve to them.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from typing import Any

from jug_async.api import registry
from jug_async.errors import StoreError, TaskDeclarationError
from jug_async.hashing import (
    PLAIN_TYPES,
    hash_one,
    hash_update,
    new_hash,
    register_task_types,
    task_hash,
)

_NO_RESULT = object()


class _getitem:
    """``t[i]``: index the result of ``t``; hashes as jug's ``jug.task._getitem``."""

    __slots__ = ("slice",)

    def __init__(self, index: Any) -> None:
        self.slice = index

    def __call__(self, obj: Any) -> Any:
        return value(obj)[value(self.slice)]

    def __jug_hash__(self) -> bytes:
        return hash_one(("jug.task._getitem", self.slice))

    def __repr__(self) -> str:
        return f"jug.task._getitem({self.slice})"


_getitem.__module__ = "jug.task"


def _get_check(r: Any, i: int, n: int) -> Any:
    if len(r) != n:
        raise ValueError(f"Expected a tuple of size {n} got {len(r)}")
    return r[i]


_get_check.__module__ = "jug.task"


def _task_name(f: Callable[..., Any]) -> str:
    """jug's task name: ``module.function`` (``__name__``, not ``__qualname__``)."""
    return sys.intern(f"{f.__module__}.{f.__name__}")  # one copy per name


class _Indexable:
    """jug's ``TaskletMixin``: indexing gives a Tasklet; iterating is refused."""

    __slots__ = ()

    def __getitem__(self, index: Any) -> Tasklet:
        return Tasklet(self, _getitem(index))

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            "a Task's result cannot be iterated at declaration time; "
            "use iteratetask(task, n) when the result has a known length"
        )


class Task(_Indexable):
    """One memoised call ``f(*args, **kwargs)``; arguments may hold other Tasks."""

    __slots__ = ("_hash", "_result", "args", "f", "kwargs", "name")

    def __init__(self, f: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        while isinstance(f, functools.partial):
            args = f.args + args
            kwargs = {**f.keywords, **kwargs}
            f = f.func
        if getattr(f, "__name__", "") == "<lambda>":
            raise TaskDeclarationError(
                "a lambda cannot be a task's function: define it with `def` "
                "(a lambda may be applied to a result with Tasklet(task, lambda r: ...))"
            )
        self._fill(f, _task_name(f), args, kwargs)

    @classmethod
    def _declare(cls, f: Callable[..., Any], name: str, args: tuple, kwargs: dict) -> Task:
        """A Task whose function was checked and named beforehand (by TaskGenerator):
        the hot path of a jugfile declaring 100,000 tasks."""
        t = cls.__new__(cls)
        t._fill(f, name, args, kwargs)
        return t

    def _fill(self, f: Callable[..., Any], name: str, args: tuple, kwargs: dict) -> None:
        self.name = name
        self.f = f
        self.args = args
        self.kwargs = kwargs
        self._hash: str | None = None  # the store's key; bytes only for jug's API
        self._result: Any = _NO_RESULT
        registry.register(self)

    def hash(self) -> bytes:
        """The task's jug hash (hex digest as ASCII bytes, as jug returns it)."""
        return self.key().encode()

    def key(self) -> str:
        """The task's hash as the store's key (a str), computed once."""
        h = self._hash
        if h is None:
            h = self._hash = task_hash(self.name, self.args, self.kwargs).decode()
        return h

    def __jug_hash__(self) -> bytes:
        return self.hash()

    def dependencies(self) -> list[Task]:
        """First-level dependencies, found where jug finds them."""
        found: list[Task] = []
        queue: list[Any] = [self.args, self.kwargs.values()] if self.kwargs else [self.args]
        while queue:
            for dep in queue.pop():
                t = type(dep)
                if t in PLAIN_TYPES:
                    continue
                if t is Task:
                    found.append(dep)
                elif hasattr(dep, "__jug_dependencies__"):
                    queue.append(dep.__jug_dependencies__())
                elif isinstance(dep, Task):
                    found.append(dep)
                elif isinstance(dep, (list, tuple)):
                    queue.append(dep)
                elif isinstance(dep, dict):
                    queue.append(dep.values())
        return found

    def execute(self) -> Any:
        """Call the function on the values of the arguments (does not save)."""
        args = [value(a) for a in self.args]
        kwargs = {k: value(v) for k, v in self.kwargs.items()}
        return self.f(*args, **kwargs)

    def can_load(self, store: Any = None) -> bool:
        """Whether the result is saved in ``store`` (default: the current one), as
        jug answers; with no store at all, whether it is in memory."""
        if store is None:
            store = registry.current_store()
        if store is None:
            return self._result is not _NO_RESULT
        return store.exists(self.key())

    def can_run(self) -> bool:
        """Whether every dependency's result is in memory or saved."""
        return all(d.is_loaded() or d.can_load() for d in self.dependencies())

    def is_loaded(self) -> bool:
        return self._result is not _NO_RESULT

    def run(self, force: Any = None, save: bool = True, debug_mode: bool = False) -> Any:
        """Execute now, in this process, and (by default) save the result, as jug's
        ``Task.run``. The runner never calls this: workers save batches."""
        if not self.can_run():
            raise TaskDeclarationError(f"{self.name}: a dependency has no result yet")
        before = self.key() if debug_mode else None
        self._result = self.execute()
        if save:
            self._store_or_fail().dump(self.key(), self._result)
        if debug_mode and task_hash(self.name, self.args, self.kwargs).decode() != before:
            raise RuntimeError(f"jug error: Hash value of task (name: {self.name}) changed "
                               "unexpectedly: the function changed one of its arguments")
        return self._result

    def load(self) -> None:
        """Load the result from the store, even when already in memory."""
        try:
            self._result = self._store_or_fail().load(self.key())
        except KeyError:
            raise StoreError(f"{self.name}: no saved result (hash {self.key()})") from None

    def invalidate(self) -> None:
        """Remove the saved result (not the dependents': that is ``invalidate``'s job)."""
        self._store_or_fail().remove(self.key())

    def unload_recursive(self) -> None:
        for t in [self, *recursive_dependencies(self)]:
            t.unload()

    # Locks, as jug's Task exposes them to scripts (the runner locks in workers).
    def lock(self) -> bool:
        return self._store_or_fail().try_lock(self.key())

    def unlock(self) -> None:
        self._store_or_fail().unlock(self.key())

    def is_locked(self) -> bool:
        return self._store_or_fail().lock_info(self.key()) is not None

    def fail(self) -> None:
        """Keep the lock, marked failed (jug ``--keep-failed``)."""
        store = self._store_or_fail()
        if store.lock_info(self.key()) is None:
            raise StoreError(f"{self.name}: fail() needs the task's lock to be held")
        store.mark_failed(self.key())

    def is_failed(self) -> bool:
        info = self._store_or_fail().lock_info(self.key())
        return info is not None and info.failed

    def _store_or_fail(self) -> Any:
        store = registry.current_store()
        if store is None:
            raise StoreError(f"{self.name}: no store (call jug.init or jug.set_jugdir first)")
        return store

    def value(self) -> Any:
        if self._result is _NO_RESULT:
            self._result = self._store_or_fail().load(self.key())
        return self._result

    result = property(value, doc="The task's result, loaded from the store on first use.")

    def unload(self) -> None:
        self._result = _NO_RESULT

    def __reduce__(self) -> tuple[Any, ...]:
        # Inside a worker a Task only needs to be found in the store.
        return (TaskRef, (self.name, self.hash()))

    def __repr__(self) -> str:
        return f"Task: {self.name}()"


class TaskRef:
    """What a Task becomes when pickled into a worker: its name and hash, and a
    ``value()`` that loads its result from the worker's store."""

    __slots__ = ("_hash", "name")

    def __init__(self, name: str, h: bytes) -> None:
        self.name = name
        self._hash = h

    def hash(self) -> bytes:
        return self._hash

    def __jug_hash__(self) -> bytes:
        return self._hash

    def __jug_value__(self) -> Any:
        return self.value()

    def value(self) -> Any:
        store = registry.current_store()
        if store is None:
            raise StoreError(f"{self.name}: no store to load the result from")
        return store.load(self._hash.decode())

    result = property(value)

    def __getitem__(self, index: Any) -> Tasklet:
        return Tasklet(self, _getitem(index))


class Tasklet(_Indexable):
    """``f(value(base))`` computed where it is needed, never saved: ``t[0]``."""

    __slots__ = ("base", "f")

    def __init__(self, base: Any, f: Callable[[Any], Any]) -> None:
        self.base = base
        self.f = f

    def dependencies(self) -> Iterator[Any]:
        yield self.base

    __jug_dependencies__ = dependencies

    def value(self) -> Any:
        return self.__jug_value__()

    def __jug_value__(self) -> Any:
        return self.f(value(self.base))

    result = property(value)

    def can_load(self) -> bool:
        return self.base.can_load()

    def unload(self) -> None:
        self.base.unload()

    def unload_recursive(self) -> None:
        self.base.unload_recursive()

    def __jug_hash__(self) -> bytes:
        m = new_hash()
        m.update(b"Tasklet")
        f = self.f
        key = _lambda_hash_key(f) if getattr(f, "__name__", "") == "<lambda>" else f
        hash_update(m, (("base", self.base), ("f", key)))
        return m.hexdigest().encode()


class TaskGenerator:
    """Decorator: calling the decorated function declares a Task instead."""

    _jug_is_task_generator = True

    def __init__(self, f: Callable[..., Any]) -> None:
        if getattr(f, "__name__", "") == "<lambda>":
            raise TaskDeclarationError("TaskGenerator needs a function defined with `def`")
        self.f = f
        self._name = None if isinstance(f, functools.partial) else _task_name(f)
        functools.update_wrapper(self, f)

    def __call__(self, *args: Any, **kwargs: Any) -> Task:
        if self._name is None:  # a partial: Task unwraps it
            return Task(self.f, *args, **kwargs)
        return Task._declare(self.f, self._name, args, kwargs)

    # Pickled by reference, as jug pickles it (a TaskGenerator passed as an
    # argument is part of a task's hash): the state is (module, name).
    def __getstate__(self) -> tuple[str, str]:
        modname = getattr(self.f, "__module__", None)
        fname = getattr(self.f, "__name__", None)
        module = sys.modules.get(modname or "")
        found = getattr(module, fname or "", None) if module is not None else None
        if found is not self and found is not self.f:
            raise TaskDeclarationError(
                "a TaskGenerator can only be pickled when its function is defined at "
                "the top level of a module"
            )
        return modname, fname  # type: ignore[return-value]

    def __setstate__(self, state: tuple[str, str]) -> None:
        modname, fname = state
        found = getattr(sys.modules[modname], fname)
        self.f = found.f if isinstance(found, TaskGenerator) else found
        self._name = None if isinstance(self.f, functools.partial) else _task_name(self.f)
        functools.update_wrapper(self, self.f)


TaskGenerator.__module__ = "jug.task"  # jug's hash pickles it under that name


class iteratetask:
    """The first ``n`` elements of a task's result, as Tasklets: ``a, b = iteratetask(t, 2)``."""

    def __init__(self, base: Any, n: int) -> None:
        self.base = base
        self.n = n

    def __getitem__(self, i: int) -> Tasklet:
        if i >= self.n:
            raise IndexError(i)
        return self.base[i]

    def __len__(self) -> int:
        return self.n


def return_tuple(n: int) -> Callable[[Callable[..., Task]], Callable[..., tuple[Tasklet, ...]]]:
    """Wrap a TaskGenerator whose function returns an ``n``-tuple so that calling
    it gives ``n`` Tasklets (checked at run time)."""

    def wrapper(gen: Callable[..., Task]) -> Callable[..., tuple[Tasklet, ...]]:
        @functools.wraps(gen)
        def wrapped(*args: Any, **kwargs: Any) -> tuple[Tasklet, ...]:
            t = gen(*args, **kwargs)
            return tuple(Tasklet(t, functools.partial(_get_check, i=i, n=n)) for i in range(n))

        return wrapped

    return wrapper


def value(obj: Any) -> Any:
    """Replace every Task/Tasklet in ``obj`` by its result (recursing into plain
    lists, tuples and dict values; objects may define ``__jug_value__``)."""
    if isinstance(obj, (Task, Tasklet)):
        return obj.value()
    t = type(obj)
    if t is list:
        return [value(e) for e in obj]
    if t is tuple:
        return tuple(value(e) for e in obj)
    if t is dict:
        return {k: value(v) for k, v in obj.items()}
    if hasattr(obj, "__jug_value__"):
        return obj.__jug_value__()
    return obj


# Lambdas given to Tasklet hash by their code and captured values, as jug does.


def _stable(obj: Any) -> Any:
    if type(obj) is frozenset:
        return set(obj)
    if type(obj) is tuple:
        return tuple(_stable(o) for o in obj)
    return obj


def _code_key(code: Any) -> tuple[Any, ...]:
    consts = tuple(_code_key(c) if hasattr(c, "co_code") else _stable(c) for c in code.co_consts)
    return (code.co_code, consts, code.co_names)


def _hashable_or_type(obj: Any) -> Any:
    try:
        hash_one(obj)
    except Exception:
        return ("unhashable", type(obj).__module__, type(obj).__qualname__)
    return _stable(obj)


def _lambda_hash_key(f: Any) -> tuple[Any, ...]:
    closure = []
    for cell in f.__closure__ or ():
        try:
            closure.append(_hashable_or_type(cell.cell_contents))
        except ValueError:  # empty cell
            closure.append(None)
    defaults = tuple(_hashable_or_type(d) for d in f.__defaults__ or ())
    kwdefaults = {k: _hashable_or_type(v) for k, v in (f.__kwdefaults__ or {}).items()}
    return ("<lambda>", _code_key(f.__code__), tuple(closure), defaults, kwdefaults)


register_task_types(Task, Tasklet)
TaskletMixin = _Indexable


def recursive_dependencies(t: Any, max_level: int | None = -1) -> Iterator[Task]:
    """Every task ``t`` depends on, each once, down to ``max_level`` levels
    (-1 or None: all), as jug's ``recursive_dependencies``."""
    limit = float("inf") if max_level is None or max_level < 0 else max_level
    if limit == 0:
        return
    levels_left: dict[int, float] = {}  # id -> most levels left when reached
    stack = [(iter(t.dependencies()), limit)]
    while stack:
        deps, level = stack[-1]
        dep = next(deps, None)
        if dep is None:
            stack.pop()
            continue
        prev = levels_left.get(id(dep))
        if prev is not None and prev >= level:
            continue
        if prev is None:
            yield dep
        levels_left[id(dep)] = level
        if level > 1:
            stack.append((iter(dep.dependencies()), level - 1))


def topological_sort(tasks: list[Any]) -> None:
    """Sort ``tasks`` in place so that no task comes before one it depends on."""
    order: list[Any] = []
    unseen = set(tasks)

    def visit(t: Any) -> None:
        for dep in t.dependencies():
            if dep in unseen:
                unseen.remove(dep)
                visit(dep)
        order.append(t)

    while unseen:
        visit(unseen.pop())
    tasks[:] = order


def describe(t: Any) -> Any:
    """A nested dict/list description of the computation behind ``t`` (jug's
    ``describe``; jug-async's stores keep no per-task metadata, so no ``meta``)."""
    if isinstance(t, Task):
        d: dict[str, Any] = {"name": t.name}
        if t.args:
            d["args"] = [describe(a) for a in t.args]
        if t.kwargs:
            d["kwargs"] = {k: describe(v) for k, v in t.kwargs.items()}
        return d
    if isinstance(t, Tasklet):
        return {"name": "tasklet", "operation": repr(t.f), "base": describe(t.base)}
    if isinstance(t, list):
        return [describe(e) for e in t]
    if isinstance(t, dict):
        return {k: describe(v) for k, v in t.items()}
    if isinstance(t, tuple):
        return tuple(describe(e) for e in t)
    return t


def CachedFunction(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``f(*args, **kwargs)`` now, at load time, unless its result is saved;
    save it; return the value (jug's ``CachedFunction``). The task is declared, so
    ``status`` counts it, as jug does."""
    t = Task(f, *args, **kwargs)
    if not t.can_load():
        if not t.can_run():
            raise TaskDeclarationError(f"jug.CachedFunction: unable to run task {t}")
        t.run(save=registry.current_store() is not None)
    return value(t)
