"""``jug-async pack`` against the real jug 2.7.0, both ways: jug reads a store
jug-async packed, jug-async reads (and packs further) a store jug packed."""

from __future__ import annotations

import os
from pathlib import Path

from jug.backends.file_store import file_store

from jug_async.store.file import FileStore

TOTAL = "All tasks complete (311 tasks).\n"


def _files(jugdir: Path) -> int:
    return sum(1 for d in jugdir.iterdir() if len(d.name) == 2 for _ in d.iterdir())


def test_jug_reads_what_jug_async_packed(run_cli, jug, jugfile, tmp_path):
    jugfile("tiny.py")
    assert run_cli("run", "tiny.py", "-j", "2").returncode == 0
    jugdir = tmp_path / "tiny.jugdata"
    before = {h: FileStore(jugdir).load(h) for h in FileStore(jugdir).listing()}
    assert _files(jugdir) == 311
    r = run_cli("pack", "tiny.py")
    assert r.returncode == 0 and r.stdout == "Packed 311 objects\n", r.stderr
    assert _files(jugdir) == 0 and (jugdir / "packs" / "jugpack").is_file()
    assert not (jugdir / "locks" / "pack-save.lock").exists()
    assert jug("status", "tiny.py", "--short").stdout == TOTAL
    theirs = file_store(str(jugdir))
    assert {h: theirs.load(h.encode()) for h in before} == before
    assert run_cli("pack", "tiny.py").stdout == "Packed 0 objects\n"


def test_jug_async_reads_what_jug_packed(run_cli, jug, jugfile, tmp_path):
    jugfile("tiny.py")
    assert jug("execute", "tiny.py").returncode == 0
    jugdir = tmp_path / "tiny.jugdata"
    theirs = file_store(str(jugdir))
    want = {h: theirs.load(h.encode()) for h in FileStore(jugdir).listing()}
    assert len(want) == 311
    r = jug("pack", "tiny.py")
    assert r.returncode == 0 and "Packed 311 objects" in r.stdout + r.stderr
    assert _files(jugdir) == 0
    assert run_cli("status", "tiny.py", "--short").stdout == TOTAL
    ours = FileStore(jugdir)
    assert ours.listing() == set(want) and {h: ours.load(h) for h in want} == want
    assert run_cli("pack", "tiny.py").stdout == "Packed 0 objects\n"
    # a result saved after jug's pack is packed by us next to jug's
    store = FileStore(jugdir)
    h = "0" * 40
    store.dump(h, "late")
    assert run_cli("pack", "tiny.py").stdout == "Packed 1 objects\n"
    assert file_store(str(jugdir)).load(h.encode()) == "late"


def test_large_results_stay_files(run_cli, tmp_path):
    store = FileStore(tmp_path / "jugfile.jugdata")
    big = os.urandom(10_000)  # incompressible: its file stays over 512 bytes
    store.dump("1" * 40, big)
    store.dump("2" * 40, 2)
    r = run_cli("pack", "--jugdir", str(tmp_path / "jugfile.jugdata"))
    assert r.stdout == "Packed 1 objects\n"
    assert _files(tmp_path / "jugfile.jugdata") == 1
    assert FileStore(tmp_path / "jugfile.jugdata").load("1" * 40) == big


def test_a_memory_store_cannot_be_packed(run_cli):
    r = run_cli("pack", "--jugdir", "memory:")
    assert r.returncode == 2 and "cannot pack" in r.stderr and "Traceback" not in r.stderr
