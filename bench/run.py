"""Benchmark driver: jug-async against the real jug 2.7.0, on the same machine,
alternately, several rounds, a fresh store each round; writes a Markdown table.

    .venv/bin/python bench/run.py --out bench/results.md     # full (make bench)
    .venv/bin/python bench/run.py --quick --out /tmp/r.md     # smoke test sizes
    .venv/bin/python bench/run.py --only 1,tutorial --rounds 5

jug is run the way its users parallelise: N ``jug execute`` processes on one
jugfile, started together, timed until the last exits, with jug's default wait
cycles (12 s) unless ``--jug-wait-cycle-time`` says otherwise (``--quick`` uses
0.5 s so the smoke test stays short; its numbers are not a comparison).
Every command is timed as a whole (``time.perf_counter`` around start and
exit) and its peak RSS comes from ``os.wait4``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import fcntl
import hashlib
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import floors
import sshfs

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORKLOADS = BENCH / "workloads"
BIN = Path(sys.executable).parent
NAMES = {1: "trivial", 2: "cpu", 3: "tutorial", 4: "many", 5: "big", 6: "nfs"}
TITLES = {
    1: "trivial tasks",
    2: "CPU-bound tasks",
    3: "tutorial shape",
    4: "many tasks",
    5: "large results",
    6: "network filesystem (sshfs)",
}
JUG_FULL_QUOTE = "not run (≈80 s measured 2026-11)"
JUG_FULL_QUOTED_SECONDS = 80.0
JUG_DEFAULT_WAIT = 12.0  # jug 2.7's --wait-cycle-time default
FLAT_TOLERANCE = 1.25  # "flat": µs/task at the large size at most this times the small size's
MIB = 1 << 20
SETTLE_BELOW = 0.15  # background CPU share above which a round waits (see --settle)
TIMES, DASH = "\u00d7", "\u2013"  # multiplication sign, en dash

_t_start = time.perf_counter()


def say(msg: str) -> None:
    print(f"[bench {time.perf_counter() - _t_start:6.1f}s] {msg}", file=sys.stderr, flush=True)


# ---- running commands ------------------------------------------------------------


@dataclass
class Sample:
    wall: float | None  # None when the command failed or timed out
    rss_kb: int = 0  # peak RSS of the started process(es) themselves (see run_together)
    error: str = ""
    tree_rss_kb: int = 0  # ru_maxrss from os.wait4: may fold in reaped descendants
    log: Path | None = None  # the output of the process that failed, if one did


_QUOTED_PATH = re.compile(r": '(/[^']*)'$")


def last_line(log: Path) -> str:
    """The last line a failed process printed (its exception, for a Python
    traceback), without the absolute path it names, which says nothing across
    runs; a lock file is named as such."""
    lines = [x.strip() for x in log.read_text(errors="replace").splitlines() if x.strip()]
    if not lines:
        return ""
    line = lines[-1]
    m = _QUOTED_PATH.search(line)
    if m:
        line = line[:m.start()] + (" (creating a lock file)" if m[1].endswith(".lock") else "")
    return line[:160]


def process_logs(log: Path, n: int) -> list[Path]:
    """One log per started process (``log`` itself when there is one), so a
    failure's last line is that process's own."""
    return [log] if n == 1 else [log.with_name(f"{log.stem}.p{i + 1}{log.suffix}")
                                 for i in range(n)]


def _vm_hwm_kb(pid: int) -> int:
    """The process's own peak RSS so far (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _watch_hwm(pids: Sequence[int], peaks: dict[int, int], stop: threading.Event) -> None:
    while not stop.wait(0.02):
        for pid in pids:
            peaks[pid] = max(peaks.get(pid, 0), _vm_hwm_kb(pid))


def _kill(procs: Sequence[subprocess.Popen]) -> None:
    for p in procs:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(p.pid, signal.SIGKILL)


def run_together(cmds: Sequence[Sequence[str]], *, env: dict[str, str], timeout: float,
                 log: Path, ok_codes: Sequence[int] = (0,)) -> Sample:
    """Start every command at once, wait for all; wall time from before the first
    start to after the last exit. Each runs in its own session, so a timeout
    kills its whole tree (jug-async's workers included)."""
    log.parent.mkdir(parents=True, exist_ok=True)
    procs: list[subprocess.Popen] = []
    logs = process_logs(log, len(cmds))
    with contextlib.ExitStack() as stack:
        outs = [stack.enter_context(open(path, "ab")) for path in logs]
        t0 = time.perf_counter()
        for cmd, out in zip(cmds, outs, strict=True):
            procs.append(subprocess.Popen(list(cmd), stdin=subprocess.DEVNULL, stdout=out,
                                          stderr=subprocess.STDOUT, env=env, cwd=WORKLOADS,
                                          start_new_session=True))
    timed_out = threading.Event()

    def on_timeout() -> None:
        timed_out.set()
        _kill(procs)

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    peaks: dict[int, int] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_watch_hwm, args=([p.pid for p in procs], peaks, stop),
                               daemon=True)
    watcher.start()
    tree, codes = 0, []
    try:
        for p in procs:
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            codes.append(p.returncode)
            tree = max(tree, usage.ru_maxrss)
        wall = time.perf_counter() - t0
    finally:
        stop.set()
        watcher.join()
        timer.cancel()
        timer.join()
        _kill(procs)  # stragglers of a run that ended badly
    # ru_maxrss of a process that reaped no children is its own peak; jug-async's
    # scheduler may reap its forkserver (and with it the workers' peak), so its
    # own peak is the VmHWM last polled before it exited (at most 20 ms stale).
    own = max(peaks.values(), default=0) or tree
    if timed_out.is_set():
        return Sample(None, own, f"timed out after {timeout:.0f} s", tree, logs[0])
    bad = [(c, path) for c, path in zip(codes, logs, strict=True) if c not in ok_codes]
    if bad:
        code, path = bad[0]
        why = last_line(path)
        return Sample(None, own, f"exit status {code}" + (f": {why}" if why else ""), tree,
                      path)
    return Sample(wall, own, tree_rss_kb=tree)


def _cpu_jiffies() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already counted in user
    return total - idle, total


def background_cpu(seconds: float = 0.3) -> float | None:
    """Share of the machine's CPUs busy while the bench itself sleeps: other
    sessions' work on a shared machine, which every timing here competes with."""
    a = _cpu_jiffies()
    time.sleep(seconds)
    b = _cpu_jiffies()
    if a is None or b is None or b[1] == a[1]:
        return None
    return (b[0] - a[0]) / (b[1] - a[1])


def count_results(jugdir: Path) -> int:
    """Result files in a jugdir (the 2-character directories), for checking that
    a run did all its work."""
    try:
        entries = list(os.scandir(jugdir))
    except FileNotFoundError:
        return 0
    return sum(len(os.listdir(e.path)) for e in entries if len(e.name) == 2 and e.is_dir())


def remove(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def child_env() -> dict[str, str]:
    """The environment the timed commands see: this one, except that Python may
    use and write bytecode caches, as on a user's machine (a session that sets
    PYTHONDONTWRITEBYTECODE would otherwise make jug-async, an editable install
    without .pyc files, recompile itself on every start while jug does not)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("BENCH_DECLARE", None)
    return env


def claim(work: Path) -> object:
    """Lock a file named after ``work`` (in the temp directory) for this run: a
    second bench on the same work directory would delete this one's stores under
    it (each run starts by clearing it), so it stops with one line instead."""
    digest = hashlib.sha1(str(work).encode()).hexdigest()[:16]
    lock = Path(tempfile.gettempdir()) / f"jug-async-bench-{digest}.lock"
    f = open(lock, "a+")  # noqa: SIM115 - held for the run
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        f.close()
        raise SystemExit(f"bench: {work} is in use by another bench run "
                         "(give this one its own --workdir)") from None
    return f


def nfs_configs(j: int) -> list[tuple[str, str, int]]:
    """Workload 6's runs per shape and round: (where the store is, tool, processes
    or -j). On one mount every process shares one kernel cache; on two mounts each
    is its own client, as on separate hosts."""
    return [(where, tool, count) for where in ("local", "sshfs")
            for tool, count in (("jug-async", j), ("jug", 1), ("jug", j))] + \
        [("two-mounts", "jug-async", j), ("two-mounts", "jug", j)]


def nfs_key(shape: str, where: str, tool: str, count: int) -> str:
    return f"{shape}-{where}-{'async' if tool == 'jug-async' else 'jug'}-{count}"


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.work = Path(args.workdir).resolve()
        self.logs = self.work / "logs"
        self.jug_async = str(BIN / "jug-async")
        self.jug = str(BIN / "jug")
        for exe in (self.jug_async, self.jug):
            if not os.access(exe, os.X_OK):
                raise SystemExit(f"bench: {exe} not found: run with the venv's python")
        self.series: dict[tuple[int, str], list[Sample]] = {}
        self.floor: dict[int, list[floors.Floor]] = {}
        self.notes: list[str] = []
        self.costs: floors.OpCosts | None = None
        self.params: dict[int, str] = {}
        self.background: dict[int, list[float]] = {}
        self.settle_left = args.settle
        self._guard: object = None  # the work directory's lock (see claim)
        self.nfs_skipped = ""  # why workload 6 could not run here, if it could not
        self.nfs_shapes: dict[str, str] = {}  # workload 6: shape -> its description

    # -- helpers -----------------------------------------------------------------

    def env(self, **bench: object) -> dict[str, str]:
        env = child_env()
        env.update({f"BENCH_{k.upper()}": str(v) for k, v in bench.items()})
        return env

    def jug_execute(self, jugfile: str, jugdir: Path) -> list[str]:
        cmd = [self.jug, "execute", jugfile, "--jugdir", str(jugdir), "--will-cite"]
        if self.args.jug_wait_cycle_time is not None:
            cmd += ["--wait-cycle-time", str(self.args.jug_wait_cycle_time)]
        return cmd

    def async_run(self, jugfile: str, jugdir: Path, jobs: int) -> list[str]:
        return [self.jug_async, "run", jugfile, "-j", str(jobs), "--jugdir", str(jugdir)]

    def measure(self, wid: int, key: str, cmds: Sequence[Sequence[str]], env: dict[str, str],
                *, jugdir: Path | None = None, expect: int | None = None,
                ok_codes: Sequence[int] = (0,), timeout: float | None = None,
                label: str = "") -> Sample:
        """Run, check the store holds ``expect`` results, record under ``key``."""
        n = len(self.series.get((wid, key), [])) + 1
        log = self.logs / f"w{wid}-{key}-{n}.log"
        s = run_together(cmds, env=env, timeout=timeout or self.args.timeout, log=log,
                         ok_codes=ok_codes)
        if s.wall is not None and expect is not None and jugdir is not None:
            got = count_results(jugdir)
            if got != expect:
                s = Sample(None, s.rss_kb, f"store holds {got} results, expected {expect}",
                           s.tree_rss_kb, log)
        self.series.setdefault((wid, key), []).append(s)
        shown = f"{s.wall:.3f} s, {s.rss_kb / 1024:.0f} MB" if s.wall is not None else s.error
        say(f"w{wid} {label or key}: {shown}")
        if s.wall is None and s.log is not None and s.log.exists():
            tail = s.log.read_text(errors="replace").splitlines()[-15:]
            print("    " + "\n    ".join(tail) + f"\n    (log: {s.log})", file=sys.stderr)
        return s

    def pair(self, r: int, runs: Sequence[Callable[[], object]]) -> None:
        """Run the tools' measurements of one round, alternating who goes first."""
        for run in runs if r % 2 == 0 else list(reversed(runs)):
            run()

    def store(self, wid: int, what: str, r: int) -> Path:
        path = self.work / f"w{wid}-{what}-r{r}"
        self.discard(path)
        return path

    def discard(self, path: Path) -> None:
        """Move a used store out of the way; the bench deletes them all at the end.
        Deleting thousands of files slows the next file creations on this disk
        (ext4 without a journal skips inodes freed in the last 30 s, one by one),
        which would charge one tool for the clean-up of the round before."""
        if path.exists():
            trash = self.work / "trash"
            trash.mkdir(exist_ok=True)
            path.rename(trash / f"{path.name}-{len(os.listdir(trash))}")

    def fresh_run(self, wid: int, r: int, key: str, jugfile: str, env: dict[str, str],
                  expect: int, *, jobs: int, tool: str, timeout: float | None = None,
                  keep: bool = False) -> Path:
        jugdir = self.store(wid, key, r)
        if tool == "jug-async":
            cmds = [self.async_run(jugfile, jugdir, jobs)]
            label = f"r{r + 1} jug-async run -j {jobs}"
        else:
            cmds = [self.jug_execute(jugfile, jugdir)] * jobs
            label = f"r{r + 1} jug execute x{jobs}"
        self.measure(wid, key, cmds, env, jugdir=jugdir, expect=expect, timeout=timeout,
                     label=f"{label} ({key})")
        if not keep:
            self.discard(jugdir)
        return jugdir

    def settle(self, wid: int, *, record: bool = True) -> None:
        """Probe how busy the machine is without us (other sessions share it); while
        it is busy, wait (from a budget of --settle seconds per bench run)."""
        busy = background_cpu()
        while busy is not None and busy > SETTLE_BELOW and self.settle_left > 0:
            say(f"w{wid}: machine busy without us ({busy:.0%} CPU); waiting for it to settle "
                f"({self.settle_left:.0f} s of --settle left)")
            t0 = time.perf_counter()
            time.sleep(min(2.0, self.settle_left))
            busy = background_cpu()
            self.settle_left -= time.perf_counter() - t0
        if busy is not None and record:
            self.background.setdefault(wid, []).append(busy)

    def add_floor(self, wid: int, measure: Callable[[], floors.Floor]) -> None:
        """Start a round: settle, then measure and record the round's floor."""
        self.settle(wid)
        f = measure()
        self.floor.setdefault(wid, []).append(f)
        bg = self.background.get(wid)
        say(f"w{wid} floor: sequential {f.sequential:.3f} s, parallel {f.parallel:.3f} s; "
            f"background CPU {f'{bg[-1]:.0%}' if bg else '?'}")

    # -- workloads -------------------------------------------------------------

    def w1_trivial(self) -> None:
        a, j = self.args, self.args.jobs
        n = a.trivial_n
        self.params[1] = f"{n} tasks `double(i)` + 1 `total`"
        env = self.env(n=n, sum=1)
        for r in range(a.rounds):
            self.add_floor(1, partial(floors.trivial, n, True, j))
            for jobs in (1, j):
                self.pair(r, [
                    partial(self.fresh_run, 1, r, f"async-j{jobs}", "trivial.py", env, n + 1,
                            jobs=jobs, tool="jug-async"),
                    partial(self.fresh_run, 1, r, f"jug-j{jobs}", "trivial.py", env, n + 1,
                            jobs=jobs, tool="jug"),
                ])

    def w2_cpu(self) -> None:
        a, j = self.args, self.args.jobs
        self.settle(2, record=False)
        iters = floors.calibrate_burn(a.cpu_ms / 1000)
        n = a.cpu_n
        self.params[2] = f"{n} {TIMES} `burn` ({iters} loop steps ≈ {a.cpu_ms:g} ms) + 1 `total`"
        env = self.env(n=n, iters=iters)
        for r in range(a.rounds):
            self.add_floor(2, partial(floors.cpubound, n, iters, j))
            self.pair(r, [
                partial(self.fresh_run, 2, r, f"async-j{j}", "cpubound.py", env, n + 1, jobs=j,
                        tool="jug-async"),
                partial(self.fresh_run, 2, r, f"jug-j{j}", "cpubound.py", env, n + 1, jobs=j,
                        tool="jug"),
            ])

    def w3_tutorial(self) -> None:
        a, j = self.args, self.args.jobs
        nf, nk = a.tutorial_features, a.tutorial_k
        self.params[3] = (f"{nf} `features` → {nk} `kmeans` (each reads all features) → "
                          f"{nk} `bic` → 1 `argmin`")
        env = self.env(features=nf, k=nk)
        expect = nf + 2 * nk + 1
        for r in range(a.rounds):
            self.add_floor(3, partial(floors.tutorial, nf, nk, j))
            self.pair(r, [
                partial(self.fresh_run, 3, r, f"async-j{j}", "tutorial.py", env, expect, jobs=j,
                        tool="jug-async"),
                partial(self.fresh_run, 3, r, f"jug-j{j}", "tutorial.py", env, expect, jobs=j,
                        tool="jug"),
                partial(self.fresh_run, 3, r, "jug-j1", "tutorial.py", env, expect, jobs=1,
                        tool="jug"),
            ])

    def w4_many(self) -> None:
        a, j = self.args, self.args.jobs
        n, small = a.many_n, a.many_small_n
        self.params[4] = f"{n} (and {small}) tasks `double(i)`, no sum"
        env, env_small = self.env(n=n, sum=0), self.env(n=small, sum=0)
        complete: Path | None = None
        # Runs from an empty store; the first successful run at the full size
        # leaves the complete store that both tools' status and no-op runs read.
        for r in range(a.slow_rounds):
            self.settle(4)
            runs = [partial(self.fresh_run, 4, r, f"async-run-{small}", "trivial.py", env_small,
                            small, jobs=j, tool="jug-async")]
            if a.jug_small_rounds > r:
                runs.append(partial(self.fresh_run, 4, r, f"jug-run-{small}", "trivial.py",
                                    env_small, small, jobs=1, tool="jug"))
            self.pair(r, runs)
            keep = complete is None
            path = self.fresh_run(4, r, f"async-run-{n}", "trivial.py", env, n, jobs=j,
                                  tool="jug-async", keep=keep)
            if keep and self.series[(4, f"async-run-{n}")][-1].wall is not None:
                complete = path
            elif keep:
                self.discard(path)
        if a.jug_many_execute:
            self.fresh_run(4, 0, f"jug-run-{n}", "trivial.py", env, n, jobs=1, tool="jug",
                           timeout=max(a.timeout, 900.0))
        if complete is None:
            say("w4: no complete store (every run from empty failed); skipping its lines")
        status_codes = (0, 1)  # both tools' status exit 1 while some task is not done
        for r in range(a.rounds):
            self.add_floor(4, partial(floors.trivial, n, False, j))
            empty = self.store(4, "empty", r)
            self.pair(r, [
                partial(self.measure, 4, "async-status-empty",
                        [[self.jug_async, "status", "trivial.py", "--jugdir", str(empty)]], env,
                        ok_codes=status_codes, label=f"r{r + 1} jug-async status, empty store"),
                partial(self.measure, 4, "jug-status-empty",
                        [[self.jug, "status", "trivial.py", "--jugdir", str(empty)]], env,
                        ok_codes=status_codes, label=f"r{r + 1} jug status, empty store"),
            ])
            self.discard(empty)
            if complete is None:
                continue
            self.pair(r, [
                partial(self.measure, 4, "async-status-full",
                        [[self.jug_async, "status", "trivial.py", "--jugdir", str(complete)]],
                        env, label=f"r{r + 1} jug-async status, complete store"),
                partial(self.measure, 4, "jug-status-full",
                        [[self.jug, "status", "trivial.py", "--jugdir", str(complete)]], env,
                        ok_codes=status_codes, label=f"r{r + 1} jug status, complete store"),
            ])
            self.pair(r, [
                partial(self.measure, 4, "async-noop", [self.async_run("trivial.py", complete, j)],
                        env, jugdir=complete, expect=n,
                        label=f"r{r + 1} jug-async run -j {j}, complete store"),
                partial(self.measure, 4, "jug-noop", [self.jug_execute("trivial.py", complete)],
                        env, jugdir=complete, expect=n,
                        label=f"r{r + 1} jug execute, complete store"),
            ])
        if complete is not None:
            self.discard(complete)

    def w5_big(self) -> None:
        a, j = self.args, self.args.jobs
        n, mb = a.big_n, a.big_mb
        self.params[5] = (f"{n} `produce` (a {mb} MiB float64 array each) → {n} `consume` "
                          "(reads one, returns its sum)")
        env = self.env(n=n, mb=mb)
        for r in range(a.rounds):
            self.add_floor(5, partial(floors.bigresults, n, mb, j))
            self.pair(r, [
                partial(self.fresh_run, 5, r, f"async-j{j}", "bigresults.py", env, 2 * n, jobs=j,
                        tool="jug-async"),
                partial(self.fresh_run, 5, r, f"jug-j{j}", "bigresults.py", env, 2 * n, jobs=j,
                        tool="jug"),
            ])

    def w6_nfs(self) -> None:
        """Workloads 1 and 3 with their stores on sshfs (jugfiles stay local), against
        the same sizes on local disk in the same rounds: one mount shared by every
        process, and two mounts of one export (two "hosts", each its own client)."""
        a = self.args
        self.params[6] = ("workloads 1 and 3 with the store (the jugdir) on an sshfs mount of "
                          "a directory on this disk served by an sshd on 127.0.0.1; jugfiles "
                          "local; sshfs options: "
                          + (f"`{a.nfs_options}`" if a.nfs_options else "sshfs's defaults"))
        try:
            with sshfs.exported(self.work / "nfs", mounts=2, options=a.nfs_options) as (
                    export, mounts):
                self.nfs_rounds(export, mounts)
        except sshfs.Unavailable as exc:
            self.nfs_skipped = str(exc).splitlines()[0] if str(exc) else "sshfs unavailable"
            say(f"w6 skipped: {self.nfs_skipped}")

    def nfs_rounds(self, export: Path, mounts: list[Path]) -> None:
        a, j = self.args, self.args.jobs
        n, nf, nk = a.nfs_trivial_n, a.nfs_tutorial_features, a.nfs_tutorial_k
        shapes = [("trivial", "trivial.py", self.env(n=n, sum=1), n + 1),
                  ("tutorial", "tutorial.py", self.env(features=nf, k=nk), nf + 2 * nk + 1)]
        self.nfs_shapes = {"trivial": f"trivial, {n} tasks + `total`",
                           "tutorial": f"tutorial, {nf} features, k={nk}"}

        def one(r: int, shape: str, jugfile: str, env: dict[str, str], expect: int,
                tool: str, where: str, count: int) -> None:
            key = nfs_key(shape, where, tool, count)
            name = f"w6-{key}-r{r}"
            home = self.work if where == "local" else export  # the store, read directly
            self.discard(home / name)
            if where == "two-mounts":  # one process per mount, as one per host
                dirs = [mounts[i % len(mounts)] / name for i in range(count)]
                if tool == "jug-async":
                    cmds = [self.async_run(jugfile, d, 1) for d in dirs]
                    label = f"{count} jug-async runs -j 1, one per mount"
                else:
                    cmds = [self.jug_execute(jugfile, d) for d in dirs]
                    label = f"jug execute x{count}, one per mount"
            else:
                d = (self.work if where == "local" else mounts[0]) / name
                if tool == "jug-async":
                    cmds, label = [self.async_run(jugfile, d, count)], f"jug-async run -j {count}"
                else:
                    cmds, label = [self.jug_execute(jugfile, d)] * count, f"jug execute x{count}"
            self.measure(6, key, cmds, env, jugdir=home / name, expect=expect,
                         label=f"r{r + 1} {shape}, {label} ({where})")
            self.discard(home / name)

        for r in range(a.rounds):
            for shape, jugfile, env, expect in shapes:
                self.settle(6)
                self.pair(r, [partial(one, r, shape, jugfile, env, expect, tool, where, count)
                              for where, tool, count in nfs_configs(j)])

    def run(self, selected: list[int]) -> None:
        guard = claim(self.work)  # held (open) until the process ends
        remove(self.work)
        self.work.mkdir(parents=True)
        self._guard = guard
        # Both tools start from bytecode, as installed packages do (jug's wheel
        # was compiled by pip; jug-async is an editable install).
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "jug_async")],
                       check=True, env=child_env())
        say("per-operation costs on this disk")
        self.costs = floors.op_costs(self.work / "ops", self.args.big_mb, quick=self.args.quick)
        self.discard(self.work / "ops")
        steps = {1: self.w1_trivial, 2: self.w2_cpu, 3: self.w3_tutorial, 4: self.w4_many,
                 5: self.w5_big, 6: self.w6_nfs}
        for wid in selected:
            say(f"workload {wid}: {TITLES[wid]}")
            steps[wid]()
        if not self.args.keep:
            remove(self.work)


# ---- the report ----------------------------------------------------------------------


@dataclass
class Stat:
    values: list[float]
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # why rounds failed, each once

    @property
    def ok(self) -> bool:
        return bool(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)


def fmt(v: float) -> str:
    a = abs(v)
    if a >= 100:
        return f"{v:.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{fmt(seconds * 1e3)} ms"
    return f"{fmt(seconds)} s"


def span(values: Sequence[float]) -> str:
    text = duration(statistics.median(values))
    if len(values) > 1:
        text += f" ({duration(min(values))}{DASH}{duration(max(values))})"
    return text


def cell(s: Stat | str | None) -> str:
    if s is None:
        return "—"
    if isinstance(s, str):
        return s
    why = ": " + "; ".join(s.errors).replace("|", "\\|") if s.errors else ""
    if not s.ok:
        return f"failed in {s.failed} of {s.failed} rounds{why}"
    text = fmt(s.median)
    if len(s.values) > 1:
        text += f" ({fmt(min(s.values))}{DASH}{fmt(max(s.values))})"
    if s.failed:
        text += f", failed in {s.failed} of {s.failed + len(s.values)} rounds{why}"
    return text


@dataclass
class Row:
    wid: int
    metric: str
    jug_async: Stat | str | None
    jug: Stat | str | None
    higher_is_better: bool = False
    jug_value: float | None = None  # a quoted jug number for the ratio, when jug is text
    target: str = ""
    check: Callable[[Row], bool | None] | None = None
    extra: dict[str, float] = field(default_factory=dict)

    def ratio(self) -> float | None:
        if not isinstance(self.jug_async, Stat) or not self.jug_async.ok:
            return None
        if isinstance(self.jug, Stat) and self.jug.ok:
            jug = self.jug.median
        elif self.jug_value is not None:
            jug = self.jug_value
        else:
            return None
        mine = self.jug_async.median
        if self.higher_is_better:
            return mine / jug if jug else None
        return jug / mine if mine else None


def ratio_at_least(x: float) -> Callable[[Row], bool | None]:
    def check(row: Row) -> bool | None:
        r = row.ratio()
        return None if r is None else r >= x

    return check


def stat(samples: Sequence[Sample] | None, f: Callable[[Sample], float]) -> Stat | None:
    if not samples:
        return None
    errors = list(dict.fromkeys(s.error for s in samples if s.wall is None))
    return Stat([f(s) for s in samples if s.wall is not None],
                sum(s.wall is None for s in samples), errors)


def build_rows(b: Bench) -> list[Row]:
    a, j, S = b.args, b.args.jobs, b.series
    wall = lambda s: s.wall  # noqa: E731
    rows: list[Row] = []
    if 1 in b.floor:
        n = a.trivial_n + 1
        rate = lambda s: n / s.wall  # noqa: E731
        rows.append(Row(1, "tasks/s at -j 1 (jug: 1 process)", stat(S.get((1, "async-j1")), rate),
                        stat(S.get((1, "jug-j1")), rate), higher_is_better=True))
        rows.append(Row(1, f"tasks/s at -j {j} (jug: {j} processes)",
                        stat(S.get((1, f"async-j{j}")), rate), stat(S.get((1, f"jug-j{j}")), rate),
                        higher_is_better=True, target="ratio ≥ 10", check=ratio_at_least(10)))
    if 2 in b.floor:
        # The floors are the best the hardware did in this run: a round whose
        # floor ran while other processes used the CPU only measured them slower.
        par = min(f.parallel for f in b.floor[2])
        seq = min(f.sequential for f in b.floor[2])
        ka, kj = S.get((2, f"async-j{j}")), S.get((2, f"jug-j{j}"))
        rows.append(Row(2, f"wall s at -j {j} (jug: {j} processes)", stat(ka, wall),
                        stat(kj, wall)))
        row = Row(2, f"speed vs the {j}-process floor (best floor s / wall s)",
                  stat(ka, lambda s: par / s.wall), stat(kj, lambda s: par / s.wall),
                  higher_is_better=True, target="jug-async ≥ 0.95")
        row.check = lambda r: (r.jug_async.median >= 0.95) \
            if isinstance(r.jug_async, Stat) and r.jug_async.ok else None
        rows.append(row)
        rows.append(Row(2, f"parallel efficiency (best sequential s / ({j} {TIMES} wall s))",
                        stat(ka, lambda s: seq / (j * s.wall)),
                        stat(kj, lambda s: seq / (j * s.wall)), higher_is_better=True))
    if 3 in b.floor:
        ka = stat(S.get((3, f"async-j{j}")), wall)
        rows.append(Row(3, f"wall s at -j {j} (jug: {j} processes)", ka,
                        stat(S.get((3, f"jug-j{j}")), wall), target="ratio ≥ 10",
                        check=ratio_at_least(10)))
        rows.append(Row(3, f"wall s, jug-async -j {j} vs jug 1 process", ka,
                        stat(S.get((3, "jug-j1")), wall), target="ratio ≥ 1.5",
                        check=ratio_at_least(1.5)))
    if 4 in b.floor:
        n, small = a.many_n, a.many_small_n
        rows.append(Row(4, f"status s, empty store ({n} tasks)",
                        stat(S.get((4, "async-status-empty")), wall),
                        stat(S.get((4, "jug-status-empty")), wall)))
        rows.append(Row(4, "status s, complete store", stat(S.get((4, "async-status-full")), wall),
                        stat(S.get((4, "jug-status-full")), wall), target="ratio ≥ 3",
                        check=ratio_at_least(3)))
        rows.append(Row(4, f"no-op run s, complete store (jug-async -j {j}; jug: 1 process)",
                        stat(S.get((4, "async-noop")), wall), stat(S.get((4, "jug-noop")), wall),
                        target="ratio ≥ 3", check=ratio_at_least(3)))
        jug_full = S.get((4, f"jug-run-{n}"))
        quoted = jug_full is None and n == 100_000
        rows.append(Row(4, f"run s from an empty store (jug-async -j {j}; jug: 1 process)",
                        stat(S.get((4, f"async-run-{n}")), wall),
                        JUG_FULL_QUOTE if quoted else stat(jug_full, wall),
                        jug_value=JUG_FULL_QUOTED_SECONDS if quoted else None,
                        target="ratio ≥ 8", check=ratio_at_least(8)))
        per_small = stat(S.get((4, f"async-run-{small}")), lambda s: s.wall / small * 1e6)
        per_big = stat(S.get((4, f"async-run-{n}")), lambda s: s.wall / n * 1e6)
        jug_small = stat(S.get((4, f"jug-run-{small}")), lambda s: s.wall / small * 1e6)
        rows.append(Row(4, f"µs per task, run from empty, {small} tasks", per_small, jug_small))
        flat = Row(4, f"µs per task, run from empty, {n} tasks", per_big,
                   JUG_FULL_QUOTE if quoted else stat(jug_full, lambda s: s.wall / n * 1e6),
                   jug_value=JUG_FULL_QUOTED_SECONDS / n * 1e6 if quoted else None,
                   target=f"flat: ≤ {FLAT_TOLERANCE}{TIMES} the {small}-task line")
        flat.check = lambda r: (per_big.median <= FLAT_TOLERANCE * per_small.median) \
            if per_big and per_big.ok and per_small and per_small.ok else None
        rows.append(flat)
        own = lambda s: s.rss_kb / 1024  # noqa: E731  (jug-async: the scheduler's VmHWM)
        exact = lambda s: s.tree_rss_kb / 1024  # noqa: E731  (jug: no children, ru_maxrss)
        jug_rss_key = f"jug-run-{n}" if jug_full else "jug-noop"
        rows.append(Row(4, "scheduler peak RSS MB (jug-async: run from empty; jug: "
                        + ("execute from empty)" if jug_full else "no-op execute)"),
                        stat(S.get((4, f"async-run-{n}")), own),
                        stat(S.get((4, jug_rss_key)), exact),
                        target="ratio ≥ 1 (jug-async ≤ jug)", check=ratio_at_least(1)))
    if 5 in b.floor:
        moved = 2 * a.big_n * a.big_mb  # MiB: each array written once and read once
        rate = lambda s: moved / s.wall  # noqa: E731
        rows.append(Row(5, f"MiB/s through the store at -j {j} (jug: {j} processes)",
                        stat(S.get((5, f"async-j{j}")), rate), stat(S.get((5, f"jug-j{j}")), rate),
                        higher_is_better=True))
        rows.append(Row(5, f"wall s at -j {j}", stat(S.get((5, f"async-j{j}")), wall),
                        stat(S.get((5, f"jug-j{j}")), wall)))
    if b.nfs_skipped:
        rows.append(Row(6, f"not measured: {b.nfs_skipped}", "skipped", "skipped"))
    for shape, desc in b.nfs_shapes.items():
        mine = stat(S.get((6, nfs_key(shape, "sshfs", "jug-async", j))), wall)
        rows.append(Row(6, f"{desc}: wall s on sshfs, jug-async -j {j} vs jug 1 process", mine,
                        stat(S.get((6, nfs_key(shape, "sshfs", "jug", 1))), wall)))
        rows.append(Row(6, f"{desc}: wall s on sshfs, jug-async -j {j} vs jug {j} processes",
                        mine, stat(S.get((6, nfs_key(shape, "sshfs", "jug", j))), wall)))
        rows.append(Row(6, f"{desc}: wall s on {j} sshfs mounts of one export (one per "
                        f"\"host\"), jug-async {j} runs {TIMES} -j 1 vs jug {j} processes",
                        stat(S.get((6, nfs_key(shape, "two-mounts", "jug-async", j))), wall),
                        stat(S.get((6, nfs_key(shape, "two-mounts", "jug", j))), wall)))
    return rows


