"""``memverify run``: run the selected claims, print a summary, write the report directory."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from derivations.display import with_infinity_symbols

from ..inputs import text_list
from .arguments import (
    DEFAULT_OUT,
    DIGITS_RANGE,
    EXIT_CHECKER_FAILED,
    EXIT_OK,
    UsageError,
    add_plugin_option,
    digits,
    load_plugins,
    output_dir,
    positive_int,
    seed,
)

#: most worker processes ``--jobs`` accepts
MAX_JOBS = 64

__all__ = ["add_parser", "command", "MAX_PATTERNS", "MAX_PATTERN_CHARS"]

#: Most comma-separated items of --claims and --schedules, and the longest pattern.
MAX_PATTERNS, MAX_PATTERN_CHARS = 100, 100


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``run`` to ``subparsers`` (from ``add_subparsers``) and return it."""
    p = subparsers.add_parser("run", help="run the claims' checks and write a report",
                              description="Run the selected claims on built-in defaults, print a summary "
                                          "and write DIR/report.json, DIR/report.md, DIR/findings.md (every "
                                          "claim that is not plainly verified, for authors), "
                                          "DIR/derivations.tex.")
    p.add_argument("--claims", metavar="GLOB", default=None,
                   help="comma-separated claim-id globs, e.g. 'LLY25-*,CONV-SNR' (default: all)")
    p.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                   help=f"report directory (default: {DEFAULT_OUT})")
    p.add_argument("--quick", action="store_true", help="fewer sample points and steps")
    p.add_argument("--digits", type=digits, default=50, metavar="P",
                   help=f"working precision in decimal digits, {DIGITS_RANGE[0]}..{DIGITS_RANGE[1]} "
                        "(default: 50)")
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="random seed (default: 0)")
    p.add_argument("--schedules", metavar="NAMES", default=None,
                   help="comma-separated built-in schedules to check (default: all built-ins)")
    p.add_argument("--jobs", type=positive_int("--jobs", maximum=MAX_JOBS), default=None, metavar="N",
                   help="worker processes running claims side by side (default: the number of cores; "
                        "the report is the same for every N)")
    p.add_argument("--no-cache", action="store_true",
                   help="derive everything afresh: neither read nor write the persistent cache of symbolic "
                        "derivations (default location ~/.cache/memverify; MEMVERIFY_CACHE=DIR or off)")
    add_plugin_option(p)
    p.set_defaults(func=command)
    return p


def command(args: argparse.Namespace) -> int:
    """Run the claims, write the report, print the summary; exit 0 whatever the verdicts (4 when a
    claim's checker failed)."""
    from ..registry import RunContext, select

    load_plugins(args.plugin)
    patterns = None if args.claims is None else text_list(args.claims, "--claims", MAX_PATTERNS)
    if patterns is not None and any(len(p) > MAX_PATTERN_CHARS for p in patterns):
        raise UsageError(f"--claims: a pattern longer than {MAX_PATTERN_CHARS} characters (the limit)")
    claims = select(None if patterns is None else ",".join(patterns))
    schedules: tuple[str, ...] = ()
    if args.schedules is not None:
        from derivations.schedules import builtin_schedule

        schedules = tuple(text_list(args.schedules, "--schedules", MAX_PATTERNS))
        for name in schedules:
            builtin_schedule(name)  # raises ScheduleError for an unknown name
    out = output_dir(args.out)

    from ..findings import FINDINGS_FILE, findings_markdown
    from ..progress import RunProgress
    from ..report import TIMINGS_FILE, build_report, render_markdown, split_timings, write_report_dir
    from ..runner import run_claims

    if args.no_cache:
        from derivations.cache import disable

        disable()
    start = time.perf_counter()
    tex_job = TexJob(schedules)  # before the progress display starts its refresh: no thread at the fork
    with RunProgress(len(claims)) as progress:
        ctx = RunContext(digits=args.digits, seed=args.seed, quick=args.quick,
                         schedules=schedules, progress=progress.note)
        outcome = run_claims(claims, ctx, on_start=lambda c: progress.start(c.id),
                             on_finish=progress.finish, jobs=args.jobs or default_jobs(),
                             expected=last_timings(out))
        results = outcome.results
        progress.note("derivations.tex")
        tex, tex_failed = tex_job.result()
    settings = {"claims": args.claims or "*", "digits": args.digits, "seed": args.seed,
                "quick": args.quick, "schedules": list(schedules) or "all built-ins"}
    report = with_infinity_symbols(build_report(claims, results, settings, time.perf_counter() - start,
                                                checker_failed=outcome.failed))
    stable, timings = split_timings(report)  # report.json: the same bytes for the same inputs and seed
    files: dict[str, str | bytes] = {"report.json": json.dumps(stable, indent=2) + "\n",
                                     "report.md": render_markdown(report), "derivations.tex": tex,
                                     TIMINGS_FILE: json.dumps(timings, indent=2) + "\n"}
    # findings.md: from the stable report (no timings in its texts), with the run's date
    files[FINDINGS_FILE] = findings_markdown({**stable, "created": report["created"]})
    for result in results:
        files.update(result.figures)
    write_report_dir(out, files)
    print_summary(report, out)
    for line in tex_failed:
        print(f"memverify: the derivation of schedule {line} (derivations.tex omits it)", file=sys.stderr)
    if outcome.failed:
        print(f"memverify: the checker of {', '.join(outcome.failed)} failed; "
              f"{'that claim is' if len(outcome.failed) == 1 else 'those claims are'} inconclusive "
              f"(the error is in {out}/report.md)", file=sys.stderr)
        return EXIT_CHECKER_FAILED
    return EXIT_CHECKER_FAILED if tex_failed else EXIT_OK


