"""Several hosts on one machine, sharing one store over a network filesystem.

A "host" is a process tree with its own hostname (``unshare --uts``) and, when
asked, its own PID namespace (``--pid --fork --mount-proc``: its PIDs mean
nothing to the others, as on another machine; killing its PID 1 kills the
whole tree, as a crash of the machine would). The network filesystem is sshfs
(set up by ``bench/sshfs.py``, which the bench shares): an sshd on a free
loopback port serves one export directory, and each host gets
its own mount of it (its own client cache), with the options a test picks
(``negative_timeout=20`` caches negative lookups as NFS ``lookupcache=all`` does).

Needs root (namespaces, FUSE mounts), ``/dev/fuse``, ``sshfs`` and ``sshd``
(``.ci/run`` installs ``openssh-server sshfs fuse3``); tests skip with the reason
otherwise. Used as fixtures by ``tests/test_multihost*.py`` (``export_dir``,
``sshfs_mount``, ``host``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _bench_sshfs() -> ModuleType:
    """bench/sshfs.py (the sshd + sshfs setup the bench shares), loaded by path:
    bench/ is not a package."""
    name = "bench_sshfs"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parent.parent / "bench" / "sshfs.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_net = _bench_sshfs()
SSHD = _net.SSHD


def uts_skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root: simulated hosts use unshare --uts"
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux)"
    return None


def sshfs_skip_reason() -> str | None:
    return uts_skip_reason() or _net.skip_reason()


class Sshd(_net.Sshd):
    """bench/sshfs.py's loopback sshd; a test skips when it cannot start."""

    def __init__(self, workdir: Path) -> None:
        try:
            super().__init__(workdir)
        except _net.Unavailable as exc:
            pytest.skip(str(exc))


class Mount(_net.Mount):
    """bench/sshfs.py's sshfs client mount; a test skips when it cannot mount."""

    def __init__(self, sshd: Sshd, export: Path, path: Path, options: str = "") -> None:
        try:
            super().__init__(sshd, export, path, options)
        except _net.Unavailable as exc:
            pytest.skip(str(exc))


class Host:
    """A simulated host: commands run with its own hostname (and, with ``pidns``,
    their own PID namespace). Each command gets its own session, so
    ``kill_all`` ends every process the host started, as a crash would."""

    def __init__(self, name: str, pidns: bool = False) -> None:
        self.name = name
        self.pidns = pidns
        self.procs: list[subprocess.Popen] = []

    def command(self, cmd: list[str]) -> list[str]:
        ns = ["unshare", "--uts"] + (["--pid", "--fork", "--mount-proc"] if self.pidns else [])
        return [*ns, "sh", "-c", 'hostname "$0" && exec "$@"', self.name, *cmd]

    def run(self, cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(cmd), cwd=cwd, env=env, capture_output=True,
                              text=True, timeout=timeout, start_new_session=True)

    def spawn(self, cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
              tag: str = "") -> subprocess.Popen:
        tag = tag or f"{self.name}-{len(self.procs)}"
        with open(cwd / f".{tag}.out", "w") as out:
            p = subprocess.Popen(self.command(cmd), cwd=cwd, env=env, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(p)
        return p

    def kill_all(self) -> None:
        """kill -9 every process this host started (with ``pidns``, killing the
        namespace's PID 1 takes every process inside with it)."""
        for p in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        self.procs.clear()


# ---- fixtures -----------------------------------------------------------------------

@pytest.fixture
def export_dir(tmp_path: Path) -> Path:
    """The directory the sshd serves: the 'server side' of the shared store."""
    d = tmp_path / "export"
    d.mkdir()
    return d


@pytest.fixture
def sshd(tmp_path: Path):
    if (why := sshfs_skip_reason()) is not None:
        pytest.skip(why)
    server = Sshd(tmp_path / "sshd")
    yield server
    server.stop()


@pytest.fixture
def sshfs_mount(sshd: Sshd, export_dir: Path, tmp_path: Path):
    """``sshfs_mount(options)``: a new client mount of ``export_dir``; unmounted
    at teardown."""
    mounts: list[Mount] = []

    def mount(options: str = "") -> Path:
        m = Mount(sshd, export_dir, tmp_path / f"mnt{len(mounts)}", options)
        mounts.append(m)
        return m.path

    yield mount
    for m in mounts:
        m.unmount()


@pytest.fixture
def host():
    """``host(name, pidns=False)``: a simulated host; its processes are killed at
    teardown."""
    if (why := uts_skip_reason()) is not None:
        pytest.skip(why)
    hosts: list[Host] = []

    def make(name: str, pidns: bool = False) -> Host:
        hosts.append(Host(name, pidns))
        return hosts[-1]

    yield make
    for h in hosts:
        h.kill_all()
