"""``memverify certificate check FILE``: re-verify an endpoint certificate independently."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .arguments import EXIT_OK, EXIT_REJECTED, UsageError

__all__ = ["add_parser", "command"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``certificate`` (with its action ``check``) to ``subparsers``."""
    p = subparsers.add_parser(
        "certificate", help="re-check a proof written by 'memverify endpoint --certificate'",
        description="Re-verify an endpoint certificate with ball arithmetic alone (verify.proofcheck "
                    "shares no code with the engine): the digest, the frame, every validated step, "
                    "the tie's reflections and the tail lemma. Exit 0 when it proves its statement, "
                    "6 when it is rejected (the reason on stderr).")
    p.add_argument("action", choices=["check"], help="what to do with the certificate")
    p.add_argument("file", metavar="FILE", help="the certificate (JSON)")
    p.add_argument("--json", action="store_true", help="print a JSON object")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Check the certificate and say what it proves."""
    import sys

    from ..proofcheck import CertificateRejected, check_certificate

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"certificate {path}: no such file")
    try:
        result = check_certificate(path)
    except CertificateRejected as exc:
        if args.json:
            print(json.dumps({"accepted": False, "reason": str(exc)}, indent=2))
        print(f"rejected: {exc}", file=sys.stderr)
        return EXIT_REJECTED
    if args.json:
        print(json.dumps({"accepted": True, "statement": result.statement, "rows": result.rows,
                          "endpoint": [str(v) for v in result.endpoint], "steps": result.steps,
                          "seconds": round(result.seconds, 3)}, indent=2))
        return EXIT_OK
    print(f"accepted: {result.statement}")
    print(f"  endpoint ({', '.join(str(v) for v in result.endpoint)}); {result.steps} validated steps "
          f"re-checked in {result.seconds:.2f} s")
    return EXIT_OK