def nfs_section(b: Bench) -> list[str]:
    """Workload 6's cost of the network filesystem: sshfs wall over local-disk wall,
    per tool and parallelism, at the same sizes in the same rounds."""
    if not b.nfs_shapes and not b.nfs_skipped:
        return []
    j, S = b.args.jobs, b.series
    out = ["", "## Network filesystem (workload 6)", ""]
    if b.nfs_skipped:
        return [*out, f"Not measured here: {b.nfs_skipped}. It needs root, `/dev/fuse`, "
                f"`sshfs` and `sshd` ({sshfs.INSTALL_HINT}).", ""]
    out.append("Stores on an sshfs mount of a directory on this same disk, served by an sshd "
               "on 127.0.0.1 (so the network is loopback and the cost is sshfs's round trips), "
               "against the same sizes on local disk in the same rounds. On one mount all "
               "processes share one kernel client; with two mounts each process is its own "
               "client, as on two hosts. Cost = sshfs wall ÷ local wall (median over rounds).")
    out += ["", "| workload | run | local disk s | sshfs s | cost of sshfs |",
            "|---|---|---|---|---|"]
    wall = lambda s: s.wall  # noqa: E731
    for shape, desc in b.nfs_shapes.items():
        for where, tool, count in nfs_configs(j):
            if where == "local":
                continue
            name = (f"jug-async -j {count}" if tool == "jug-async" and where == "sshfs" else
                    f"jug-async {count} runs {TIMES} -j 1" if tool == "jug-async" else
                    f"jug, {count} process" + ("es" if count > 1 else ""))
            if where == "two-mounts":
                name += ", one per mount (local: one directory)"
            local = stat(S.get((6, nfs_key(shape, "local", tool, count))), wall)
            remote = stat(S.get((6, nfs_key(shape, where, tool, count))), wall)
            cost = (f"{remote.median / local.median:.1f}{TIMES}" if local and local.ok
                    and remote and remote.ok else "—")
            out.append(f"| {desc} | {name} | {cell(local)} | {cell(remote)} | {cost} |")
    bg = b.background.get(6)
    if bg:
        out += ["", f"Background CPU at the start of its rounds: {statistics.median(bg):.0%} "
                f"(max {max(bg):.0%})."]
    out.append("")
    return out


