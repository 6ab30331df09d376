"""Benchmark of the M-component GMM denoiser training (``verify.gmm.training``, issue 5).

Run from the repository root:  python benchmarks/bench_gmm_training.py [--threads 1] [--quick]

(a) One training run of the budget case: d = 50, K = 12, N = 200, M = 160, 5 000 steps (compressed
    schedule standing for the authors' 50 000), R = 8 noise draws, float64 (budget 60 s); also the
    same in float32 and, per step, with the authors' R = 100.
(b) Scaling: seconds per step while one of M, N, d varies around the budget case (short runs,
    ``--scaling-steps`` steps each, the first 20 steps discarded as warm-up), and the total time for
    several step counts; exponents fitted by least squares on log-log.

BLAS threads are set before numpy is imported (``--threads``, default 1). The machine has two
cores shared with other work: times are upper bounds. A table and one JSON line are printed.
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


def _per_step(d: int, K: int, N: int, M: int, steps: int, draws: int = 8, dtype: str = "float64") -> float:
    """Seconds per step of a short run (warm-up steps excluded through the progress callback)."""
    from verify.gmm.data import GMMSetting, generate
    from verify.gmm.training import TrainingConfig, train

    data = generate(GMMSetting(d, K, N, seed=2))
    marks: dict[int, float] = {}
    warm = 20
    cfg = TrainingConfig.compressed(steps + warm, draws, dtype=dtype, log_every=warm)
    train(data, M, cfg, progress=lambda k, S, loss: marks.setdefault(k, time.perf_counter()))
    return (marks[steps + warm] - marks[warm]) / steps


def _slope(xs: list[float], ys: list[float]) -> float:
    import numpy as np

    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="skip the float32 and R = 100 runs")
    parser.add_argument("--scaling-steps", type=int, default=200,
                        help="steps per scaling point (default 200)")
    args = parser.parse_args()
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)

    from verify.gmm.data import GMMSetting, generate
    from verify.gmm.training import TrainingConfig, train

    out: dict[str, object] = {"threads": args.threads}
    data = generate(GMMSetting(50, 12, 200, seed=2))
    res = train(data, 160, TrainingConfig.compressed(5000, 8))
    out["budget_case_s"] = res.seconds
    print(f"(a) d=50, K=12, N=200, M=160, 5000 steps, R=8, float64: {res.seconds:.1f} s (budget 60 s); "
          f"final std {res.std:.3f}")
    if not args.quick:
        res32 = train(data, 160, TrainingConfig.compressed(5000, 8, dtype="float32"))
        out["budget_case_float32_s"] = res32.seconds
        print(f"    the same in float32: {res32.seconds:.1f} s")
        r100 = _per_step(50, 12, 200, 160, 50, draws=100)
        out["authors_draws_per_step_s"] = r100
        print(f"    R = 100 (the authors): {r100 * 1e3:.1f} ms/step -> {r100 * 5000:.0f} s for 5000 steps, "
              f"{r100 * 50000 / 60:.0f} min for the authors' 50 000")
    S = args.scaling_steps
    base = {"d": 50, "N": 200, "M": 160}
    ranges = {"M": [40, 80, 160, 320], "N": [50, 100, 200, 400], "d": [25, 50, 100, 200]}
    print(f"(b) seconds per step around d=50, N=200, M=160 (R=8, float64, {S} steps each)")
    print(f"    {'vary':>4}  {'value':>6}  {'ms/step':>8}")
    table: dict[str, dict[str, object]] = {}
    for name, values in ranges.items():
        times = []
        for v in values:
            p = dict(base, **{name: v})
            times.append(_per_step(p["d"], 12, p["N"], p["M"], S))
            print(f"    {name:>4}  {v:>6}  {times[-1] * 1e3:>8.2f}", flush=True)
        table[name] = {"values": values, "ms_per_step": [t * 1e3 for t in times],
                       "exponent": _slope(values, times)}
    step_counts = [1000, 2000, 4000]
    totals = []
    for n in step_counts:
        totals.append(train(data, 160, TrainingConfig.compressed(n, 8)).seconds)
        print(f"    steps {n:>5}: {totals[-1]:.1f} s", flush=True)
    table["steps"] = {"values": step_counts, "seconds": totals, "exponent": _slope(step_counts, totals)}
    print("    fitted exponents (time ~ x^p): "
          + ", ".join(f"{k} {v['exponent']:.2f}" for k, v in table.items()))
    out["scaling"] = table
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
