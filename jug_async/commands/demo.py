"""``jug-async demo``: write a small jugfile to try jug-async on (jug's ``demo``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jug_async.commands.common import EXIT_OK, EXIT_USAGE

NAME = "demo"
HELP = "create jug-demo/primes.py, a small jugfile to try jug-async on"
DESCRIPTION = ("Create the directory jug-demo/ (in the working directory, or DIR) holding "
               "primes.py, the jugfile of jug's own demo: 99 one-second tasks testing numbers "
               "for primality, their count, and a file output.txt written at the end.")
EXIT_STATUS = "exit status: 0 created (or already there), 2 the directory cannot be created"

DEMO_JUGFILE = '''\
from time import sleep

from jug import TaskGenerator


@TaskGenerator
def is_prime(n):
    sleep(1.0)
    return all(n % j for j in range(2, n - 1))


@TaskGenerator
def count_primes(ps):
    return sum(ps)


@TaskGenerator
def write_output(n):
    with open("output.txt", "wt") as output:
        output.write(f"Found {n} primes <= 100.\\n")


primes100 = [is_prime(n) for n in range(2, 101)]
n_primes = count_primes(primes100)
write_output(n_primes)
'''

NEXT_STEPS = """\
Created {path}. Try, in that directory:

    jug-async status primes.py      # 101 tasks, none saved yet
    jug-async run primes.py -j 8    # 99 one-second tasks on 8 workers: about 13 s
    jug-async run primes.py --tui   # the same with a live full-screen view

Results land in primes.jugdata/, and output.txt says how many primes were found.
Start the same `jug-async run` on another host sharing the directory and both share
the work; a second run executes nothing.
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", nargs="?", default="jug-demo", metavar="DIR",
                        help="where to create the demo (default: %(default)s)")


def main(args: argparse.Namespace) -> int:
    target = Path(args.directory)
    jugfile = target / "primes.py"
    if jugfile.exists():
        print(f"{jugfile} already exists; nothing written", file=sys.stderr)
        return EXIT_OK
    try:
        target.mkdir(parents=True, exist_ok=True)
        jugfile.write_text(DEMO_JUGFILE)
    except OSError as e:
        print(f"jug-async: error: cannot create {jugfile}: {e.strerror}", file=sys.stderr)
        return EXIT_USAGE
    print(NEXT_STEPS.format(path=jugfile))
    return EXIT_OK
