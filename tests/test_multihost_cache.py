"""Which calls see a file another client just created, under a client cache of
negative lookups (sshfs ``-o negative_timeout=20``, as NFS ``lookupcache=all``).

Host A saves a result (temp file + rename, as every store does); host B, which
had asked for that name before it existed, then asks again. The table this
prints is the one in docs/cluster.md.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from jug_async.locks.visibility import already_saved

NEGATIVE_CACHE = "negative_timeout=20"


def _save(mount: Path, d: str, name: str) -> None:
    tmp = mount / d / f".tmp-{name}"
    tmp.write_bytes(b"result")
    os.rename(tmp, mount / d / name)


def _errno(call):
    try:
        return call()
    except OSError as e:
        return errno.errorcode[e.errno]


def _link_probe(path: Path):
    try:
        os.link(path.parent, path)
    except OSError as e:
        return e.errno == errno.EEXIST
    return "created"


CALLS = {
    "os.path.exists / os.stat": lambda p: os.path.exists(p),
    "os.open(path, O_RDONLY)": lambda p: _errno(lambda: os.close(os.open(p, os.O_RDONLY))
                                                  or True),
    "name in os.listdir(dir)": lambda p: p.name in os.listdir(p.parent),
    "os.open(dir), then os.path.exists": lambda p: (
        os.close(os.open(p.parent, os.O_RDONLY)), os.path.exists(p))[1],
    "os.rename(path, other) (as a source)": lambda p: _errno(
        lambda: os.rename(p, p.parent / ".moved") or True),
    "os.link(dir, path) (already_saved's probe)": _link_probe,
    "already_saved(path)": lambda p: already_saved(str(p)),
}


def visibility(a: Path, b: Path) -> dict[str, tuple[object, object]]:
    """For each call: (B's answer without an earlier lookup, B's answer after an
    earlier lookup that found nothing), right after A saved the file."""
    table = {}
    for i, (label, call) in enumerate(CALLS.items()):
        answers = []
        for primed in (False, True):
            d = f"c{i}{int(primed)}"
            os.mkdir(a / d)
            os.listdir(b / d)  # B knows the directory (as after a listing of the store)
            if primed:
                assert not os.path.exists(b / d / "r")
            _save(a, d, "r")
            answers.append(call(b / d / "r"))
        table[label] = tuple(answers)
    return table


def test_negative_lookup_cache_fools_exists_but_not_already_saved(sshfs_mount, capsys):
    a, b = sshfs_mount(NEGATIVE_CACHE), sshfs_mount(NEGATIVE_CACHE)
    table = visibility(a, b)
    with capsys.disabled():
        print(f"\n{'call on host B':45} | no earlier lookup | after a lookup found nothing")
        for label, (fresh, primed) in table.items():
            print(f"{label:45} | {fresh!s:17} | {primed!s}")
    # The problem: after one lookup that found nothing, B does not see the result.
    assert table["os.path.exists / os.stat"] == (True, False)
    # The chosen check sees it either way, and its probe never creates anything.
    assert table["already_saved(path)"] == (True, True)
    assert table["os.link(dir, path) (already_saved's probe)"] == (True, True)


def test_already_saved_creates_nothing_on_the_mount(sshfs_mount, export_dir):
    b = sshfs_mount(NEGATIVE_CACHE)
    (b / "ab").mkdir()
    assert not already_saved(str(b / "ab" / "cdef"))
    assert os.listdir(export_dir / "ab") == []
