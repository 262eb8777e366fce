"""jug's configuration files, read exactly as jug 2.7 reads them.

Files (INI, read with ``RawConfigParser``: no ``%`` interpolation):

1. global: the first of ``~/.config/jug/jugrc``, ``~/.config/jugrc``,
   ``~/.jug/configrc`` that exists and opens;
2. local: ``.jugrc`` then ``jugrc`` in the working directory; inside a git work
   tree (a ``.git`` directory or file in the working directory or above) also in
   every directory up to and including the work tree's root.

Closer files win: a local file over the global one, the working directory's over
its parents'. ``[main] key`` sets the option ``key``; ``[section] key`` sets
``section_key`` (``-`` becomes ``_`` in both). The command line wins over all.

The result is a flat ``{option: raw string}``; the caller converts each value to
its option's type (``to_bool`` for flags), as jug converts to the type of the
option's default.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from jug_async.errors import JugAsyncError

GLOBAL_FILES = ("~/.config/jug/jugrc", "~/.config/jugrc", "~/.jug/configrc")
LOCAL_NAMES = (".jugrc", "jugrc")
DEFAULT_JUGDIR = "%(jugfile)s.jugdata"
DEFAULT_JUGFILE = "jugfile.py"


class ConfigError(JugAsyncError):
    """A configuration file cannot be parsed, or a value does not fit its option."""


def option_name(section: str, key: str) -> str:
    """``[main] will-cite`` -> ``will_cite``; ``[execute] keep-going`` ->
    ``execute_keep_going``."""
    key = key.replace("-", "_")
    return key if section == "main" else f"{section.replace('-', '_')}_{key}"


def to_bool(value: str) -> bool:
    """jug's reading of a flag in a jugrc: ``''``, 0, false, off, no, n are False."""
    return value.lower() not in ("", "0", "false", "off", "no", "n")


def global_file() -> Path | None:
    """The one global file jug reads: the first that exists and can be opened."""
    for name in GLOBAL_FILES:
        path = Path(os.path.expanduser(name))
        if path.exists():
            try:
                path.open(encoding="utf-8").close()
            except OSError:
                continue
            return path
    return None


def local_files(cwd: Path | None = None) -> list[Path]:
    """``.jugrc``/``jugrc`` files, closest to ``cwd`` first (see the module doc)."""
    cwd = cwd or Path.cwd()
    git_root = next((d for d in (cwd, *cwd.parents) if (d / ".git").exists()), None)
    found: list[Path] = []
    for d in (cwd, *cwd.parents) if git_root is not None else (cwd,):
        found += [d / n for n in LOCAL_NAMES if (d / n).is_file()]
        if d == git_root:
            break
    return found


def config_files(cwd: Path | None = None) -> list[Path]:
    """Every file read, lowest priority first."""
    g = global_file()
    return ([g] if g is not None else []) + list(reversed(local_files(cwd)))


def read(files: Iterable[Path]) -> dict[str, str]:
    """``{option: raw value}`` from ``files`` (lowest priority first).

    Raises:
        ConfigError: a file is not valid INI.
    """
    options: dict[str, str] = {}
    for path in files:
        parser = configparser.RawConfigParser()
        try:
            with open(path, encoding="utf-8") as f:
                parser.read_file(f)
        except OSError:
            continue  # jug skips a file it cannot open
        except (configparser.Error, UnicodeDecodeError) as e:
            first = str(e).splitlines()[0]
            raise ConfigError(f"configuration file {path}: {first}") from None
        for section in parser.sections():
            for key, value in parser.items(section):
                options[option_name(section, key)] = value
    return options


def load(cwd: Path | None = None) -> dict[str, str]:
    """The options set by the configuration files jug would read from ``cwd``."""
    return read(config_files(cwd))


def expand_jugdir(jugdir: str, jugfile: str, today: date | None = None) -> str:
    """jug's placeholders: ``%(jugfile)s`` is the jugfile minus its last three
    characters (``sub/x.py`` -> ``sub/x``), ``%(date)s`` today as YYYY-MM-DD.

    Raises:
        ConfigError: a ``%`` that is not one of the placeholders (jug fails with
            a traceback there; write ``%%`` for a literal ``%``).
    """
    today = today or date.today()
    try:
        return jugdir % {"date": today.strftime("%Y-%m-%d"), "jugfile": jugfile[:-3]}
    except (KeyError, ValueError, TypeError) as e:
        raise ConfigError(f"--jugdir {jugdir!r}: only %(jugfile)s, %(date)s and %% may follow "
                          f"a '%' ({type(e).__name__}: {e})") from None
