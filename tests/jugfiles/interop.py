"""Values of many shapes, for jug <-> jug-async interop (tests/test_interop.py).

Every task appends one line, "<what>\t<pid>", to executions.log (next to this
file) when it runs, so a test can see which process executed what, and how often.
"""

import os

import numpy as np
from jug import Task, TaskGenerator, Tasklet, iteratetask, return_tuple

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def array(kind):
    _log(f"array {kind}")
    if kind == "f8":
        return np.linspace(0.0, 1.0, 5)
    if kind == "i8":
        return np.array([-128, -1, 0, 1, 127], dtype=np.int8)
    if kind == "u2":
        return np.arange(6, dtype=np.uint16).reshape(2, 3)
    if kind == "b":
        return np.array([True, False, True])
    if kind == "c16":
        return np.array([1 + 2j, -0.5j])
    if kind == "f4F":
        return np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    if kind == "0d":
        return np.array(2.5)
    if kind == "empty":
        return np.zeros((0, 4))
    if kind == "strided":
        return np.arange(10, dtype=np.int32)[::3]
    if kind == "object":
        return np.array([1, "two", None], dtype=object)
    raise ValueError(kind)


@TaskGenerator
def make_dict(n, *, scale=1):
    _log(f"make_dict {n} {scale}")
    return {"n": n, "squares": [i * i * scale for i in range(n)], ("t", 1): {1, 2}, 3: None}


@TaskGenerator
def make_set(xs):
    _log("make_set")
    return set(xs)


@TaskGenerator
def make_pair(a, b):
    _log("make_pair")
    return (a, b)


@TaskGenerator
def nothing():
    _log("nothing")


@TaskGenerator
def empty(kind):
    _log(f"empty {kind}")
    return {"str": "", "bytes": b"", "list": [], "tuple": (), "zero": 0, "dict": {}}[kind]


@TaskGenerator
def summarize(arrays, d, s, first, second, third, extra=None, absent=0):
    _log("summarize")
    return {
        "total": float(sum(float(np.sum(a)) for a in arrays)),
        "dict_n": d["n"],
        "set_size": len(s),
        "first": first,
        "second": second,
        "third": third,
        "extra": extra,
        "absent": absent,
    }


@return_tuple(2)
@TaskGenerator
def split(x):
    _log("split")
    return x, -x


def add(a, b):
    _log(f"add {a} {b}")
    return a + b


KINDS = ["f8", "i8", "u2", "b", "c16", "f4F", "0d", "empty", "strided", "object"]
arrays = {k: array(k) for k in KINDS}
d = make_dict(4, scale=10)
s = make_set([3, 1, 2, 3])
p = make_pair("left", ("right", 2))
n = nothing()
empties = {k: empty(k) for k in ["str", "bytes", "list", "tuple", "zero", "dict"]}
plus, minus = split(21)
a0, a1 = iteratetask(p, 2)
added = Task(add, plus, b=d["n"])
doubled_n = Task(add, Tasklet(d, lambda r: r["n"] * 2), b=1)  # a lambda runs in a worker
s_again = make_set([3, 1, 2, 3])  # declared twice: one task, counted twice by status
summary = summarize([arrays["f8"], arrays["i8"], arrays["u2"]], d, s, a0, a1[0], Tasklet(d, len),
                    extra={"none": n, "pair": p, "slice": arrays["f8"][1:3]})

RESULTS = {f"array_{k}": t for k, t in arrays.items()}
RESULTS.update({f"empty_{k}": t for k, t in empties.items()})
RESULTS.update(dict=d, set=s, pair=p, nothing=n, plus=plus, minus=minus, a0=a0,
               a1_0=a1[0], added=added, summary=summary, doubled_n=doubled_n,
               s_again=s_again)
