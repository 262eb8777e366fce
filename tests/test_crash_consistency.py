"""kill -9 at random moments of a large ``dump`` (a 200 MB array, jug's raw
``.npy`` format): the result is absent or whole, never partial, and the next
run's ``sweep`` leaves no temp file behind."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from jug_async.store.file import FileStore

N = 25_000_000  # float64: 200 MB
H = "c" * 40
WRITER = f"""
import sys, numpy as np
from jug_async.store.file import FileStore
store = FileStore(sys.argv[1])
value = np.arange({N}, dtype=np.float64)
print("writing", flush=True)
store.dump({H!r}, value)
print("saved", flush=True)
"""


def test_kill_9_mid_dump_leaves_nothing_or_the_whole_result(tmp_path: Path) -> None:
    jugdir = tmp_path / "jugfile.jugdata"
    rng = random.Random(11)
    outcomes = []
    for _ in range(5):
        store = FileStore(jugdir)
        store.remove(H)
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(jugdir)],
                             stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None and p.stdout.readline() == "writing\n"
        time.sleep(rng.uniform(0.0, 1.5))  # a random moment of the write, not a timed assertion
        p.kill()
        p.wait()
        p.stdout.close()
        if store.exists(H):
            value = store.load(H)
            assert value.shape == (N,) and value[0] == 0 and value[-1] == N - 1
            assert np.array_equal(value, np.arange(N, dtype=np.float64))
            outcomes.append("whole")
        else:
            outcomes.append("absent")
        left = len(list((jugdir / "tempfiles").iterdir()))
        outcomes[-1] += f" ({left} temp file)" if left else ""
        swept = store.sweep(lease=0.0)  # the next run (no writer is alive)
        assert not list((jugdir / "tempfiles").iterdir())
        assert all(path.startswith(str(jugdir / "tempfiles")) for path in swept.temp_files)
    print("outcomes of 5 kills:", outcomes)
    assert any("temp file" in o for o in outcomes)  # some kills did land mid-write
