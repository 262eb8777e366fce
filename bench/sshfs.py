"""A network filesystem on one machine: a local directory served by an sshd on a
free loopback port and mounted with sshfs (its own FUSE client, its own cache).

The bench puts workload stores on such a mount (the network-filesystem section
of the report); the multi-host tests (``tests/_multihost.py``) mount one export
several times, once per simulated host. Both use this module, so there is one
way to start the server and mount it. Nothing here imports pytest: a setup that
cannot work raises ``Unavailable`` with the reason, which the tests turn into a
skip and the bench into a note.

Needs root (an sshd that lets root in, FUSE mounts), ``/dev/fuse``, ``sshfs``,
``ssh-keygen`` and ``/usr/sbin/sshd`` (apt-get install openssh-server sshfs fuse3).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

SSHD = "/usr/sbin/sshd"
INSTALL_HINT = "apt-get install openssh-server sshfs fuse3"


class Unavailable(RuntimeError):
    """This machine cannot serve or mount sshfs here; the message says why."""


def skip_reason() -> str | None:
    """Why an sshfs mount cannot be made here, or None when it can."""
    if os.geteuid() != 0:
        return "needs root (an sshd that lets root in, FUSE mounts)"
    if not os.path.exists("/dev/fuse"):
        return "needs /dev/fuse for sshfs mounts"
    missing = [t for t in ("sshfs", "ssh-keygen") if shutil.which(t) is None]
    if not os.path.exists(SSHD):
        missing.append(SSHD)
    if missing:
        return f"needs {', '.join(missing)} ({INSTALL_HINT})"
    return None


def free_port() -> int:
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
        self.port = free_port()
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
                raise Unavailable(f"sshd did not start: {(workdir / 'sshd.log').read_text()}")
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
            raise Unavailable(f"sshfs mount failed: {r.stderr.strip()}")

    def unmount(self) -> None:
        for tool in ("fusermount3", "fusermount"):
            if shutil.which(tool):
                r = subprocess.run([tool, "-u", "-z", str(self.path)], capture_output=True)
                if r.returncode == 0:
                    return
        subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


@contextlib.contextmanager
def exported(workdir: Path, mounts: int = 1,
             options: str = "") -> Iterator[tuple[Path, list[Path]]]:
    """Serve ``workdir/export`` and mount it ``mounts`` times (``workdir/mnt0``,
    ``mnt1``, ...: separate clients, as separate hosts would have) for the block;
    yields the export and the mount points. Raises ``Unavailable`` when that
    cannot be done here."""
    if (why := skip_reason()) is not None:
        raise Unavailable(why)
    export = workdir / "export"
    export.mkdir(parents=True, exist_ok=True)
    server = Sshd(workdir / "sshd")
    made: list[Mount] = []
    try:
        for i in range(mounts):
            made.append(Mount(server, export, workdir / f"mnt{i}", options))
        yield export, [m.path for m in made]
    finally:
        for m in made:
            m.unmount()
        server.stop()