def default_jobs() -> int:
    """The cores this process may use."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def last_timings(out: Path) -> dict[str, float]:
    """Seconds per claim of the last run in ``out`` (schedules the longest work first): its
    ``timings.json`` (report.json holds no timings), or the ``seconds`` of an older report.json."""
    import json

    from ..report import TIMINGS_FILE, load_report

    try:
        timings = json.loads((out / TIMINGS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        timings = None
    if isinstance(timings, dict) and isinstance(timings.get("claims"), dict):
        return {k: float(v) for k, v in timings["claims"].items()
                if isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)}
    report = load_report(out / "report.json") or {}
    claims = report.get("claims", []) if isinstance(report, dict) else []
    return {c["id"]: float(c["seconds"]) for c in claims
            if isinstance(c, dict) and isinstance(c.get("id"), str)
            and isinstance(c.get("seconds"), int | float)}


def derivations_tex(schedules: tuple[str, ...]) -> tuple[str, list[str]]:
    """The LaTeX document of the generic schedule and the given built-ins (default: all), and the
    schedules whose derivation failed (named in a comment at the top; the run exits 4); from the
    persistent cache (:mod:`derivations.cache`) when this code has derived it before."""
    from derivations.cache import cached

    return cached(TEX_CACHE, repr(tuple(schedules)), lambda: _derive_tex(schedules))


#: The cache namespace of derivations.tex.
TEX_CACHE = "derivations-tex"


class TexJob:
    """derivations.tex computed beside the claims: a forked process when the cache misses (so its
    SymPy work overlaps the claims'), nothing when it hits."""

    def __init__(self, schedules: tuple[str, ...]) -> None:
        import multiprocessing as mp

        from derivations.cache import lookup

        self.schedules = schedules
        self.value: tuple[str, list[str]] | None = None
        found, value = lookup(TEX_CACHE, repr(tuple(schedules)))
        self.process = None
        if found:
            self.value = value
            return
        fork = mp.get_context("fork")
        self.receive, send = fork.Pipe(duplex=False)
        self.process = fork.Process(target=_tex_child, args=(schedules, send), daemon=True)
        self.process.start()
        send.close()

    def result(self) -> tuple[str, list[str]]:
        """The document and the failed schedules (computed here if the child could not deliver)."""
        if self.value is not None:
            return self.value
        try:
            self.value = self.receive.recv()
        except (EOFError, OSError):  # the child died: compute it here
            self.value = derivations_tex(self.schedules)
        finally:
            self.process.join()
        return self.value


def _tex_child(schedules: tuple[str, ...], send) -> None:
    try:
        send.send(derivations_tex(schedules))
    except BaseException:  # noqa: BLE001 - quietly: the parent derives it again and reports the error
        pass
    finally:
        send.close()


def _derive_tex(schedules: tuple[str, ...]) -> tuple[str, list[str]]:
    from derivations.printing import derivation_report, to_latex_document
    from derivations.schedules import BUILTIN_SCHEDULES, builtin_schedule, generic_schedule

    names = schedules or BUILTIN_SCHEDULES
    reports, failed = [derivation_report(generic_schedule())], []
    for name in names:
        try:
            reports.append(derivation_report(builtin_schedule(name)))
        except Exception as exc:  # noqa: BLE001 - a broken built-in must not lose the report
            failed.append(f"{name}: {type(exc).__name__}: {' '.join(str(exc).split())}")
    note = "".join(f"% the derivation of schedule {line} failed\n" for line in failed)
    return note + to_latex_document(reports), failed


def print_summary(report: dict, out: Path) -> None:
    """One line per claim, then the verdict counts."""
    rows = [(c["id"], str(c["status"]), f"{c['seconds']:.2f}", c["summary"]) for c in report["claims"]]
    width = max(len(r[0]) for r in rows)
    print(f"{'claim':<{width}}  {'verdict':<13} {'seconds':>8}  summary")
    for cid, status, secs, summary in rows:
        print(f"{cid:<{width}}  {status:<13} {secs:>8}  {summary}")
    counts = ", ".join(f"{v} {k}" for k, v in report["summary"].items() if v)
    print(f"\n{len(rows)} claims: {counts}. {report['seconds']:.1f} s. Report: {out}/report.md")
    if report.get("checker_failed"):
        print(f"Checker failed (no verdict): {', '.join(report['checker_failed'])}")
