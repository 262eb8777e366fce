"""MemoryStore passes the same contract as FileStore; open_store picks stores."""

from __future__ import annotations

import pytest
from _store_helpers import FailureLogContract, H, LockStoreContract, ResultStoreContract

from jug_async.errors import StoreError
from jug_async.store.file import FileStore
from jug_async.store.memory import MemoryStore
from jug_async.store.open import open_store


class MemoryStoreFixture:
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


class TestMemoryResultStore(MemoryStoreFixture, ResultStoreContract):
    pass


class TestMemoryLockStore(MemoryStoreFixture, LockStoreContract):
    pass


class TestMemoryFailureLog(MemoryStoreFixture, FailureLogContract):
    pass


def test_values_are_copied_on_dump() -> None:
    store, value = MemoryStore(), [1, 2]
    store.dump(H(1), value)
    value.append(3)
    assert store.load(H(1)) == [1, 2]


def test_open_store_memory() -> None:
    store = open_store("memory:")
    assert isinstance(store, MemoryStore) and store.describe() == "memory:"
    assert open_store("memory:") is not store  # each call is a fresh, empty store


def test_open_store_path(tmp_path) -> None:
    for spec in (str(tmp_path / "a.jugdata"), "relative/x.jugdata", "./odd:name"):
        assert isinstance(open_store(spec), FileStore)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("redis://localhost:6379/", "redis"),
        ("redis:", "redis"),
        ("file_keepalive:x.jugdata", "unknown store scheme file_keepalive"),
        ("s3://bucket/x", "unknown store scheme s3"),
        ("memory:x", "memory:"),
        ("", "empty"),
    ],
)
def test_open_store_rejects_unknown_schemes(spec: str, words: str) -> None:
    with pytest.raises(StoreError, match=words) as caught:
        open_store(spec)
    assert "\n" not in str(caught.value)
