"""jug's configuration files: jug-async must read exactly what jug 2.7.0 reads.

Each scenario lays out real files (a HOME, a git work tree, jugrc files), then
asks the real jug's option parser (in a subprocess) and jug-async's command
line parser (in a subprocess, same HOME and directory) for the options they end
up with, and compares them.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

from jug_async import config

_JUG = r"""
import json, sys
from jug.options import parse
o = parse(sys.argv[1:])
print(json.dumps({"jugfile": o.jugfile, "jugdir": o.jugdir, "will_cite": bool(o.will_cite),
                  "keep_going": bool(o.execute_keep_going),
                  "nr_wait_cycles": o.execute_nr_wait_cycles,
                  "wait_cycle_time": o.execute_wait_cycle_time, "name": o.execute_name}))
"""

_OURS = r"""
import json, sys
from jug_async import cli, config
from jug_async.commands.common import finish
parser, _ = cli.build_parser(config.load())
a = parser.parse_args(sys.argv[1:])
finish(a)
print(json.dumps({"jugfile": a.jugfile, "jugdir": a.jugdir, "will_cite": a.will_cite,
                  "keep_going": a.keep_going, "nr_wait_cycles": a.nr_wait_cycles,
                  "wait_cycle_time": a.wait_cycle_time,
                  "name": a.names[-1] if a.names else None}))
"""


def options(which: str, cwd: Path, home: Path, *argv: str) -> dict:
    code = _JUG if which == "jug" else _OURS
    r = subprocess.run([sys.executable, "-c", code, *argv], cwd=cwd, capture_output=True,
                       text=True, env={"HOME": str(home), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def both(cwd: Path, home: Path, *argv: str) -> dict:
    ours, jugs = options("ours", cwd, home, *argv), options("jug", cwd, home, *argv)
    assert ours == jugs
    return ours


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(home, repo root with .git, repo/sub/work as the working directory)."""
    home, repo = tmp_path / "home", tmp_path / "repo"
    work = repo / "sub" / "work"
    work.mkdir(parents=True)
    home.mkdir()
    (repo / ".git").mkdir()
    return home, repo, work


def test_no_files_gives_jugs_defaults(tree) -> None:
    home, _, work = tree
    got = both(work, home, "execute")
    assert got["jugdir"] == "jugfile.jugdata" and got["nr_wait_cycles"] == 150


def test_global_then_git_tree_files_closest_wins_command_line_wins_all(tree) -> None:
    home, repo, work = tree
    (home / ".config").mkdir()
    (home / ".config" / "jugrc").write_text(
        "[main]\njugdir = %(jugfile)s.global\nwill-cite = on\n[execute]\nnr-wait-cycles = 3\n")
    (home / ".jug").mkdir()  # not read: ~/.config/jugrc came first
    (home / ".jug" / "configrc").write_text("[execute]\nnr-wait-cycles = 99\n")
    (repo / ".jugrc").write_text("[execute]\nwait-cycle-time = 0.5\nkeep-going = yes\n"
                                 "name = double\n")
    (repo / "sub" / "jugrc").write_text("[main]\njugdir = %(jugfile)s.%(date)s.local\n")
    today = datetime.date.today().strftime("%Y-%m-%d")
    got = both(work, home, "execute", "other.py")
    assert got == {"jugfile": "other.py", "jugdir": f"other.{today}.local", "will_cite": True,
                   "keep_going": True, "nr_wait_cycles": 3, "wait_cycle_time": 0.5,
                   "name": "double"}
    got = both(work, home, "execute", "--jugdir", "x/%(jugfile)s", "--nr-wait-cycles", "7",
               "--name", "total")
    assert (got["jugdir"], got["nr_wait_cycles"], got["name"]) == ("x/jugfile", 7, "total")
    # jugrc files of the work tree are read only inside it: without .git, only cwd's.
    (repo / ".git").rmdir()
    got = both(work, home, "execute")
    assert got["jugdir"] == "jugfile.global" and got["keep_going"] is False


def test_a_flag_set_false_in_a_jugrc_and_a_local_file_over_the_global(tree) -> None:
    home, _, work = tree
    (home / ".jug").mkdir()
    (home / ".jug" / "configrc").write_text("[main]\nwill_cite = 1\njugfile = a.py\n")
    (work / ".jugrc").write_text("[main]\nwill_cite = off\n")
    got = both(work, home, "execute")
    assert (got["will_cite"], got["jugfile"], got["jugdir"]) == (False, "a.py", "a.jugdata")


def test_pure_helpers() -> None:
    assert config.option_name("main", "will-cite") == "will_cite"
    assert config.option_name("sleep-until", "x-y") == "sleep_until_x_y"
    assert [config.to_bool(v) for v in ("", "0", "False", "off", "NO", "n", "1", "yes")] == [
        False] * 6 + [True] * 2
    day = datetime.date(2026, 3, 4)
    assert config.expand_jugdir("%(jugfile)s-%(date)s", "sub/x.py", day) == "sub/x-2026-03-04"
    assert config.expand_jugdir("100%%", "x.py", day) == "100%"
    with pytest.raises(config.ConfigError):
        config.expand_jugdir("50% done", "x.py", day)


def test_a_broken_jugrc_is_a_one_line_error(tmp_path) -> None:
    (tmp_path / ".jugrc").write_text("no section header\n")
    r = subprocess.run([sys.executable, "-m", "jug_async", "check"], cwd=tmp_path,
                       capture_output=True, text=True, env={"HOME": str(tmp_path)})
    assert r.returncode == 2
    assert r.stderr.startswith(f"jug-async: error: configuration file {tmp_path}/.jugrc: ")
    assert len(r.stderr.splitlines()) == 1
    (tmp_path / ".jugrc").write_text("[execute]\nnr-wait-cycles = many\n")
    r = subprocess.run([sys.executable, "-m", "jug_async", "check"], cwd=tmp_path,
                       capture_output=True, text=True, env={"HOME": str(tmp_path)})
    assert (r.returncode, r.stderr) == (
        2, "jug-async: error: configuration option execute_nr_wait_cycles = 'many': "
           "invalid literal for int() with base 10: 'many'\n")
