"""A job script written for jug runs with ``jug`` replaced by ``jug-async`` and
leaves the same store: same result files, same decoded values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

JOB_SCRIPT = """#!/bin/sh
set -e
cd "$(dirname "$0")"
jug execute --will-cite --aggressive-unload jugfile.py
jug check jugfile.py
"""
JUGRC = "[main]\njugdir = %(jugfile)s.store\n"


def run_job(script: str, where: Path) -> subprocess.CompletedProcess[str]:
    (where / "job.sh").write_text(script)
    env = {"HOME": str(where), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
           "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(["sh", str(where / "job.sh")], cwd=where, env=env,
                          capture_output=True, text=True, timeout=90)


def test_a_jug_job_script_with_jug_async_makes_the_same_store(
        jugfile, tmp_path, store_files, load_results, assert_same) -> None:
    stores = {}
    for tool, script in (("jug", JOB_SCRIPT),
                         ("jug-async", JOB_SCRIPT.replace("jug ", "jug-async "))):
        where = tmp_path / tool
        copy = jugfile("interop.py", where)
        os.rename(copy, where / "jugfile.py")
        (where / ".jugrc").write_text(JUGRC)
        r = run_job(script, where)
        assert r.returncode == 0, f"{tool}:\n{r.stdout}\n{r.stderr}"
        assert sorted(p.name for p in where.iterdir() if p.is_dir()) == ["jugfile.store"]
        stores[tool] = where / "jugfile.store"
    assert "jug-async execute" in (tmp_path / "jug-async" / "job.sh").read_text()
    files = store_files.results(stores["jug"])
    assert len(files) > 20 and store_files.results(stores["jug-async"]) == files
    theirs = load_results("jug", "jugfile.py", stores["jug"], cwd=tmp_path / "jug")
    ours = load_results("jug", "jugfile.py", stores["jug-async"], cwd=tmp_path / "jug-async")
    assert sorted(ours["results"]) == sorted(theirs["results"])
    for k, want in theirs["results"].items():
        assert_same(ours["results"][k], want, k)
