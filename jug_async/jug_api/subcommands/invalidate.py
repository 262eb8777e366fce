"""``jug.subcommands.invalidate``: jug's invalidate subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

invalidate = cmdapi.get("invalidate")

__all__ = ["invalidate"]
