"""SNT Web on the command line: serve the app, run its jobs; trace, classify, curate and convert files.

One module per family of commands:

:mod:`.serve`
    ``serve``, ``worker``: the app with its job workers; job workers alone.
:mod:`.accounts`
    ``user add | passwd | list | remove``, ``user token add | list | revoke``, ``member set``: accounts, their
    API tokens, project roles.
:mod:`.files`
    ``info``, ``convert``, ``demo-data``: facts about an image or reconstruction, SWC <-> .traces, a synthetic
    stack with its truth.
:mod:`.tracing`
    ``trace``, ``fit``, ``autotrace``: a path between two points, Refine/Fit, whole neurons.
:mod:`.classify`
    ``labels``, ``classify train | apply``: paths as label images, the pixel classifier.
:mod:`.seeds`
    ``seeds from-labels | convert | import | export``: seeds CSVs, in files and in projects.
:mod:`.curation`
    ``check``, ``crossovers``, ``curation-export``, ``calibrate``: the Curation Assistant's checks, exports
    and presets.

Shared argument types and the checks of what arguments name are in
:mod:`.arguments`. Bad input ends with exit code 2 and one line on stderr naming
the file and the problem, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys

from ..io.errors import SNTWebIOError
from ..limits import LimitConfigError
from . import accounts, classify, curation, files, seeds, serve, tracing
from .arguments import CLIError


def build_parser() -> argparse.ArgumentParser:
    """The ``snt-web`` parser: every command, with its handler as ``func``."""
    parser = argparse.ArgumentParser(prog="snt-web", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    # In the order --help has always listed them.
    serve.add_commands(sub)
    accounts.add_commands(sub)
    files.add_commands(sub)
    tracing.add_trace_command(sub)
    classify.add_labels_command(sub)
    tracing.add_fit_command(sub)
    classify.add_classify_commands(sub)
    seeds.add_commands(sub)
    curation.add_commands(sub)
    tracing.add_autotrace_command(sub)
    return parser


def main(argv=None) -> int:
    """Run ``snt-web`` with ``argv`` (default: the process's); the exit code."""
    args = build_parser().parse_args(argv)
    # tifffile logs what it finds wrong in a file (a bad page offset) before raising; our one line says it.
    # A handler of its own keeps Python's last-resort handler from printing that to stderr; a worker's
    # logging setup still receives it.
    logging.getLogger("tifffile").addHandler(logging.NullHandler())
    try:
        return args.func(args)
    except (SNTWebIOError, CLIError, LimitConfigError) as err:
        print(f"snt-web: {err}", file=sys.stderr)
        return 2
    except MemoryError as err:
        name = getattr(args, "file", None) or getattr(args, "image", None) or args.command
        print(f"snt-web: {name}: not enough memory ({err or 'MemoryError'})", file=sys.stderr)
        return 2
    except OSError as err:
        name = err.filename or getattr(args, "file", None) or ""
        print(f"snt-web: {name}: {err.strerror or err}", file=sys.stderr)
        return 2
