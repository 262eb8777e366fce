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
from jug_async.hashing import PLAIN_TYPES, hash_one, hash_update, new_hash, task_hash

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

    def can_load(self) -> bool:
        store = registry.current_store()
        return self._result is not _NO_RESULT or (
            store is not None and store.exists(self.key())
        )

    def value(self) -> Any:
        if self._result is _NO_RESULT:
            store = registry.current_store()
            if store is None:
                raise StoreError(f"{self.name}: no store to load the result from")
            self._result = store.load(self.key())
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
        return self.f(value(self.base))

    __jug_value__ = value
    result = property(value)

    def can_load(self) -> bool:
        return self.base.can_load()

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
