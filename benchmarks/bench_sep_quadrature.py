"""Benchmark of SEP-P41 by quadrature (``verify.separation.quadrature``), side by side with mpmath's plain
``quad``.

Run from the repository root:  python benchmarks/bench_sep_quadrature.py [--digits 30] [--seed 0]
[--baseline 1/10,1/10000]

(a) SEP-P41 at 30 digits for n = 6 samples of a two-component 1-D mixture (seed 0, exact rationals)
    over the six s of ``S_GRID`` (1e-4 .. 3): vector-valued adaptive Gauss-Legendre with breakpoints
    at the softmax switches. Budget 20 s.
(b) Baseline on the ``--baseline`` s values: ``mpmath.quad`` on (-inf, inf), no breakpoints, one call
    per integral (L(empirical), L(true), Fisher) and atom, at the same working precision; the time,
    the ratio to (a)'s time at that s, and |gap - Fisher| and the deviation from (a) are printed.
A table and one JSON line are printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    import mpmath

    from verify.separation.quadrature import S_GRID, gap_quadrature, plain_quad_gap, random_training_set

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--digits", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--baseline", default="1/10,1/10000", help="comma-separated s values ('' for none)")
    args = p.parse_args(argv)
    data, means, cov = random_training_set(6, 1, args.seed)
    rows, ours = [], {}
    start = time.perf_counter()
    for s in S_GRID:
        t = time.perf_counter()
        q = gap_quadrature(data, means, cov, s, args.digits)
        dt = time.perf_counter() - t
        ours[s] = (q, dt)
        rows.append({"s": str(s), "seconds": round(dt, 2), "evaluations": q.evaluations,
                     "gap": mpmath.nstr(q.gap, 15), "relative_residual": mpmath.nstr(q.worst_relative(), 3)})
    total = time.perf_counter() - start
    print(f"(a) adaptive GL with breakpoints, {args.digits} digits, n = 6, d = 1: {total:.2f} s in all")
    for r in rows:
        print(f"  s = {r['s']:>8}  {r['seconds']:6.2f} s  {r['evaluations']:6d} evals  gap = {r['gap']:>22}"
              f"  rel. residual {r['relative_residual']}")
    base = []
    for text in filter(None, args.baseline.split(",")):
        s = Fraction(text)
        q, dt = ours.get(s) or (gap_quadrature(data, means, cov, s, args.digits), float("nan"))
        t = time.perf_counter()
        gap, fis = plain_quad_gap(data, means, cov, s, args.digits)
        bt = time.perf_counter() - t
        with mpmath.workdps(args.digits + 15):
            dev = abs(gap - q.gap) / q.scale
            own = abs(gap - fis) / q.scale
        base.append({"s": str(s), "seconds": round(bt, 2), "ratio": round(bt / dt, 1),
                     "gap_minus_fisher": mpmath.nstr(own, 3), "deviation_from_a": mpmath.nstr(dev, 3)})
        print(f"(b) plain mpmath.quad, s = {s}: {bt:.2f} s ({bt / dt:.1f}x), |gap - Fisher|/scale = "
              f"{mpmath.nstr(own, 3)}, |gap - gap(a)|/scale = {mpmath.nstr(dev, 3)}")
    print(json.dumps({"digits": args.digits, "total_seconds": round(total, 2), "rows": rows,
                      "baseline": base}))
    return 0 if total <= 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
