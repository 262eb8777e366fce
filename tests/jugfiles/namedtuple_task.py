"""A Task inside a namedtuple, which jug refuses to hash (TypeError in jug 2.7)."""

import collections

from jug import TaskGenerator

Pair = collections.namedtuple("Pair", "left right")


@TaskGenerator
def double(x):
    return 2 * x


@TaskGenerator
def combine(pair):
    return pair.left + pair.right


combined = combine(Pair(double(1), 2))
