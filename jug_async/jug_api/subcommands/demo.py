"""``jug.subcommands.demo``: jug's ``demo`` subcommand, run by jug-async's CLI
(``jug-async demo``)."""

from . import BuiltinCommand, cmdapi

__all__ = ["DemoCommand", "demo"]


class DemoCommand(BuiltinCommand):
    """Create demo directory."""

    def __init__(self) -> None:
        super().__init__("demo", cmdapi.get("demo").__doc__ or "")


demo = DemoCommand()
