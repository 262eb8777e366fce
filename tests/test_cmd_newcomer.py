"""The newcomer's subcommands jug also has: demo, test-jug, install-skills; and the
jug.subcommands objects for them (a jug user's script may call them)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import jug_status_totals


def test_demo_writes_jugs_demo_jugfile_which_both_tools_load(run_cli, jug, tmp_path: Path):
    r = run_cli("demo")
    assert r.returncode == 0, r.stderr
    assert "jug-async run primes.py" in r.stdout
    demo = tmp_path / "jug-demo"
    count = run_cli("count", "primes.py", cwd=demo)
    assert count.returncode == 0, count.stderr
    assert any(line.split() == ["99", "primes.is_prime"] for line in count.stdout.splitlines())
    totals = jug_status_totals(jug("status", "primes.py", cwd=demo).stdout)
    assert totals["Waiting"] + totals["Ready"] == 101  # 99 primes, count, output
    again = run_cli("demo")  # already there: nothing overwritten
    assert again.returncode == 0 and "already exists" in again.stderr


def test_demo_in_a_place_that_cannot_be_created_is_one_line(run_cli, tmp_path: Path):
    (tmp_path / "file").write_text("x")
    r = run_cli("demo", "file/sub")
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "cannot create" in r.stderr


def test_test_jug_runs_a_jugfile_end_to_end(run_cli):
    r = run_cli("test-jug", timeout=120)
    assert r.returncode == 0, r.stderr
    assert "all checks passed" in r.stdout


def test_install_skills_copies_refuses_then_forces(run_cli, tmp_path: Path):
    assert run_cli("install-skills").returncode == 2  # --output is required
    r = run_cli("install-skills", "--output", "skills")
    assert r.returncode == 0, r.stderr
    skill = tmp_path / "skills" / "jug" / "SKILL.md"
    assert skill.read_text().startswith("---\nname: jug")
    r = run_cli("install-skills", "--output", "skills")
    assert r.returncode == 1 and "--force" in r.stderr
    skill.write_text("changed")
    assert run_cli("install-skills", "--output", "skills", "--force").returncode == 0
    assert skill.read_text().startswith("---\nname: jug")


_SHELL_HELPERS = r"""
import os, sys
from jug_async import compat
compat.install()
import jug_async
from jug.subcommands.shell import ShellCommand, invalidate, load_all, shell
assert isinstance(shell, ShellCommand)
jf = jug_async.init("chain.py")
tasks = list(jf.tasks)
ns = {}
load_all(vars(jf.module), ns)
print(sorted(k for k in ns if not k.startswith("_")))
invalidate(tasks, {}, tasks[0])
print(sum(t.can_load() for t in tasks))
"""


def test_jug_shell_helpers_load_and_invalidate_downstream(run_cli, tmp_path: Path):
    (tmp_path / "chain.py").write_text(
        "from jug import TaskGenerator\n\n@TaskGenerator\ndef inc(x):\n    return x + 1\n\n"
        "a = inc(1)\nb = inc(a)\nc = inc(b)\nother = inc(10)\n")
    assert run_cli("run", "chain.py", "-j", "1").returncode == 0
    r = subprocess.run([sys.executable, "-c", _SHELL_HELPERS], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    names, loadable = r.stdout.split("\n")[:2]
    assert "'a'" in names and "'other'" in names
    assert loadable == "1"  # a, b, c invalidated; other kept
