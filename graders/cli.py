"""The ``healthpath`` command line: one sub-command per module in :mod:`graders.commands`."""

import argparse
import importlib
import pkgutil
import sys

import graders.commands


def build_parser() -> argparse.ArgumentParser:
    """The parser with every sub-command of :mod:`graders.commands` registered."""
    parser = argparse.ArgumentParser(
        prog="healthpath", description="Instructor tools for the Machine Learning Pathway course."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(graders.commands.__path__), key=lambda i: i.name):
        importlib.import_module(f"graders.commands.{info.name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one sub-command; its function returns the exit status. Options the command does not know
    go to the commands that pass them on (``server_args``) and are an error for the others."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        if not hasattr(args, "server_args"):
            parser.error(f"unrecognized arguments: {' '.join(unknown)}")
        args.server_args = unknown
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
