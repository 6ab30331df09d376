"""Benchmarks for the certified endpoint engine (issue 3), side by side in one run.

Run from the repository root:  python benchmarks/bench_endpoint.py [--scaling] [--full]

1. Baseline: ``mpmath.odefun`` on the same oracle ODE in t (linear schedule,
   dZ/dt = (Z - m(Z, t))/t) from t = 1 to t = 0.05, against ``certify_endpoint`` certifying the
   exact endpoint at t = 0 (re-check at +20 digits included). N = 10, d = 2, 30 digits, the same
   seed-0 Gaussian data and start. Target ratio >= 100.
2. ``--scaling``: one certified trajectory at 50 digits for growing N and d (time, steps, peak
   memory), to show how the cost grows towards the N = 1000, d = 64 target.
3. ``--full``: the N = 1000, d = 64, 50-digit trajectory itself (slow; see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def problem(n: int, d: int, seed: int = 0):
    import numpy as np

    rng = np.random.default_rng(seed)
    data = [[Fraction(float(v)) for v in row] for row in rng.standard_normal((n, d))]
    start = [Fraction(float(v)) for v in rng.standard_normal(d)]
    return data, start


def odefun_to(data, start, t_end: str, digits: int) -> float:
    import mpmath

    with mpmath.workdps(digits):
        X = [[mpmath.mpf(v.numerator) / v.denominator for v in row] for row in data]

        def velocity(t, z):
            g = [-sum((a - (1 - t) * b) ** 2 for a, b in zip(z, x, strict=True)) / (2 * t * t)
                 for x in X]
            top = max(g)
            e = [mpmath.exp(v - top) for v in g]
            s = mpmath.fsum(e)
            m = [mpmath.fsum(ei * x[j] for ei, x in zip(e, X, strict=True)) / s for j in range(len(z))]
            return [(a - b) / t for a, b in zip(z, m, strict=True)]

        # odefun integrates forward in its variable: use tau = 1 - t.
        sol = mpmath.odefun(lambda tau, z: [-v for v in velocity(1 - tau, z)], 0,
                            [mpmath.mpf(v.numerator) / v.denominator for v in start])
        begin = time.perf_counter()
        sol(1 - mpmath.mpf(t_end))
        return time.perf_counter() - begin


def engine(data, start, digits: int) -> tuple[float, object]:
    from verify.engine.endpoint import certify_endpoint

    begin = time.perf_counter()
    result = certify_endpoint(data, start, digits=digits)
    return time.perf_counter() - begin, result


def child_trajectory(n: int, d: int, digits: int) -> dict:
    code = (
        f"import json, resource, sys; sys.path.insert(0, {str(ROOT)!r});"
        "from benchmarks.bench_endpoint import problem, engine;"
        f"data, start = problem({n}, {d}); t, r = engine(data, start, {digits});"
        "print(json.dumps({'seconds': t, 'status': r.status, 'index': r.index, 'steps': r.steps,"
        "'evaluations': r.evaluations, 'maxrss_mib': resource.getrusage(resource.RUSAGE_SELF)"
        ".ru_maxrss // 1024}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--full", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {}

    data, start = problem(10, 2)
    t_engine, r = engine(data, start, 30)
    t_ode = odefun_to(data, start, "0.05", 30)
    ratio = t_ode / t_engine
    results.update(engine_s=round(t_engine, 3), odefun_to_t005_s=round(t_ode, 2), ratio=round(ratio, 1),
                   endpoint=r.index, status=r.status)
    print(f"N=10, d=2, 30 digits: engine certifies Z_0 = X_{r.index} ({r.status}) in {t_engine:.2f} s; "
          f"mpmath.odefun reaches t = 0.05 in {t_ode:.1f} s; ratio {ratio:.0f}x (target >= 100x)")

    sizes = [(10, 2), (30, 8), (100, 16), (300, 32)] if args.scaling else []
    if args.full:
        sizes.append((1000, 64))
    for n, d in sizes:
        row = child_trajectory(n, d, 50)
        results[f"N{n}_d{d}_50digits"] = row
        print(f"N={n:5d}, d={d:3d}, 50 digits: {row['seconds']:8.2f} s, {row['steps']} steps, "
              f"{row['evaluations']} atom-orders, peak {row['maxrss_mib']} MiB, {row['status']}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
