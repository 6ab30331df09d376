"""``memverify sweep endpoints|sqrt-h``: long sweeps as pure, resumable tasks on a Dask cluster.

The computation lives in :mod:`verify.sweeps` (:mod:`~verify.sweeps.engine`,
:mod:`~verify.sweeps.endpoints`, :mod:`~verify.sweeps.sqrt_h`); this module holds the options and
the handlers. Bad input raises :class:`~verify.cli.arguments.UsageError` or
:class:`~verify.sweeps.engine.SweepError`: one line, exit 2, nothing written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from ..sweeps.endpoints import DEFAULT_BATCH
from .arguments import (
    EXIT_OK,
    UsageError,
    add_group,
    check_work,
    concrete_schedule,
    digits,
    int_list,
    load_array,
    output_dir,
    positive_int,
    seed,
)

__all__ = ["add_parser", "add_endpoints_arguments", "endpoints_command", "add_sqrt_h_arguments",
           "sqrt_h_command", "MAX_STARTS", "MAX_TASKS", "MAX_STEPS", "MAX_TASK_VALUES"]

#: Most starts of a sweep, most tasks, the largest K of ``sqrt-h``.
MAX_STARTS, MAX_TASKS, MAX_STEPS = 10_000_000, 100_000, 65_536
#: Most float64 values one sqrt-h task holds per array (chunk x largest K x d: the recorded states
#: and the Brownian draws; chunk x N x d: the distances to the atoms; 256 MiB each).
MAX_TASK_VALUES = 2**25
#: Most per-sample lines of the text summary (the JSON has every sample).
SHOWN_SAMPLES = 20


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``sweep`` with its two subcommands to ``subparsers`` (from ``add_subparsers``)."""
    return add_group(
        subparsers, "sweep", "long sweeps as resumable tasks on a Dask cluster (endpoints, sqrt(h) laws)",
        "Split a long sweep into pure tasks, run them in this process, on a LocalCluster or on the Dask "
        "cluster of --scheduler, and write each task's record atomically to --out as it arrives; a rerun "
        "on the same --out reuses the records there and refuses records made with other settings.",
        [("endpoints", "certify where oracle generation ends for many seeded Gaussian starts",
          add_endpoints_arguments, endpoints_command),
         ("sqrt-h", "the sqrt(h) laws of LLY26-T2/T3: schedules x step counts x chunks of starts, fitted "
                    "exponents per schedule", add_sqrt_h_arguments, sqrt_h_command)])


def _stderr_line(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cluster_arguments(p: argparse.ArgumentParser, default_out: str) -> None:
    p.add_argument("--out", metavar="DIR", default=default_out,
                   help=f"records directory (default: {default_out}): manifest.json, records/<task>.json, "
                        "summary.json; a rerun reuses the records there")
    p.add_argument("--workers", type=positive_int("--workers", minimum=0, maximum=256), default=None,
                   metavar="W", help="worker processes of the local Dask cluster (default: the number of "
                                     "cores; 0: run the tasks in this process, without Dask)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="a running Dask scheduler (e.g. tcp://host:8786): the tasks run on its workers, the "
                        "records are written here as they arrive (default: a LocalCluster)")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _where(args: argparse.Namespace) -> tuple[int, str | None]:
    from ..sweeps.engine import default_workers

    if args.scheduler is not None:
        if args.workers is not None:
            raise UsageError("--workers sizes the local cluster; a --scheduler brings its own workers")
        if not args.scheduler.strip():
            raise UsageError("--scheduler: empty address")
        return 0, args.scheduler
    return (default_workers() if args.workers is None else args.workers), None


def _tasks(starts: int, chunk: int, factor: int = 1) -> None:
    check_work(math.ceil(starts / chunk) * factor, MAX_TASKS, "the number of tasks",
               "use a larger --chunk or fewer --starts")


def _write_summary(out: Path, summary: dict[str, Any]) -> None:
    from derivations.printing import write_text_atomic

    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=1) + "\n")


