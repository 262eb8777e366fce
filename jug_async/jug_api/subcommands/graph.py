"""``jug.subcommands.graph``: jug's graph subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

graph = cmdapi.get("graph")

__all__ = ["graph"]
