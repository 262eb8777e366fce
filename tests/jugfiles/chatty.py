"""Tasks that print many lines each, as jugfiles often do: the lines of two
workers writing to one stdout at once must not tear into each other."""

from jug import TaskGenerator


@TaskGenerator
def talk(i):
    for k in range(40):
        print(f"task {i:03d} line {k:02d} " + "x" * 40)
    return i


said = [talk(i) for i in range(60)]
