"""Three task names, a small diamond of dependencies; each square sleeps a little
so a live view can see tasks running (TUI tests)."""

import os
import time

from jug import TaskGenerator

DELAY = float(os.environ.get("TUI_TEST_DELAY", "0.15"))
LOUD = bool(os.environ.get("TUI_TEST_PRINT"))  # tasks print, as many jugfiles do


@TaskGenerator
def square(x):
    if LOUD:
        print(f"working on square {x}", flush=True)
    time.sleep(DELAY)
    return x * x


@TaskGenerator
def add(a, b):
    return a + b


@TaskGenerator
def total(xs):
    return sum(xs)


squares = [square(i) for i in range(12)]
pairs = [add(squares[i], squares[i + 1]) for i in range(0, 12, 2)]
result = total(pairs)
