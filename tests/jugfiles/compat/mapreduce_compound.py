"""Differential corpus: jug.mapreduce, compound tasks (with a barrier after them),
CachedFunction, jug.utils, jug.unsafe.NoHash. RESULTS: what both tools must agree on."""
import os

from jug import CachedFunction, CompoundTaskGenerator, TaskGenerator, barrier
from jug.hash import hash_one
from jug.mapreduce import currymap, mapreduce
from jug.mapreduce import map as jmap
from jug.mapreduce import reduce as jreduce
from jug.unsafe import NoHash
from jug.utils import CustomHash, identity, timed_path


def double(x):
    return 2 * x


def add(a, b):
    return a + b


def mul(a, b):
    return a * b


@TaskGenerator
def tg_square(x):
    return x * x


@TaskGenerator
def total(xs):
    return sum(xs)


@TaskGenerator
def size_of(path):
    with open(path) as f:
        return len(f.read())


@TaskGenerator
def with_ignored(x, ignored):
    return [x, ignored]


@CompoundTaskGenerator
def pipeline(n):
    parts = [tg_square(i) for i in range(n)]
    return total(parts)


def listing():
    return sorted(n for n in os.listdir(".") if n == "data.txt")


if not os.path.exists("data.txt"):
    with open("data.txt", "w") as f:
        f.write("twelve chars")

RESULTS = {
    "mapreduce": mapreduce(add, double, list(range(23)), map_step=3, reduce_step=2),
    "mapreduce_tg": mapreduce(add, tg_square, list(range(7))),
    "mapreduce_empty": mapreduce(add, double, []),
    "reduce": jreduce(add, list(range(10)), reduce_step=3),
    "map_blocks": total(jmap(double, list(range(10)), map_step=4)),
    "map_gen": identity(jmap(double, (i for i in range(5)), map_step=1)),
    "map_empty": total(jmap(double, [], map_step=2)),
    "currymap": identity(currymap(mul, [(i, i + 1) for i in range(6)], map_step=4)),
    "compound": pipeline(5),
    "compound_again": pipeline(3),
    "identity": identity(list(range(50))),
    "custom_hash": with_ignored(1, CustomHash("xyz", lambda s: hash_one(len(s)))),
    "no_hash": with_ignored(2, NoHash("value not hashed")),
    "timed_path": size_of(timed_path("data.txt")),
}
barrier()
cached = CachedFunction(listing)
RESULTS["after_barrier"] = total([RESULTS["compound"], RESULTS["reduce"], len(cached)])
