"""Throughput of the Dask sweeps (``memverify sweep endpoints|sqrt-h``, ``verify.sweeps``).

Run from the repository root:  python benchmarks/bench_sweeps.py [--workers 0,1,2] [--starts 16384]
[--sqrt-starts 1000] [--em]

For each worker count (0: the tasks in this process, no Dask; W >= 1: a LocalCluster of W
single-threaded processes, each with its BLAS pool at most cores/W), both sweeps. BLAS threads as
the ``memverify`` command sets them: one, unless ``OPENBLAS_NUM_THREADS`` says otherwise.

(a) endpoints: ``--starts`` seeded Gaussian starts on N = 100 Gaussian atoms in d = 8, chunks of
    1024 starts, engine batches of 1024 (16 tasks by default);
(b) sqrt-h: the LLY26-T2 grid of the claims' full run (5 schedules x K = 4..512 x 1000 starts on
    the claims' 100 atoms in d = 8), chunks of 1000 starts (40 tasks); ``--em`` adds Euler-Maruyama.

Each cluster is started once (timed), then warmed with a tiny sweep of each kind over every
schedule and K (the workers import memverify, compile the samplers and their coefficient grids:
timed, not counted), then each sweep is timed into an empty directory. Printed: tasks and starts
per minute (sqrt-h: start-cells, i.e. starts x schedules x K), the speed-up over 1 worker, the load
average before and after, and one JSON line. The records of every worker count are compared: they
must be the same bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _records(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "records").glob("*.json"))}


def bench(workers: int, args, scratch: Path) -> dict[str, object]:
    import contextlib

    import numpy as np

    from verify.sampling.laws import gaussian_data
    from verify.sweeps.endpoints import run_endpoint_sweep
    from verify.sweeps.engine import dask_client
    from verify.sweeps.sqrt_h import run_sqrt_h_sweep

    atoms = np.random.default_rng([7, 0xBE7C]).standard_normal((100, 8)).tolist()
    X = gaussian_data(0)
    res: dict[str, object] = {"workers": workers}
    t0 = time.perf_counter()
    with (dask_client(None, workers) if workers else contextlib.nullcontext()) as client:
        res["cluster_start_s"] = time.perf_counter() - t0
        where = {"client": client} if workers else {"workers": 0}
        t0 = time.perf_counter()  # warm-up: imports and compiled samplers on every worker
        run_endpoint_sweep(atoms, starts=64 * max(1, workers), chunk=64, batch=64, **where)
        # every schedule and K once per worker: the compiled samplers and their coefficient grids
        run_sqrt_h_sweep(X, starts=2 * max(1, workers), chunk=1, **where)
        if args.em:
            run_sqrt_h_sweep(X, method="euler-maruyama", starts=2 * max(1, workers), chunk=1, **where)
        res["warm_up_s"] = time.perf_counter() - t0
        out = scratch / f"endpoints-{workers}"
        run = run_endpoint_sweep(atoms, starts=args.starts, chunk=1024, batch=1024, out=out, **where)
        res["endpoints"] = {"tasks": len(run.records), "starts": args.starts, "seconds": run.seconds}
        methods = ("euler", "euler-maruyama") if args.em else ("euler",)
        for method in methods:
            out = scratch / f"sqrt-h-{method}-{workers}"
            run = run_sqrt_h_sweep(X, method=method, starts=args.sqrt_starts, out=out, **where)
            res[f"sqrt-h {method}"] = {"tasks": len(run.records), "starts": args.sqrt_starts,
                                       "start_cells": args.sqrt_starts * 5 * 8, "seconds": run.seconds}
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", default="0,1,2", help="comma-separated worker counts (0: in this process)")
    ap.add_argument("--starts", type=int, default=16384, help="starts of the endpoint sweep")
    ap.add_argument("--sqrt-starts", type=int, default=1000, help="starts of the sqrt-h sweep")
    ap.add_argument("--em", action="store_true", help="also the Euler-Maruyama sqrt-h sweep")
    args = ap.parse_args()
    # as the memverify command does (verify/cli/__init__.py): one BLAS thread unless the user set it;
    # the workers inherit it, and their limit (cores / workers) only lowers a pool
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    counts = [int(w) for w in args.workers.split(",")]
    load_before = os.getloadavg()
    results = []
    with tempfile.TemporaryDirectory(prefix="memverify-bench-sweeps-") as tmp:
        scratch = Path(tmp)
        for w in counts:
            results.append(bench(w, args, scratch))
            print(f"  ... {w} workers done ({time.strftime('%H:%M:%S')})", file=sys.stderr, flush=True)
        same = True
        for kind in ["endpoints", "sqrt-h-euler"] + (["sqrt-h-euler-maruyama"] if args.em else []):
            first = _records(scratch / f"{kind}-{counts[0]}")
            same &= all(_records(scratch / f"{kind}-{w}") == first for w in counts[1:])
    load_after = os.getloadavg()
    print(f"Dask sweeps: {os.cpu_count()} cores, load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after (1 min)")
    base = {}
    for r in results:
        w = r["workers"]
        where = "in this process" if w == 0 else f"LocalCluster, {w} worker{'s' * (w > 1)}"
        print(f"  {where}: cluster start {r['cluster_start_s']:.1f} s, warm-up {r['warm_up_s']:.1f} s")
        for kind in [k for k in r if isinstance(r[k], dict)]:
            m = r[kind]
            per_min = 60 / m["seconds"]
            unit = m.get("start_cells", m["starts"])
            if w == 1:
                base[kind] = m["seconds"]
            speed = f"  x{base[kind] / m['seconds']:.2f} vs 1 worker" if w > 1 and kind in base else ""
            m["tasks_per_min"] = m["tasks"] * per_min
            m["starts_per_min"] = unit * per_min
            what = "start-cells" if "start_cells" in m else "starts"
            print(f"    {kind:<22} {m['tasks']:4d} tasks in {m['seconds']:7.1f} s: {m['tasks_per_min']:8.1f} "
                  f"tasks/min, {m['starts_per_min']:10.0f} {what}/min{speed}")
    print(f"  records identical across worker counts: {same}")
    print(json.dumps({"load_before": load_before, "load_after": load_after, "cores": os.cpu_count(),
                      "identical": same, "results": results}))


if __name__ == "__main__":
    main()
