"""Independent tasks with look-alike names, for ``--name`` selection.

Each execution appends "<name>\t<pid>" to executions.log next to this file.
"""

import os

from jug import TaskGenerator

LOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "executions.log")


def _log(what):
    with open(LOG, "a") as f:
        f.write(f"{what}\t{os.getpid()}\n")


@TaskGenerator
def load_data(i):
    _log(f"load_data {i}")
    return i


@TaskGenerator
def load_model():
    _log("load_model")


@TaskGenerator
def train():
    _log("train")


@TaskGenerator
def train_more():
    _log("train_more")


@TaskGenerator
def pretrain():
    _log("pretrain")


@TaskGenerator
def evaluate():
    _log("evaluate")


load_data(0)
load_data(1)
load_model()
train()
train_more()
pretrain()
evaluate()
