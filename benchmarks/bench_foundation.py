"""Benchmarks for the foundation (issue 2): budgets and the baseline they are measured against.

Run from the repository root:  python benchmarks/bench_foundation.py [--skip-baseline]

1. ``memverify run`` on this issue's claims (LLY25-P1, LLY25-P2, CONV-SNR, CONV-MAP), as a
   subprocess, cold: budget 60 s.
2. Deriving and checking every identity for one schedule (symbolic per component and for the
   N=3, d=2 mixture, plus ball arithmetic at 50 digits at 4 points): budget 10 s per schedule.
3. The baseline the issue warns against: a global ``sympy.simplify`` of the explicit mixture
   residual, against memverify's kernel substitution + numerator expansion, for the continuity
   equation of the N=3, d=2 mixture. Both in one run; the ratio is printed. The baseline runs in
   a child process with a time limit (it may not finish).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_run() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "verify", "run", "--claims",
                        "LLY25-P1,LLY25-P2,CONV-SNR,CONV-MAP", "--out", f"{tmp}/r"],
                       check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - start


def bench_schedule(name: str) -> float:
    """Fresh process: derive the fields and check every identity for one schedule."""
    code = (
        "import time; t0=time.perf_counter();"
        "from derivations import builtin_schedule, derive, IDENTITIES, check_symbolic, check_numeric;"
        f"D=derive(builtin_schedule({name!r}),3,2);"
        "ok=all(check_symbolic(i,D,s).zero for i in IDENTITIES for s in ('component','mixture'));"
        "ok=ok and all(check_numeric(i,D,points=4,digits=50).passed for i in IDENTITIES);"
        "assert ok; print(time.perf_counter()-t0)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=ROOT)
    return float(out.stdout.strip())


def _memverify_way(queue) -> None:
    from derivations import builtin_schedule, check_symbolic, derive, identity

    D = derive(builtin_schedule("linear-brownian"), 3, 2)
    start = time.perf_counter()
    res = check_symbolic(identity("continuity"), D, "mixture")
    queue.put((time.perf_counter() - start, res.zero))


def _global_simplify(queue) -> None:
    import sympy as sp

    from derivations import builtin_schedule, derive, identity

    D = derive(builtin_schedule("linear-brownian"), 3, 2)
    lhs, rhs = identity("continuity").mixture(D)
    start = time.perf_counter()
    zero = sp.simplify(lhs[0] - rhs[0]) == 0
    queue.put((time.perf_counter() - start, zero))


def timed_child(target, limit: float) -> tuple[float | None, bool | None]:
    queue: mp.Queue = mp.Queue()
    proc = mp.Process(target=target, args=(queue,))
    proc.start()
    proc.join(limit)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, None
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--baseline-limit", type=float, default=300.0)
    args = parser.parse_args()
    results: dict[str, object] = {}

    t = bench_run()
    results["memverify_run_issue2_claims_s"] = round(t, 2)
    print(f"memverify run (P1, P2, CONV-SNR, CONV-MAP), cold subprocess: {t:6.2f} s  (budget 60 s)")

    from derivations import BUILTIN_SCHEDULES

    for name in BUILTIN_SCHEDULES:
        t = bench_schedule(name)
        results[f"identities_{name}_s"] = round(t, 2)
        print(f"derive + all identities, {name:16s}:            {t:6.2f} s  (budget 10 s)")

    if not args.skip_baseline:
        ours, ok1 = timed_child(_memverify_way, args.baseline_limit)
        base, ok2 = timed_child(_global_simplify, args.baseline_limit)
        results["continuity_mixture_kernel_substitution_s"] = ours
        results["continuity_mixture_global_simplify_s"] = base
        print(f"continuity, N=3 d=2 mixture, linear-brownian: kernel substitution {ours:.2f} s "
              f"(zero={ok1})")
        if base is None:
            print(f"  baseline global simplify: did not finish in {args.baseline_limit:.0f} s "
                  f"(ratio > {args.baseline_limit / ours:.0f}x)")
            results["ratio"] = f">{args.baseline_limit / ours:.0f}"
        else:
            print(f"  baseline global simplify: {base:.2f} s (zero={ok2}); ratio {base / ours:.1f}x")
            results["ratio"] = round(base / ours, 1)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
