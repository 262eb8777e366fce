"""jug's command-line internals under jug-async (``jug.jug``, ``jug.options``,
``jug.subcommands``, jug's lock classes), each side in its own process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import clean_env, jug_command

_LOCK = r"""
import sys
{setup}
from jug.backends.file_store import file_based_lock
h = "ab" * 20
lock = file_based_lock(sys.argv[1], h)
print(getattr(lock, sys.argv[2])())
"""


def _lock(api: str, jugdir: Path, call: str) -> str:
    setup = "from jug_async import compat; compat.install()" if api == "jug_async" else ""
    r = subprocess.run([sys.executable, "-c", _LOCK.format(setup=setup), str(jugdir), call],
                       capture_output=True, text=True, env=clean_env())
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_file_based_lock_is_jugs_lock(tmp_path) -> None:
    d = tmp_path / "s.jugdata"
    assert _lock("jug_async", d, "get") == "True"
    assert _lock("jug", d, "is_locked") == "True"
    assert _lock("jug", d, "get") == "False"  # held: by either tool
    assert _lock("jug_async", d, "fail") == "True"
    assert _lock("jug", d, "is_failed") == "True"
    assert _lock("jug_async", d, "release") == "None"
    assert _lock("jug", d, "is_locked") == "False"
    assert _lock("jug", d, "get") == "True"
    assert _lock("jug_async", d, "is_locked") == "True"


JUGFILE = """
from jug import TaskGenerator

@TaskGenerator
def double(x):
    return 2 * x

results = [double(i) for i in range(3)]
"""

USER_COMMAND = """
from jug.subcommands import SubCommand

class Report(SubCommand):
    "Writes how many results are saved"
    name = "my-report"

    def parse(self, parser):
        parser.add_argument("--out", dest="report_out")

    def parse_defaults(self):
        return {"report_out": "report.txt"}

    def run(self, options, store, jugspace, *args, **kwargs):
        saved = sum(t.can_load() for t in jugspace["results"])
        with open(options.report_out, "w") as f:
            f.write(f"{saved}\\n")
        return 3

Report()
"""


def _with_user_command(tmp_path) -> dict[str, str]:
    """A jugfile in ``tmp_path`` and a HOME whose jug config defines ``my-report``."""
    (tmp_path / "jugfile.py").write_text(JUGFILE)
    home = tmp_path / "home"
    (home / ".config" / "jug").mkdir(parents=True)
    (home / ".config" / "jug" / "jug_user_commands.py").write_text(USER_COMMAND)
    return clean_env({"HOME": str(home)})


def test_jug_main_runs_jug_async_and_a_users_subcommand(tmp_path) -> None:
    env = _with_user_command(tmp_path)
    run = [sys.executable, "-c", "import sys; from jug_async import compat; compat.install(); "
           "from jug.jug import main; main(sys.argv)"]
    r = subprocess.run([*run, "execute", "--will-cite"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([*run, "my-report", "--out", "n.txt"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 3, r.stderr
    assert (tmp_path / "n.txt").read_text() == "3\n"
    check = subprocess.run([*jug_command(), "check"], cwd=tmp_path, env=env)
    assert check.returncode == 0  # the real jug finds the store complete


def test_a_users_subcommand_runs_as_jug_async_name(tmp_path) -> None:
    env = _with_user_command(tmp_path)
    cli = [sys.executable, "-m", "jug_async"]
    assert subprocess.run([*cli, "run", "-j", "1"], cwd=tmp_path, env=env).returncode == 0
    r = subprocess.run([*cli, "my-report", "--out", "n.txt"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 3, r.stderr
    assert (tmp_path / "n.txt").read_text() == "3\n"
    r = subprocess.run([*cli, "no-such-command"], cwd=tmp_path, env=env,
                       capture_output=True, text=True)
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_execution_loop_runs_tasks_and_fires_hooks(tmp_path) -> None:
    (tmp_path / "jugfile.py").write_text(JUGFILE)
    script = """
from jug_async import compat; compat.install()
from jug.jug import init, execution_loop, ExecutionState
from jug.options import parse
from jug.hooks import register_hook
from jug import task
store, space = init("jugfile.py", "jugfile.jugdata")
seen = []
register_hook("execute.task-executed1", lambda t: seen.append(t.name))
tasks = list(space["results"])
failed = execution_loop(tasks, parse(["execute", "jugfile.py"]), ExecutionState())
print(failed, len(seen), [t.result for t in space["results"]])
"""
    r = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=clean_env(),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split("\n")[-2] == "False 3 [0, 2, 4]"
    check = subprocess.run([*jug_command(), "check"], cwd=tmp_path, env=clean_env())
    assert check.returncode == 0
