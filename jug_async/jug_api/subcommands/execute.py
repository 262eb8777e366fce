"""``jug.subcommands.execute``: jug's execute subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

execute = cmdapi.get("execute")

__all__ = ["execute"]
