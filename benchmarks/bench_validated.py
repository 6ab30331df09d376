"""Validated endpoints (issue 11): memverify vs heyoka vs mpmath.odefun, side by side in one run.

Run from the repository root:  python benchmarks/bench_validated.py [--large] [--no-heyoka]

* memverify: ``memverify endpoint --json`` as a subprocess (the engine's own seconds and the
  process wall time, imports included): every step a validated enclosure, the endpoint a theorem.
* heyoka (optional extra ``[bench]``; non-validated Taylor integrator on LLVM, multiprecision
  ``real``): the same regular-coordinate ODE
  :math:`dy/d\\ell=\\sum_i\\operatorname{softmax}_i(\\ell\\langle y,X_i\\rangle-\\ell^2|X_i|^2/2)X_i`
  from :math:`\\ell=0` to the SNR at which memverify certified the commit, at the same precision
  (tolerance :math:`10^{-P}`); its integration alone (the JIT compilation is timed apart).
* mpmath.odefun: the same ODE to the same SNR (Taylor series in mpmath, not validated).

Problems: seed-0 Gaussian data and start (``bench_endpoint.problem``); N = 10, d = 2 at 30 digits
always; N = 1000, d = 64 at 50 digits with ``--large`` (heyoka's JIT of a 64k-term expression and
odefun are attempted under a time limit).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_endpoint import problem  # noqa: E402


def memverify_cli(data, start, digits: int) -> dict:
    """``memverify endpoint`` on the problem (a CSV of exact decimals), timed."""
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        csv.write_text("\n".join(",".join(str(v) for v in row) for row in data) + "\n")
        begin = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "verify", "endpoint", "--data", str(csv), "--start",
                              ",".join(str(v) for v in start), "--digits", str(digits), "--json"],
                             capture_output=True, text=True, check=True, cwd=ROOT)
        wall = time.perf_counter() - begin
    result = json.loads(out.stdout)
    result["wall"] = wall
    return result


def _float_rows(data):
    return [[float(v) for v in row] for row in data]


def heyoka_run(data, start, ell_end: float, digits: int, limit: float) -> dict:
    """heyoka on the regular-coordinate ODE at ``digits`` (real, prec bits), JIT timed apart."""
    import heyoka as hy

    prec = int(digits * 3.33) + 8
    n, d = len(data), len(data[0])
    ys = hy.make_vars(*[f"y{j}" for j in range(d)])
    ell = hy.time
    X = _float_rows(data)
    logits = [ell * hy.sum([ys[j] * X[i][j] for j in range(d)]) - ell * ell * (0.5 * sum(v * v for v in X[i]))
              for i in range(n)]
    top = logits[0]  # softmax is shift-invariant; shifting by one logit keeps it finite at l = 0
    weights = [hy.exp(g - top) for g in logits]
    total = hy.sum(weights)
    rhs = [hy.sum([weights[i] * X[i][j] for i in range(n)]) / total for j in range(d)]
    begin = time.perf_counter()
    ta = hy.taylor_adaptive(list(zip(ys, rhs, strict=True)),
                            [hy.real(float(v), prec) for v in start], fp_type=hy.real,
                            tol=hy.real(10.0 ** -digits, prec), time=hy.real(0, prec))
    jit = time.perf_counter() - begin
    begin = time.perf_counter()
    outcome = ta.propagate_until(hy.real(ell_end, prec))
    seconds = time.perf_counter() - begin
    return {"jit_s": round(jit, 3), "integrate_s": round(seconds, 4), "outcome": str(outcome[0]),
            "steps": int(outcome[3]) if len(outcome) > 3 else None}


def odefun_run(data, start, ell_end: float, digits: int) -> float:
    import mpmath

    with mpmath.workdps(digits):
        X = [[mpmath.mpf(v.numerator) / v.denominator for v in row] for row in data]
        q = [sum(v * v for v in row) / 2 for row in X]

        def field(ell, y):
            g = [ell * mpmath.fsum(a * b for a, b in zip(y, row, strict=True)) - ell * ell * qi
                 for row, qi in zip(X, q, strict=True)]
            top = max(g)
            e = [mpmath.exp(v - top) for v in g]
            s = mpmath.fsum(e)
            return [mpmath.fsum(ei * row[j] for ei, row in zip(e, X, strict=True)) / s for j in range(len(y))]

        sol = mpmath.odefun(field, 0, [mpmath.mpf(v.numerator) / v.denominator for v in start])
        begin = time.perf_counter()
        sol(mpmath.mpf(ell_end))
        return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also N = 1000, d = 64 at 50 digits")
    parser.add_argument("--no-heyoka", action="store_true")
    parser.add_argument("--odefun-large", action="store_true", help="also odefun on the large problem")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"load average at start: {load:.2f} (2 cores)")
    cases = [(10, 2, 30)] + ([(1000, 64, 50)] if args.large else [])
    rows = []
    for n, d, digits in cases:
        data, start = problem(n, d)
        mv = memverify_cli(data, start, digits)
        ell_end = float(mv["commit_snr"])
        row = {"N": n, "d": d, "digits": digits, "endpoint": mv["index"], "status": mv["status"],
               "memverify_engine_s": round(mv["seconds"], 3), "memverify_cli_wall_s": round(mv["wall"], 2),
               "steps": mv["steps"], "commit_snr": ell_end}
        if not args.no_heyoka:
            try:
                row["heyoka"] = heyoka_run(data, start, ell_end, digits, limit=600)
            except ImportError:
                row["heyoka"] = "not installed (pip install -e '.[bench]')"
        if n <= 10 or args.odefun_large:
            row["odefun_s"] = round(odefun_run(data, start, ell_end, digits), 2)
        rows.append(row)
        print(json.dumps(row))
    print()
    print("| problem | memverify (validated) | heyoka integration (JIT) | mpmath.odefun | ratios |")
    print("|---|---|---|---|---|")
    for r in rows:
        hy = r.get("heyoka")
        hy_txt = (f"{hy['integrate_s']} s ({hy['jit_s']} s)" if isinstance(hy, dict) else str(hy))
        ode = r.get("odefun_s")
        ratios = []
        if ode:
            ratios.append(f"odefun/memverify {ode / r['memverify_engine_s']:.0f}×")
        if isinstance(hy, dict):
            ratios.append(f"heyoka/memverify {hy['integrate_s'] / r['memverify_engine_s']:.2f}×")
        print(f"| N={r['N']}, d={r['d']}, {r['digits']} digits, to SNR {r['commit_snr']:.4g} | "
              f"{r['memverify_engine_s']} s engine, {r['memverify_cli_wall_s']} s CLI wall, "
              f"{r['steps']} steps | "
              f"{hy_txt} | {ode if ode else '—'} s | {', '.join(ratios)} |")


if __name__ == "__main__":
    main()
