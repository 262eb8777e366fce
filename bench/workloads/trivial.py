"""Workloads 1 and 4: BENCH_N trivial independent tasks, then one sum over all of
them (BENCH_SUM=0 leaves the sum out, as workload 4 does).

Set BENCH_DECLARE=0 to import the plain functions without declaring tasks
(``bench/floors.py`` does, for the in-process loops).
"""

import os


def double(i):
    return 2 * i


def total(xs):
    return sum(xs)


def declare():
    from jug import TaskGenerator

    n = int(os.environ.get("BENCH_N", "2000"))
    double_t = TaskGenerator(double)
    parts = [double_t(i) for i in range(n)]
    if os.environ.get("BENCH_SUM", "1") != "0":
        TaskGenerator(total)(parts)


if os.environ.get("BENCH_DECLARE", "1") != "0":
    declare()