def machine() -> str:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    try:
        commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "-C", str(REPO), "status",
                                "--porcelain", "jug_async"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if commit and dirty:
            commit += " + uncommitted changes in jug_async/"
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    try:
        from importlib.metadata import version

        versions = f"jug {version('jug')}, jug-async {version('jug-async')}"
    except Exception:
        versions = "?"
    return (f"{os.cpu_count()} CPUs ({model or platform.machine()}), Python "
            f"{platform.python_version()}, {versions}, commit {commit or '?'}")


def median_of(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def floors_section(b: Bench) -> list[str]:
    """The floors and per-operation costs (workloads 1-5 measure floors)."""
    if not b.floor:
        return []
    a, j = b.args, b.args.jobs
    out = ["", "## Floors (same machine, same run)", ""]
    c = b.costs
    if c is not None:
        out.append("| operation on this disk | per op |")
        out.append("|---|---|")
        out.append(f"| write 64 B + fsync + rename | {c.small_write * 1e6:.0f} µs |")
        out.append(f"| … + fsync of the directory (jug's `dump`) | "
                   f"{c.small_write_dirsync * 1e6:.0f} µs |")
        out.append(f"| write one workload-5 result ({c.big_write_bytes // MIB} MiB) + fsync + "
                   "rename + dir fsync | "
                   f"{c.big_write * 1e3:.1f} ms ({c.big_write_bytes / MIB / c.big_write:.0f} "
                   "MiB/s) |")
        out.append(f"| ProcessPoolExecutor round trip (no-op, warm) | "
                   f"{c.pool_round_trip * 1e6:.0f} µs |")
        out.append("")
    out.append(f"| # | workload | tasks | sequential loop | {j}-process floor | "
               f"tasks {TIMES} (write+fsync+rename+dir fsync) | tasks {TIMES} pool round trip "
               "| background CPU |")
    out.append("|---|---|---|---|---|---|---|---|")
    tasks = {1: a.trivial_n + 1, 2: a.cpu_n + 1, 3: a.tutorial_features + 2 * a.tutorial_k + 1,
             4: a.many_n, 5: 2 * a.big_n}
    for wid in sorted(b.floor):
        fl = b.floor[wid]
        n = tasks[wid]
        if c is None:
            store = pool = "—"
        else:
            seconds = n * c.small_write_dirsync
            if wid == 5:  # half the results are big arrays
                big = c.big_write * a.big_mb * MIB / c.big_write_bytes
                seconds = a.big_n * (big + c.small_write_dirsync)
            store = duration(seconds)
            pool = duration(n * c.pool_round_trip)
        bg = b.background.get(wid)
        bg_text = (f"{statistics.median(bg):.0%} (max {max(bg):.0%})" if bg else "—")
        out.append(f"| {wid} | {TITLES[wid]} | {n} | {span([f.sequential for f in fl])} | "
                   f"{span([f.parallel for f in fl])} | {store} | {pool} | {bg_text} |")
    out += ["", "Background CPU: share of the machine's CPUs busy while the bench slept "
            "0.3 s at the start of each round (other processes on a shared machine; every "
            "timing above competes with them). Rounds wait for it to drop below "
            f"{SETTLE_BELOW:.0%} from a budget of --settle {a.settle:g} s "
            f"({max(0.0, b.settle_left):.0f} s of it left unused).", ""]
    return out


def render(b: Bench, rows: list[Row], elapsed: float) -> str:
    a, j = b.args, b.args.jobs
    wait = a.jug_wait_cycle_time
    out = ["# jug-async vs jug 2.7.0: benchmark results", ""]
    out.append(f"Generated {datetime.datetime.now():%Y-%m-%d %H:%M} by `bench/run.py` in "
               f"{elapsed:.0f} s on {machine()}.")
    out.append("")
    out.append(f"Rounds: {a.rounds} (runs from an empty 100k-task store: {a.slow_rounds}); "
               "tools alternate who goes first; a fresh store every round. jug runs as "
               f"{j} `jug execute` processes started together; its wait cycle is "
               + (f"**{wait:g} s (shortened: not jug's default, not a real comparison)**"
                  if wait is not None else f"jug's default ({JUG_DEFAULT_WAIT:g} s)")
               + f". Cells: median (min{DASH}max over rounds).")
    if a.quick:
        out += ["", "**--quick: tiny sizes, one round. A smoke test, not a measurement.**"]
    out += ["", "Ratio = jug ÷ jug-async for times and memory, jug-async ÷ jug for rates: "
            "above 1 means jug-async does better.", ""]
    out.append("| # | workload | metric | jug-async | jug 2.7.0 | ratio | target | met? |")
    out.append("|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = r.ratio()
        met = r.check(r) if r.check else None
        met_text = "" if r.check is None else ("n/a" if met is None else
                                               ("target met" if met else "target not met"))
        out.append(f"| {r.wid} | {TITLES[r.wid]} | {r.metric} | {cell(r.jug_async)} | "
                   f"{cell(r.jug)} | {'—' if ratio is None else f'{ratio:.2f}'} | "
                   f"{r.target} | {met_text} |")
    out += nfs_section(b)
    out += ["", "## Workloads", ""]
    for wid in sorted(b.params):
        out.append(f"{wid}. **{TITLES[wid]}**: {b.params[wid]}.")
    out += floors_section(b)
    notes = list(b.notes)
    cycle = wait if wait is not None else JUG_DEFAULT_WAIT
    for (wid, key), samples in sorted(b.series.items()):
        several = (key.startswith("jug-j") and key != "jug-j1") or (
            wid == 6 and "-jug-" in key and not key.endswith("-1"))
        if not several or cycle < 5:
            continue  # with a short cycle, startup alone can exceed it
        walls = [s.wall for s in samples if s.wall is not None]
        waited = sum(w >= cycle for w in walls)
        if waited:
            notes.append(f"Workload {wid}" + (f" (`{key}`)" if wid == 6 else "")
                         + f": in {waited} of {len(walls)} rounds the {j} jug "
                         f"processes took longer than one {cycle:g} s wait cycle (one found "
                         "nothing runnable while another held a dependency, and slept): "
                         + ", ".join(f"{w:.1f} s" for w in walls) + ".")
    for (wid, key), ss in sorted(b.series.items()):
        errors = [s.error for s in ss if s.wall is None]
        for err in dict.fromkeys(errors):
            notes.append(f"Workload {wid}, `{key}`: {errors.count(err)} of {len(ss)} rounds "
                         f"failed: {err}.")
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    out += ["", "See `bench/README.md` for what each line measures.", ""]
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text


# ---- command line ------------------------------------------------------------------

QUICK = dict(trivial_n=40, cpu_n=6, cpu_ms=10.0, tutorial_features=20, tutorial_k=3,
             many_n=1000, many_small_n=200, big_n=3, big_mb=2, nfs_trivial_n=20,
             nfs_tutorial_features=10, nfs_tutorial_k=2)


def parse_only(text: str) -> list[int]:
    by_name = {v: k for k, v in NAMES.items()}
    out = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if part.isdigit() and int(part) in NAMES:
            out.append(int(part))
        elif part in by_name:
            out.append(by_name[part])
        else:
            raise argparse.ArgumentTypeError(
                f"unknown workload {part!r}: use 1-{len(NAMES)} or "
                f"{', '.join(NAMES.values())}")
    return sorted(set(out))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="rounds per measurement")
    p.add_argument("--slow-rounds", type=int, default=2,
                   help="rounds of workload 4's runs from an empty store")
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes, one round, jug wait cycle 0.5 s (the smoke test)")
    p.add_argument("--out", default=str(BENCH / "results.md"), help="the Markdown report")
    p.add_argument("--only", type=parse_only, default=list(NAMES),
                   help="workloads to run, by number or name: " + ", ".join(
                       f"{k}={v}" for k, v in NAMES.items()))
    p.add_argument("-j", "--jobs", type=int, default=2,
                   help="jug-async -j and number of jug processes for the parallel lines")
    p.add_argument("--trivial-n", type=int, default=2000, help="workload 1: tasks")
    p.add_argument("--cpu-n", type=int, default=100, help="workload 2: tasks")
    p.add_argument("--cpu-ms", type=float, default=50.0, help="workload 2: ms per task")
    p.add_argument("--tutorial-features", type=int, default=200, help="workload 3: features")
    p.add_argument("--tutorial-k", type=int, default=20, help="workload 3: k-means tasks")
    p.add_argument("--many-n", type=int, default=100_000, help="workload 4: tasks")
    p.add_argument("--many-small-n", type=int, default=10_000,
                   help="workload 4: the smaller size for time per task")
    p.add_argument("--jug-small-rounds", type=int, default=1,
                   help="workload 4: rounds of jug's execute at --many-small-n (1 process)")
    p.add_argument("--jug-many-execute", action="store_true",
                   help="workload 4: also measure jug's execute at --many-n from an empty store "
                   "(1 process, ~80 s); otherwise quoted")
    p.add_argument("--big-n", type=int, default=50, help="workload 5: producers (and consumers)")
    p.add_argument("--big-mb", type=int, default=20, help="workload 5: MiB per result")
    p.add_argument("--nfs-trivial-n", type=int, default=500,
                   help="workload 6: trivial tasks on sshfs (each costs sshfs round trips)")
    p.add_argument("--nfs-tutorial-features", type=int, default=200,
                   help="workload 6: tutorial features on sshfs")
    p.add_argument("--nfs-tutorial-k", type=int, default=20,
                   help="workload 6: tutorial k-means tasks on sshfs")
    p.add_argument("--nfs-options", default="",
                   help="workload 6: extra sshfs -o options (e.g. negative_timeout=20)")
    p.add_argument("--jug-wait-cycle-time", type=float, default=None,
                   help="pass --wait-cycle-time to jug execute (default: jug's own, 12 s)")
    p.add_argument("--timeout", type=float, default=300.0, help="cap per command, seconds")
    p.add_argument("--settle", type=float, default=90.0,
                   help="seconds, in all, that rounds may wait for other processes' CPU use "
                   f"to drop below {SETTLE_BELOW * 100:.0f}%% before they start (0: never wait)")
    p.add_argument("--workdir", default=None,
                   help="stores and logs, removed at the end unless --keep (default: "
                   "bench/work; with --quick, a new temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args(argv)
    if args.quick:
        explicit = {a.split("=")[0] for a in (argv if argv is not None else sys.argv[1:])}
        for k, v in QUICK.items():
            if "--" + k.replace("_", "-") not in explicit:
                setattr(args, k, v)
        args.rounds = args.slow_rounds = 1
        if args.jug_wait_cycle_time is None:
            args.jug_wait_cycle_time = 0.5
        args.timeout = min(args.timeout, 60.0)
        args.settle = 0.0
    if args.workdir is None:
        args.workdir = (tempfile.mkdtemp(prefix="jug-async-bench-") if args.quick
                        else str(BENCH / "work"))
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    bench = Bench(args)
    t0 = time.perf_counter()
    try:
        bench.run(args.only)
    except KeyboardInterrupt:
        say("interrupted: writing what was measured")
    rows = build_rows(bench)
    text = render(bench, rows, time.perf_counter() - t0)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    say(f"wrote {out}")
    print(text)
    return 1 if bench_failed(bench) else 0


def bench_failed(bench: Bench) -> bool:
    """Did a command the bench relies on fail? jug failing on sshfs (workload 6)
    is a finding, reported in its cells, not a failure of the bench."""
    return any(s.wall is None for (wid, key), ss in bench.series.items() for s in ss
               if not (wid == 6 and "-jug-" in key))


if __name__ == "__main__":
    sys.exit(main())
