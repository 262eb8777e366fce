"""``jug.options``: jug's options object, its configuration files and its command
line, answered by jug-async's (``jug_async.config``, ``jug_async.cli``).

``parse(argv)`` reads a jug command line (``["execute", "jugfile.py", ...]``)
with jug-async's parser and gives an ``Options`` carrying both jug-async's
names (``keep_going``) and jug's (``execute_keep_going``: the command's jugrc
section + ``_`` + the name), so code written for jug's options reads it.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from jug_async import config
from jug_async.api import registry

__all__ = ["Options", "add_common_options", "build_parser", "default_options",
           "find_local_configuration_files", "key_to_option", "load_default_options",
           "parse", "read_configuration_file", "set_jugdir"]


class Options:
    """Attributes looked up here, then in ``next`` (jug's chain: command line,
    jugrc files, defaults)."""

    def __init__(self, next: Options | None,
                 autoinit: Callable[[Options], None] | None = None) -> None:
        self.next = next
        if autoinit is not None:
            autoinit(self)

    def update(self, values: dict[str, Any]) -> None:
        for k, v in values.items():
            setattr(self, k, v)

    def copy(self) -> Options:
        other = Options(self.next)
        other.__dict__.update(self.__dict__)
        return other

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "next":
            raise AttributeError(name)
        nxt = self.__dict__.get("next")
        if nxt is None:
            raise AttributeError(f"no option {name!r}")
        return getattr(nxt, name)


def load_default_options(opt: Options) -> None:
    """jug's defaults of the common options."""
    opt.update({"jugdir": config.DEFAULT_JUGDIR, "jugfile": config.DEFAULT_JUGFILE,
                "subcommand": None, "aggressive_unload": False, "argv": None,
                "print_out": print, "short": False, "pdb": False, "verbose": "quiet",
                "debug": False, "will_cite": False})


default_options = Options(None, autoinit=load_default_options)


def key_to_option(s: str) -> str:
    """A jugrc key as an option name (``keep-going`` -> ``keep_going``)."""
    return s.replace("-", "_")


def find_local_configuration_files() -> list[str]:
    """The local jugrc files, farthest first (closer ones override them)."""
    return [os.fspath(p) for p in reversed(config.local_files())]


def _typed(raw: dict[str, str], defaults: Options | None) -> dict[str, Any]:
    """Convert each value to the type of its default, as jug does."""
    out: dict[str, Any] = {}
    for k, v in raw.items():
        default = getattr(defaults, k, None) if defaults is not None else None
        if isinstance(default, bool):
            out[k] = config.to_bool(v)
        elif isinstance(default, (int, float)):
            out[k] = type(default)(v)
        else:
            out[k] = v
    return out


def read_configuration_file(fp: IO[str] | None = None,
                            default_options: Options | None = None) -> Options:
    """Options from the jugrc ``fp``, or (None) from jug's global and local files."""
    defaults = default_options if default_options is not None else globals()["default_options"]
    raw = config.load() if fp is None else _raw_from(fp)
    opts = Options(defaults)
    opts.update(_typed(raw, defaults))
    return opts


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """jug's options common to every subcommand (``--jugdir``, ``--will-cite``, ...)."""
    from jug_async.commands.common import add_jug_common_options

    add_jug_common_options(parser)


def build_parser() -> argparse.ArgumentParser:
    """jug-async's whole command-line parser, with the jugrc files as defaults."""
    from jug_async.cli import build_parser as cli_parser

    return cli_parser(config.load())[0]


def parse(args: Sequence[str] | None = None, optionsfile: IO[str] | str | None = None,
          ) -> Options:
    """A jug command line (without the program name) as ``Options``.

    Raises:
        SystemExit: a bad command line (argparse's message and status 2).
    """
    import sys

    from jug_async.cli import build_parser as cli_parser
    from jug_async.commands import COMMANDS
    from jug_async.commands.common import finish

    argv = list(sys.argv[1:] if args is None else args)
    user_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, user_args = argv[:cut], argv[cut + 1:]
    if isinstance(optionsfile, str):
        raw = config.read([Path(optionsfile)])
    else:
        raw = config.load() if optionsfile is None else _raw_from(optionsfile)
    parser, _ = cli_parser(raw)
    ns, unknown = parser.parse_known_args(argv)
    ns.args = [*getattr(ns, "args", []), *unknown, *user_args]
    finish(ns)
    opts = Options(default_options)
    values = {k: v for k, v in vars(ns).items() if k != "main"}
    section = next((getattr(c, "CONFIG_SECTION", c.NAME) for c in COMMANDS
                    if ns.command == c.NAME), ns.command).replace("-", "_")
    opts.update({f"{section}_{k}": v for k, v in values.items()})
    opts.update(values)
    opts.update({"subcommand": ns.command, "argv": ns.args})
    return opts


def _raw_from(fp: IO[str]) -> dict[str, str]:
    """A jugrc given as an open file, read as ``config`` reads jugrc files."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jugrc", delete=False) as tmp:
        tmp.write(fp.read())
    try:
        return config.read([Path(tmp.name)])
    finally:
        os.unlink(tmp.name)


def set_jugdir(jugdir: Any) -> Any:
    """Open ``jugdir`` (a path or store spec; None: ``jugdata``, as jug) or use a
    store object as it is; make it the store results load from; return it."""
    from jug_async.store.open import open_store

    store = open_store("jugdata" if jugdir is None else jugdir) if (
        jugdir is None or isinstance(jugdir, str)) else jugdir
    ctx = registry.current()
    if ctx is not None and ctx.collect:  # called from a jugfile while it loads
        ctx.store = store
        ctx.saved = None
    else:
        registry.set_process_context(registry.LoadContext(store=store, collect=False))
    return store

