"""``memverify claims``: the registry as a table, with the verdicts of the last run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .arguments import DEFAULT_OUT, EXIT_OK, UsageError, add_plugin_option, load_plugins

__all__ = ["add_parser", "command", "previous_verdicts", "MAX_REPORT_BYTES"]

#: Largest report.json ``--report`` reads.
MAX_REPORT_BYTES = 64 * 2**20


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``claims`` to ``subparsers`` and return it."""
    p = subparsers.add_parser("claims", help="list the claim registry with the last verdicts",
                              description="The registry as a table: id, paper, number, provenance and "
                                          "the verdict of the last run found in REPORT.")
    p.add_argument("--report", metavar="REPORT", default=f"{DEFAULT_OUT}/report.json",
                   help=f"report.json of a previous run (default: {DEFAULT_OUT}/report.json)")
    add_plugin_option(p)
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Print the registry table."""
    from ..registry import PAPERS, select

    load_plugins(args.plugin)
    verdicts = previous_verdicts(args.report)
    rows = [(c.id, f"arXiv:{PAPERS[c.paper].arxiv}" if PAPERS[c.paper].arxiv != "-" else "memverify",
             c.number, c.provenance, verdicts.get(c.id, "-")) for c in select(None)]
    head = ("id", "paper", "number", "provenance", "last verdict")
    widths = [max(len(r[k]) for r in [head, *rows]) for k in range(len(head))]
    for r in [head, *rows]:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    if not verdicts:
        print(f"\n(no previous run found at {args.report})")
    return EXIT_OK


def previous_verdicts(text: str) -> dict[str, str]:
    """Claim id -> verdict from a previous ``report.json``; empty when the file does not exist.
    A file that exists but is not a memverify report is bad input."""
    if not text.strip():
        raise UsageError("--report: empty file name")
    path = Path(text)
    if not path.exists():
        return {}
    if path.is_dir():
        raise UsageError(f"--report {path}: is a directory")
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise UsageError(f"--report {path}: {size:,} bytes exceed the limit of {MAX_REPORT_BYTES:,}")
        report = json.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise UsageError(f"--report {path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UsageError(f"--report {path}: not valid JSON") from None
    claims = report.get("claims") if isinstance(report, dict) else None
    if not isinstance(claims, list) or not all(
            isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("status"), str)
            for c in claims):
        raise UsageError(f"--report {path}: not a memverify report (expected an object whose 'claims' "
                         "is a list of objects with 'id' and 'status')")
    return {c["id"]: c["status"] for c in claims}