# -- endpoints ----------------------------------------------------------------------------------------

def add_endpoints_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify sweep endpoints``."""
    from ..sweeps.endpoints import DEFAULT_CHUNK

    p.description = ("Certify where deterministic oracle generation ends for --starts seeded Gaussian "
                     "starts (start i from its own stream: the same whatever the chunking) with the float64 "
                     "batch engine; every row its screen does not trust is re-run by the certified engine in "
                     "exact arithmetic. One task per --chunk of starts, one JSON record per task.")
    p.add_argument("--data", required=True, metavar="FILE",
                   help="CSV (one sample per row; decimals or p/q, read exactly), .npy or builtin:NAME")
    p.add_argument("--schedule", metavar="S", default="linear",
                   help="schedule of the commit times in the summary (default: linear; the flow in the SNR "
                        "is the same for every schedule, so the records do not depend on it)")
    p.add_argument("--starts", type=positive_int("--starts", maximum=MAX_STARTS), default=10_000, metavar="M",
                   help="number of Gaussian starts (default: 10000)")
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="seed of the starts (default: 0)")
    p.add_argument("--chunk", type=positive_int("--chunk", maximum=MAX_STARTS), default=DEFAULT_CHUNK,
                   metavar="C", help=f"starts per task (default: {DEFAULT_CHUNK})")
    p.add_argument("--batch", type=positive_int("--batch", maximum=65_536), default=None, metavar="B",
                   help=f"starts per call of the batch engine, a divisor of --chunk (default: the largest "
                        f"divisor of --chunk up to {DEFAULT_BATCH}); a start's numbers depend on the batch, "
                        "not on the chunking")
    p.add_argument("--digits", type=digits, default=50, metavar="P",
                   help="precision of the certified re-runs of untrusted rows (default: 50)")
    _cluster_arguments(p, "memverify-sweep-endpoints")


def _batch(chunk: int, given: int | None) -> int:
    if given is not None:
        if chunk % given:
            raise UsageError(f"--batch {given} must divide --chunk {chunk} (engine batches are aligned "
                             "across chunks)")
        return given
    return max(b for b in range(1, min(chunk, DEFAULT_BATCH) + 1) if chunk % b == 0)


def endpoints_command(args: argparse.Namespace) -> int:
    """``memverify sweep endpoints``: run (or resume) the sweep and print the counts."""
    from ..datasets import load_dataset
    from ..inputs import FLOAT_MAGNITUDE, check_magnitude
    from ..sweeps.endpoints import run_endpoint_sweep, summarize

    data = load_dataset(args.data)
    check_magnitude(data, f"--data {args.data}", FLOAT_MAGNITUDE, "float64 arithmetic (the batch engine)")
    schedule = concrete_schedule(args.schedule)
    batch = _batch(args.chunk, args.batch)
    _tasks(args.starts, args.chunk)
    check_work(args.starts * len(data), 10**12, "--starts x N", "use fewer --starts")
    workers, scheduler = _where(args)
    out = output_dir(args.out)
    run = run_endpoint_sweep(data, starts=args.starts, seed=args.seed, chunk=args.chunk, batch=batch,
                             digits=args.digits, out=out, workers=workers, scheduler=scheduler,
                             progress=None if args.quiet else _stderr_line)
    summary = {"sweep": "endpoints", "data": args.data, "seed": args.seed, "chunk": args.chunk,
               "batch": batch, "digits": args.digits, "cluster": run.cluster, "digest": run.digest,
               "tasks": len(run.records), "computed": len(run.computed), "reused": len(run.reused),
               "seconds": run.seconds, **summarize(run, data, schedule)}
    _write_summary(out, summary)
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    s = summary
    print(f"endpoints of {s['starts']} Gaussian starts (seed {args.seed}) on {args.data} (N = {s['N']}, "
          f"d = {s['d']}); {s['tasks']} tasks of {args.chunk} starts on {run.cluster} ({s['reused']} reused)")
    shown = sorted(s["per_sample"], key=lambda r: (-r["count"], r["index"]))[:SHOWN_SAMPLES]
    for r in sorted(shown, key=lambda r: r["index"]):
        print(f"  row {r['index']} ({', '.join(r['sample'])}): {r['count']} ({100 * r['share']:.2f} %)")
    if len(s["per_sample"]) > len(shown):
        print(f"  ... {len(s['per_sample']) - len(shown)} more training samples reached (all in the JSON)")
    kinds = s["tie_kinds"]
    print(f"  ties: {s['ties']} (exact {kinds['exact']}, unresolved {kinds['unresolved']}); "
          f"undecided: {s['undecided']}")
    print(f"  trusted by the float64 screen (an estimate): {s['float64_trusted']}; certified on a re-run at "
          f"{args.digits} digits: {s['certified_on_recheck']}")
    if "commit_snr" in s:
        c = s["commit_snr"]
        line = f"  commit SNR median {c['median']:.4g} (min {c['min']:.4g}, max {c['max']:.4g})"
        if "commit_t" in s:
            t = s["commit_t"]
            line += (f"; commit t on {t['schedule']} median {t['median']:.4g} (from {t['max']:.4g} to "
                     f"{t['min']:.4g})")
        print(line)
    print(f"records in {out}/records/ (one per chunk), summary in {out}/summary.json ({run.seconds:.1f} s)")
    return EXIT_OK


# -- sqrt-h -------------------------------------------------------------------------------------------

def add_sqrt_h_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify sweep sqrt-h``."""
    from ..sampling.laws import DEFAULT_STEPS, SWEEP_SCHEDULES
    from ..sweeps.sqrt_h import DEFAULT_CHUNK

    p.description = ("Run the sqrt(h) grid of LLY26-T2 (Euler) / LLY26-T3 (Euler-Maruyama) as tasks: "
                     "every schedule x step count K x chunk of starts; fit the deviation exponents per "
                     "schedule as the claims do. Start i and its Brownian path come from their own streams "
                     "(coupled across K on the finest grid), so the results do not depend on the chunking "
                     "or the worker.")
    p.add_argument("--sampler", choices=("euler", "euler-maruyama"), default="euler",
                   help="euler (LLY26-T2, default) or euler-maruyama (LLY26-T3)")
    p.add_argument("--steps", type=int_list("--steps", maximum=MAX_STEPS, max_items=64),
                   default=list(DEFAULT_STEPS), metavar="K1,K2,...",
                   help=f"step counts K (h = t_start/K; default: {','.join(map(str, DEFAULT_STEPS))}; "
                        "euler-maruyama: each must divide the largest)")
    p.add_argument("--schedules", metavar="NAMES", default=",".join(SWEEP_SCHEDULES),
                   help=f"comma-separated schedules (default: all: {', '.join(SWEEP_SCHEDULES)})")
    p.add_argument("--starts", type=positive_int("--starts", maximum=MAX_STARTS), default=1000, metavar="M",
                   help="Gaussian starts (default: 1000, the claims' full run)")
    p.add_argument("--seed", type=seed, default=0, metavar="S",
                   help="seed of the starts, the paths, the default data and the bootstrap (default: 0)")
    p.add_argument("--data", metavar="FILE", default=None,
                   help="your training set (CSV, .npy or builtin:NAME; default: the claims' 100 Gaussian "
                        "atoms in d = 8 drawn with --seed)")
    p.add_argument("--chunk", type=positive_int("--chunk", maximum=MAX_STARTS), default=DEFAULT_CHUNK,
                   metavar="C", help=f"starts per task (default: {DEFAULT_CHUNK})")
    _cluster_arguments(p, "memverify-sweep-sqrt-h")


