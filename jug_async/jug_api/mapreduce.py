"""``jug.mapreduce``: the block tasks' functions are named ``jug.mapreduce.*``."""

from jug_async.api.mapreduce import (
    _break_up,
    _get_function,
    _jug_map,
    _jug_map_curry,
    _jug_map_reduce,
    _jug_reduce,
    block_access,
    block_access_slice,
    currymap,
    map,
    mapreduce,
    reduce,
)

__all__ = ["currymap", "map", "mapreduce", "reduce"]
_internal = (_break_up, _get_function, _jug_map, _jug_map_curry, _jug_map_reduce, _jug_reduce,
             block_access, block_access_slice)  # reached by name from pickles and hashes
