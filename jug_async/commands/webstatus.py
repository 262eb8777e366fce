"""``jug-async webstatus``: the ``monitor`` screen, live, in a web browser.

jug's ``webstatus`` serves a table that reloads every few seconds. Here
textual-serve serves the very screen ``monitor`` draws (counts per name,
running tasks with host and PID, hosts, failures with tracebacks): each browser
tab starts its own ``jug-async monitor`` process, which only reads the store.
Bound to 127.0.0.1 unless ``--ip`` says otherwise: anyone who can reach the
port sees task names and tracebacks.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys

from jug_async.commands.common import EXIT_OK, add_jugfile_arguments, open_session
from jug_async.errors import JugAsyncError
from jug_async.session import store_spec

NAME = "webstatus"
HELP = "serve the monitor's live screen to a web browser (read-only)"
DESCRIPTION = ("Serve the live screen of `monitor` (per-name progress, running tasks, hosts, "
               "failures with tracebacks) to web browsers with textual-serve, until Ctrl-C. "
               "Each browser tab runs its own read-only `jug-async monitor` on this host. "
               "Listens on 127.0.0.1 unless --ip says otherwise. Exit status: 0 stopped by "
               "Ctrl-C/SIGTERM, 2 a usage error (bad jugfile or store, port taken).")


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("--port", type=int, default=8080,
                        help="TCP port to listen on (default: %(default)s, as jug)")
    parser.add_argument("--ip", default="127.0.0.1", metavar="ADDRESS",
                        help="address to listen on (default: %(default)s, this host only; "
                        "0.0.0.0 for every interface)")
    parser.add_argument("--interval", type=float, default=1.0, metavar="S",
                        help="seconds between the monitor's polls of the store (default "
                        "%(default)s; backs off to 8x while nothing changes)")


def main(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        raise JugAsyncError(f"--port must be between 1 and 65535 (got {args.port})")
    if args.interval <= 0:
        raise JugAsyncError(f"--interval must be positive (got {args.interval})")
    spec = store_spec(args.jugfile, args.jugdir)
    if spec == "memory:":
        raise JugAsyncError("a memory: store lives in one process; webstatus needs a jugdir")
    with open_session(args):  # the jugfile and the store are fine before serving them
        pass
    import shlex

    from textual_serve.server import Server  # loads aiohttp: only for webstatus

    command = shlex.join([sys.executable, "-m", "jug_async", "monitor", args.jugfile,
                          "--jugdir", spec, "--interval", str(args.interval),
                          "--", *args.args])
    server = Server(command, host=args.ip, port=args.port,
                    title=f"jug-async webstatus: {args.jugfile}",
                    public_url=public_url(args.ip, args.port))
    try:
        server.serve()
    except OSError as e:  # the port is taken, or the address is not this host's
        raise JugAsyncError(f"cannot listen on {args.ip}:{args.port}: {e.strerror or e}") from e
    return EXIT_OK


def public_url(ip: str, port: int) -> str:
    """The URL the page uses to reach the server: a wildcard address is not one
    a browser can connect to, so the host's name stands in for it."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return f"http://{ip}:{port}"  # a host name
    if address.is_unspecified:
        return f"http://{socket.getfqdn()}:{port}"
    return f"http://[{ip}]:{port}" if address.version == 6 else f"http://{ip}:{port}"
