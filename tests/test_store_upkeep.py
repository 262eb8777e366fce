"""FileStore upkeep on real files: ``sweep`` (what dead processes leave behind),
a directory in a lock's place, and ``saved_now`` past an sshfs client's
negative cache (two real mounts of one export)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from pathlib import Path

import pytest
from _store_helpers import H

from jug_async.locks import facts
from jug_async.records import LockRecord, lock_text
from jug_async.store.file import FileStore

DAY = 86400


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "jugfile.jugdata")


def _aged(path: Path, seconds: float) -> None:
    os.utime(path, (time.time() - seconds, time.time() - seconds))


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def _lock(store: FileStore, h: str, record: LockRecord) -> Path:
    path = Path(store.lock_path(h))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.format())
    return path


def _here(pid: int, start_time: int | None = 1) -> LockRecord:
    """A jug-async lock of this kernel and PID namespace."""
    return dataclasses.replace(LockRecord.mine(pid), lease_seconds=180.0,
                               boot_id=facts.boot_id(), pidns=facts.pidns(),
                               start_time=start_time, token="t")


def test_sweep_removes_old_temp_files_only(store: FileStore) -> None:
    tempdir = Path(store.jugdir) / "tempfiles"
    tempdir.mkdir(parents=True)
    old, fresh = tempdir / ("a" * 24), tempdir / ("b" * 24)
    old.write_bytes(b"\0" * 4096)
    fresh.write_bytes(b"\0" * 10)
    _aged(old, DAY)
    swept = store.sweep(lease=180)
    assert swept.temp_files == (str(old),) and swept.temp_bytes == 4096
    assert "1 temp file(s)" in swept.describe()
    assert not old.exists() and fresh.exists()
    assert sorted(os.listdir(tempdir)) == [fresh.name]  # the clock probe left nothing


def test_sweep_breaks_dead_owners_locks_of_saved_tasks_only(store: FileStore) -> None:
    dead = _dead_pid()
    saved_dead, unsaved_dead, saved_live, saved_jug = H("sd"), H("ud"), H("sl"), H("sj")
    store.dump_many([(h, 1) for h in (saved_dead, saved_live, saved_jug)])
    paths = {saved_dead: _lock(store, saved_dead, _here(dead)),
             unsaved_dead: _lock(store, unsaved_dead, _here(dead)),
             saved_live: _lock(store, saved_live, _here(os.getpid(), facts.start_time())),
             saved_jug: _lock(store, saved_jug, LockRecord.mine(4321, "other-node"))}
    _aged(paths[saved_jug], DAY)  # a plain jug lock of another host: never broken on age
    swept = store.sweep()
    assert [h for h, _ in swept.locks] == [saved_dead]
    assert f"PID {dead}" in swept.locks[0][1] and "exited" in swept.locks[0][1]
    assert store.list_locks() == {unsaved_dead, saved_live, saved_jug}
    assert set(os.listdir(Path(store.jugdir) / "locks")) == {  # nothing left aside
        f"{h}.lock" for h in store.list_locks()}


def test_sweep_breaks_an_expired_lease_by_the_store_clock(store: FileStore) -> None:
    h = H("expired")
    store.dump(h, 1)
    remote = dataclasses.replace(LockRecord.mine(999, "crashed-node"), lease_seconds=10.0,
                                 boot_id="another-kernel", pidns="1", start_time=1, token="t")
    _aged(_lock(store, h, remote), 60)
    [(broken, why)] = store.sweep().locks
    assert broken == h and "lease ran out" in why


def test_sweep_removes_locks_left_aside_by_a_dead_breaker(store: FileStore) -> None:
    lockdir = Path(store.jugdir) / "locks"
    lockdir.mkdir(parents=True)
    old = lockdir / f".{H(1)}.lock.reclaim.0123456789abcdef"
    new = lockdir / f".{H(2)}.breaking.0123456789abcdef"
    other = lockdir / ".someone-elses"
    for p in (old, new, other):
        p.write_text(lock_text(1, "x"))
    _aged(old, DAY)
    _aged(other, DAY)
    assert store.sweep().asides == (str(old),)
    assert sorted(os.listdir(lockdir)) == sorted([new.name, other.name])


def test_a_directory_in_a_locks_place_is_never_broken_nor_marked(store: FileStore) -> None:
    h = H("dir")
    store.dump(h, 1)
    Path(store.lock_path(h)).mkdir(parents=True)
    seen = store.lock_info(h)
    assert seen is not None and seen.pid is None
    assert store.break_lock(h, seen) is False
    store.mark_failed(h)
    assert not store.sweep().locks
    assert os.listdir(Path(store.jugdir) / "locks") == [f"{h}.lock"]
    assert os.path.isdir(store.lock_path(h))


def test_saved_now_sees_a_packed_result(store: FileStore) -> None:
    from jug.backends.file_store import file_store

    jug = file_store(store.jugdir)
    jug.dump(1, H("packed"))
    jug.update_pack()
    assert store.saved_now(H("packed")) and not os.path.exists(store.results.path(H("packed")))


def test_saved_now_sees_past_an_sshfs_negative_cache(export_dir, sshfs_mount) -> None:
    a = FileStore(sshfs_mount("negative_timeout=20") / "jugfile.jugdata")
    b = FileStore(sshfs_mount("negative_timeout=20") / "jugfile.jugdata")
    h = H("cached")
    a.dump(H("other"), 0)  # the shard directories exist on both sides
    h2 = H("cached-2")
    for x in (h, h2):
        os.makedirs(os.path.dirname(b.results.path(x)), exist_ok=True)
        assert not b.exists(x)  # B looks the names up: cached as missing
    a.dump(h, 1)
    a.dump(h2, 2)
    assert not b.exists(h)  # what the old re-check saw
    assert b.saved_now(h) and b.saved_now(h2)
    assert b.load(h) == 1
