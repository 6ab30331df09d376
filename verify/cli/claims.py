"""``memverify claims``: the registry as a table, with the verdicts of the last run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .arguments import DEFAULT_OUT, EXIT_OK

__all__ = ["add_parser", "command"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``claims`` to ``subparsers`` and return it."""
    p = subparsers.add_parser("claims", help="list the claim registry with the last verdicts",
                              description="The registry as a table: id, paper, number, provenance and "
                                          "the verdict of the last run found in REPORT.")
    p.add_argument("--report", metavar="REPORT", default=f"{DEFAULT_OUT}/report.json",
                   help=f"report.json of a previous run (default: {DEFAULT_OUT}/report.json)")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Print the registry table."""
    from ..registry import PAPERS, select
    from ..report import load_report

    last = load_report(Path(args.report)) or {}
    verdicts = {c["id"]: c["status"] for c in last.get("claims", [])}
    rows = [(c.id, f"arXiv:{PAPERS[c.paper].arxiv}" if PAPERS[c.paper].arxiv != "-" else "memverify",
             c.number, c.provenance, verdicts.get(c.id, "-")) for c in select(None)]
    head = ("id", "paper", "number", "provenance", "last verdict")
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    if not verdicts:
        print(f"\n(no previous run found at {args.report})")
    return EXIT_OK
