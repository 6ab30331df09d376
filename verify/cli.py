"""The ``memverify`` command line.

Exit codes: 0 the command completed (whatever the verdicts); 1 internal error; 2 bad input
(one line on stderr, nothing written); 3 ``latex --pdf`` found no LaTeX engine (the .tex is
still written); 4 ``run`` completed and wrote its report, but a claim's checker failed (that
claim is ``inconclusive``, named on stderr).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .arguments import positive_int as _positive
from .arguments import seed as _seed

__all__ = ["main", "build_parser", "UsageError", "DIGITS_RANGE"]

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_NO_ENGINE, EXIT_CHECKER_FAILED = 0, 1, 2, 3, 4
DIGITS_RANGE = (20, 2000)
DEFAULT_OUT = "memverify-report"


class UsageError(Exception):
    """Bad input: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # noqa: D401 - argparse hook
        raise UsageError(message)


def _digits(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--digits must be an integer, got {text!r}") from None
    lo, hi = DIGITS_RANGE
    if not lo <= value <= hi:
        raise argparse.ArgumentTypeError(f"--digits must be between {lo} and {hi}, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (its help is the command reference)."""
    p = _Parser(prog="memverify", description=(
        "Symbolic-numeric verification of memorization theory for generative models built on "
        "stochastic interpolation. Schedules: a built-in name (linear, linear-brownian, "
        "trigonometric, vp-linear-sigma) or 'alpha=EXPR; beta=EXPR; gamma=EXPR[; zeta=EXPR]' "
        "in t (or 'alpha=...; sigma=...')."),
        epilog="Exit codes: 0 completed, 1 internal error, 2 bad input, 3 no LaTeX engine for --pdf, "
               "4 a claim's checker failed (report written, that claim inconclusive).")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    run = sub.add_parser("run", help="run the claims' checks and write a report",
                         description="Run the selected claims on built-in defaults, print a summary "
                                     "and write DIR/report.json, DIR/report.md, DIR/derivations.tex.")
    run.add_argument("--claims", metavar="GLOB", default=None,
                     help="comma-separated claim-id globs, e.g. 'LLY25-*,CONV-SNR' (default: all)")
    run.add_argument("--out", metavar="DIR", default=DEFAULT_OUT,
                     help=f"report directory (default: {DEFAULT_OUT})")
    run.add_argument("--quick", action="store_true", help="fewer sample points and steps")
    run.add_argument("--digits", type=_digits, default=50, metavar="P",
                     help=f"working precision in decimal digits, {DIGITS_RANGE[0]}..{DIGITS_RANGE[1]} "
                          "(default: 50)")
    run.add_argument("--seed", type=_seed, default=0, metavar="S", help="random seed (default: 0)")
    run.add_argument("--schedules", metavar="NAMES", default=None,
                     help="comma-separated built-in schedules to check (default: all built-ins)")
    run.set_defaults(func=cmd_run)

    claims = sub.add_parser("claims", help="list the claim registry with the last verdicts",
                            description="The registry as a table: id, paper, number, provenance and "
                                        "the verdict of the last run found in REPORT.")
    claims.add_argument("--report", metavar="REPORT", default=f"{DEFAULT_OUT}/report.json",
                        help=f"report.json of a previous run (default: {DEFAULT_OUT}/report.json)")
    claims.set_defaults(func=cmd_claims)

    derive = sub.add_parser("derive", help="print the derived fields of a schedule",
                            description="Derive the oracle fields, identities and limits of a "
                                        "schedule and print them.")
    derive.add_argument("--schedule", metavar="S", default="linear",
                        help="built-in name, 'generic', or expressions (default: linear)")
    derive.add_argument("--format", choices=("text", "latex", "json"), default="text")
    derive.set_defaults(func=cmd_derive)

    latex = sub.add_parser("latex", help="write a standalone LaTeX document of the derivations",
                           description="Write every derived expression and identity, numbered, "
                                       "with claim ids, as a standalone LaTeX document.")
    latex.add_argument("--schedule", metavar="S", default=None,
                       help="one schedule (default: generic and all built-ins)")
    latex.add_argument("-o", "--output", metavar="FILE", default="derivations.tex",
                       help="output .tex file (default: derivations.tex)")
    latex.add_argument("--pdf", action="store_true",
                       help="also compile a PDF (needs pdflatex, lualatex, xelatex or tectonic)")
    latex.set_defaults(func=cmd_latex)

    endpoint = sub.add_parser(
        "endpoint", help="certify where deterministic oracle generation from a start ends",
        description="Integrate the oracle probability flow from Z_1 = START (t = 1) to t = 0 in "
                    "regular coordinates and certify the endpoint: a training sample, or a tie "
                    "(exact: the start lies on a tie set; unresolved: too close to one for the "
                    "requested precision).")
    endpoint.add_argument("--data", required=True, metavar="FILE",
                          help="CSV (one sample per row; decimals or p/q, read exactly), .npy "
                               "(converted exactly) or builtin:NAME (triangle, square, line5, "
                               "duplicates)")
    endpoint.add_argument("--start", required=True, metavar="X1,X2,...",
                          help="the start Z_1, comma-separated exact decimals (1e-30 allowed) or p/q")
    endpoint.add_argument("--schedule", metavar="S", default="linear",
                          help="schedule for the commit time t (default: linear)")
    endpoint.add_argument("--digits", type=_digits, default=50, metavar="P",
                          help=f"working precision, {DIGITS_RANGE[0]}..{DIGITS_RANGE[1]} (default: 50)")
    endpoint.add_argument("--json", action="store_true", help="print a JSON object")
    endpoint.set_defaults(func=cmd_endpoint)

    sample = sub.add_parser(
        "sample", help="generate samples with Euler / Euler-Maruyama and decompose each one",
        description="Run the Euler (ode) or Euler-Maruyama (sde) sampler of the oracle field, plus an "
                    "optional estimation error, from M seeded Gaussian starts at t = T down to t = 0, and "
                    "write each endpoint as nearest training sample + discretization term + estimation "
                    "term + Gaussian term, with the norm of each and the bound it should satisfy.")
    sample.add_argument("--data", required=True, metavar="FILE",
                        help="CSV (one sample per row; decimals or p/q, read exactly), .npy (converted "
                             "exactly) or builtin:NAME (triangle, square, line5, duplicates)")
    sample.add_argument("--sampler", required=True, choices=("euler", "euler-maruyama", "ode", "sde"),
                        help="euler (= ode) or euler-maruyama (= sde)")
    sample.add_argument("--steps", required=True, type=_positive("--steps"), metavar="K",
                        help="number of steps; h = T / K")
    sample.add_argument("--schedule", metavar="S", default="linear", help="schedule (default: linear)")
    sample.add_argument("--error", metavar="FAMILY:PARAMS", default=None,
                        help="estimation error added to the velocity: bounded:eps=E, critical:lambda=L, "
                             "growing:lambda=L,kappa=K, inverse-density:lambda=L, random:eps=E[,modes=M,"
                             "seed=S,profile=bounded|critical] (optional direction=v1|v2|...), or "
                             "python:module:attr")
    sample.add_argument("--n-samples", type=_positive("--n-samples"), default=None, metavar="M",
                        help="number of starts (default: 100, or 10 with --digits)")
    sample.add_argument("--digits", type=_digits, default=None, metavar="P",
                        help="python-flint balls at P digits, "
                             f"{DIGITS_RANGE[0]}..{DIGITS_RANGE[1]} (default: float64)")
    sample.add_argument("--seed", type=_seed, default=0, metavar="S",
                        help="seed of the starts and the Brownian increments (default: 0)")
    sample.add_argument("--t-start", default="1", metavar="T",
                        help="start time in (0, 1], exact decimal or p/q (default: 1; vp-linear-sigma "
                             "needs T < 1, e.g. 63/64)")
    sample.add_argument("--zeta", default=None, metavar="Z",
                        help="Euler-Maruyama diffusion: an expression in t or a family (flow, default, "
                             "double, half, constant); default: the schedule's own, sigma sigma'")
    sample.add_argument("--json", action="store_true", help="print one JSON object")
    sample.set_defaults(func=cmd_sample)

    docs = sub.add_parser("docs", help="regenerate the generated pages of docs/",
                          description="Rewrite docs/claims.md, docs/conventions.md and "
                                      "docs/derivations/*.md from the registry and the derivations.")
    docs.add_argument("--out", metavar="DIR", default="docs", help="docs directory (default: docs)")
    docs.set_defaults(func=cmd_docs)
    from .falsify.command import add_falsify_parser
    from .gmm.command import add_gmm_parser
    from .separation.command import add_separation_parser

    add_falsify_parser(sub)
    add_gmm_parser(sub)
    add_separation_parser(sub)
    return p


def _resolve(spec: str):
    from derivations.schedules import generic_schedule, resolve_schedule

    return generic_schedule() if spec.strip() == "generic" else resolve_schedule(spec)


def _check_out_dir(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    parent = out.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not _writable(parent):
        raise UsageError(f"--out {out}: cannot create a directory under {parent}")


def _writable(path: Path) -> bool:
    import os

    return os.access(path, os.W_OK)


def cmd_run(args: argparse.Namespace) -> int:
    from .registry import RunContext, select

    claims = select(args.claims)
    schedules: tuple[str, ...] = ()
    if args.schedules:
        from derivations.schedules import builtin_schedule

        schedules = tuple(s.strip() for s in args.schedules.split(",") if s.strip())
        for name in schedules:
            builtin_schedule(name)  # raises ScheduleError for an unknown name
    out = Path(args.out)
    _check_out_dir(out)

    from .progress import RunProgress
    from .report import build_report, render_markdown, write_report_dir
    from .runner import run_claims

    start = time.perf_counter()
    with RunProgress(len(claims)) as progress:
        ctx = RunContext(digits=args.digits, seed=args.seed, quick=args.quick,
                         schedules=schedules, progress=progress.note)
        outcome = run_claims(claims, ctx, on_start=lambda c: progress.start(c.id),
                             on_finish=progress.finish)
        results = outcome.results
        progress.note("derivations.tex")
        tex = _derivations_tex(schedules)
    settings = {"claims": args.claims or "*", "digits": args.digits, "seed": args.seed,
                "quick": args.quick, "schedules": list(schedules) or "all built-ins"}
    report = build_report(claims, results, settings, time.perf_counter() - start,
                          checker_failed=outcome.failed)
    import json

    files: dict[str, str | bytes] = {"report.json": json.dumps(report, indent=2) + "\n",
                                     "report.md": render_markdown(report), "derivations.tex": tex}
    for result in results:
        files.update(result.figures)
    write_report_dir(out, files)
    _print_summary(report, out)
    if outcome.failed:
        print(f"memverify: the checker of {', '.join(outcome.failed)} failed; "
              f"{'that claim is' if len(outcome.failed) == 1 else 'those claims are'} inconclusive "
              f"(the error is in {out}/report.md)", file=sys.stderr)
        return EXIT_CHECKER_FAILED
    return EXIT_OK


def _derivations_tex(schedules: tuple[str, ...]) -> str:
    from derivations.printing import derivation_report, to_latex_document
    from derivations.schedules import BUILTIN_SCHEDULES, builtin_schedule, generic_schedule

    names = schedules or BUILTIN_SCHEDULES
    reports = [derivation_report(generic_schedule())]
    reports += [derivation_report(builtin_schedule(n)) for n in names]
    return to_latex_document(reports)


def _print_summary(report: dict, out: Path) -> None:
    rows = [(c["id"], str(c["status"]), f"{c['seconds']:.2f}", c["summary"]) for c in report["claims"]]
    width = max(len(r[0]) for r in rows)
    print(f"{'claim':<{width}}  {'verdict':<13} {'seconds':>8}  summary")
    for cid, status, secs, summary in rows:
        print(f"{cid:<{width}}  {status:<13} {secs:>8}  {summary}")
    counts = ", ".join(f"{v} {k}" for k, v in report["summary"].items() if v)
    print(f"\n{len(rows)} claims: {counts}. {report['seconds']:.1f} s. Report: {out}/report.md")
    if report.get("checker_failed"):
        print(f"Checker failed (no verdict): {', '.join(report['checker_failed'])}")


def cmd_claims(args: argparse.Namespace) -> int:
    from .registry import PAPERS, select
    from .report import load_report

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


def cmd_derive(args: argparse.Namespace) -> int:
    schedule = _resolve(args.schedule)
    from derivations.printing import derivation_report, to_json, to_latex_document, to_text

    report = derivation_report(schedule)
    if args.format == "json":
        import json

        print(json.dumps(to_json(report), indent=2))
    elif args.format == "latex":
        print(to_latex_document([report]), end="")
    else:
        print(to_text(report), end="")
    return EXIT_OK


def cmd_latex(args: argparse.Namespace) -> int:
    output = Path(args.output)
    if output.exists() and output.is_dir():
        raise UsageError(f"-o {output}: is a directory")
    if not output.resolve().parent.is_dir():
        raise UsageError(f"-o {output}: directory {output.parent} does not exist")
    from derivations.printing import (
        LatexEngineMissing,
        compile_pdf,
        derivation_report,
        to_latex_document,
        write_text_atomic,
    )
    from derivations.schedules import BUILTIN_SCHEDULES, builtin_schedule, generic_schedule

    if args.schedule:
        reports = [derivation_report(_resolve(args.schedule))]
    else:
        reports = [derivation_report(generic_schedule())]
        reports += [derivation_report(builtin_schedule(n)) for n in BUILTIN_SCHEDULES]
    write_text_atomic(output, to_latex_document(reports))
    print(f"wrote {output}")
    if args.pdf:
        try:
            pdf = compile_pdf(output)
        except LatexEngineMissing as exc:
            print(f"memverify: {exc}; {output} was written, no PDF", file=sys.stderr)
            return EXIT_NO_ENGINE
        print(f"wrote {pdf}")
    return EXIT_OK


def cmd_endpoint(args: argparse.Namespace) -> int:
    from .datasets import load_dataset, parse_vector

    data = load_dataset(args.data)
    start = parse_vector(args.start, "--start")
    if len(start) != len(data[0]):
        raise UsageError(f"--start has {len(start)} entries but the training samples have "
                         f"dimension {len(data[0])}")
    schedule = _resolve(args.schedule)
    if schedule.generic:
        raise UsageError("--schedule generic has no time axis; name a concrete schedule")
    from .engine.endpoint import certify_endpoint

    result = certify_endpoint(data, start, digits=args.digits, schedule=schedule)
    if args.json:
        import json

        print(json.dumps(result.to_json(), indent=2))
        return EXIT_OK
    if result.status == "training-sample":
        print(f"training sample: row {result.index} = ({', '.join(result.endpoint)})")
        print(f"  certified: Z_0 is exactly that row; after the commit |Z_t - alpha(t) X| <= "
              f"sigma(t) * {result.tail_radius}")
        print(f"  commit at SNR {result.commit_snr} (t = {result.commit_t} on {schedule.name})")
    elif result.tie_kind == "exact":
        print(f"exact tie between rows {result.tie_set}: endpoint ({', '.join(result.endpoint)}), "
              "not a training sample")
    else:
        print(f"tie (unresolved at {result.digits} digits) among rows {result.tie_set}")
    if result.detail:
        print(f"  {result.detail}")
    print(f"  {result.digits} digits, {result.steps} steps, {result.evaluations} evaluations, "
          f"{result.seconds:.2f} s")
    return EXIT_OK


#: Largest number of recorded entries (samples x steps x dimension) ``memverify sample`` accepts.
SAMPLE_BUDGET = 20_000_000


def _sample_zeta(text: str | None, method: str):
    """None, a zeta family name, or an exact expression in t."""
    if text is None:
        return None
    if method != "euler-maruyama":
        raise UsageError("--zeta applies to --sampler euler-maruyama (sde) only")
    from derivations.stochastic import ZETA_FAMILIES

    if text.strip() in ZETA_FAMILIES:
        return text.strip()
    from derivations.schedules import T, _parse_expression

    expr = _parse_expression(text, "--zeta")
    if expr.free_symbols - {T}:
        raise UsageError(f"--zeta {text!r}: only t may appear")
    return expr


def cmd_sample(args: argparse.Namespace) -> int:
    import json

    import numpy as np

    from .datasets import load_dataset, parse_number
    from .sampling import (
        METHODS,
        BrownianPaths,
        SamplerError,
        SamplerSpec,
        compiled_schedule,
        parse_error,
        run_sampler,
        time_grid,
    )
    from .sampling.decomposition import decompose, gaussian_tests
    from .verdicts import json_safe

    data = load_dataset(args.data)
    N, d = len(data), len(data[0])
    schedule = _resolve(args.schedule)
    if schedule.generic:
        raise UsageError("--schedule generic has no time axis; name a concrete schedule")
    method = METHODS[args.sampler]
    t_start = parse_number(args.t_start, "--t-start")
    zeta = _sample_zeta(args.zeta, method)
    error = parse_error(args.error) if args.error is not None else None
    M = args.n_samples or (10 if args.digits else 100)
    if M * args.steps * d > SAMPLE_BUDGET:
        raise UsageError(f"{M} samples x {args.steps} steps x d = {d} exceeds the recording budget of "
                         f"{SAMPLE_BUDGET:,} entries; lower --n-samples or --steps")
    times = time_grid(args.steps, t_start)
    try:
        grid = compiled_schedule(schedule, method, zeta).floats(times)
    except SamplerError as exc:
        hint = " with --t-start (e.g. --t-start 63/64)" if "not finite" in str(exc) else ""
        raise SamplerError(f"{exc}{hint}") from None
    if (grid["noise2"] < 0).any():
        where = times[int(np.argmax(grid["noise2"] < 0))]
        raise SamplerError(f"--zeta: the diffusion is negative at t = {where}")
    spec = SamplerSpec(schedule, method, args.steps, t_start, zeta, error)
    starts = np.random.default_rng([args.seed, 0x5A11]).standard_normal((M, d))
    noise = BrownianPaths(args.seed, M, d, args.steps) if method == "euler-maruyama" else None
    started = time.perf_counter()
    if args.digits:
        from fractions import Fraction

        exact = [[Fraction(float(v)) for v in row] for row in starts]
        run = run_sampler(data, exact, spec, digits=args.digits, noise=noise, record=True)
    else:
        run = run_sampler(data, starts, spec, noise=noise, record=True)
    dec = decompose(run, data)
    seconds = time.perf_counter() - started
    summary = dec.summary() | {"gaussian_tests": gaussian_tests(dec), "seconds": seconds}
    zeta_label = "default (sigma sigma')" if zeta is None else str(zeta)
    settings = {"data": args.data, "N": N, "d": d, "sampler": method, "schedule": schedule.name,
                "steps": args.steps, "h": str(spec.h), "t_start": str(t_start),
                "zeta": None if method == "euler" else zeta_label,
                "error": error.label if error is not None else None, "n_samples": M,
                "arithmetic": f"balls at {args.digits} digits" if args.digits else "float64",
                "seed": args.seed, "delta": str(dec.delta)}
    ends = run.endpoint_floats()
    if args.json:
        samples = []
        for i in range(M):
            row = {"start": [float(v) for v in starts[i]], "endpoint": [float(v) for v in ends[i]]}
            if args.digits:
                row["endpoint_balls"] = [v.str(args.digits, radius=True) for v in run.endpoints[i]]
            samples.append(row | {"decomposition": dec.to_json(i)})
        print(json.dumps(json_safe({"settings": settings, "samples": samples, "summary": summary}),
                         indent=2))
        return EXIT_OK
    _print_samples(spec, dec, summary, settings, args, seconds)
    return EXIT_OK


def _print_samples(spec, dec, summary: dict, settings: dict, args: argparse.Namespace,
                   seconds: float) -> None:
    """The readable table of ``memverify sample``: the first 20 samples and the summary."""
    from .sampling.decomposition import TERMS

    M, N, d = settings["n_samples"], settings["N"], settings["d"]
    print(f"{spec.label()}, h = {spec.h}; {M} samples from {args.data} (N = {N}, d = {d}), "
          f"{settings['arithmetic']}, seed {args.seed}")
    print(f"Z_0 = X + disc + est + G, X the nearest training sample; bounds: disc a posteriori, est "
          f"{dec.estimation_bound_kind}, G the {1 - dec.delta} quantile sqrt(v_h chi2_d) "
          f"(v_h = {dec.gaussian_variance:.3g})")
    cols = ["#", "nearest", "distance"]
    for t in TERMS:
        cols += [f"|{'G' if t == 'gaussian' else t[:4]}|", "bound"]
    cols.append("identity")
    print("  ".join(f"{c:>9}" for c in cols))
    shown = min(M, 20)
    for i in range(shown):
        if dec.diverged[i]:
            print(f"{i:>9}  {'diverged':>9}")
            continue
        cells = [f"{i:>9}", f"{dec.index[i]:>9}", f"{dec.distance[i]:>9.2e}"]
        for t in TERMS:
            cells += [f"{dec.norms[t][i]:>9.2e}", f"{dec.bounds[t][i]:>9.2e}"]
        cells.append(f"{'ok' if dec.identity_ok[i] else 'FAILS':>9}")
        print("  ".join(cells))
    if M > shown:
        print(f"({M - shown} more samples; --json prints all)")
    s = summary
    print(f"identity holds for {M - s['diverged'] - s['identity_failures']} of {M - s['diverged']} samples "
          f"(max residual {s['max_residual'] or 0:.1e}, bound {s['max_residual_bound'] or 0:.1e}); "
          f"{s['diverged']} diverged")
    g = s["gaussian_tests"]
    for t in TERMS[:2] if g is not None else TERMS:
        extra = ""
        if t == "discretization" and "max_over_sqrt_h" in s[t]:
            extra = f", max |disc|/sqrt(h) = {s[t]['max_over_sqrt_h']:.3g}"
        print(f"  {t}: {s[t]['exceedances']} above the bound{extra}")
    if g is not None:
        print(f"  gaussian: {g['exceedances']} above the bound, {g['expected']:.1f} expected "
              f"(binomial p = {g['binomial_p']:.3g}); KS of |G|^2/v_h against chi2_{d}: p = {g['ks_p']:.3g}")
    print(f"{seconds:.2f} s")


def cmd_docs(args: argparse.Namespace) -> int:
    from .docs import write_docs

    for path in write_docs(Path(args.out)):
        print(f"wrote {path}")
    return EXIT_OK


def _is_user_error(exc: BaseException) -> bool:
    """Bad input, by type; the error modules are consulted only if something imported them."""
    kinds: list[type] = [UsageError]
    for module, name in (("derivations.schedules", "ScheduleError"), ("verify.datasets", "DataError"),
                         ("verify.registry", "UnknownClaimPattern"),
                         ("verify.engine.endpoint", "EngineError"), ("verify.gmm.data", "GMMError"),
                         ("verify.separation.scores", "SeparationError"),
                         ("verify.sampling.coefficients", "SamplerError")):
        if module in sys.modules:
            kinds.append(getattr(sys.modules[module], name))
    return isinstance(exc, tuple(kinds))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``memverify`` console script."""
    # The batch samplers multiply many small matrices; a multithreaded BLAS only adds contention
    # there (4-5x slower on a shared 2-core machine). A user's own setting wins.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except SystemExit as exc:  # --help
        return int(exc.code or 0)
    except KeyboardInterrupt:
        print("memverify: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `memverify claims | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if _is_user_error(exc):
            print(f"memverify: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        print(f"memverify: internal error: {type(exc).__name__}: {exc} "
              "(please report this with the command line)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
