"""``--name`` matching, as jug matches it.

A task name is ``module.function``; a pattern matches the whole name or a tail
of it that starts after a ``.`` (``func`` and ``mod.func`` match
``pkg.mod.func``, ``func`` does not match ``mod.func_other``), with shell-style
wildcards (``func*``).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable


def name_matcher(patterns: list[str]) -> Callable[[str], bool] | None:
    """A predicate over task names; None (select everything) for no patterns."""
    if not patterns:
        return None
    regexes = [re.compile(fnmatch.translate(p)) for p in patterns]

    def matches(task_name: str) -> bool:
        pos = 0
        while True:
            if any(r.match(task_name, pos) for r in regexes):
                return True
            pos = task_name.find(".", pos) + 1
            if pos == 0:
                return False

    return matches
