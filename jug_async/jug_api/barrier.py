"""``jug.barrier``."""

from jug_async.api.barrier import BarrierError, barrier, bvalue

__all__ = ["BarrierError", "barrier", "bvalue"]
