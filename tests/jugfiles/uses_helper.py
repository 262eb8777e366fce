"""A jugfile whose task functions live in another module (helper_module.py)."""

from helper_module import plus_one, triple
from jug import Task

tripled = triple(2)
bumped = Task(plus_one, tripled)

RESULTS = {"tripled": tripled, "bumped": bumped}
