"""The benchmark driver runs end to end at tiny sizes and writes a table with a
row per workload holding numbers for both tools (the network-filesystem
workload: numbers where sshfs can run here, otherwise a row saying why not).

The end-to-end run takes about a minute of both cores (workload 6 adds an sshd
and sshfs mounts, as root) and its tiny sizes compare little, so it runs under
the ``slow`` marker (``make test-slow``); it still catches a driver that no
longer runs, or a jug-async that became grossly slower than jug on the
trivial-tasks workload."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _multihost import _bench_sshfs

REPO = Path(__file__).resolve().parent.parent
NUMBER = re.compile(r"^\d+(\.\d+)?(e[-+]\d+)?\b")


def _table_rows(text: str) -> list[list[str]]:
    """The cells of the main table's data rows (first cell a workload number)."""
    rows = []
    for line in text.splitlines():
        if not line.startswith("| "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0].isdigit() and len(cells) == 8:
            rows.append(cells)
    return rows


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_quick_bench_writes_a_row_per_workload(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--quick", "--out", str(out),
         "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=150, cwd=REPO,
    )
    elapsed = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert elapsed < 90, f"--quick took {elapsed:.1f} s"
    text = out.read_text()
    assert "| # | workload | metric | jug-async | jug 2.7.0 | ratio | target | met? |" in text
    rows = _table_rows(text)
    _check_nfs_rows([r for r in rows if r[0] == "6"], text)
    for wid in range(1, 6):
        mine = [r for r in rows if r[0] == str(wid)]
        assert mine, f"no row for workload {wid}"
        numeric = [r for r in mine if NUMBER.match(r[3]) and NUMBER.match(r[4])]
        assert numeric, f"workload {wid}: no row with numbers for both tools: {mine}"
        for r in numeric:
            assert float(NUMBER.match(r[3]).group()) > 0
            assert float(NUMBER.match(r[4]).group()) > 0
    # Ratios are "better is above 1" for jug-async. At tiny sizes noise rules, so
    # only a collapse counts: jug-async more than 3x worse than jug on trivial tasks.
    ratios = [float(NUMBER.match(r[5]).group()) for r in rows
              if r[0] == "1" and NUMBER.match(r[5])]
    assert ratios, f"workload 1 has no numeric ratio: {[r for r in rows if r[0] == '1']}"
    assert min(ratios) > 1 / 3, f"jug-async far slower than jug on trivial tasks: {ratios}"


def test_bench_help_lists_every_option() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--help"],
                          capture_output=True, text=True, timeout=30, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    for option in ("--rounds", "--quick", "--only", "--settle", "--keep"):
        assert option in proc.stdout


def _check_nfs_rows(mine: list[list[str]], text: str) -> None:
    """Workload 6: skipped with the reason where sshfs cannot run; otherwise a time
    for jug-async in every row, and for jug either a time or the way it failed."""
    why = _bench_sshfs().skip_reason()
    assert mine, "no row for workload 6"
    if why is not None:
        assert any(r[3] == "skipped" and why in r[2] for r in mine), mine
        return
    assert len(mine) == 6, mine  # 2 shapes x (1 jug process, 2, 2 on two mounts)
    for r in mine:
        assert NUMBER.match(r[3]) and float(NUMBER.match(r[3]).group()) > 0, r
        assert NUMBER.match(r[4]) or (r[4].startswith("failed in") and "exit status" in r[4]), r
    # One jug process on one mount has no lock race: always a number.
    assert any(NUMBER.match(r[4]) for r in mine if "vs jug 1 process" in r[2]), mine
    assert "## Network filesystem (workload 6)" in text
