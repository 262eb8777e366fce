"""``jug.compound``: the task name ``jug.compound.compound_task_execute`` lives here."""

from jug_async.api.compound import CompoundTask, CompoundTaskGenerator, compound_task_execute

__all__ = ["CompoundTask", "CompoundTaskGenerator", "compound_task_execute"]
