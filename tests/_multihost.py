"""Several hosts on one machine, sharing one store over a network filesystem.

A "host" is a process tree with its own hostname (``unshare --uts``) and, when
asked, its own PID namespace (``--pid --fork --mount-proc``: its PIDs mean
nothing to the others, as on another machine; killing its PID 1 kills the
whole tree, as a crash of the machine would). The network filesystem is sshfs:
an sshd on a free loopback port serves one export directory, and each host gets
its own mount of it (its own client cache), with the options a test picks
(``negative_timeout=20`` caches negative lookups as NFS ``lookupcache=all`` does).

Needs root (namespaces, FUSE mounts), ``/dev/fuse``, ``sshfs`` and ``sshd``
(``.ci/run`` installs ``openssh-server sshfs fuse3``); tests skip with the reason
otherwise. Used as fixtures by ``tests/test_multihost*.py`` (``export_dir``,
``sshfs_mount``, ``host``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

SSHD = "/usr/sbin/sshd"


def uts_skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root: simulated hosts use unshare --uts"
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux)"
    return None


def sshfs_skip_reason() -> str | None:
    if (why := uts_skip_reason()) is not None:
        return why
    if not os.path.exists("/dev/fuse"):
        return "needs /dev/fuse for sshfs mounts"
    missing = [t for t in ("sshfs", "ssh-keygen") if shutil.which(t) is None]
    if not os.path.exists(SSHD):
        missing.append(SSHD)
    if missing:
        return f"needs {', '.join(missing)} (apt-get install openssh-server sshfs fuse3)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sshd:
    """An sshd on loopback that lets one generated key in, with internal sftp."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        for key in ("host", "client"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f",
                            str(workdir / key)], check=True)
        auth = workdir / "authorized_keys"
        auth.write_bytes((workdir / "client.pub").read_bytes())
        auth.chmod(0o600)
        self.port = _free_port()
        config = workdir / "sshd_config"
        config.write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {workdir / 'host'}\n"
            f"AuthorizedKeysFile {auth}\nPidFile {workdir / 'sshd.pid'}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            "MaxStartups 100\nSubsystem sftp internal-sftp\n")
        os.makedirs("/run/sshd", exist_ok=True)  # privilege separation directory
        self._log = open(workdir / "sshd.log", "w")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)],
                                     stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(
                    ("127.0.0.1", self.port), timeout=1):
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.skip(f"sshd did not start: {(workdir / 'sshd.log').read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self._log.close()


class Mount:
    """One sshfs client mount of ``export`` at ``path``."""

    def __init__(self, sshd: Sshd, export: Path, path: Path, options: str = "") -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        opts = (f"IdentityFile={sshd.dir / 'client'},StrictHostKeyChecking=no,"
                "UserKnownHostsFile=/dev/null,LogLevel=ERROR,port="
                f"{sshd.port}" + (f",{options}" if options else ""))
        r = subprocess.run(["sshfs", f"root@127.0.0.1:{export}", str(path), "-o", opts],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            pytest.skip(f"sshfs mount failed: {r.stderr.strip()}")

    def unmount(self) -> None:
        for tool in ("fusermount3", "fusermount"):
            if shutil.which(tool):
                r = subprocess.run([tool, "-u", "-z", str(self.path)], capture_output=True)
                if r.returncode == 0:
                    return
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


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
