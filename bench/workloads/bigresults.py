"""Workload 5: BENCH_N producers that each return a BENCH_MB MB float64 array,
and BENCH_N consumers that each read one of them and return its sum.

Set BENCH_DECLARE=0 to import the plain functions without declaring tasks.
"""

import os

import numpy as np


def produce(i, mb):
    return np.full(mb * (1 << 20) // 8, float(i))


def consume(a):
    return float(a.sum())


def declare():
    from jug import TaskGenerator

    n = int(os.environ.get("BENCH_N", "50"))
    mb = int(os.environ.get("BENCH_MB", "20"))
    produce_t, consume_t = TaskGenerator(produce), TaskGenerator(consume)
    for i in range(n):
        consume_t(produce_t(i, mb))


if os.environ.get("BENCH_DECLARE", "1") != "0":
    declare()
