"""A TaskGenerator passed as a task argument.

jug pickles a TaskGenerator by reference, as ``jug.task.TaskGenerator`` with the
state ``(module, function name)``, so such a task has a well-defined hash.
"""

from jug import TaskGenerator

CASES = {}


@TaskGenerator
def double(x):
    return 2 * x


@TaskGenerator
def apply_raw(gen, x):
    return gen.f(x)


CASES["generator_as_argument"] = apply_raw(double, 3)
CASES["generator_in_list"] = apply_raw([double], 3)
