"""``jug.subcommands.install_skills``: jug's ``install-skills`` subcommand, run by jug-async's CLI
(``jug-async install-skills``)."""

from . import BuiltinCommand, cmdapi

__all__ = ["InstallSkillsCommand", "install_skills"]


class InstallSkillsCommand(BuiltinCommand):
    """Install the bundled Jug skill into a skills directory."""

    def __init__(self) -> None:
        super().__init__("install-skills", cmdapi.get("install-skills").__doc__ or "")


install_skills = InstallSkillsCommand()
# jug's module-level helpers, with jug's signatures.
from jug_async.commands.install_skills import bundled_skill_path, install_skill  # noqa: E402

__all__ += ["bundled_skill_path", "install_skill"]
