"""``jug.subcommands.webstatus``: jug's webstatus subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

webstatus = cmdapi.get("webstatus")

__all__ = ["webstatus"]
