"""``jug.subcommands.internal_validation``: jug's ``test-jug`` subcommand, run by jug-async's CLI
(``jug-async test-jug``)."""

from . import BuiltinCommand, cmdapi

__all__ = ["InternalValidationCommand", "internal_validation"]


class InternalValidationCommand(BuiltinCommand):
    """Run jug test suite (internal validation)"""

    def __init__(self) -> None:
        super().__init__("test-jug", cmdapi.get("test-jug").__doc__ or "")


internal_validation = InternalValidationCommand()
