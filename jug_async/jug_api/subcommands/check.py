"""``jug.subcommands.check``: jug's check subcommand object(s), run by jug-async's CLI."""

from . import cmdapi

check = cmdapi.get("check")
sleep_until = cmdapi.get("sleep-until")

__all__ = ["check", "sleep_until"]
