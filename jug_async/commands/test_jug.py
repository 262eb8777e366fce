"""``jug-async test-jug``: check this installation end to end (jug's internal validation).

jug's ``test-jug`` runs jug's own test suite; jug-async's tests are not
installed with it, so this runs a small jugfile through the real machinery
instead: a pool of workers, a file store in a temporary directory, a barrier,
``mapreduce``, a second run that must execute nothing, and the results read
back through ``jug_async.init``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from jug_async.commands.common import EXIT_FAILED, EXIT_OK

if TYPE_CHECKING:
    import subprocess

NAME = "test-jug"
HELP = "check that this installation runs jugfiles end to end"
DESCRIPTION = ("Run a small jugfile (a barrier, mapreduce, two workers) in a temporary "
               "directory, run it again (nothing may execute), and check the saved values.")
EXIT_STATUS = "exit status: 0 every check passed, 1 a check failed (printed on stderr)"

CHECK_JUGFILE = '''\
from jug import TaskGenerator, barrier, bvalue, mapreduce


@TaskGenerator
def square(x):
    return x * x


@TaskGenerator
def total(xs):
    return sum(xs)


def add(a, b):
    return a + b


def shift(pair):
    x, by = pair
    return x + by


squares = [square(i) for i in range(20)]
first = total(squares)
barrier()
n = bvalue(first)
mr = mapreduce.mapreduce(add, shift, [(x, n) for x in range(10)], map_step=3)
'''
EXPECTED = {"first": sum(i * i for i in range(20)),
            "mr": sum(x + sum(i * i for i in range(20)) for x in range(10))}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")


def _jug_async(*args: str, cwd: str) -> subprocess.CompletedProcess[str]:
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("JUG_")}
    return subprocess.run([sys.executable, "-m", "jug_async", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def main(args: argparse.Namespace) -> int:
    import subprocess
    import tempfile

    where = tempfile.mkdtemp(prefix="jug-async-test-")
    Path(where, "check.py").write_text(CHECK_JUGFILE)
    failures: list[str] = []
    first = _jug_async("run", "check.py", "-j", "2", cwd=where)
    if first.returncode != 0:
        failures.append(f"first run exited {first.returncode}: {first.stderr.strip()[-500:]}")
    again = _jug_async("run", "check.py", "-j", "2", cwd=where)
    said = again.stdout + again.stderr
    if again.returncode != 0 or " 0 run here" not in said:
        failures.append(f"the second run executed tasks again: {said.strip()[-300:]}")
    read = subprocess.run(
        [sys.executable, "-c", "import jug_async, json; m = jug_async.init('check.py').module;"
         " print(json.dumps({'first': m.first.result, 'mr': m.mr.result}))"],
        cwd=where, capture_output=True, text=True, timeout=120)
    if read.returncode != 0 or read.stdout.strip() != _json(EXPECTED):
        failures.append(f"values read back: {read.stdout.strip() or read.stderr.strip()[-300:]}"
                        f" (expected {_json(EXPECTED)})")
    for f in failures:
        print(f"test-jug: FAILED: {f}", file=sys.stderr)
    print(f"test-jug: {'all checks passed' if not failures else 'failed'} (in {where})")
    if not args.keep and not failures:
        import shutil

        shutil.rmtree(where, ignore_errors=True)
    return EXIT_FAILED if failures else EXIT_OK


def _json(obj: object) -> str:
    import json

    return json.dumps(obj)
