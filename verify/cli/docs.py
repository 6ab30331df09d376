"""``memverify docs``: regenerate the generated pages of ``docs/`` (and, from a run, findings.md)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from .arguments import EXIT_OK, UsageError, output_dir

__all__ = ["add_parser", "command", "read_run"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``docs`` to ``subparsers`` and return it."""
    p = subparsers.add_parser("docs", help="regenerate the generated pages of docs/",
                              description="Rewrite docs/claims.md, docs/conventions.md and "
                                          "docs/derivations/*.md from the registry and the derivations; "
                                          "with --report also docs/findings.md from a run (without it, "
                                          "an existing findings.md is left as it is).")
    p.add_argument("--out", metavar="DIR", default="docs", help="docs directory (default: docs)")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="a report directory of `memverify run` (or its report.json): write "
                        "findings.md from it")
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Write the generated pages and list them."""
    from ..docs import findings_page, write_docs

    out = output_dir(args.out)
    findings = None
    if args.report is not None:  # read and render before anything is written
        report, raw, created = read_run(args.report)
        findings = findings_page(report, raw, created)
    try:
        written = write_docs(out, findings=findings)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot write ({exc.strerror or type(exc).__name__})") from None
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def read_run(text: str) -> tuple[dict[str, Any], bytes, str | None]:
    """(report, its bytes, the run's date or None) of ``--report DIR``: ``DIR/report.json`` (or
    the file itself) and the date ``DIR/timings.json`` keeps; :class:`UsageError` when it is not
    a memverify report."""
    from ..report import TIMINGS_FILE, load_report
    from .claims import MAX_REPORT_BYTES

    if not text.strip():
        raise UsageError("--report: empty directory name")
    given = Path(text)
    path = given / "report.json" if given.is_dir() else given
    if not given.exists():
        raise UsageError(f"--report {given}: no such file or directory")
    if not path.is_file():
        raise UsageError(f"--report {given}: no report.json in it (write one with `memverify run --out DIR`)")
    try:
        size = path.stat().st_size
        if size > MAX_REPORT_BYTES:
            raise UsageError(f"--report {path}: {size:,} bytes exceed the limit of {MAX_REPORT_BYTES:,}")
        raw = path.read_bytes()
        report = json.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise UsageError(f"--report {path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise UsageError(f"--report {path}: not valid JSON") from None
    claims = report.get("claims") if isinstance(report, dict) else None
    if not (isinstance(claims, list) and isinstance(report.get("settings"), dict) and all(
            isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("status"), str)
            for c in claims)):
        raise UsageError(f"--report {path}: not a memverify report (expected an object with 'settings' "
                         "and a list 'claims' of objects with 'id' and 'status')")
    created = report.get("created")
    timings = load_report(path.parent / TIMINGS_FILE)
    if timings and isinstance(timings.get("created"), str):
        created = timings["created"]
    return report, raw, created if isinstance(created, str) and created.strip() else None
