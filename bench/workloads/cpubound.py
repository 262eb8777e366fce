"""Workload 2: BENCH_N CPU-bound tasks (a pure-Python loop of BENCH_ITERS steps,
calibrated by the driver to ~50 ms), then one sum.

Set BENCH_DECLARE=0 to import the plain functions without declaring tasks.
"""

import os


def burn(i, iters):
    x = i
    for k in range(iters):
        x = (x * 1103515245 + k) & 0x7FFFFFFF
    return x


def total(xs):
    return sum(xs)


def declare():
    from jug import TaskGenerator

    n = int(os.environ.get("BENCH_N", "100"))
    iters = int(os.environ.get("BENCH_ITERS", "500000"))
    burn_t = TaskGenerator(burn)
    TaskGenerator(total)([burn_t(i, iters) for i in range(n)])


if os.environ.get("BENCH_DECLARE", "1") != "0":
    declare()
