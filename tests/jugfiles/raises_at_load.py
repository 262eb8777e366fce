"""A jugfile whose module-level code raises while it is being loaded (line 13)."""

from jug import TaskGenerator


@TaskGenerator
def double(x):
    return 2 * x


values = [double(i) for i in range(3)]
config = {"inputs": 3}
threshold = config["threshold"]
