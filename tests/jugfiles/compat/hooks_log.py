"""Every execute hook appends one line (hook, task name, hash) to hooks.log, so a
run by jug and one by jug-async can be compared line for line.

HOOKS_MODE picks an exit check: ``n`` exit_after_n_tasks(3); ``file``
exit_if_file_exists("stop-now"), a file the second task's executed1 hook
creates; ``sysexit`` a pre-execute hook that raises SystemExit at its third
call. HOOKS_SLOW makes each task sleep, so that tasks go to workers one by one.
"""

import os
import time

from jug import TaskGenerator
from jug.hooks import register_hook
from jug.hooks.exit_checks import exit_after_n_tasks, exit_if_file_exists

MODE = os.environ.get("HOOKS_MODE", "")
SLOW = float(os.environ.get("HOOKS_SLOW", "0"))


def log(*parts):
    with open("hooks.log", "a") as f:
        f.write(" ".join(parts) + "\n")


@TaskGenerator
def work(i):
    time.sleep(SLOW)
    return i * i


@TaskGenerator
def total(xs):
    return sum(xs)


squares = [work(i) for i in range(8)]
again = work(3)  # a second declaration of one task: jug finds it loadable
result = total(squares)

for hook in ("execute.task-loadable", "execute.task-pre-execute", "execute.task-executed1"):
    register_hook(hook, lambda t, hook=hook: log(hook, t.name, t.hash().decode()))
register_hook("execute.finished_pre_status", lambda: log("execute.finished_pre_status"))
register_hook("execute.finished_post_status", lambda: log("execute.finished_post_status"))

calls = {"pre": 0, "executed": 0}


def count_pre(t):
    calls["pre"] += 1
    if MODE == "sysexit" and calls["pre"] == 3:
        raise SystemExit()


def count_executed(t):
    calls["executed"] += 1
    if MODE == "file" and calls["executed"] == 2:
        open("stop-now", "w").close()


register_hook("execute.task-pre-execute", count_pre)
register_hook("execute.task-executed1", count_executed)
if MODE == "n":
    exit_after_n_tasks(3)
if MODE == "file":
    exit_if_file_exists("stop-now")
