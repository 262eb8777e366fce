"""``jug.subcommands.status``: jug's status subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

status = cmdapi.get("status")

__all__ = ["status"]
