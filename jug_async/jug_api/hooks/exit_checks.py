"""``jug.hooks.exit_checks``: what the runner turns into ``run_limits``."""

from jug_async.api.hooks import (
    exit_after_n_tasks,
    exit_after_time,
    exit_env_vars,
    exit_if_file_exists,
    exit_when_true,
)

__all__ = ["exit_after_n_tasks", "exit_after_time", "exit_env_vars", "exit_if_file_exists",
           "exit_when_true"]
