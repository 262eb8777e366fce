"""``jug-async execute``: jug's name for ``run``, with the same options, so job
scripts written for ``jug execute`` run with ``jug`` replaced by ``jug-async``."""

from __future__ import annotations

from jug_async.commands.run import (
    CONFIG_KEYS,
    CONFIG_SECTION,
    DESCRIPTION,
    EXIT_STATUS,
    configure,
    main,
)

__all__ = ["CONFIG_KEYS", "CONFIG_SECTION", "DESCRIPTION", "EXIT_STATUS", "HELP", "NAME",
           "configure", "main"]

NAME = "execute"
HELP = "the same as run (jug's name), for jug's job scripts"
