"""``jug.subcommands.cleanup``: jug's cleanup subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

cleanup = cmdapi.get("cleanup")

__all__ = ["cleanup"]
