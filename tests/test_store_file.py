"""FileStore: the contract on real files, and byte-level interop with jug 2.7.0
(its store API in this process, its lock code in a subprocess)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from _store_helpers import (
    CREATED,
    FailureLogContract,
    H,
    ResultStoreContract,
    SharedLockStoreContract,
    assert_same,
    sample_values,
)
from jug.backends.file_store import file_store

from jug_async.errors import StoreError
from jug_async.records import lock_text
from jug_async.store.file import FileStore
from jug_async.store.open import open_store


class FileStoreFixture:
    @pytest.fixture
    def spec(self, tmp_path: Path) -> str:
        return str(tmp_path / "jugfile.jugdata")

    @pytest.fixture
    def store(self, spec: str) -> FileStore:
        return FileStore(spec)


class TestFileResultStore(FileStoreFixture, ResultStoreContract):
    pass


class TestFileLockStore(FileStoreFixture, SharedLockStoreContract):
    def test_break_lock_race_has_one_winner(self, store: FileStore, spec: str) -> None:
        super().test_break_lock_race_has_one_winner(store, spec)
        assert os.listdir(os.path.join(spec, "locks")) == []  # nothing left aside


class TestFileFailureLog(FileStoreFixture, FailureLogContract):
    pass


@pytest.fixture
def jugdir(tmp_path: Path) -> str:
    return str(tmp_path / "jugfile.jugdata")


def temp_files(jugdir: str) -> list[str]:
    try:
        return os.listdir(os.path.join(jugdir, "tempfiles"))
    except FileNotFoundError:
        return []


def test_layout_is_jugs(jugdir: str) -> None:
    store = FileStore(jugdir)
    h = H(1)
    store.dump(h, [1])
    store.try_lock(h)
    assert os.path.isfile(os.path.join(jugdir, h[:2], h[2:]))
    assert os.path.isfile(os.path.join(jugdir, "locks", h + ".lock"))
    assert temp_files(jugdir) == []


def test_reading_creates_nothing(tmp_path: Path) -> None:
    jugdir = tmp_path / "fresh.jugdata"
    store = open_store(str(jugdir))
    assert isinstance(store, FileStore)
    assert store.listing() == set()
    assert not store.exists(H(1))
    with pytest.raises(KeyError):
        store.load(H(1))
    assert store.list_locks() == set() and store.lock_info(H(1)) is None
    assert store.list_failures() == set() and store.load_failure(H(1)) is None
    assert store.remove(H(1)) is False
    assert list(tmp_path.iterdir()) == []


# -- results: byte compatibility with jug --------------------------------------


def test_jug_loads_what_we_dump(jugdir: str) -> None:
    ours, values = FileStore(jugdir), sample_values()
    for k, v in values.items():
        ours.dump(H(k), v)
    theirs = file_store(jugdir)
    for k, v in values.items():
        assert_same(theirs.load(H(k).encode()), v)
    assert {k.decode() for k in theirs.list()} == ours.listing()


def test_we_load_what_jug_dumps(jugdir: str) -> None:
    theirs, values = file_store(jugdir), sample_values()
    for k, v in values.items():
        theirs.dump(v, H(k))
    ours = FileStore(jugdir)
    for k, v in values.items():
        assert_same(ours.load(H(k)), v)
    assert ours.listing() == {k.decode() for k in theirs.list()}


def test_files_are_byte_identical(tmp_path: Path) -> None:
    ours, theirs = FileStore(tmp_path / "a"), file_store(str(tmp_path / "b"))
    for k, v in sample_values().items():
        ours.dump(H(k), v)
        theirs.dump(v, H(k))
        a = (tmp_path / "a" / H(k)[:2] / H(k)[2:]).read_bytes()
        b = (tmp_path / "b" / H(k)[:2] / H(k)[2:]).read_bytes()
        assert a == b, k


def test_dump_returns_file_size(jugdir: str) -> None:
    store = FileStore(jugdir)
    h = H("size")
    size = store.dump(h, np.arange(1000))
    assert size == os.path.getsize(os.path.join(jugdir, h[:2], h[2:])) > 8000


def test_compress_numpy_is_still_loadable_by_jug(jugdir: str) -> None:
    FileStore(jugdir, compress_numpy=True).dump(H(1), np.arange(5))
    with open(os.path.join(jugdir, H(1)[:2], H(1)[2:]), "rb") as f:
        assert not f.read().startswith(b"\x93NUMPY")
    assert_same(file_store(jugdir).load(H(1).encode()), np.arange(5))


def test_failures_are_invisible_to_jug(jugdir: str) -> None:
    store = FileStore(jugdir)
    store.dump(H(1), 1)
    store.save_failure(H(2), "boom")
    assert {k.decode() for k in file_store(jugdir).list()} == {H(1)}
    assert temp_files(jugdir) == []  # the record was renamed into place


def test_undecodable_result_is_a_store_error(jugdir: str) -> None:
    h = H("bad")
    os.makedirs(os.path.join(jugdir, h[:2]))
    with open(os.path.join(jugdir, h[:2], h[2:]), "wb") as f:
        f.write(b"garbage")
    with pytest.raises(StoreError, match=h):
        FileStore(jugdir).load(h)


# -- atomicity -----------------------------------------------------------------


@pytest.mark.parametrize("group_sync", [True, False])
def test_dump_many_leaves_no_temp_files(jugdir: str, group_sync: bool) -> None:
    store = FileStore(jugdir)
    store.disk.group_sync = group_sync  # exercise both the syncfs and the fsync path
    items = [(H(i), {"i": i}) for i in range(20)]
    assert len(store.dump_many(items)) == 20
    assert temp_files(jugdir) == []
    assert FileStore(jugdir).listing() == {h for h, _ in items}


def test_failed_dump_leaves_nothing(jugdir: str) -> None:
    store = FileStore(jugdir)
    with pytest.raises(Exception):  # noqa: B017 - whatever pickle raises
        store.dump(H(1), [lambda: 0])
    with pytest.raises(Exception):  # noqa: B017
        store.dump_many([(H(2), 2), (H(3), lambda: 0)])
    assert temp_files(jugdir) == []
    assert store.listing() == set()
    assert file_store(jugdir).list() == []


def test_a_write_stopped_half_way_leaves_no_temp_file(jugdir: str) -> None:
    """What a SIGTERM does to a worker streaming a large result (it raises a
    BaseException in the middle of the write)."""
    class Stopped(BaseException):
        pass

    def write_then_stop(out) -> None:
        out.write(b"x" * 100_000)
        raise Stopped

    store = FileStore(jugdir)
    with pytest.raises(Stopped):
        store.disk.write_temp(write_then_stop, sync=True)
    assert temp_files(jugdir) == []


def test_group_sync_is_detected_on_local_disk(jugdir: str) -> None:
    store = FileStore(jugdir)
    store.dump_many([(H(1), 1), (H(2), 2)])
    assert isinstance(store.disk.group_sync, bool)


# -- the pack (jug pack) -------------------------------------------------------


def make_pack(jugdir: str) -> dict[str, object]:
    """Results packed by jug itself, as ``jug pack`` does."""
    values = {H(i): {"small": i} for i in range(5)}
    theirs = file_store(jugdir)
    for h, v in values.items():
        theirs.dump(v, h)
    assert theirs.update_pack() == 5
    assert not any(os.path.exists(os.path.join(jugdir, h[:2], h[2:])) for h in values)
    return values


def test_loads_a_jug_pack(jugdir: str) -> None:
    values = make_pack(jugdir)
    ours = FileStore(jugdir)
    assert ours.listing() == set(values)
    for h, v in values.items():
        assert ours.exists(h)
        assert ours.load(h) == v


def test_pack_made_after_open_is_noticed(jugdir: str) -> None:
    ours = FileStore(jugdir)
    assert ours.listing() == set()
    values = make_pack(jugdir)
    h = next(iter(values))
    assert ours.load(h) == values[h]
    assert ours.listing() == set(values)


def test_dump_and_remove_drop_packed_keys(jugdir: str) -> None:
    values = make_pack(jugdir)
    first, second, *_ = values
    ours = FileStore(jugdir)
    ours.dump(first, "new")
    assert ours.remove(second) is True
    theirs = file_store(jugdir)  # a fresh jug reads the pack again
    assert theirs.load(first.encode()) == "new"
    assert not theirs.can_load(second.encode())
    assert first.encode() not in theirs.packed and len(theirs.packed) == 3
    assert ours.load(first) == "new" and not ours.exists(second)
    assert ours.list_locks() == set()  # pack-save.lock released
    assert temp_files(jugdir) == []


# -- locks: interop with jug ---------------------------------------------------


def test_locks_exclude_jug_and_vice_versa(jugdir: str) -> None:
    ours = FileStore(jugdir)
    theirs = file_store(jugdir)
    assert ours.try_lock(H(1))
    assert theirs.getlock(H(1)).get() is False
    assert theirs.getlock(H(2)).get() is True
    assert ours.try_lock(H(2)) is False
    assert ours.list_locks() == {k.decode() for k in theirs.listlocks()} == {H(1), H(2)}
    theirs.getlock(H(1)).release()
    assert ours.lock_info(H(1)) is None


def test_lock_content_matches_jug(jugdir: str) -> None:
    FileStore(jugdir).try_lock(H(1))
    with open(os.path.join(jugdir, "locks", H(1) + ".lock")) as f:
        first, second, rest = f.read().split("\n")
    assert first == f"PID {os.getpid()} on HOSTNAME {socket.gethostname()}"
    assert second.startswith("Lock created on ") and CREATED.fullmatch(second[16:])
    assert rest == ""


def test_batch_locks_exclude_jug_and_vice_versa(jugdir: str) -> None:
    ours, theirs = FileStore(jugdir), file_store(jugdir)
    assert theirs.getlock(H(2)).get() is True
    assert ours.try_lock_many([H(1), H(2), H(3)]) == [True, False, True]
    assert theirs.getlock(H(1)).get() is False and theirs.getlock(H(3)).get() is False
    assert theirs.getlock(H(1)).is_locked()
    with open(os.path.join(jugdir, "locks", H(3) + ".lock")) as f:
        assert f.read().startswith(f"PID {os.getpid()} on HOSTNAME {socket.gethostname()}\n")
    ours.unlock_many([H(1), H(3)])
    assert theirs.getlock(H(1)).get() is True
    assert temp_files(jugdir) == []  # the batch's lock file lives on only as the locks


def test_batch_locks_share_one_inode(jugdir: str) -> None:
    """The point of try_lock_many: one file created per batch, not per lock."""
    FileStore(jugdir).try_lock_many([H(i) for i in range(4)])
    inodes = {os.stat(os.path.join(jugdir, "locks", H(i) + ".lock")).st_ino for i in range(4)}
    assert len(inodes) == 1


def test_a_lone_lock_is_linked_too(jugdir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Even one lock appears with its content (no empty lock if the worker dies
    between creating and writing it): it is a link to a file written first."""
    links: list[str] = []
    real_link = os.link

    def counting_link(src: str, dst: str) -> None:
        assert Path(src).read_text().split("\n")[0] == lock_text().split("\n")[0]
        real_link(src, dst)
        links.append(dst)

    monkeypatch.setattr(os, "link", counting_link)
    assert FileStore(jugdir).try_lock_many([H(1)]) == [True]
    assert links == [os.path.join(jugdir, "locks", H(1) + ".lock")]
    assert temp_files(jugdir) == []


