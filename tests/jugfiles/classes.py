"""Results whose classes are defined in the jugfile: pickled by reference
(``classes.Point``), as under jug, so either tool can load the other's results.
"""

import collections
import dataclasses

from jug import TaskGenerator

Point = collections.namedtuple("Point", "x y")


@dataclasses.dataclass
class Box:
    name: str
    items: list


@TaskGenerator
def make_point(x):
    return Point(x, -x)


@TaskGenerator
def make_box(p):
    return Box("b", [p, p.x])


@TaskGenerator
def inspect_box(b):
    return (type(b).__module__, type(b).__qualname__, type(b.items[0]).__qualname__, b.items[0].y)


p = make_point(3)
b = make_box(p)
inspected = inspect_box(b)

REPRS = {"point": p, "box": b}
RESULTS = {"inspected": inspected}
