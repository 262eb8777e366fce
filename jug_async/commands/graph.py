"""``jug-async graph``: the task names' dependency diagram, as ``jug graph`` draws it.

Writes ``<jugfile minus .py>.dot`` (one node per task name, labelled with its
F/W/R/A/C counts in jug's colours; one edge per pair of names that depend on
each other), then renders it with graphviz's ``dot`` when that is on the PATH.
The file matches jug's except that edges are sorted (jug writes them in set
order, which changes from run to run).
"""

from __future__ import annotations

import argparse
import os
import sys

from jug_async.commands.common import EXIT_FAILED, EXIT_OK, add_jugfile_arguments, open_session
from jug_async.graph import TaskGraph
from jug_async.view import status

NAME = "graph"
HELP = "write a diagram of the task names' dependencies (<jugfile>.dot, rendered by dot)"
DESCRIPTION = ("Write <jugfile minus .py>.dot, jug's diagram of task names, their dependencies "
               "and their Failed/Waiting/Ready/Active/Complete counts, and render it to "
               "<jugfile minus .py>.<FORMAT> with graphviz's `dot` when it is installed (when it "
               "is not, say so and keep the .dot file). Exit status: 0 the .dot file was written "
               "(and rendered, if dot is installed), 1 dot failed, 2 a usage error.")

_LABEL = (
    '"{name}" [label=<'
    "<table cellpadding='0' cellborder='0' border='0'>"
    "<tr><td colspan='5'>{name}</td></tr>"
    "<tr>"
    "<td><font color='#ff4080'><b>{Failed}F</b></font></td>"
    "<td><font color='#f98cb6'><b>{Waiting}W</b></font></td>"
    "<td><font color='#fca985'><b>{Ready}R</b></font></td>"
    "<td><font color='#7589bf'><b>{Active}A</b></font></td>"
    "<td><font color='#85ca5d'><b>{Complete}C</b></font></td>"
    "</tr>"
    "</table>"
    ">]\n"
)


def configure(parser: argparse.ArgumentParser) -> None:
    add_jugfile_arguments(parser)
    parser.add_argument("--no-status", action="store_true",
                        help="plain task names, without the counts (jug's --no-status)")
    parser.add_argument("--file-format", default="png", metavar="FORMAT",
                        help="what dot renders to: any format dot knows (default: %(default)s)")


def main(args: argparse.Namespace) -> int:
    with open_session(args) as session:
        graph = session.graph
        assert graph is not None
        counts = None
        if not args.no_status:
            states = status.node_states(graph, status.StoreSnapshot.read(session.store))
            counts = status.counts_by_name(graph, states)
        text = dot_text(graph, counts)
    base = os.path.splitext(args.jugfile)[0]
    dotfile = base + ".dot"
    with open(dotfile, "w") as f:
        f.write(text)
    print(f"wrote {dotfile}", file=sys.stderr)
    import shutil
    import subprocess

    dot = shutil.which("dot")
    if dot is None:
        print(f"jug-async: graphviz's `dot` is not installed, so {dotfile} was not rendered: "
              f"install graphviz (apt-get install graphviz) or render it elsewhere with "
              f"`dot -T{args.file_format} {dotfile}`", file=sys.stderr)
        return EXIT_OK
    image = f"{base}.{args.file_format}"
    r = subprocess.run([dot, dotfile, f"-T{args.file_format}", "-o", image],
                       stderr=subprocess.PIPE, text=True, check=False)
    if r.returncode != 0:
        first = (r.stderr.strip().splitlines() or ["no message"])[0]
        print(f"jug-async: dot could not render {dotfile} as {args.file_format}: {first}",
              file=sys.stderr)
        return EXIT_FAILED
    print(f"wrote {image}", file=sys.stderr)
    return EXIT_OK


def dot_text(graph: TaskGraph, counts: dict[str, dict[str, int]] | None) -> str:
    """jug's dot file: per task name in order of first declaration, its node
    (with ``counts`` unless None), then the edges into it."""
    names = graph.names
    edges: dict[str, set[str]] = {}
    for node in graph.declared:
        into = edges.setdefault(names[node], set())
        into.update(names[d] for d in graph.deps[node])
    out = ["digraph {\n"]
    for name, sources in edges.items():
        out.append(f'"{name}"\n' if counts is None else _LABEL.format(name=name, **counts[name]))
        out += [f'"{source}" -> "{name}"\n' for source in sorted(sources)]
    out.append("}\n")
    return "".join(out)
