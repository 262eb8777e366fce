"""``jug.subcommands``: jug's subcommand API (``SubCommand``, ``cmdapi``).

jug's own subcommands are jug-async's (``cmdapi.run("status", options=...)``
runs ``jug-async status`` with those options). A user's ``SubCommand``
subclass registers itself when instantiated, as in jug, and runs through
``jug.jug.main(["jug", "<name>", ...])`` with jug's common options, its own
options (``parse``/``parse_defaults``), the opened store and the jugfile's
namespace. ``cmdapi.load_user_commands()`` imports
``~/.config/jug/jug_user_commands.py`` as jug does.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from abc import ABCMeta, abstractmethod
from typing import Any

from ..options import Options, default_options

__all__ = ["NoSuchCommandError", "SubCommand", "SubCommandError", "cmdapi"]


class SubCommandError(Exception):
    """A subcommand does not follow the API (no docstring, wrong ``run``)."""


class NoSuchCommandError(Exception):
    """No subcommand has that name."""


def _helptext(cmd: Any) -> str:
    doc = type(cmd).__doc__ or ""
    if not doc.strip():
        raise SubCommandError(f"Command '{cmd}' is missing a documentation string")
    return doc.strip().splitlines()[0]


class SubCommand(metaclass=ABCMeta):
    """A subcommand: its ``name``, ``run(options, store, jugspace)``, and
    optionally ``parse(parser)`` / ``parse_defaults()`` for its own options."""

    def __init__(self) -> None:
        cmdapi._register(self.name, self)
        cmdapi.update_defaults(self.name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.run(*args, **kwargs)

    @property
    @abstractmethod
    def name(self) -> str: ...

    def parse(self, parser: Any) -> None:  # noqa: B027 - optional, as in jug
        """Add this command's options with ``parser.add_argument``."""

    def parse_defaults(self) -> dict[str, Any] | None:
        """Defaults of this command's options, by ``dest``."""
        return None

    @abstractmethod
    def run(self, *args: Any, **kwargs: Any) -> Any:
        """What the command does; the return value is the exit status (None: 0)."""


class BuiltinCommand(SubCommand):
    """One of jug's subcommands, run by jug-async's CLI with ``options``."""

    def __init__(self, name: str, help: str) -> None:
        self._name = name
        self.__doc__ = help
        super().__init__()

    @property
    def name(self) -> str:
        return self._name

    def run(self, options: Any = None, *args: Any, **kwargs: Any) -> int:
        from jug_async.cli import main as cli_main

        argv = [self._name]
        if options is not None:
            argv += [getattr(options, "jugfile", "jugfile.py"),
                     "--jugdir", str(getattr(options, "jugdir", "%(jugfile)s.jugdata"))]
            if getattr(options, "will_cite", False):
                argv.append("--will-cite")
            argv += list(getattr(options, "extra_argv", []) or [])
            user_args = list(getattr(options, "argv", None) or [])
            if user_args:
                argv += ["--", *user_args]
        return cli_main(argv)


class SubCommandManager:
    """The registry of subcommands (jug's ``cmdapi``)."""

    def __init__(self) -> None:
        self._commands: dict[str, SubCommand] = {}
        self.default_options = Options(None)
        self._user_loaded = False

    def _register(self, name: str, cmd: SubCommand) -> None:
        old = self._commands.get(name)
        # A jug.subcommands.<x> module giving jug's class for a built-in replaces it quietly.
        if old is not None and old is not cmd and not (
                isinstance(old, BuiltinCommand) and isinstance(cmd, BuiltinCommand)):
            logging.warning("Jug: command: '%s' will be overridden with code from '%s'",
                            name, type(cmd).__name__)
        self._commands[name] = cmd

    def update_defaults(self, name: str) -> None:
        opts = self.get(name).parse_defaults()
        if opts:
            self.default_options.update(opts)

    def get(self, command: str) -> SubCommand:
        if command not in self._commands:
            self.load_user_commands()
        try:
            return self._commands[command]
        except KeyError:
            raise NoSuchCommandError(f"Unknown subcommand '{command}'") from None

    def run(self, command: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``command`` with jug's arguments (``options``, ``store``, ``jugspace``)."""
        return self.get(command)(*args, **kwargs)

    def user_command(self, name: str) -> SubCommand | None:
        """The user's (not built-in) subcommand called ``name``, if any."""
        try:
            cmd = self.get(name)
        except NoSuchCommandError:
            return None
        return None if isinstance(cmd, BuiltinCommand) else cmd

    def load_user_commands(self, user_path: str = "~/.config/jug/") -> None:
        """Import ``jug_user_commands.py`` from ``user_path`` (once), as jug does."""
        if self._user_loaded:
            return
        self._user_loaded = True
        path = os.path.expanduser(user_path)
        if os.path.isfile(os.path.join(path, "jug_user_commands.py")):
            if path not in sys.path:
                sys.path.insert(0, path)
            try:
                importlib.import_module("jug_user_commands")
            except Exception as e:
                logging.warning("Couldn't load subcommand 'jug_user_commands' with error '%s'", e)

    def parse(self, name: str, argv: list[str]) -> Options:
        """``argv`` (after the command name) as Options for the user command ``name``:
        jugfile, jug's common options, the command's own options and defaults."""
        from jug_async.commands.common import add_jug_common_options, add_jugfile_arguments

        cmd = self.get(name)
        parser = argparse.ArgumentParser(prog=f"jug {name}", description=_helptext(cmd))
        add_jugfile_arguments(parser)
        add_jug_common_options(parser)
        cmd.parse(parser.add_argument_group(name))
        ns = parser.parse_args(argv)
        opts = Options(self.default_options)
        opts.update({k: v for k, v in vars(ns).items() if v is not None})
        if getattr(opts, "jugdir", None) is None:
            opts.jugdir = default_options.jugdir
        from jug_async import config

        opts.jugdir = config.expand_jugdir(opts.jugdir, opts.jugfile)
        opts.subcommand = name
        return opts

    def usage(self, error: Any = "", exit: bool = True, _print: bool = True) -> str:
        """The list of subcommands with their help line."""
        self.load_user_commands()
        lines = ["jug SUBCOMMAND [JUGFILE] [OPTIONS...]", "", "Subcommands", "-----------"]
        lines += [f"   {name + ':':<15} {_helptext(c)}"
                  for name, c in sorted(self._commands.items())]
        if error:
            lines += ["", str(error)]
        message = "\n".join(lines) + "\n"
        if _print:
            sys.stdout.write(message)
        if exit:
            sys.exit(1)
        return message


cmdapi = SubCommandManager()


def _builtins() -> None:
    from jug_async.commands import COMMANDS

    for c in COMMANDS:
        BuiltinCommand(c.NAME, c.HELP)


_builtins()