@pytest.mark.parametrize("group_sync", [True, False])
def test_a_failed_link_gives_back_the_locks_of_its_batch(
        jugdir: str, monkeypatch: pytest.MonkeyPatch, group_sync: bool) -> None:
    """An unexpected error while linking (a full disk, say) leaves no lock taken
    by this call behind, on the inline and on the threaded (network) path."""
    real_link = os.link

    def link_or_fail(src: str, dst: str) -> None:
        if H(3) in dst:
            raise OSError(28, "No space left on device")
        real_link(src, dst)

    store = FileStore(jugdir)
    store.disk.group_sync = group_sync
    store.try_lock(H(9))
    monkeypatch.setattr(os, "link", link_or_fail)
    with pytest.raises(OSError, match="No space left"):
        store.try_lock_many([H(1), H(2), H(3), H(4), H(9)])
    assert store.list_locks() == {H(9)}
    assert temp_files(jugdir) == []


def test_batch_locks_without_hard_links(jugdir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where link(2) is refused (some FUSE mounts) each lock is created alone."""
    def refuse(src: str, dst: str) -> None:
        raise PermissionError(1, "Operation not permitted")

    store = FileStore(jugdir)
    store.try_lock(H(9))
    monkeypatch.setattr(os, "link", refuse)
    assert store.try_lock_many([H(1), H(9), H(2)]) == [True, False, True]
    assert store.try_lock_many([H(3), H(1)]) == [True, False]
    assert store.list_locks() == {H(1), H(2), H(3), H(9)}
    assert temp_files(jugdir) == []


def test_a_link_that_reports_eexist_but_made_our_lock_counts(
        jugdir: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """NFS: a retransmitted link whose first attempt succeeded answers EEXIST."""
    real_link = os.link

    def link_then_eexist(src: str, dst: str) -> None:
        real_link(src, dst)
        raise FileExistsError(17, "File exists")

    store = FileStore(jugdir)
    store.try_lock(H(2))
    monkeypatch.setattr(os, "link", link_then_eexist)
    assert store.try_lock_many([H(1), H(3)]) == [True, True]
    monkeypatch.setattr(os, "link", lambda src, dst: (_ for _ in ()).throw(
        FileExistsError(17, "File exists")))
    assert store.try_lock_many([H(2), H(4)]) == [False, False]


def test_parses_a_lock_jug_made_in_another_process(jugdir: str) -> None:
    code = ("import sys; from jug.backends.file_store import file_store; "
            "assert file_store(sys.argv[1]).getlock(sys.argv[2]).get()")
    proc = subprocess.Popen([sys.executable, "-c", code, jugdir, H(1)])
    assert proc.wait() == 0
    info = FileStore(jugdir).lock_info(H(1))
    assert info is not None
    assert (info.pid, info.host) == (proc.pid, socket.gethostname())
    assert info.created and CREATED.fullmatch(info.created) and not info.failed


def test_failed_marks_are_shared_with_jug(jugdir: str) -> None:
    ours, theirs = FileStore(jugdir), file_store(jugdir)
    ours.try_lock(H(1))
    ours.mark_failed(H(1))
    assert theirs.getlock(H(1)).is_failed()
    theirs.getlock(H(2)).get()
    assert not ours.lock_info(H(2)).failed  # type: ignore[union-attr]
    theirs.getlock(H(2)).fail()
    assert ours.lock_info(H(2)).failed  # type: ignore[union-attr]


def test_list_locks_skips_foreign_files(jugdir: str) -> None:
    store = FileStore(jugdir)
    store.try_lock(H(1))
    for name in ("pack-save.lock", "notes.txt", f".{H(2)}.breaking.x"):
        open(os.path.join(jugdir, "locks", name), "w").close()
    assert store.list_locks() == {H(1)}


@pytest.mark.parametrize("kind", ["directory", "symlink loop", "fifo"])
async def test_a_lock_that_cannot_be_read_is_locked_by_an_unknown_owner(
        jugdir: str, kind: str) -> None:
    """Readers (lock_info, list_locks, status, monitor) never fail on a lock path
    they cannot read, and treat it as jug does: locked."""
    from jug_async.view.monitor import read_locks
    from jug_async.view.status import StoreSnapshot

    store, h = FileStore(jugdir), H(kind)
    store.try_lock(H("plain"))
    path = os.path.join(jugdir, "locks", f"{h}.lock")
    {"directory": os.mkdir, "fifo": os.mkfifo,
     "symlink loop": lambda p: os.symlink(os.path.basename(p), p)}[kind](path)
    info = store.lock_info(h)
    assert info is not None and info.hash == h
    assert (info.pid, info.host, info.created, info.failed) == (None, None, None, False)
    assert await store.alock_info(h) == info
    assert store.list_locks() == {h, H("plain")}
    assert {i.hash for i in read_locks(store)} == {h, H("plain")}
    assert h in StoreSnapshot.read(store).locked
    assert store.try_lock(h) is False and store.try_lock_many([h]) == [False]
    assert file_store(jugdir).getlock(h).get() is False  # jug agrees: it is taken


async def test_alock_info_reads_jug_locks(jugdir: str) -> None:
    file_store(jugdir).getlock(H(1)).get()
    store = FileStore(jugdir)
    info = await store.alock_info(H(1))
    assert info == store.lock_info(H(1)) and info is not None and info.pid == os.getpid()


async def test_aexists_sees_packed_results(jugdir: str) -> None:
    values = make_pack(jugdir)
    store = FileStore(jugdir)
    assert all([await store.aexists(h) for h in values])
