"""Not a jugfile: a module that uses_helper.py imports its task functions from
(found through the current directory on sys.path, as under jug)."""

from jug import TaskGenerator


@TaskGenerator
def triple(x):
    return 3 * x


def plus_one(x):
    return x + 1
