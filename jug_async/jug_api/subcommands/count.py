"""``jug.subcommands.count``: jug's count subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

count = cmdapi.get("count")

__all__ = ["count"]
