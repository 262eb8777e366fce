"""``jug.subcommands.shell``: jug's shell subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

shell = cmdapi.get("shell")

__all__ = ["shell"]
