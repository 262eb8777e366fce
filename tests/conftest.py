"""Fixtures for the end-to-end tests: real processes on real files.

Everything that runs a jugfile runs in a subprocess: ``jug-async`` through
``python -m jug_async``, the real jug 2.7.0 through its own ``jug`` script, and
API-level probes (hashes, loaded values) through small scripts given to
``python -c``. The real jug never shares a process with jug-async, whose
``import jug`` aliasing would otherwise mix the two.

Every command runs in its own session; once it exits, the processes it started
(forkserver, workers) must be gone within ``ORPHAN_GRACE`` seconds.

Jugfiles live in ``tests/jugfiles/`` and are copied into ``tmp_path``, which is
also the working directory of every subprocess, so the default jugdir is
``tmp_path/<name>.jugdata``. Jugfiles that count executions append one line per
execution to ``executions.log`` next to themselves (``executions`` reads it).
"""

from __future__ import annotations

import collections
import contextlib
import os
import pickle
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

# The multi-host fixtures (export_dir, sshd, sshfs_mount, host), registered before any
# test module imports the harness (so pytest can rewrite its asserts).
pytest_plugins = ("_multihost",)

TESTS = Path(__file__).resolve().parent
JUGFILES = TESTS / "jugfiles"
REAL_JUG = Path(sys.executable).parent / "jug"
MISSING = "<<not loadable>>"
LOG_NAME = "executions.log"
DEFAULT_TIMEOUT = 60.0

# Environment variables that change how jug or jug-async run tasks: never inherited.
_SCRUB = ("JUG_ASYNC_RUNNING", "JUG_MAX_TASKS", "JUG_MAX_HOURS", "JUG_MAX_MINUTES",
          "JUG_MAX_SECONDS", "JUG_EXIT_IF_FILE_EXISTS", "PYTHONSTARTUP")


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def jug_command() -> list[str]:
    if REAL_JUG.exists():
        return [str(REAL_JUG)]
    found = shutil.which("jug")
    if found is None:  # pragma: no cover - jug==2.7.0 is a test dependency
        pytest.fail("the real jug CLI is not installed (pip install jug==2.7.0)")
    return [found]


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill a process we started in its own session, and everything it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


ORPHAN_GRACE = 10.0  # seconds a finished command's helpers (forkserver, workers) may linger


def _assert_no_orphans(proc: subprocess.Popen, cmd: list[str]) -> None:
    """Once a command has exited, every process it started must exit too."""
    deadline = time.monotonic() + ORPHAN_GRACE
    while True:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline:
            left = subprocess.run(["ps", "-o", "pid,args", "-g", str(proc.pid)],
                                  capture_output=True, text=True).stdout
            _kill_group(proc)
            pytest.fail(f"{' '.join(cmd)} exited but left processes behind:\n{left}")
        time.sleep(0.05)


