"""Task hashes, byte-identical to jug 2.7.

A task's identity on disk is a SHA-1 over its name, arguments and keyword
arguments, fed part by part (see ``../shared/jug-protocol.md``). Every pickle
here uses protocol 4, pinned so hashes do not change with the Python version.

This module is pure and on the hot path of ``status`` at 100,000 tasks, so the
pickles of the recurring part names (``"name"``, ``"args"``, small indices) are
computed once, and the common scalar types skip the ``__jug_hash__`` probe.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable
from typing import Any

from jug_async.errors import TaskDeclarationError

PICKLE_PROTOCOL = 4

_dumps = pickle.dumps
_PICKLED_NAMES: dict[Any, bytes] = {
    n: _dumps(n, PICKLE_PROTOCOL) for n in ("name", "args", "kwargs", "hash1", "base", "f")
}
_PICKLED_INDEX = [_dumps(i, PICKLE_PROTOCOL) for i in range(1024)]
_NAME_PART, _ARGS_PART, _KWARGS_PART = (_PICKLED_NAMES[n] for n in ("name", "args", "kwargs"))
_TASK_NAMES: dict[str, bytes] = {}  # a jugfile has few task names and many tasks
_LIST_TAG = repr(list).encode()
_TUPLE_TAG = repr(tuple).encode()
# Types that are pickled as they are: checking them first avoids a getattr per value.
PLAIN_TYPES = frozenset({str, int, float, bool, type(None), bytes, complex})


def _pickled_name(n: Any) -> bytes:
    if type(n) is int and 0 <= n < 1024:
        return _PICKLED_INDEX[n]
    cached = _PICKLED_NAMES.get(n) if type(n) is str else None
    return cached if cached is not None else _dumps(n, PICKLE_PROTOCOL)


def hash_update(m: Any, parts: Iterable[tuple[Any, Any]]) -> Any:
    """Feed named parts ``(name, value)`` into the hash object ``m`` as jug does."""
    update = m.update
    for n, e in parts:
        update(_pickled_name(n))
        _feed(m, update, e)
    return m


def _feed_items(m: Any, update: Any, items: list | tuple) -> None:
    """A list's or tuple's items, each under its index, as jug feeds a sequence."""
    for i, x in enumerate(items):
        update(_PICKLED_INDEX[i] if i < 1024 else _dumps(i, PICKLE_PROTOCOL))
        if type(x) in PLAIN_TYPES:
            update(_dumps(x, PICKLE_PROTOCOL))
        else:
            _feed(m, update, x)


def _feed(m: Any, update: Any, e: Any) -> None:
    """Feed one value (its name already fed). Plain lists and tuples, the common
    case for task arguments, are walked here without building part tuples."""
    t = type(e)
    if t in PLAIN_TYPES:
        update(_dumps(e, PICKLE_PROTOCOL))
    elif hasattr(e, "__jug_hash__"):
        update(e.__jug_hash__())
    elif t is list or t is tuple:
        update(_LIST_TAG if t is list else _TUPLE_TAG)
        _feed_items(m, update, e)
    elif t is set or t is frozenset:
        update(b"set" if t is set else b"frozenset")
        hash_update(m, enumerate(sorted(hash_one(x) for x in e)))
    elif t is dict:
        update(b"dict")
        items = sorted(((hash_one(k), v) for k, v in e.items()), key=lambda kv: kv[0])
        hash_update(m, items)
    elif t.__name__ == "ndarray" and t.__module__ == "numpy":  # numpy stays unimported
        _hash_array(m, e)
    else:
        if isinstance(e, (list, tuple)) and contains_task(e):
            raise TaskDeclarationError(
                f"Tasks inside a {t.__name__} (a subclass of list/tuple) cannot be "
                "hashed as jug does; use a plain list, tuple or dict"
            )
        update(_dumps(e, PICKLE_PROTOCOL))


def _hash_array(m: Any, a: Any) -> None:
    m.update(b"np.ndarray")
    m.update(_dumps(a.dtype, PICKLE_PROTOCOL))
    m.update(_dumps(a.shape, PICKLE_PROTOCOL))
    if a.dtype.hasobject:
        # an object array's buffer holds pointers: hash the elements instead
        hash_update(m, enumerate(a.ravel().tolist()))
    else:
        try:
            m.update(a.data)
        except BufferError:  # not C-contiguous
            m.update(a.copy().data)


# The declaration layer tells this module which types are tasks (``register_task_types``),
# so hashing never imports api.task: imports point down only.
_TASK_TYPES: tuple[type, ...] = ()


def register_task_types(*types: type) -> None:
    """Called once by ``jug_async.api.task``: the types ``contains_task`` looks for."""
    global _TASK_TYPES
    _TASK_TYPES = tuple(dict.fromkeys((*_TASK_TYPES, *types)))


def contains_task(obj: Any) -> bool:
    """Whether ``obj`` holds a Task or Tasklet anywhere jug would look for one."""
    queue = [obj]
    while queue:
        e = queue.pop()
        if isinstance(e, _TASK_TYPES):
            return True
        if hasattr(e, "__jug_dependencies__"):
            queue.extend(e.__jug_dependencies__())
        elif isinstance(e, (list, tuple, set, frozenset)):
            queue.extend(e)
        elif isinstance(e, dict):
            queue.extend(e.values())
    return False


def new_hash() -> Any:
    return hashlib.sha1()


def hash_one(obj: Any) -> bytes:
    """The hex digest (as ASCII bytes) of one object, fed as the part ``"hash1"``."""
    return hash_update(hashlib.sha1(), (("hash1", obj),)).hexdigest().encode()


def task_hash(name: str, args: tuple, kwargs: dict) -> bytes:
    """A Task's hash from its name and arguments (the dependencies' hashes must
    already be computable: they are fed through their ``__jug_hash__``)."""
    m = hashlib.sha1()
    update = m.update
    update(_NAME_PART)
    pickled = _TASK_NAMES.get(name)
    if pickled is None:
        pickled = _TASK_NAMES[name] = _dumps(name.encode("utf-8"), PICKLE_PROTOCOL)
    update(pickled)
    update(_ARGS_PART)
    if type(args) is tuple:  # always, from Task: skips _feed's checks for other types
        update(_TUPLE_TAG)
        _feed_items(m, update, args)
    else:
        _feed(m, update, args)
    update(_KWARGS_PART)
    if kwargs:
        _feed(m, update, kwargs)
    else:
        update(b"dict")  # what _feed gives an empty dict, without the call
    return m.hexdigest().encode()
