"""A jugfile that declares a task on a lambda (line 6), which jug refuses."""

from jug import Task

first = Task(abs, -1)
second = Task(lambda x: x + 1, 2)