def _schedules(text: str) -> list[str]:
    from ..inputs import InputError, text_list
    from ..sampling.laws import SWEEP_SCHEDULES

    try:
        names = text_list(text, "--schedules", 20)
    except InputError as exc:
        raise UsageError(str(exc)) from None
    for name in names:
        if name not in SWEEP_SCHEDULES:
            raise UsageError(f"--schedules: unknown sweep schedule {name[:40]!r} (choose from "
                             f"{', '.join(SWEEP_SCHEDULES)})")
    if len(set(names)) != len(names):
        raise UsageError("--schedules: a schedule is repeated")
    return names


def sqrt_h_command(args: argparse.Namespace) -> int:
    """``memverify sweep sqrt-h``: run (or resume) the grid and print the fits per schedule."""
    from ..sampling.laws import gaussian_data
    from ..sweeps.sqrt_h import run_sqrt_h_sweep, summarize

    schedules = _schedules(args.schedules)
    steps = sorted(set(args.steps))
    if len(steps) < 2:
        raise UsageError("--steps: at least two distinct step counts are needed for a fit")
    if args.sampler == "euler-maruyama":
        bad = next((k for k in steps if steps[-1] % k), None)
        if bad is not None:
            raise UsageError(f"--steps: {bad} does not divide the largest K = {steps[-1]} (Euler-Maruyama "
                             "couples the Brownian paths on the finest grid)")
    if args.data is None:
        X = gaussian_data(args.seed)
        label = f"100 Gaussian atoms in d = 8 (seed {args.seed})"
    else:
        X = load_array(args.data, "--data", max_rows=100_000)
        label = args.data
    check_work(min(args.chunk, args.starts) * steps[-1] * X.shape[1], MAX_TASK_VALUES,
               "--chunk x largest K x d", "use a smaller --chunk")
    check_work(min(args.chunk, args.starts) * X.shape[0] * X.shape[1], MAX_TASK_VALUES,
               "--chunk x N x d", "use a smaller --chunk")
    _tasks(args.starts, args.chunk, len(schedules) * len(steps))
    workers, scheduler = _where(args)
    out = output_dir(args.out)
    run = run_sqrt_h_sweep(X, method=args.sampler, schedules=schedules, steps=steps, starts=args.starts,
                           seed=args.seed, chunk=args.chunk, data_label=label, out=out, workers=workers,
                           scheduler=scheduler, progress=None if args.quiet else _stderr_line)
    fits = summarize(run, X, args.sampler, schedules, steps, args.seed)
    summary = {"sweep": "sqrt-h", "sampler": args.sampler, "data": label, "N": int(X.shape[0]),
               "d": int(X.shape[1]), "steps": steps, "starts": args.starts, "seed": args.seed,
               "chunk": args.chunk, "cluster": run.cluster, "digest": run.digest, "tasks": len(run.records),
               "computed": len(run.computed), "reused": len(run.reused), "seconds": run.seconds,
               "schedules": fits}
    _write_summary(out, summary)
    if args.json:
        print(json.dumps(summary, indent=2))
        return EXIT_OK
    claim = "LLY26-T2" if args.sampler == "euler" else "LLY26-T3"
    print(f"{claim} sqrt(h) sweep: {args.sampler}, K = {','.join(map(str, steps))}, {args.starts} starts, "
          f"{label}; {len(run.records)} tasks on {run.cluster} ({len(run.reused)} reused)")
    print("  exponent of the deviation min_i |Z_0 - X_i| against h: fit log S = a + p log h + b h over the "
          "finest step sizes, 95 % bootstrap over starts (as the claim)")
    wide = max(len(n) for n in schedules)
    for f in fits:
        print(f"  {f['schedule']:<{wide}}  predicted {f['predicted']:<4} {f['median']['text']:<38} "
              f"{f['q90']['text']:<36} C = {f['C']:.3g}  {'agrees' if f['agrees'] else 'DISAGREES'}")
    print(f"records in {out}/records/, summary in {out}/summary.json ({run.seconds:.1f} s)")
    return EXIT_OK
