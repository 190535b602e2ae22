"""``healthpath data``: list the datasets, show a card, verify checksums, regenerate synthetic data."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from healthpath.data import regenerate, registry


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``data`` command and its ``list``, ``card``, ``verify`` and ``regenerate`` actions."""
    parser = subparsers.add_parser(
        "data", help="list, document, verify and regenerate the course's datasets",
        description="The datasets in datasets/: their catalogue and cards, their checksums "
                    "(datasets/SHA256SUMS) and the regeneration of the synthetic ones.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="the catalogue: name, kind, returns, licence, summary").set_defaults(
        run=run_list)
    card = actions.add_parser("card", help="print one dataset's card")
    card.add_argument("name", help="dataset name (see `healthpath data list`)")
    card.set_defaults(run=run_card)
    actions.add_parser("verify", help="check every file against datasets/SHA256SUMS").set_defaults(
        run=run_verify)
    regen = actions.add_parser(
        "regenerate", help="rewrite synthetic files, SHA256SUMS and the table in datasets/README.md")
    regen.add_argument("names", nargs="*", metavar="NAME",
                       help="only these synthetic datasets (default: all); SHA256SUMS is rewritten whole")
    regen.add_argument("--check", action="store_true",
                       help="regenerate into a temporary folder and list the committed files that "
                            "differ, changing nothing")
    regen.add_argument("--refresh-shipped", action="store_true",
                       help="also record the current checksums of files shipped in packages (after a "
                            "deliberate package upgrade)")
    regen.set_defaults(run=run_regenerate)


def run_list(args: argparse.Namespace) -> int:
    """Print the catalogue."""
    with pd.option_context("display.max_colwidth", 80, "display.width", 200):
        print(registry.catalog().to_string())
    return 0


def run_card(args: argparse.Namespace) -> int:
    """Print a dataset's card; an unknown name lists the valid ones."""
    try:
        print(registry.card(args.name))
    except registry.UnknownDatasetError as err:
        print(err, file=sys.stderr)
        return 2
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Print every checksum problem; exit 1 if there is any."""
    problems = regenerate.verify()
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return 1
    print(f"all files of {len(registry.names())} datasets match datasets/SHA256SUMS")
    return 0


def run_regenerate(args: argparse.Namespace) -> int:
    """Regenerate (or, with --check, compare) the synthetic datasets; a bad name exits 2."""
    try:
        chosen = regenerate.synthetic(args.names)
    except registry.DatasetError as err:
        print(err, file=sys.stderr)
        return 2
    if args.check:
        differ = regenerate.check([ds.name for ds in chosen])
        for rel in differ:
            print(f"differs from a fresh regeneration: datasets/{rel}", file=sys.stderr)
        if differ:
            print("Run `healthpath data regenerate` if the change is intended.", file=sys.stderr)
            return 1
        print("every synthetic file is reproduced byte for byte")
        return 0
    written = regenerate.regenerate(args.names, refresh_shipped=args.refresh_shipped)
    print(f"wrote {len(written)} synthetic files, datasets/SHA256SUMS and the table in datasets/README.md")
    return 0
