"""The pure decisions behind check, invalidate and cleanup (view/status.py), on
the graph of a real jugfile loaded into a memory store."""

from __future__ import annotations

import shutil

from conftest import JUGFILES

from jug_async.session import Session
from jug_async.store.memory import MemoryStore
from jug_async.view import status


def test_check_invalidate_and_cleanup_decisions(tmp_path, monkeypatch) -> None:
    shutil.copy(JUGFILES / "cli_small.py", tmp_path)
    monkeypatch.chdir(tmp_path)
    with Session("cli_small.py", store=MemoryStore()) as session:
        g = session.graph
        assert g is not None
        name = dict(zip(g.names, range(len(g)), strict=False))  # last node per name
        doubles = [i for i, n in enumerate(g.names) if n == "cli_small.double"]
        total, checked = name["cli_small.total"], name["cli_small.checked"]
        every = set(g.hashes)

        assert status.check_complete(g, every)
        assert not status.check_complete(g, set())
        # Inputs of a saved later task may be gone; the last task may not.
        assert status.check_complete(g, {g.hashes[checked]})
        assert not status.check_complete(g, every - {g.hashes[checked]})

        assert status.downstream(g, {doubles[0]}) == {doubles[0], total, checked}
        assert status.downstream(g, {checked}) == {checked}
        assert status.invalidation(g, {total}, every) == {"cli_small.checked": 1,
                                                          "cli_small.total": 1}
        assert status.invalidation(g, set(doubles), every - {g.hashes[total]}) == {
            "cli_small.checked": 1, "cli_small.double": 5}

        stranger = "f" * 40
        assert status.unused(g, every | {stranger}) == {stranger}
