"""``status --cache``: jug's SQLite status cache, in jug's own schema.

jug 2.7 keeps, in ``.jugstatus.sqlite3`` (cwd), one row per declared task
(``ht``: id, name, hash, status) and the dependency edges (``dep``: source,
target, as row ids). Once the file exists, neither jug nor jug-async loads the
jugfile again: the rows are re-checked against one listing of the store, and a
row already ``finished`` is trusted without looking. That is the point (a big
jugfile can take minutes to load) and the price: the cache does not see a
changed jugfile or a removed result. The same file works for both tools.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jug_async.errors import JugAsyncError
from jug_async.graph import TaskGraph
from jug_async.view.status import COLUMNS, StoreSnapshot

if TYPE_CHECKING:
    import sqlite3

DEFAULT_FILE = ".jugstatus.sqlite3"

# jug's status words, and the status column each is counted in.
UNKNOWN, WAITING, READY, RUNNING, FAILED, FINISHED = (
    "unknown", "waiting", "ready", "running", "failed", "finished")
COLUMN = {WAITING: "Waiting", READY: "Ready", RUNNING: "Active", FAILED: "Failed",
          FINISHED: "Complete"}

Row = tuple[int, str, str, str]  # id, name, hash, status


class CacheError(JugAsyncError):
    """The cache file exists but cannot be read or written (not: it is missing)."""


@dataclass
class Cache:
    rows: list[Row]
    deps: dict[int, list[int]]


@contextlib.contextmanager
def _connect(path: str) -> Iterator[sqlite3.Connection]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        yield connection
        connection.commit()
    finally:
        connection.close()


def read(path: str) -> Cache | None:
    """The cached rows and edges; None when there is no cache yet.

    Raises:
        CacheError: the file is not a readable status cache.
    """
    if not os.path.exists(path):
        return None
    import sqlite3  # only `status --cache` pays for it

    try:
        with _connect(path) as c:
            rows = [tuple(r) for r in c.execute("SELECT * FROM ht ORDER BY id")]
            deps: dict[int, list[int]] = {}
            for source, target in c.execute("SELECT * FROM dep"):
                deps.setdefault(source, []).append(target)
    except sqlite3.OperationalError as e:
        if "no such table" in str(e):
            return None
        raise CacheError(f"the status cache {path} cannot be opened ({e})") from e
    except sqlite3.DatabaseError as e:
        raise CacheError(f"the status cache {path} cannot be read ({e}); delete it "
                         "(status --cache --clear) to rebuild it") from e
    return Cache(rows, deps)  # type: ignore[arg-type]


def from_graph(graph: TaskGraph) -> Cache | None:
    """One row per declaration, as jug builds them; None when a task depends on
    one that is not declared before it (jug then refuses to build the cache)."""
    rows: list[Row] = []
    deps: dict[int, list[int]] = {}
    row_of: dict[int, int] = {}  # node -> its latest row, as jug's hash -> index
    for i, node in enumerate(graph.declared):
        try:
            deps[i] = [row_of[d] for d in graph.deps[node]]
        except KeyError:
            return None
        rows.append((i, graph.names[node], graph.hashes[node], UNKNOWN))
        row_of[node] = i
    return Cache(rows, deps)


def update(cache: Cache, snap: StoreSnapshot) -> dict[int, str]:
    """Each row's status now (jug's rules; a row ``finished`` is trusted);
    returns the rows whose status changed, and updates ``cache.rows``."""
    rows, saved = cache.rows, snap.saved
    dirty: dict[int, str] = {}
    for i, _name, h, status in rows:
        if status == FINISHED or h in saved:
            now = FINISHED
        elif status != READY and any(rows[d][3] != FINISHED and rows[d][2] not in saved
                                     for d in cache.deps.get(i, ())):
            now = WAITING
        elif h in snap.failed:
            now = FAILED
        elif h in snap.locked:
            now = RUNNING
        else:
            now = READY
        if now != status:
            dirty[i] = now
    for i, now in dirty.items():
        _, name, h, _ = rows[i]
        rows[i] = (i, name, h, now)
    return dirty


def table(cache: Cache) -> dict[str, dict[str, int]]:
    """``{task name: {jug column: count}}``, names sorted, as ``status`` shows."""
    out: dict[str, dict[str, int]] = {}
    for _, name, _, status in cache.rows:
        out.setdefault(name, dict.fromkeys(COLUMNS, 0))[COLUMN[status]] += 1
    return dict(sorted(out.items()))


def write(path: str, cache: Cache, dirty: dict[int, str], *, create: bool) -> None:
    """Save a new cache (``create``) or only the rows that changed."""
    import sqlite3

    try:
        with _connect(path) as c:
            if create:
                c.executescript("CREATE TABLE ht (id INTEGER PRIMARY KEY, name CHAR(128), "
                                "hash CHAR(128), status CHAR(32));"
                                "CREATE TABLE dep (source INT, target INT);")
                c.executemany("INSERT INTO ht VALUES(?,?,?,?)", cache.rows)
                c.executemany("INSERT INTO dep(source, target) VALUES(?,?)",
                              [(i, d) for i, ds in cache.deps.items() for d in ds])
            else:
                c.executemany("UPDATE ht SET STATUS = ? WHERE id = ?",
                              [(s, i) for i, s in dirty.items()])
    except sqlite3.Error as e:
        raise CacheError(f"the status cache {path} could not be written ({e})") from e


def clear(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
