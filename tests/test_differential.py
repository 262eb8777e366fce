"""The real jug 2.7.0 and jug-async run the same jugfiles (tests/jugfiles/compat/)
into two stores: the result keys and decoded values must be equal, and each tool
must find the other's store complete. The corpus also runs under jug-async in a
venv without jug installed."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import JUGFILES, MISSING, probe, result_files, run_process

pytestmark = pytest.mark.timeout(180)

CORPUS = JUGFILES / "compat"
COMPLETE = ["mapreduce_compound.py", "barriers_classes.py"]


def _copy(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes((CORPUS / name).read_bytes())


def _both(tmp_path: Path, name: str, jug, run_cli) -> tuple[Path, Path]:
    _copy(tmp_path, name)
    a, b = tmp_path / "by_jug", tmp_path / "by_jug_async"
    jug("execute", name, "--jugdir", a)
    run_cli("run", name, "-j", "2", "--jugdir", b)
    return a, b


@pytest.mark.parametrize("name", COMPLETE)
def test_same_keys_values_and_each_store_complete_for_the_other(name, tmp_path, jug, run_cli,
                                                                 assert_same) -> None:
    a, b = _both(tmp_path, name, jug, run_cli)
    keys = result_files(a)
    assert keys and result_files(b) == keys
    by_jug = probe("jug", name, a, tmp_path)
    by_jug_async = probe("jug_async", name, b, tmp_path)
    jug_reads_jug_async = probe("jug", name, b, tmp_path)
    assert MISSING not in by_jug["results"].values()
    for k, want in by_jug["results"].items():
        assert_same(by_jug_async["results"][k], want, k)
        assert_same(jug_reads_jug_async["results"][k], want, k)
    assert by_jug_async.get("reprs") == by_jug.get("reprs") == jug_reads_jug_async.get("reprs")
    check = jug("check", name, "--jugdir", b)
    assert check.returncode == 0, check.stdout + check.stderr
    status = run_cli("status", name, "--jugdir", a)
    assert status.returncode == 0, status.stdout + status.stderr


def test_failing_task_same_keys_and_both_fail(tmp_path, jug, run_cli) -> None:
    name = "failing.py"
    _copy(tmp_path, name)
    a, b = tmp_path / "by_jug", tmp_path / "by_jug_async"
    assert jug("execute", name, "--jugdir", a).returncode == 1
    r = run_cli("run", name, "-j", "2", "--jugdir", b)
    assert r.returncode == 1 and "ValueError: boom 2" in r.stderr
    assert result_files(b) == result_files(a) and len(result_files(a)) == 1
    for jugdir in (a, b):
        assert jug("check", name, "--jugdir", jugdir).returncode != 0
        assert run_cli("status", name, "--jugdir", jugdir).returncode != 0


def test_hooks_and_bvalue_of_containers_run_on_an_empty_store(tmp_path, run_cli) -> None:
    """bvalue(list) / bvalue(dict) on an empty store stopped the load with a KeyError."""
    _copy(tmp_path, "barriers_classes.py")
    r = run_cli("run", "barriers_classes.py", "-j", "2")
    assert r.returncode == 0, r.stderr
    assert "KeyError" not in r.stderr


@pytest.fixture(scope="session")
def venv_without_jug(tmp_path_factory) -> Path:
    """A venv seeing every package of this one except jug (symlinked entries)."""
    root = tmp_path_factory.mktemp("nojug") / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", root], check=True)
    ours = Path(sysconfig.get_paths()["purelib"])
    py = root / "bin" / "python"
    theirs = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                  "['purelib'])"], capture_output=True, text=True,
                                 check=True).stdout.strip())
    for entry in ours.iterdir():
        if entry.name == "jug" or (entry.name.startswith(("jug-", "jug.", "jug_")) and \
                not entry.name.startswith("jug_async")):
            continue
        os.symlink(entry, theirs / entry.name)
    r = subprocess.run([py, "-c", "import jug"], capture_output=True, text=True)
    assert r.returncode != 0 and "No module named 'jug'" in r.stderr
    return py


@pytest.mark.parametrize("name", COMPLETE)
def test_corpus_runs_without_jug_installed(name, venv_without_jug, tmp_path, jug) -> None:
    _copy(tmp_path, name)
    a, b = tmp_path / "by_jug", tmp_path / "no_jug"
    jug("execute", name, "--jugdir", a)
    r = run_process([str(venv_without_jug), "-m", "jug_async", "run", name, "-j", "2",
                     "--jugdir", str(b)], tmp_path)
    assert r.returncode == 0, r.stderr
    assert result_files(b) == result_files(a)
    assert jug("check", name, "--jugdir", b).returncode == 0
