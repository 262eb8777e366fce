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


def _start_writer(jugdir: Path) -> subprocess.Popen[str]:
    p = subprocess.Popen([sys.executable, "-c", WRITER, str(jugdir)],
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout is not None and p.stdout.readline() == "writing\n"
    return p


def test_kill_9_mid_dump_leaves_nothing_or_the_whole_result(tmp_path: Path) -> None:
    jugdir = tmp_path / "jugfile.jugdata"
    store = FileStore(jugdir)
    # One whole write first, to spread the kills over its duration (whatever
    # the machine's speed today) rather than guess it.
    writer = _start_writer(jugdir)
    t0 = time.perf_counter()
    assert writer.stdout is not None and writer.stdout.readline() == "saved\n"
    duration = time.perf_counter() - t0
    writer.wait()
    writer.stdout.close()
    rng = random.Random(11)
    outcomes: list[str] = []
    while len(outcomes) < 5 or (not any("temp file" in o for o in outcomes)
                                and len(outcomes) < 15):
        store.remove(H)
        p = _start_writer(jugdir)
        time.sleep(rng.uniform(0.05, 0.9) * duration)  # a random moment of the write
        p.kill()
        p.wait()
        assert p.stdout is not None
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
    print(f"outcomes of {len(outcomes)} kills over a {duration:.2f} s write:", outcomes)
    assert any("temp file" in o for o in outcomes)  # some kills did land mid-write
