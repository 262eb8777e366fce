"""``jug-async install-skills``: copy the bundled agent skill (jug's command).

The skill is a folder with a ``SKILL.md`` describing how to write jugfiles and
drive jug-async, for coding agents that read skills from a directory.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from jug_async.commands.common import EXIT_FAILED, EXIT_OK, EXIT_USAGE

NAME = "install-skills"
HELP = "install the bundled jug skill (for coding agents) into a skills directory"
DESCRIPTION = "Copy the skill bundled with jug-async to OUTPUT/jug, as jug install-skills does."
EXIT_STATUS = ("exit status: 0 installed, 1 the destination exists (without --force) or "
               "cannot be written, 2 no --output given")
SKILL_NAME = "jug"


def bundled_skill_path() -> str:
    """The skill shipped as package data."""
    return str(Path(__file__).resolve().parent.parent / "skills" / SKILL_NAME)


def install_skill(output: str, force: bool = False) -> str:
    """Copy the bundled skill to ``output/jug`` and return its absolute path.

    Raises:
        RuntimeError: the destination exists (and not ``force``) or cannot be written.
    """
    import shutil

    source = bundled_skill_path()
    if not os.path.isdir(source):
        raise RuntimeError(f"bundled skill payload is missing: {source}")
    target = os.path.join(os.path.abspath(os.path.expanduser(output)), SKILL_NAME)
    try:
        if os.path.lexists(target):
            if not force:
                raise RuntimeError(f"destination already exists: {target} "
                                   "(use --force to overwrite)")
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            else:
                os.unlink(target)
        shutil.copytree(source, target)
    except OSError as e:
        raise RuntimeError(f"could not install the skill to {target}: {e}") from None
    return target


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", metavar="DIR", help="the skills directory (required)")
    parser.add_argument("--force", action="store_true", help="replace OUTPUT/jug if it exists")


def main(args: argparse.Namespace) -> int:
    if not args.output:
        print("jug-async: error: install-skills needs --output DIR", file=sys.stderr)
        return EXIT_USAGE
    try:
        target = install_skill(args.output, force=args.force)
    except RuntimeError as e:
        print(f"jug-async: error: {e}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Installed the jug skill to {target}")
    return EXIT_OK