def run_process(cmd: list[str], cwd: Path, timeout: float = DEFAULT_TIMEOUT,
                env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` to completion in its own session; on timeout kill the whole
    session (workers included) and fail the test."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=clean_env(env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, err = proc.communicate()
        pytest.fail(f"timed out after {timeout} s: {' '.join(cmd)}\nstdout:\n{out}\n"
                    f"stderr:\n{err}")
    _assert_no_orphans(proc, cmd)
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


class Spawned:
    """A background process whose output goes to files (no pipe can fill up)."""

    def __init__(self, cmd: list[str], cwd: Path, env: dict[str, str] | None, tag: str) -> None:
        self.cmd = cmd
        self._out = cwd / f".{tag}.stdout"
        self._err = cwd / f".{tag}.stderr"
        with open(self._out, "w") as out, open(self._err, "w") as err:
            self.proc = subprocess.Popen(cmd, cwd=cwd, env=clean_env(env), stdout=out,
                                         stderr=err, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait(self, timeout: float = DEFAULT_TIMEOUT) -> int:
        """The exit status, once the process and everything it started are gone."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"timed out after {timeout} s: {' '.join(self.cmd)}\n"
                        f"stderr:\n{self.stderr}")
        _assert_no_orphans(self.proc, self.cmd)
        return code

    def kill(self) -> None:
        _kill_group(self.proc)
        self.proc.wait()

    @property
    def stdout(self) -> str:
        return self._out.read_text()

    @property
    def stderr(self) -> str:
        return self._err.read_text()


# ---- probes: the real jug's and jug-async's APIs, each in its own process ------

# What both probes report, given the API's declared tasks, the jugfile's namespace,
# its Task class, whether a store is open, and how that API loads results.
_PROBE_REPORT = r"""
import contextlib, pickle

def h(t):
    try:
        return t.hash().decode()
    except Exception as e:
        return "ERROR " + type(e).__name__

def report(out, tasks, space, task_type, stored, loading=contextlib.nullcontext, **extra):
    res = {"tasks": [(t.name, h(t)) for t in tasks], **extra}
    cases = {}
    for k, v in space.get("CASES", {}).items():
        try:
            cases[k] = v.__jug_hash__().decode()
        except Exception as e:
            cases[k] = "ERROR " + type(e).__name__
    res["cases"] = cases
    res["result_hashes"] = {k: t.hash().decode() for k, t in space.get("RESULTS", {}).items()
                            if isinstance(t, task_type)}
    if stored:
        with loading():
            res["loadable"] = [t.can_load() for t in tasks]
            res["results"] = {k: value(t) if t.can_load() else MISSING
                              for k, t in space.get("RESULTS", {}).items()}
            res["reprs"] = {k: (repr(value(t)),
                                type(value(t)).__module__ + "." + type(value(t)).__qualname__)
                            for k, t in space.get("REPRS", {}).items() if t.can_load()}
    with open(out, "wb") as f:
        pickle.dump(res, f)
"""

_JUG_PROBE = r"""
import os, sys
import jug.jug, jug.task
from jug import value

path, jugdir, out = sys.argv[1:4]
sys.argv = [path, *sys.argv[4:]]  # as `jug execute path -- args` sets it
store, space = jug.jug.init(path, "dict_store" if jugdir == "-" else os.path.abspath(jugdir),
                            on_error="propagate")
""" + _PROBE_REPORT + r"""
report(out, jug.task.alltasks, space, jug.task.Task, jugdir != "-")
"""

_JUG_ASYNC_PROBE = r"""
import os, sys
from jug_async import Task, jugfile, value
from jug_async.api import registry
from jug_async.graph import build
from jug_async.store.open import open_store

path, jugdir, out = sys.argv[1:4]
store = None if jugdir == "-" else open_store(os.path.abspath(jugdir))
loaded = jugfile.load(path, store, sys.argv[4:])
""" + _PROBE_REPORT + r"""
try:
    build(loaded.tasks)
    graph = "ok"
except Exception as e:
    graph = "ERROR " + type(e).__name__
report(out, loaded.tasks, vars(loaded.module), Task, store is not None,
       lambda: registry.using(registry.LoadContext(store=store, collect=False)), graph=graph)
"""

_PROBES = {"jug": _JUG_PROBE, "jug_async": _JUG_ASYNC_PROBE}


def probe(api: str, jugfile: str | Path, jugdir: str | Path | None, cwd: Path,
          env: dict[str, str] | None = None, argv: list[str] = ()) -> dict[str, Any]:
    """Load ``jugfile`` with ``api`` ("jug" or "jug_async") in a fresh process.

    Returns ``{"tasks": [(name, hash)], "cases": {label: hash}}`` (hashes of the
    module-level ``CASES`` dict), ``"result_hashes"`` (of the Tasks in the
    module-level ``RESULTS`` dict) and, when ``jugdir`` is given, ``"loadable"``
    (per declared task), ``"results"``: the values of ``RESULTS``, each loaded
    from the store through that API (``MISSING`` if absent), and ``"reprs"``:
    ``(repr, type's module.qualname)`` of the loadable values of ``REPRS`` (for
    values of classes defined in the jugfile, which this process cannot unpickle).
    """
    out = cwd / f".probe-{api}.pkl"
    script = f"MISSING = {MISSING!r}\n" + _PROBES[api]
    r = run_process([sys.executable, "-c", script, str(jugfile),
                     "-" if jugdir is None else str(jugdir), str(out), *argv], cwd=cwd, env=env)
    assert r.returncode == 0, f"{api} probe failed:\n{r.stderr}"
    with open(out, "rb") as f:
        res = pickle.load(f)
    out.unlink()
    return res


# ---- checks ------------------------------------------------------------------------

_TOTAL = re.compile(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+Total\s*$", re.M)
COLUMNS = ("Failed", "Waiting", "Ready", "Complete", "Active")


def jug_status_totals(text: str) -> dict[str, int]:
    """The Total row of ``jug status``'s table, by column name."""
    rows = _TOTAL.findall(text)
    assert len(rows) == 1, f"no single Total row in:\n{text}"
    return dict(zip(COLUMNS, map(int, rows[0]), strict=True))


def assert_same(got: Any, want: Any, where: str = "value") -> None:
    """Deep equality that also checks types, dtypes, shapes and NaNs."""
    assert type(got) is type(want), f"{where}: type {type(got)} != {type(want)}"
    if isinstance(want, np.ndarray):
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
        assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
        if want.dtype.hasobject:
            assert_same(got.tolist(), want.tolist(), where)
        else:
            assert np.array_equal(got, want, equal_nan=want.dtype.kind in "fc"), where
    elif isinstance(want, dict):
        assert set(got) == set(want), f"{where}: keys {set(got)} != {set(want)}"
        for k in want:
            assert_same(got[k], want[k], f"{where}[{k!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_same(g, w, f"{where}[{i}]")
    elif isinstance(want, float) and want != want:
        assert got != got, f"{where}: {got!r} is not nan"
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


def result_files(jugdir: Path) -> set[str]:
    """Hashes of the result files in a jugdir (``ab/cdef...`` -> ``abcdef...``)."""
    if not jugdir.is_dir():
        return set()
    return {d.name + f.name for d in jugdir.iterdir()
            if d.is_dir() and len(d.name) == 2 for f in d.iterdir()}


def lock_files(jugdir: Path) -> list[str]:
    locks = jugdir / "locks"
    return sorted(os.listdir(locks)) if locks.is_dir() else []


def temp_files(jugdir: Path) -> list[str]:
    temps = jugdir / "tempfiles"
    return sorted(os.listdir(temps)) if temps.is_dir() else []


# ---- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def probe_jugfile() -> Callable[..., dict[str, Any]]:
    """``probe`` (below module scope too): load a jugfile with one API in a subprocess."""
    return probe


@pytest.fixture
def jugfile(tmp_path: Path) -> Callable[..., Path]:
    """``jugfile("name.py")`` copies tests/jugfiles/name.py into tmp_path (or
    ``dest``) and returns the copy's path."""

    def copy(name: str, dest: Path | None = None) -> Path:
        target_dir = dest or tmp_path
        target_dir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy(JUGFILES / name, target_dir / name))

    return copy


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_cli("run", "x.py", "-j", "2", cwd=..., timeout=...)``: jug-async's CLI."""

    def run(*args: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_process([sys.executable, "-m", "jug_async", *map(str, args)],
                           cwd or tmp_path, timeout, env)

    return run


@pytest.fixture
def jug(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """``jug("status", "x.py", cwd=...)``: the real jug 2.7.0 CLI."""

    def run(*args: str, cwd: Path | None = None, timeout: float = DEFAULT_TIMEOUT,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return run_process([*jug_command(), *map(str, args)], cwd or tmp_path, timeout, env)

    return run


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Spawned]]:
    """``spawn("jug_async"|"jug", *args, cwd=...)``: start a CLI in the background.
    Any process still alive at teardown is killed with its whole session."""
    started: list[Spawned] = []

    def start(which: str, *args: str, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> Spawned:
        base = [sys.executable, "-m", "jug_async"] if which == "jug_async" else jug_command()
        p = Spawned([*base, *map(str, args)], cwd or tmp_path, env, f"{which}-{len(started)}")
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()  # the whole session: workers a dead runner may have left behind


@pytest.fixture
def load_results(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """``load_results("jug"|"jug_async", "x.py", jugdir=None, cwd=None)``: see ``probe``;
    ``jugdir`` defaults to the jugfile's default jugdir; ``argv`` are user arguments."""

    def load(api: str, name: str | Path, jugdir: str | Path | None = None,
             cwd: Path | None = None, argv: list[str] = ()) -> dict[str, Any]:
        cwd = cwd or tmp_path
        jugdir = jugdir or cwd / (str(name)[:-3] + ".jugdata")
        return probe(api, name, jugdir, cwd, argv=argv)

    return load


def read_executions(where: Path, by_pid: bool = False) -> collections.Counter[str]:
    """Count the lines ``<what>\t<pid>`` of ``where/executions.log`` by what (or pid)."""
    log = where / LOG_NAME
    if not log.exists():
        return collections.Counter()
    lines = [line.split("\t") for line in log.read_text().splitlines()]
    return collections.Counter(parts[-1] if by_pid else parts[0] for parts in lines)


@pytest.fixture
def executions(tmp_path: Path) -> Callable[..., collections.Counter[str]]:
    """``executions(where=tmp_path, by_pid=False)``: how many times each logged
    execution happened (or how many each process did, with ``by_pid``)."""

    def read(where: Path | None = None, by_pid: bool = False) -> collections.Counter[str]:
        return read_executions(where or tmp_path, by_pid)

    return read


# The pure checks above, for test modules (which do not import conftest).


@pytest.fixture(name="assert_same", scope="session")
def _assert_same() -> Callable[..., None]:
    return assert_same


@pytest.fixture(name="jug_status_totals", scope="session")
def _jug_status_totals() -> Callable[[str], dict[str, int]]:
    return jug_status_totals


@pytest.fixture(name="store_files", scope="session")
def _store_files() -> Any:
    """``store_files.results(jugdir)``, ``.locks(jugdir)``, ``.temps(jugdir)``."""

    class StoreFiles:
        results = staticmethod(result_files)
        locks = staticmethod(lock_files)
        temps = staticmethod(temp_files)

    return StoreFiles
