"""``memverify derive``: the derived fields, identities and limits of one schedule."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .arguments import EXIT_OK, resolve_schedule

__all__ = ["add_parser", "command"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``derive`` to ``subparsers`` and return it."""
    p = subparsers.add_parser("derive", help="print the derived fields of a schedule",
                              description="Derive the oracle fields, identities and limits of a "
                                          "schedule and print them.")
    p.add_argument("--schedule", metavar="S", default="linear",
                   help="built-in name, 'generic', or expressions (default: linear)")
    p.add_argument("--format", choices=("text", "latex", "json"), default="text")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Print the derivation report in the chosen format."""
    schedule = resolve_schedule(args.schedule)
    from derivations.display import infinity_symbols
    from derivations.printing import derivation_report, to_json, to_latex_document, to_text

    report = derivation_report(schedule)
    if args.format == "json":
        print(json.dumps(to_json(report), indent=2))
    elif args.format == "latex":
        print(to_latex_document([report]), end="")
    else:
        print(infinity_symbols(to_text(report)), end="")
    return EXIT_OK
