"""User mistakes give ONE clear line on stderr and a non-zero exit, never a
Python traceback; a failing task leaves nothing half-done in the store."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.timeout(120)


SYNTAX_ERROR = """\
from jug import TaskGenerator


@TaskGenerator
def double(x):
    return 2 * x

def broken(x) return x
"""


def assert_one_line(r, *needles: str) -> str:
    assert r.returncode != 0, r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", ["run", "status"])
def test_missing_jugfile(run_cli, tmp_path, command: str) -> None:
    r = run_cli(command, "nope.py")
    assert_one_line(r, "nope.py")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["run", "status"])
def test_syntax_error_shows_file_and_line(run_cli, tmp_path, command: str) -> None:
    # written here, not in jugfiles/: ruff lints that directory and cannot parse it
    (tmp_path / "syntax_error.py").write_text(SYNTAX_ERROR)
    assert_one_line(run_cli(command, "syntax_error.py"), "syntax_error.py:8")
    assert not (tmp_path / "syntax_error.jugdata").exists()


@pytest.mark.parametrize("command", ["run", "status"])
def test_jugfile_raising_at_load(jugfile, run_cli, tmp_path, command: str) -> None:
    jugfile("raises_at_load.py")
    assert_one_line(run_cli(command, "raises_at_load.py"), "raises_at_load.py:13", "KeyError",
                    "threshold")
    assert not (tmp_path / "raises_at_load.jugdata").exists()


@pytest.mark.parametrize("command", ["run", "status"])
def test_lambda_task(jugfile, run_cli, command: str) -> None:
    jugfile("lambda_task.py")
    assert_one_line(run_cli(command, "lambda_task.py"), "lambda_task.py:6", "lambda")


@pytest.mark.parametrize("command", ["run", "status"])
def test_task_inside_a_namedtuple(jugfile, run_cli, command: str) -> None:
    jugfile("namedtuple_task.py")
    assert_one_line(run_cli(command, "namedtuple_task.py"), "Pair")


@pytest.mark.parametrize("command", ["run", "status"])
def test_unknown_store_scheme(jugfile, run_cli, tmp_path, command: str) -> None:
    jugfile("names.py")
    assert_one_line(run_cli(command, "names.py", "--jugdir", "foo:bar"), "foo:bar")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["names.py"]


def test_zero_jobs(jugfile, run_cli, executions) -> None:
    jugfile("names.py")
    assert_one_line(run_cli("run", "names.py", "-j", "0"), "0")
    assert executions() == {}


def test_failing_task_leaves_no_partial_files(jugfile, run_cli, jug, jug_status_totals,
                                              load_results, store_files, tmp_path) -> None:
    """``explode`` raises; ``unpicklable`` returns a value that cannot be saved."""
    jugfile("bad_result.py")
    jugdir = tmp_path / "bad_result.jugdata"
    r = run_cli("run", "bad_result.py", "-j", "2", "--keep-going")
    assert r.returncode == 1
    assert "bad_result.explode" in r.stderr
    assert "RuntimeError: exploded after 1000 items" in r.stderr
    assert "bad_result.unpicklable" in r.stderr

    res = load_results("jug_async", "bad_result.py")
    names = [n for n, _ in res["tasks"]]
    hashes = dict(zip(names, (h for _, h in res["tasks"]), strict=True))
    assert store_files.results(jugdir) == {hashes["bad_result.fine"]}
    assert store_files.temps(jugdir) == []
    assert store_files.locks(jugdir) == []

    st = run_cli("status", "bad_result.py", "--json")
    assert st.returncode == 1
    assert json.loads(st.stdout)["total"] == {"Failed": 2, "Waiting": 0, "Ready": 0,
                                              "Complete": 1, "Active": 0}
    # the real jug sees no lock left behind: the two tasks are simply ready again
    assert jug_status_totals(jug("status", "bad_result.py").stdout) == {
        "Failed": 0, "Waiting": 0, "Ready": 2, "Complete": 1, "Active": 0}


@pytest.mark.parametrize("command", ["run", "status"])
def test_jugdir_is_a_regular_file(jugfile, run_cli, tmp_path, executions,
                                  command: str) -> None:
    jugfile("names.py")
    (tmp_path / "not_a_dir").write_text("x")
    assert_one_line(run_cli(command, "names.py", "--jugdir", "not_a_dir"), "not_a_dir")
    assert executions() == {}
    assert (tmp_path / "not_a_dir").read_text() == "x"
