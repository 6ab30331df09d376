"""``memverify docs``: regenerate the generated pages of ``docs/``."""

from __future__ import annotations

import argparse
from typing import Any

from .arguments import EXIT_OK, UsageError, output_dir

__all__ = ["add_parser", "command"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``docs`` to ``subparsers`` and return it."""
    p = subparsers.add_parser("docs", help="regenerate the generated pages of docs/",
                              description="Rewrite docs/claims.md, docs/conventions.md and "
                                          "docs/derivations/*.md from the registry and the derivations.")
    p.add_argument("--out", metavar="DIR", default="docs", help="docs directory (default: docs)")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Write the generated pages and list them."""
    from ..docs import write_docs

    out = output_dir(args.out)
    try:
        written = write_docs(out)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write ({exc.strerror or type(exc).__name__})") from None
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK
