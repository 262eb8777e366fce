"""``graph``: the same .dot file as the real jug 2.7.0 writes for the same
jugfile and store, rendered by graphviz when it is installed."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="graphviz's dot is not installed (apt-get install graphviz)")


def _blocks(text: str) -> list[tuple[str, frozenset[str]]]:
    """A .dot file as (node line, its edges): jug writes the edges in set order."""
    lines = text.splitlines()
    assert lines[0] == "digraph {" and lines[-1] == "}"
    blocks: list[tuple[str, set[str]]] = []
    for line in lines[1:-1]:
        if " -> " in line:
            blocks[-1][1].add(line)
        else:
            blocks.append((line, set()))
    return [(node, frozenset(edges)) for node, edges in blocks]


def _both(run_cli, jug, tmp_path: Path, name: str, *flags: str) -> tuple[str, str]:
    """(jug-async's .dot, jug's .dot) for the same jugfile and store."""
    dot = tmp_path / (name[:-3] + ".dot")
    no_dot = {"PATH": str(tmp_path / "empty-bin")}  # neither tool renders: only the .dot
    r = run_cli("graph", name, *flags, env=no_dot)
    assert r.returncode == 0, r.stderr
    ours = dot.read_text()
    dot.unlink()
    jug("graph", name, *flags, env=no_dot)
    return ours, dot.read_text()


def test_same_dot_as_jug_on_a_half_run_store(run_cli, jug, jugfile, tmp_path):
    jugfile("tiny.py")
    assert run_cli("run", "tiny.py", "-j", "1", "--name", "tiny.cube").returncode == 0
    ours, theirs = _both(run_cli, jug, tmp_path, "tiny.py")
    assert _blocks(ours) == _blocks(theirs)
    assert "<b>300C</b>" in ours and "<b>10R</b>" in ours and "<b>1W</b>" in ours
    assert '"tiny.cube" -> "tiny.block_sum"' in ours


def test_same_dot_as_jug_on_a_store_jug_made_with_tasklets(run_cli, jug, jugfile, tmp_path):
    jugfile("interop.py")
    jug("execute", "interop.py")
    ours, theirs = _both(run_cli, jug, tmp_path, "interop.py")
    assert _blocks(ours) == _blocks(theirs)
    ours, theirs = _both(run_cli, jug, tmp_path, "interop.py", "--no-status")
    assert _blocks(ours) == _blocks(theirs)
    assert "label" not in ours


@needs_dot
def test_renders_with_dot(run_cli, jugfile, tmp_path):
    jugfile("tiny.py")
    r = run_cli("graph", "tiny.py")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "tiny.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = run_cli("graph", "tiny.py", "--file-format", "svg")
    assert r.returncode == 0, r.stderr
    assert "<svg" in (tmp_path / "tiny.svg").read_text()


@needs_dot
def test_a_format_dot_does_not_know_is_one_line_and_exit_1(run_cli, jugfile, tmp_path):
    jugfile("tiny.py")
    r = run_cli("graph", "tiny.py", "--file-format", "nosuchformat")
    assert r.returncode == 1
    assert "nosuchformat" in r.stderr and "Traceback" not in r.stderr
    assert (tmp_path / "tiny.dot").exists()


def test_without_dot_says_how_to_render(run_cli, jugfile, tmp_path):
    jugfile("tiny.py")
    r = run_cli("graph", "tiny.py", env={"PATH": str(tmp_path / "empty-bin")})
    assert r.returncode == 0
    assert "dot` is not installed" in r.stderr and "tiny.dot" in r.stderr
    assert (tmp_path / "tiny.dot").read_text().startswith("digraph {\n")
    assert not (tmp_path / "tiny.png").exists()


def test_missing_jugfile_writes_nothing(run_cli, tmp_path):
    r = run_cli("graph", "nothere.py")
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == []
