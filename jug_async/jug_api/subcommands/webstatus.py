"""``jug.subcommands.webstatus``: jug's webstatus subcommand, run by jug-async's CLI
(the monitor's live screen served by textual-serve)."""

from . import BuiltinCommand, cmdapi

__all__ = ["WebStatusCommand", "webstatus"]


class WebStatusCommand(BuiltinCommand):
    """Start a web server to display the status of the run"""

    def __init__(self) -> None:
        super().__init__("webstatus", cmdapi.get("webstatus").__doc__ or "")


webstatus = WebStatusCommand()
