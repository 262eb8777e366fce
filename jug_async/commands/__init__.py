"""One module per subcommand. Each defines:

``NAME``        the subcommand as typed (``run``, ``status``, ...)
``HELP``        one line for ``jug-async --help``
``DESCRIPTION`` the paragraph heading ``jug-async NAME --help``
``configure(parser)``  adds its arguments to its ``argparse`` sub-parser
``main(args) -> int``  does the work and returns the exit status

To add a subcommand, write its module here and list it in ``COMMANDS``;
``cli.py`` builds the parser from this list and dispatches.
"""

from __future__ import annotations

from jug_async.commands import (
    check,
    cleanup,
    count,
    demo,
    execute,
    graph,
    install_skills,
    invalidate,
    monitor,
    pack,
    run,
    shell,
    sleep_until,
    status,
    test_jug,
    webstatus,
)

COMMANDS = (run, execute, status, monitor, check, sleep_until, invalidate, cleanup, count,
            graph, shell, webstatus, pack, demo, test_jug, install_skills)
