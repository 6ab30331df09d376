"""Benchmark of the float64 batch mode of the endpoint engine (``verify.engine.batch``).

Run from the repository root:  python benchmarks/bench_batch.py [--M 10000] [--threads 1]

(a) ``batch_endpoints`` for M trajectories on N = 1000 Gaussian atoms in d = 64
    (``X = randn(N, d)``, ``starts = randn(M, d)``, fixed seed, ``recheck="never"``) to their
    certified commits: wall time (budget 60 s for M = 10^4), steps, field evaluations, the
    fractions certified / flagged; with a smaller ``--M`` the time is extrapolated linearly.
(b) One field evaluation (logits + max-shifted softmax + ``W @ X``) for the whole batch against
    one numpy matmul ``(M x d) @ (d x N)`` of the same shape, measured side by side in this run
    (target: ratio <= 3). Three variants: the stage evaluation of the engine (softmax shift =
    the previous leader's logit, one ``exp`` pass), the same with the exact row maximum (an
    extra max and subtract pass), and the end-of-step evaluation (also the top-two logits and
    the tangent product ``Cov_w(X) v`` used for the error growth).

BLAS threads default to 1 (``--threads``): the machine is shared, and with the other core busy
a single thread was measured to be faster. A table and one JSON line are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timeit(fn, repeat: int) -> tuple[float, float]:
    """(min, median) seconds of ``repeat`` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[0], times[len(times) // 2]


def bench_field(M: int, N: int, d: int, seed: int, repeat: int) -> dict[str, float]:
    import numpy as np

    from verify.engine.batch import FieldEvaluator

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    Y = rng.standard_normal((M, d)) + 0.6 * X[rng.integers(0, N, M)]
    ell = np.full(M, 0.6)  # mid-flight: weights spread over many atoms
    XT = np.ascontiguousarray(X.T)
    out = np.empty((M, N))
    fe = FieldEvaluator(X)
    lead = (Y @ XT).argmax(axis=1)
    V = rng.standard_normal((M, d))
    res = {
        "matmul": _timeit(lambda: Y @ X.T, repeat),
        "matmul_out": _timeit(lambda: np.matmul(Y, XT, out=out), repeat),
        "field_stage": _timeit(lambda: fe(Y, ell, lead), repeat),
        "field_exact_max": _timeit(lambda: fe(Y, ell, None), repeat),
        "field_end_of_step": _timeit(lambda: fe(Y, ell, lead, top=True, tangent=V), repeat),
    }
    return {f"{k}_{w}": v[i] for k, v in res.items() for i, w in enumerate(("min", "median"))}


def bench_run(M: int, N: int, d: int, seed: int) -> dict[str, object]:
    import numpy as np

    from verify.engine.batch import batch_endpoints

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((N, d))
    starts = rng.standard_normal((M, d))
    t0 = time.perf_counter()
    res = batch_endpoints(X, starts, recheck="never")
    wall = time.perf_counter() - t0
    reasons: dict[str, int] = {}
    for r in res.reason:
        reasons[r or "trusted"] = reasons.get(r or "trusted", 0) + 1
    return {
        "wall_s": wall, "steps": res.steps, "rejected": res.rejected,
        "evaluations": res.evaluations, "fallbacks": res.extra["fallbacks"],
        "median_commit_snr": float(np.nanmedian(res.commit_snr)),
        "max_commit_snr": float(np.nanmax(res.commit_snr)),
        "reasons": reasons, **res.summary(),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--M", type=int, default=10_000)
    ap.add_argument("--N", type=int, default=1000)
    ap.add_argument("--d", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--part", choices=("all", "field", "run"), default="all")
    args = ap.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before numpy is imported

    out: dict[str, object] = {"M": args.M, "N": args.N, "d": args.d, "threads": args.threads}
    rows: list[tuple[str, str]] = []
    if args.part in ("all", "field"):
        f = bench_field(args.M, args.N, args.d, args.seed, args.repeat)
        base = f["matmul_min"]
        out["field"] = f
        for key, label in (("matmul", "matmul (M x d)@(d x N)"),
                           ("matmul_out", "matmul, preallocated out"),
                           ("field_stage", "field, stage (leader shift)"),
                           ("field_exact_max", "field, exact max shift"),
                           ("field_end_of_step", "field + top-two + Cov v")):
            rows.append((label, f"{f[key + '_min'] * 1e3:8.1f} ms (median {f[key + '_median'] * 1e3:6.1f})"
                                f"   {f[key + '_min'] / base:5.2f}x matmul"))
        out["ratio_field_stage"] = f["field_stage_min"] / base
        out["ratio_field_exact_max"] = f["field_exact_max_min"] / base
    if args.part in ("all", "run"):
        r = bench_run(args.M, args.N, args.d, args.seed)
        out["run"] = r
        scale = 10_000 / args.M
        rows += [
            (f"batch_endpoints, M={args.M}", f"{r['wall_s']:8.2f} s   (budget 60 s at M=10^4)"),
            ("  extrapolated to M=10^4", f"{r['wall_s'] * scale:8.2f} s" if scale != 1 else "   (measured)"),
            ("  steps / rejected / trajectory", f"{r['steps'] / args.M:8.1f} / {r['rejected'] / args.M:.1f}"),
            ("  field evaluations / trajectory", f"{r['evaluations'] / args.M:8.1f}"),
            ("  time per trajectory-evaluation", f"{r['wall_s'] / r['evaluations'] * 1e6:8.2f} us"),
            ("  certified / flagged", f"{r['certified']:8.4f} / {r['flagged']:.4f}   {r['reasons']}"),
            ("  commit SNR median / max", f"{r['median_commit_snr']:8.2f} / {r['max_commit_snr']:.2f}"),
            ("  largest tail radius", f"{r['max_tail_radius']:8.3f}"),
        ]
        out["extrapolated_wall_s_1e4"] = r["wall_s"] * scale
    width = max(len(a) for a, _ in rows)
    print(f"float64 batch endpoints: N={args.N}, d={args.d}, BLAS threads={args.threads}")
    for a, b in rows:
        print(f"  {a:<{width}}  {b}")
    print(json.dumps(out, default=float))


if __name__ == "__main__":
    main()
