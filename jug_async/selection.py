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


def pattern_matcher(pattern: str) -> Callable[[str], bool]:
    """jug's ``--pattern``: ``/regex/`` searched anywhere in the name, otherwise a
    plain substring (``func`` also matches ``mod.func_other``).

    Raises:
        ValueError: an empty pattern (``''`` or ``'//'``): it would select every
            task, and is most likely an unset shell variable; or a bad regex.
    """
    if pattern in ("", "//"):
        raise ValueError("an empty --pattern would select every task")
    if len(pattern) >= 2 and pattern.startswith("/") and pattern.endswith("/"):
        try:
            regex = re.compile(pattern[1:-1])
        except re.error as e:
            raise ValueError(f"--pattern {pattern}: bad regular expression: {e}") from None
    else:
        regex = re.compile(re.escape(pattern))
    return lambda task_name: regex.search(task_name) is not None


def task_matcher(names: list[str], pattern: str | None = None) -> Callable[[str], bool] | None:
    """``--name`` (any of ``names``) and ``--pattern`` combined: a task must match
    every criterion given (jug's rule when a jugrc sets one and the command line
    the other); None when neither is given."""
    by_name = name_matcher(names)
    by_pattern = pattern_matcher(pattern) if pattern is not None else None
    if by_name is None or by_pattern is None:
        return by_name or by_pattern
    return lambda task_name: by_name(task_name) and by_pattern(task_name)
