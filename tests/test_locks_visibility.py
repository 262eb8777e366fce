"""already_saved on a local disk: right answers, nothing created. (The network
filesystem case, where os.path.exists is fooled, is in test_multihost_cache.py.)"""

from __future__ import annotations

import os

from jug_async.locks.visibility import already_saved


def test_present_absent_and_no_directory(tmp_path):
    shard = tmp_path / "ab"
    assert not already_saved(str(shard / "cdef"))
    shard.mkdir()
    assert not already_saved(str(shard / "cdef"))
    assert os.listdir(shard) == []  # the probe created nothing
    (shard / "cdef").write_bytes(b"")  # None is a zero-byte result
    assert already_saved(str(shard / "cdef"))
