"""``memverify latex``: a standalone LaTeX document of the derivations (optionally a PDF)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .arguments import EXIT_NO_ENGINE, EXIT_OK, UsageError, output_file, resolve_schedule

__all__ = ["add_parser", "command"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``latex`` to ``subparsers`` and return it."""
    p = subparsers.add_parser("latex", help="write a standalone LaTeX document of the derivations",
                              description="Write every derived expression and identity, numbered, "
                                          "with claim ids, as a standalone LaTeX document.")
    p.add_argument("--schedule", metavar="S", default=None,
                   help="one schedule (default: generic and all built-ins)")
    p.add_argument("-o", "--output", metavar="FILE", default="derivations.tex",
                   help="output .tex file (default: derivations.tex)")
    p.add_argument("--pdf", action="store_true",
                   help="also compile a PDF (needs pdflatex, lualatex, xelatex or tectonic)")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Write the .tex (and the PDF with ``--pdf``); exit 3 when no LaTeX engine is found."""
    output = output_file(args.output, "-o")
    from derivations.printing import (
        LatexEngineMissing,
        compile_pdf,
        derivation_report,
        to_latex_document,
        write_text_atomic,
    )
    from derivations.schedules import BUILTIN_SCHEDULES, builtin_schedule, generic_schedule

    if args.schedule:
        reports = [derivation_report(resolve_schedule(args.schedule))]
    else:
        reports = [derivation_report(generic_schedule())]
        reports += [derivation_report(builtin_schedule(n)) for n in BUILTIN_SCHEDULES]
    try:
        write_text_atomic(output, to_latex_document(reports))
    except OSError as exc:
        raise UsageError(f"-o {output}: cannot write ({exc.strerror or type(exc).__name__})") from None
    print(f"wrote {output}")
    if args.pdf:
        try:
            pdf = compile_pdf(output)
        except LatexEngineMissing as exc:
            print(f"memverify: {exc}; {output} was written, no PDF", file=sys.stderr)
            return EXIT_NO_ENGINE
        print(f"wrote {pdf}")
    return EXIT_OK
