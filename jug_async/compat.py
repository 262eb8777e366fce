"""Make ``import jug`` / ``from jug.task import ...`` resolve to jug-async.

Users' jugfiles say ``from jug import TaskGenerator``. While jug-async loads a
jugfile (and in its workers), a meta-path finder placed first on
``sys.meta_path`` answers every ``jug`` and ``jug.<sub>`` import with the module
of the same name under ``jug_async.jug_api``, whether or not the real jug is
installed. ``aliased()`` undoes it afterwards, so a process that also uses the
real jug (the test suite) gets it back.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

_TARGET = "jug_async.jug_api"


# The finder and loader follow importlib's protocols without subclassing
# importlib.abc, whose import (with importlib.resources) costs every start 4 ms.
class _AliasLoader:
    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self._module

    def exec_module(self, module: ModuleType) -> None:
        """Already executed under its jug_async name."""


class _JugFinder:
    def find_spec(self, fullname: str, path: object, target: object = None):
        if fullname != "jug" and not fullname.startswith("jug."):
            return None
        real = _TARGET + fullname[3:]
        try:
            module = importlib.import_module(real)
        except ModuleNotFoundError as e:
            if e.name != real:
                raise
            raise ModuleNotFoundError(
                f"jug-async does not provide {fullname!r} yet", name=fullname
            ) from None
        spec = importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(module), is_package=hasattr(module, "__path__")
        )
        if hasattr(module, "__path__"):
            spec.submodule_search_locations = list(module.__path__)
        return spec


_FINDER = _JugFinder()


def _jug_entries() -> dict[str, ModuleType]:
    return {k: m for k, m in sys.modules.items() if k == "jug" or k.startswith("jug.")}


def install() -> None:
    """Route ``jug`` imports to jug-async for the rest of this process."""
    for name in _jug_entries():
        if not getattr(sys.modules[name], "__name__", "").startswith(_TARGET):
            del sys.modules[name]
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
    # Pre-register what hashes and pickles reach by name, before any jugfile runs.
    importlib.import_module("jug")
    importlib.import_module("jug.task")


@contextmanager
def aliased() -> Iterator[None]:
    """``install()`` for the duration of a block, restoring the previous modules."""
    saved = _jug_entries()
    was_installed = _FINDER in sys.meta_path
    install()
    try:
        yield
    finally:
        if not was_installed:
            sys.meta_path.remove(_FINDER)
        for name in _jug_entries():
            del sys.modules[name]
        sys.modules.update(saved)
