"""``memverify selftest``: run the mutation catalogue and print the kill table.

Each catalogued mutant (a plausible bug in the mathematics, :mod:`verify.selftest`) is applied to
a temporary copy of the package, never to the working tree; the mutant's claims are run on it
and compared with the unmutated code. Exit 0 when every selected mutant is killed, 5 when one
survived or is stale, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..inputs import text_list
from .arguments import EXIT_OK, UsageError, output_file, positive_int, seed

__all__ = ["add_parser", "command", "EXIT_SURVIVOR"]

#: exit status when a selected mutant survived (or is stale)
EXIT_SURVIVOR = 5


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``selftest`` to ``subparsers`` and return it."""
    p = subparsers.add_parser(
        "selftest", help="apply the catalogued mutants of the mathematics and check the verdicts move",
        description="Apply each catalogued mutant (a plausible bug in a sign, factor, constant, map, "
                    "time change, inequality direction, error term or grid) to a temporary copy of the "
                    "package, run the claims it names, and compare their verdicts with the unmutated "
                    "code. A mutant is killed when a verdict moves and none of its claims stays "
                    "verified.",
        epilog="Exit codes: 0 every selected mutant killed, 5 a mutant survived or is stale, "
               "2 bad input.")
    p.add_argument("--mutants", metavar="GLOB", default=None,
                   help="comma-separated mutant-id globs (default: all)")
    p.add_argument("--ci", action="store_true",
                   help="only the fast subset that CI runs, with the claims' --quick settings")
    p.add_argument("--quick", action="store_true",
                   help="run the claims with their --quick settings (fewer starts and samples)")
    p.add_argument("--jobs", type=positive_int("--jobs", maximum=64), default=None, metavar="N",
                   help="mutants run side by side (default: the number of cores)")
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="the runs' seed (default: 0)")
    p.add_argument("--list", action="store_true", help="list the selected mutants and exit")
    p.add_argument("--json", action="store_true", help="print the kill table as JSON")
    p.add_argument("--out", metavar="FILE", default=None, help="also write the kill table as JSON")
    p.add_argument("--markdown", metavar="FILE", default=None,
                   help="also write the kill table as Markdown (for docs/selftest-kill-table.md)")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Run the selected mutants; print (and write) the kill table."""
    from ..selftest.run import UnknownMutantPattern, run_selftest, select_mutants
    from .run import default_jobs

    patterns = None if args.mutants is None else text_list(args.mutants, "--mutants", 200)
    out = output_file(args.out, "--out") if args.out is not None else None
    markdown = output_file(args.markdown, "--markdown") if args.markdown is not None else None
    try:
        mutants = select_mutants(patterns, ci=args.ci)
    except UnknownMutantPattern as exc:
        raise UsageError(str(exc)) from None
    if not mutants:
        raise UsageError("no mutant selected")
    if args.list:
        for m in mutants:
            print(f"{m.id:<30} {m.area:<12} {m.kind:<12} {','.join(m.claims):<28} {m.description}")
        print(f"{len(mutants)} mutants")
        return EXIT_OK
    rows = run_selftest(mutants, jobs=args.jobs or default_jobs(), seed=args.seed,
                        quick=args.quick or args.ci,
                        progress=lambda message: print(message, file=sys.stderr, flush=True))
    from derivations.printing import write_text_atomic

    from ..selftest.kill import render_markdown, render_text

    table = [r.to_json() for r in rows]
    if out is not None:
        write_text_atomic(out, json.dumps(table, indent=2) + "\n")
    if markdown is not None:
        write_text_atomic(markdown, render_markdown(rows))
    print(json.dumps(table, indent=2) if args.json else render_text(rows), end="" if not args.json else "\n")
    return EXIT_OK if all(r.killed for r in rows) else EXIT_SURVIVOR
