"""``jug.io``: ``jug.io._do_write_task_out`` is a task name."""

from jug_async.api.io import (
    NoLoad,
    _do_write_task_out,
    print_task_summary_table,
    write_metadata,
    write_task_out,
)

__all__ = ["NoLoad", "print_task_summary_table", "write_metadata", "write_task_out"]
_internal = (_do_write_task_out,)
