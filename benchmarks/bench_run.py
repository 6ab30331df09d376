"""Benchmark of the full default run and of the Dask sweep (issue 14).

Run from the repository root:

    python benchmarks/bench_run.py [--baseline REV] [--jobs N] [--sweep-only | --run-only]

(a) ``memverify run`` on built-in defaults, as the README runs it, side by side in one table:
    the baseline revision ``REV`` (a temporary ``git worktree``, run with this interpreter) cold (an
    empty derivation cache) and warm (the cache its cold run filled), then this tree cold and warm.
    Ratios: cold to the baseline's cold, warm to the baseline's warm. Per claim: the seconds from
    each run's ``timings.json``, and the ratios. Per run: the
    wall time, the peak resident memory of the largest process, and the verdicts (which must agree).
(b) Sweep throughput: models per minute of ``run_sweep_dask`` on a small grid with a LocalCluster of
    1 and of 2 workers (and the in-process sweep as the reference).

The machine has two cores often shared with other work: the load at the start is printed; times are
upper bounds. A table and one JSON line are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


#: Runs a command and prints the peak resident memory (KiB) of its largest descendant, so each run
#: gets its own figure (this process's RUSAGE_CHILDREN is a maximum over every run so far).
_PEAK = ("import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)")


def _run(source: Path, out: Path, cache: Path, jobs: int | None) -> dict:
    """One ``memverify run`` in a fresh process from ``source``: wall seconds, peak RSS, timings, verdicts."""
    env = os.environ | {"PYTHONPATH": str(source), "MEMVERIFY_CACHE": str(cache)}
    cmd = [sys.executable, "-c", _PEAK, sys.executable, "-m", "verify", "run", "--out", str(out)]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    started = time.perf_counter()
    proc = subprocess.run(cmd, cwd=source, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 4):
        raise SystemExit(f"memverify run failed in {source} (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    peak = int(proc.stderr.strip().splitlines()[-1])
    timings = json.loads((out / "timings.json").read_text())
    report = json.loads((out / "report.json").read_text())
    verdicts = {c["id"]: c["status"] for c in report["claims"]}
    return {"wall": wall, "peak_rss_mib": peak / 1024, "claims": timings["claims"], "verdicts": verdicts,
            "report": report["claims"]}


def bench_run(baseline: str | None, jobs: int | None) -> dict:
    runs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="memverify-bench-run-") as tmp:
        tmpdir = Path(tmp)
        if baseline is not None:
            tree = tmpdir / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), baseline], cwd=ROOT, check=True,
                           capture_output=True)
            try:
                for name in ("base cold", "base warm"):
                    print(f"{baseline} ({name}) ...", file=sys.stderr, flush=True)
                    runs[name] = _run(tree, tmpdir / f"out-{name}", tmpdir / "cache-baseline", jobs)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=False,
                               capture_output=True)
        cache = tmpdir / "cache"
        for name in ("cold", "warm"):
            print(f"{name} ...", file=sys.stderr, flush=True)
            runs[name] = _run(ROOT, tmpdir / f"out-{name}", cache, jobs)
        shutil.rmtree(cache, ignore_errors=True)
    return runs


def bench_sweep() -> dict:
    from verify.gmm.data import GMMSetting
    from verify.gmm.distributed import run_sweep_dask
    from verify.gmm.sweep import SweepConfig, run_sweep
    from verify.gmm.training import TrainingConfig

    settings = [GMMSetting(d, 3, 20, seed=0) for d in (8, 10, 12, 14)]
    config = SweepConfig(TrainingConfig.compressed(400, 4), samples=20, refine=False, resamples=100)
    models = sum(len(range(1, 11)) for _ in settings)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="memverify-bench-sweep-") as tmp:
        started = time.perf_counter()
        run_sweep(settings, config, Path(tmp) / "in-process")
        out["in-process"] = models / (time.perf_counter() - started) * 60
        for workers in (1, 2):
            started = time.perf_counter()
            run_sweep_dask(settings, config, Path(tmp) / f"dask-{workers}", workers=workers)
            label = f"dask, {workers} worker{'s' if workers > 1 else ''}"
            out[label] = models / (time.perf_counter() - started) * 60
    return {"models": models, "models_per_minute": out}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--baseline", default=None, help="git revision to compare with (default: none)")
    p.add_argument("--jobs", type=int, default=None, help="memverify run --jobs (default: its default)")
    p.add_argument("--sweep-only", action="store_true")
    p.add_argument("--run-only", action="store_true")
    args = p.parse_args()
    print(f"load at start: {os.getloadavg()[0]:.2f} (cores: {os.cpu_count()})")
    result: dict = {"load": os.getloadavg()[0]}
    if not args.sweep_only:
        runs = bench_run(args.baseline, args.jobs)
        result["run"] = runs
        names = list(runs)
        ids = list(runs[names[-1]]["claims"])
        head = f"{'claim':<14}" + "".join(f"{n:>10}" for n in names)
        based = "base cold" in runs
        if based:
            head += f"{'cold/base':>10}{'warm/base':>10}"
        print(head)
        for cid in sorted(ids, key=lambda c: -runs[names[0]]["claims"].get(c, 0)):
            row = [runs[n]["claims"].get(cid, float("nan")) for n in names]
            line = f"{cid:<14}" + "".join(f"{v:10.2f}" for v in row)
            if based and row[0] > 0.05 and row[1] > 0.05:
                line += f"{row[-2] / row[0]:10.2f}{row[-1] / row[1]:10.2f}"
            print(line)
        walls = "".join(f"{runs[n]['wall']:10.1f}" for n in names)
        if based:
            walls += f"{runs['cold']['wall'] / runs['base cold']['wall']:10.2f}"
            walls += f"{runs['warm']['wall'] / runs['base warm']['wall']:10.2f}"
        print(f"{'wall':<14}" + walls)
        print(f"{'peak RSS MiB':<14}" + "".join(f"{runs[n]['peak_rss_mib']:10.0f}" for n in names))
        same = all(runs[n]["verdicts"] == runs[names[0]]["verdicts"] for n in names)
        print(f"verdicts identical across runs: {same}")
        identical = all(runs[n]["report"] == runs[names[-1]]["report"] for n in names)
        print(f"report.json claims identical across runs (verdicts, summaries, evidence): {identical}")
        result["same_verdicts"], result["same_reports"] = same, identical
        for run in runs.values():
            del run["report"]
    if not args.run_only:
        sweep = bench_sweep()
        result["sweep"] = sweep
        print(f"sweep throughput ({sweep['models']} models, d in 8..14, K = 3, N = 20, 400 steps):")
        for name, rate in sweep["models_per_minute"].items():
            print(f"  {name:<18} {rate:7.1f} models/min")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
