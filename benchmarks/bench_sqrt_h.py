"""Benchmark of the sqrt(h) sweep of LLY26-T2 / LLY26-T3 (``verify.sampling.laws``), side by side.

Run from the repository root:  python benchmarks/bench_sqrt_h.py [--starts 1000] [--spot 20]
[--em] [--threads 1]

(a) The full sweep: 5 schedules (linear, linear-brownian, trigonometric, vp-linear-sigma from
    t = 63/64, quarter-power) x 8 step sizes (K = 2^2..2^9) x 1000 Gaussian starts, float64 batch,
    N = 100 Gaussian atoms in d = 8 (seed 0), each cell recorded (margins) and fitted (median and
    0.9 quantile, 400 bootstrap resamples). Budget 60 s. ``--em`` adds the Euler-Maruyama sweep
    (coupled Brownian paths, Gaussian-term tests).
(b) Its high-precision spot checks: every cell re-run in python-flint balls at 50 digits for the
    first 20 starts (exact data and starts), float64 against the ball midpoints and certified
    deviations. Budget 10 min.
(c) Baseline for (b), measured in the same run on one cell (linear-brownian, K = 64, the same
    20 starts): a plain mpmath Euler loop at 50 digits (max-shifted softmax, derived coefficients
    lambdified to mpmath) against the ball sampler; the endpoints must agree and the ratio is
    printed.

BLAS threads default to 1 (``--threads``): on the shared two-core machine a second thread made
the small (M x d) @ (d x N) products several times slower. A table and one JSON line are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup(starts: int, seed: int):
    import numpy as np

    from verify.sampling.laws import gaussian_data

    X = gaussian_data(seed)
    S = np.random.default_rng([seed, 0x57A7]).standard_normal((starts, X.shape[1]))
    return X, S


def bench_sweep(method: str, X, S, seed: int) -> dict[str, object]:
    from verify.sampling.laws import (
        SWEEP_SCHEDULES,
        fit_exponent,
        predicted_exponents,
        run_sweep,
        sqrt_h_constant,
        sweep_schedule,
    )

    for name in SWEEP_SCHEDULES:  # derive and compile first: the sweep is what is timed
        predicted_exponents(sweep_schedule(name), method)
    out: dict[str, object] = {}
    sweeps = {}
    t0 = time.perf_counter()
    for name in SWEEP_SCHEDULES:
        sw = run_sweep(sweep_schedule(name), method, X, S, seed=seed, gaussian=method != "euler")
        med = fit_exponent(sw.h, sw.dev, "median", floor=sw.floor, seed=seed)
        q90 = fit_exponent(sw.h, sw.dev, "q90", floor=sw.floor, seed=seed)
        const = sqrt_h_constant(sw)
        sweeps[name] = sw
        out[name] = {"seconds": sw.seconds, "median": med.text(), "q90": q90.text(), "C": const.C,
                     "C_all": const.C_all}
    out["wall_s"] = time.perf_counter() - t0
    out["_sweeps"] = sweeps
    return out


def bench_spot(method: str, sweeps, X, S, count: int, digits: int, seed: int) -> dict[str, object]:
    from verify.sampling.laws import spot_check, sweep_schedule

    out: dict[str, object] = {}
    t0 = time.perf_counter()
    for name, sw in sweeps.items():
        cells = spot_check(sw, sweep_schedule(name), X, S, digits=digits, count=count, seed=seed)
        out[name] = {"seconds": sum(c.seconds for c in cells), "agree": all(c.agree for c in cells),
                     "max_radius": max(c.max_radius for c in cells),
                     "max_disagreement": max(c.max_disagreement for c in cells)}
    out["wall_s"] = time.perf_counter() - t0
    return out


def mpmath_euler(X, S, schedule_name: str, K: int, digits: int):
    """The reference loop: Z <- Z - h (a Z + c m(Z, t)) in mpmath, t = 1, 1 - h, ..., h."""
    import mpmath
    import sympy as sp

    from derivations.schedules import T
    from verify.sampling.coefficients import compiled_schedule, time_grid
    from verify.sampling.laws import sweep_schedule

    co = compiled_schedule(sweep_schedule(schedule_name), "euler")
    f = sp.lambdify(T, [co.expressions[k] for k in ("alpha", "sigma", "a", "c")], modules="mpmath")
    out = []
    with mpmath.workdps(digits):
        Xm = [[mpmath.mpf(Fraction(float(v)).numerator) / Fraction(float(v)).denominator for v in row]
              for row in X]
        h = mpmath.mpf(1) / K
        for start in S:
            z = [mpmath.mpf(Fraction(float(v)).numerator) / Fraction(float(v)).denominator for v in start]
            for t in time_grid(K):
                alpha, sigma, a, c = f(mpmath.mpf(t.numerator) / t.denominator)
                logits = [-mpmath.fsum((zj - alpha * xj) ** 2 for zj, xj in zip(z, row, strict=True))
                          / (2 * sigma * sigma) for row in Xm]
                top = max(logits)
                w = [mpmath.exp(v - top) for v in logits]
                total = mpmath.fsum(w)
                m = [mpmath.fsum(wi * row[j] for wi, row in zip(w, Xm, strict=True)) / total
                     for j in range(len(z))]
                z = [zj - h * (a * zj + c * mj) for zj, mj in zip(z, m, strict=True)]
            out.append(z)
    return out


def bench_baseline(X, S, count: int, digits: int, K: int = 64) -> dict[str, object]:
    import mpmath

    from verify.sampling.laws import exact_rows, sweep_schedule
    from verify.sampling.samplers import SamplerSpec, run_sampler

    name = "linear-brownian"
    t0 = time.perf_counter()
    ref = mpmath_euler(X, S[:count], name, K, digits)
    t_mp = time.perf_counter() - t0
    t0 = time.perf_counter()
    run = run_sampler(exact_rows(X), exact_rows(S[:count]), SamplerSpec(sweep_schedule(name), "euler", K),
                      digits=digits)
    t_ball = time.perf_counter() - t0
    with mpmath.workdps(digits):
        diff = max(abs(mpmath.mpf(b.mid().str(digits + 5, radius=False)) - r)
                   for row_b, row_r in zip(run.endpoints, ref, strict=True)
                   for b, r in zip(row_b, row_r, strict=True))
    return {"cell": f"{name}, K = {K}, {count} starts, {digits} digits", "mpmath_s": t_mp, "ball_s": t_ball,
            "ratio": t_mp / t_ball, "max_difference": float(diff), "max_radius": run.max_radius()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=1000)
    ap.add_argument("--spot", type=int, default=20)
    ap.add_argument("--digits", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--em", action="store_true", help="also the Euler-Maruyama sweep and its spot checks")
    ap.add_argument("--part", choices=("all", "sweep", "baseline"), default="all")
    args = ap.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before numpy is imported

    X, S = setup(args.starts, args.seed)
    out: dict[str, object] = {"starts": args.starts, "spot": args.spot, "digits": args.digits,
                              "threads": args.threads}
    rows: list[tuple[str, str]] = []
    methods = ("euler", "euler-maruyama") if args.em else ("euler",)
    if args.part in ("all", "sweep"):
        for method in methods:
            sw = bench_sweep(method, X, S, args.seed)
            sweeps = sw.pop("_sweeps")
            out[f"sweep_{method}"] = sw
            rows.append((f"{method} sweep, 5 x 8 x {args.starts}", f"{sw['wall_s']:8.2f} s   (budget 60 s)"))
            for name in sweeps:
                info = sw[name]
                rows.append((f"  {name}", f"{info['seconds']:6.2f} s  {info['median']}  C = {info['C']:.3g} "
                                          f"(all {info['C_all']:.3g})"))
            sp_ = bench_spot(method, sweeps, X, S, args.spot, args.digits, args.seed)
            out[f"spot_{method}"] = sp_
            rows.append((f"{method} spot checks, 40 cells x {args.spot} starts, {args.digits} digits",
                         f"{sp_['wall_s']:8.2f} s   (budget 600 s)"))
            for name in sweeps:
                info = sp_[name]
                rows.append((f"  {name}", f"{info['seconds']:6.2f} s  agree {info['agree']}, radius <= "
                                          f"{info['max_radius']:.1e}, |float - ball| <= "
                                          f"{info['max_disagreement']:.1e}"))
    if args.part in ("all", "baseline"):
        b = bench_baseline(X, S, args.spot, args.digits)
        out["baseline"] = b
        rows.append((f"baseline cell: {b['cell']}", ""))
        rows.append(("  mpmath Euler loop", f"{b['mpmath_s']:8.2f} s"))
        rows.append(("  ball sampler (python-flint)", f"{b['ball_s']:8.2f} s   ratio {b['ratio']:.1f}x, "
                                                     f"max |ball - mpmath| {b['max_difference']:.1e}, "
                                                     f"radius {b['max_radius']:.1e}"))
    width = max(len(a) for a, _ in rows)
    print(f"sqrt(h) sweep: N = {X.shape[0]}, d = {X.shape[1]}, BLAS threads = {args.threads}")
    for a, b in rows:
        print(f"  {a:<{width}}  {b}")
    print(json.dumps(out, default=str))


if __name__ == "__main__":
    main()
