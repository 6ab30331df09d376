"""``memverify sample``: generated samples at a fixed step, each decomposed into training sample +
discretization + estimation + Gaussian term, with the bound of each."""

from __future__ import annotations

import argparse
import json
import time
from fractions import Fraction
from typing import Any

from .arguments import DIGITS_RANGE, EXIT_OK, UsageError, concrete_schedule, digits, positive_int, seed

__all__ = ["add_parser", "command", "SAMPLE_BUDGET", "BALL_BUDGET", "MIN_T_START"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``sample`` to ``subparsers`` and return it."""
    p = subparsers.add_parser(
        "sample", help="generate samples with Euler / Euler-Maruyama and decompose each one",
        description="Run the Euler (ode) or Euler-Maruyama (sde) sampler of the oracle field, plus an "
                    "optional estimation error, from M seeded Gaussian starts at t = T down to t = 0, and "
                    "write each endpoint as nearest training sample + discretization term + estimation "
                    "term + Gaussian term, with the norm of each and the bound it should satisfy.")
    p.add_argument("--data", required=True, metavar="FILE",
                   help="CSV (one sample per row; decimals or p/q, read exactly), .npy (converted "
                        "exactly) or builtin:NAME (triangle, square, line5, duplicates)")
    p.add_argument("--sampler", required=True, choices=("euler", "euler-maruyama", "ode", "sde"),
                   help="euler (= ode) or euler-maruyama (= sde)")
    p.add_argument("--steps", required=True, type=positive_int("--steps"), metavar="K",
                   help="number of steps; h = T / K")
    p.add_argument("--schedule", metavar="S", default="linear", help="schedule (default: linear)")
    p.add_argument("--error", metavar="FAMILY:PARAMS", default=None,
                   help="estimation error added to the velocity: bounded:eps=E, critical:lambda=L, "
                        "growing:lambda=L,kappa=K, inverse-density:lambda=L, random:eps=E[,modes=M,"
                        "seed=S,profile=bounded|critical] (optional direction=v1|v2|...), or "
                        "python:module:attr")
    p.add_argument("--n-samples", type=positive_int("--n-samples"), default=None, metavar="M",
                   help="number of starts (default: 100, or 10 with --digits)")
    p.add_argument("--digits", type=digits, default=None, metavar="P",
                   help="python-flint balls at P digits, "
                        f"{DIGITS_RANGE[0]}..{DIGITS_RANGE[1]} (default: float64)")
    p.add_argument("--seed", type=seed, default=0, metavar="S",
                   help="seed of the starts and the Brownian increments (default: 0)")
    p.add_argument("--t-start", default="1", metavar="T",
                   help="start time in (0, 1], exact decimal or p/q (default: 1; vp-linear-sigma "
                        "needs T < 1, e.g. 63/64)")
    p.add_argument("--zeta", default=None, metavar="Z",
                   help="Euler-Maruyama diffusion: an expression in t or a family (flow, default, "
                        "double, half, constant); default: the schedule's own, sigma sigma'")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=command)
    return p


#: Largest number of recorded entries (samples x steps x dimension) ``memverify sample`` accepts.
SAMPLE_BUDGET = 20_000_000
#: Largest ball-arithmetic work (samples x steps x N x d) with ``--digits`` (about 2 minutes).
BALL_BUDGET = 10_000_000
#: Smallest --t-start.
MIN_T_START = Fraction(1, 10**9)


def sample_zeta(text: str | None, method: str):
    """None, a zeta family name, or an exact expression in t."""
    if text is None:
        return None
    if method != "euler-maruyama":
        raise UsageError("--zeta applies to --sampler euler-maruyama (sde) only")
    from derivations.stochastic import ZETA_FAMILIES

    if text.strip() in ZETA_FAMILIES:
        return text.strip()
    from derivations.expressions import parse_expression
    from derivations.schedules import T

    expr = parse_expression(text, "--zeta", {"t": T})
    if expr.free_symbols - {T}:
        raise UsageError(f"--zeta {text!r}: only t may appear")
    return expr


def command(args: argparse.Namespace) -> int:
    """Run the sampler, decompose every endpoint, print a table (or JSON)."""
    import numpy as np

    from ..datasets import load_dataset
    from ..inputs import FLOAT_MAGNITUDE, ball_magnitude, check_magnitude, number
    from ..sampling import (
        METHODS,
        BrownianPaths,
        SamplerError,
        SamplerSpec,
        compiled_schedule,
        parse_error,
        run_sampler,
        time_grid,
    )
    from ..sampling.decomposition import decompose, gaussian_tests
    from ..verdicts import json_safe

    data = load_dataset(args.data)
    N, d = len(data), len(data[0])
    if args.digits:
        check_magnitude(data, f"--data {args.data}", ball_magnitude(args.digits),
                        f"the {args.digits}-digit ball arithmetic")
    else:
        check_magnitude(data, f"--data {args.data}", FLOAT_MAGNITUDE, "the float64 sampler")
    schedule = concrete_schedule(args.schedule)
    method = METHODS[args.sampler]
    t_start = number(args.t_start, "--t-start")
    if 0 < t_start < MIN_T_START:
        raise UsageError(f"--t-start {args.t_start.strip()}: below the smallest start time 1e-9 (the limit)")
    zeta = sample_zeta(args.zeta, method)
    error = parse_error(args.error) if args.error is not None else None
    M = args.n_samples or (10 if args.digits else 100)
    if M * args.steps * d > SAMPLE_BUDGET:
        raise UsageError(f"{M} samples x {args.steps} steps x d = {d} exceeds the recording budget of "
                         f"{SAMPLE_BUDGET:,} entries; lower --n-samples or --steps")
    if args.digits and M * args.steps * N * d > BALL_BUDGET:
        raise UsageError(f"{M} samples x {args.steps} steps x N = {N} x d = {d} exceeds the ball-arithmetic "
                         f"budget of {BALL_BUDGET:,}; lower --n-samples or --steps, or drop --digits")
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
    from ..sampling.decomposition import TERMS

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
