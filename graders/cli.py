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
    """Run one sub-command; its function returns the exit status."""
    args = build_parser().parse_args(argv)
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
