"""``jug.subcommands.pack``: jug's ``pack`` subcommand, run by jug-async's CLI
(``jug-async pack``: small results into jug's pack file)."""

from . import BuiltinCommand, cmdapi

__all__ = ["PackCommand", "pack"]


class PackCommand(BuiltinCommand):
    """Pack small results into a single file"""

    def __init__(self) -> None:
        super().__init__("pack", cmdapi.get("pack").__doc__ or "")


pack = PackCommand()
