"""``jug.io``: write a task's result (and a description of it) to a file, and
``NoLoad`` to pass a task itself, not its result, to another task."""

from __future__ import annotations

import json
import pickle
import shutil
import textwrap
from collections.abc import Sequence
from typing import Any

from jug_async.api.task import Task, TaskGenerator, Tasklet, describe

__all__ = ["NoLoad", "print_task_summary_table", "write_metadata", "write_task_out"]


class NoLoad(Tasklet):
    """Wrap a task so that a task receiving it gets the wrapper, not the result
    (for advanced use: the receiver decides what to load)."""

    _jug_no_load = True  # barrier checks: its value needs no result

    def __init__(self, base: Any) -> None:
        Tasklet.__init__(self, base, "NoLoad")

    @property
    def t(self) -> Any:
        return self.base

    def __getitem__(self, _: Any) -> Any:
        raise NotImplementedError("You cannot slice a NoLoad object")

    def __jug_value__(self) -> Any:
        return self


NoLoad.__module__ = "jug.io"


def _write_task_out(result_value: Any, result: NoLoad, oname: str | None,
                    metadata_fname: str | None = None, metadata_format: str = "yaml") -> None:
    if metadata_fname is not None:
        description = describe(result.base)
        fmt = metadata_format.lower()
        if fmt not in ("yaml", "json"):
            raise ValueError(f'jug.io.write_task_out: Unknown metadata format "{metadata_format}" '
                             '[supported are "yaml" and "json"]')
        with open(metadata_fname, "w") as out:
            if fmt == "yaml":
                import yaml

                yaml.dump(description, out)
            else:
                json.dump(description, out)
    if oname is None:
        return
    with open(oname, "wb") as out:
        if type(result_value).__name__ == "ndarray" and type(result_value).__module__ == "numpy":
            import numpy as np

            np.save(out, result_value)  # a file object: no '.npy' appended
        else:
            pickle.dump(result_value, out)


_write_task_out.__module__ = "jug.io"
_write_task_out.__name__ = _write_task_out.__qualname__ = "_do_write_task_out"
_do_write_task_out = TaskGenerator(_write_task_out)


def write_task_out(result: Task, oname: str, metadata_fname: str | None = None,
                   metadata_format: str = "yaml") -> Task:
    """A task writing ``result``'s value to ``oname`` (``.npy`` for an array,
    else a pickle), and a description of it to ``metadata_fname`` if given."""
    return _do_write_task_out(result, NoLoad(result), oname, metadata_fname, metadata_format)


def write_metadata(result: Task, metadata_fname: str, metadata_format: str = "yaml") -> Task:
    """A task writing a description of ``result``'s computation to a file."""
    return _do_write_task_out(result, NoLoad(result), None, metadata_fname, metadata_format)


def print_task_summary_table(options: Any, groups: Sequence[tuple[str, dict[str, int]]]) -> None:
    """jug's status table: one column per group, one row per task name, through
    ``options.print_out`` (and ``options.short`` for the one-line form)."""
    if getattr(options, "short", False):
        for name, gv in groups:
            options.print_out(f"{name}:  {sum(gv.values())} tasks")
        options.print_out(f"** Total: {sum(sum(gv.values()) for _, gv in groups)} tasks.")
        return
    names = {n for _, g in groups for n in g}
    columns = shutil.get_terminal_size((80, 25)).columns
    width = columns - len(groups) * 12 - 2
    if width <= 8:
        width = 12

    def line(cells: Sequence[Any], name: str) -> str:
        return "".join(f"{c!s:>12}" for c in cells) + f"  {name!s:<{width}}"

    total_width = 12 * len(groups) + 2 + width
    options.print_out(line([g for g, _ in groups], "Task name"))
    options.print_out("-" * total_width)
    for n in sorted(names):
        parts = textwrap.wrap(n, width=width - 4)
        options.print_out(line([g[n] for _, g in groups], parts[0] if parts else ""))
        for rest in parts[1:]:
            options.print_out(line([""] * len(groups), "    " + rest))
    options.print_out("." * total_width)
    options.print_out(line([sum(g.values()) for _, g in groups], "Total"))
    options.print_out()
