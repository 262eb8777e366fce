"""``jug.hooks.execution``: time tasks by name and print a summary at the end."""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

from jug_async.api.hooks import register_hook_once

__all__ = ["TimeTasks", "register_time_tasks"]


class TimeTasks:
    """Seconds per task name, between pre-execute and executed1 (in jug-async both
    fire in the scheduler: dispatch to saved, tasks of a batch overlapping)."""

    def __init__(self) -> None:
        self.times: defaultdict[str, list[float]] = defaultdict(list)
        self._start: dict[int, float] = {}

    def start(self, t: Any) -> None:
        self._start[id(t)] = time.time()

    def stop(self, t: Any) -> None:
        self.times[t.name].append(time.time() - self._start.pop(id(t), time.time()))

    def print_summary(self) -> None:
        print("TIMES")
        print("-----\n")
        for k, v in self.times.items():
            print(f"{k:20} {sum(v) / len(v):.2f}s ({len(v)} tasks)")


def register_time_tasks() -> None:
    tt = TimeTasks()
    register_hook_once("execute.task-pre-execute", "register_time_tasks", tt.start)
    register_hook_once("execute.task-executed1", "register_time_tasks", tt.stop)
    register_hook_once("execute.finished_post_status", "register_time_tasks", tt.print_summary)
