"""``memverify gmm losses|crossover|sweep``: the Gaussian-mixture laboratory from the command line.

The computation lives in :mod:`verify.gmm` (:mod:`~verify.gmm.crossover`, :mod:`~verify.gmm.sweep`);
this module holds the options and the handlers. Bad input raises
:class:`~verify.gmm.data.GMMError` or :class:`~verify.cli.arguments.UsageError`: one line, exit 2,
nothing written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from fractions import Fraction
from typing import Any

import numpy as np

from ..gmm.crossover import (
    DEFAULT_FRACTIONS,
    READINGS,
    WEIGHTINGS,
    c_profile,
    crossover_slope,
    generalizing_excess,
    measured_crossover,
    relative_error,
)
from ..gmm.data import PAPER_SCHEDULE, GMMError, GMMSetting, generate, paper_grid, process
from ..gmm.losses import LossTable, standard_denoisers, training_losses
from ..gmm.sampling import DEFAULT_SAMPLES
from ..gmm.sweep import GRIDS, SWEEP_STEPS, SweepConfig, cell_line, grid_settings, run_sweep
from ..gmm.training import TrainingConfig
from .arguments import add_group, check_work, int_list, output_dir, positive_float, positive_int, seed

__all__ = ["add_parser", "add_losses_arguments", "losses_command", "add_crossover_arguments",
           "crossover_command", "add_sweep_arguments", "sweep_command"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``gmm`` with its three subcommands to ``subparsers`` (from ``add_subparsers``)."""
    return add_group(
        subparsers, "gmm", "the Gaussian-mixture memorization laboratory (Buchanan et al.)",
        "Training losses of the generalizing, memorizing and partially memorizing denoisers, the "
        "loss-crossover prediction of M*, and the phase-transition sweep of trained M-component "
        "denoisers (arXiv 2508.17689).",
        [("losses", "training losses per noise level with confidence intervals and the approximations",
          add_losses_arguments, losses_command),
         ("crossover", "the crossover M*/N for each weighting and each reading of C, against 4/5",
          add_crossover_arguments, crossover_command),
         ("sweep", "train M-component denoisers over M and locate the memorization transition "
                   "(resumable: each finished result is written atomically)",
          add_sweep_arguments, sweep_command)])


def stderr_line(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


# -- losses and crossover ---------------------------------------------------------------------------------

#: Largest d, K, N, --draws of the laboratory commands, and the largest Monte-Carlo work
#: 26 times x draws x N x (K + N + sum M) x d of ``gmm losses`` / ``crossover`` (a few minutes).
MAX_D, MAX_K, MAX_N, MAX_DRAWS, MAX_SIZES = 1_000, 1_000, 10_000, 100_000, 100
LOSSES_WORK = 2 * 10**11


def _setting_arguments(p: argparse.ArgumentParser, draws: int) -> None:
    p.add_argument("--d", type=positive_int("--d", maximum=MAX_D), default=50, help="dimension (default: 50)")
    p.add_argument("--K", type=positive_int("--K", maximum=MAX_K), default=12,
                   help="number of components (default: 12)")
    p.add_argument("--N", type=positive_int("--N", maximum=MAX_N), default=200,
                   help="training-set size (default: 200)")
    p.add_argument("--var", type=positive_float("--var", 1e-6, 1e6), default=1.0,
                   help="component variance sigma_star^2, in [1e-6, 1e6] (default: 1)")
    p.add_argument("--seed", type=seed, default=0, help="data and noise seed (default: 0)")
    p.add_argument("--schedule", default=PAPER_SCHEDULE, metavar="S",
                   help=f"registry schedule (default: {PAPER_SCHEDULE}); times: the paper's 26-point grid")
    p.add_argument("--draws", type=positive_int("--draws", maximum=MAX_DRAWS), default=draws,
                   help=f"noise batches per time (one draw per training point each; default: {draws})")
    p.add_argument("--M", type=positive_int("--M", maximum=MAX_N), nargs="+", default=None, metavar="M",
                   help="partial-memorization sizes (default: " +
                        ", ".join(f"{f:g}" for f in DEFAULT_FRACTIONS) + " times N)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _table_from_args(args: argparse.Namespace) -> tuple[LossTable, float]:
    setting = GMMSetting(args.d, args.K, args.N, args.var, args.seed)
    if args.draws < 2:
        raise GMMError("--draws must be at least 2 (for a confidence interval)")
    Ms = args.M if args.M is not None else sorted({max(1, round(f * args.N)) for f in DEFAULT_FRACTIONS})
    bad = [M for M in Ms if M > args.N]
    if bad:
        raise GMMError(f"--M {bad[0]} exceeds N = {args.N}")
    if len(Ms) > MAX_SIZES:
        raise GMMError(f"--M: more than {MAX_SIZES} sizes (the limit)")
    work = 26 * args.draws * args.N * (args.K + args.N + sum(set(Ms))) * args.d
    check_work(work, LOSSES_WORK, "the Monte-Carlo work 26 x draws x N x (K + N + sum M) x d",
               "lower --draws, --N or --d")
    proc = process(args.schedule)
    data = generate(setting)
    started = time.perf_counter()
    table = training_losses(data, standard_denoisers(data, sorted(set(Ms))), paper_grid(), proc, args.draws,
                            np.random.default_rng([args.seed, 0x1055]))
    return table, time.perf_counter() - started


def add_losses_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify gmm losses``."""
    _setting_arguments(p, draws=64)


def losses_command(args: argparse.Namespace) -> int:
    """Per-time training losses with 95 % intervals, the two approximations, the EDGE-T31 relative
    error and C(t); exit 0."""
    table, seconds = _table_from_args(args)
    rel = relative_error(table)
    cs = c_profile(table)
    A = generalizing_excess(table.d, table.var_star, table.psi)
    mem = table.loss("memorizing")
    if args.json:
        out = table.to_json() | {
            "seconds": seconds, "seed": args.seed, "K": args.K,
            "approximations": {"generalizing": (mem.mean + A).tolist(),
                               **{f"partial M={M}": (mem.mean + table.d * table.var_star * (1 - M / table.N)
                                                     ).tolist() for M in table.M.values()}},
            "t31_relative_error": {"mean": rel.mean.tolist(), "half_width": rel.half.tolist()},
            "C": {str(M): {"mean": e.mean.tolist(), "half_width": e.half.tolist()} for M, e in cs.items()}}
        print(json.dumps(out, indent=2))
        return 0
    print(f"GMM d = {table.d}, K = {args.K}, N = {table.N}, var = {table.var_star:g}, seed = {args.seed}, "
          f"schedule {table.schedule}; {table.draws} noise batches per time; x0 units; +- : 95 % interval")
    gen = table.loss("generalizing")
    head = f"{'t':>7} {'psi':>10} {'L_gen':>20} {'L_mem':>20} {'mem+d v/(1+psi v)':>18} {'T31 rel err':>18}"
    print(head)
    for k, t in enumerate(table.times):
        print(f"{t:7.4f} {table.psi[k]:10.4g} {_pm(gen.mean[k], gen.half[k]):>20} "
              f"{_pm(mem.mean[k], mem.half[k]):>20} {mem.mean[k] + A[k]:18.5g} "
              f"{_pm(rel.mean[k], rel.half[k], pct=True):>18}")
    for label, M in sorted(table.M.items(), key=lambda kv: kv[1]):
        est = table.loss(label)
        c = cs.get(M)
        print(f"\npartial memorization M = {M} (M/N = {M / table.N:.3g}): loss, approximation "
              "mem + d v (1 - M/N), C(t)")
        for k, t in enumerate(table.times):
            approx = mem.mean[k] + table.d * table.var_star * (1 - M / table.N)
            cc = _pm(c.mean[k], c.half[k]) if c is not None else "-"
            print(f"{t:7.4f} {_pm(est.mean[k], est.half[k]):>20} {approx:14.5g} {cc:>18}")
    print(f"({seconds:.1f} s)")
    return 0


def _pm(mean: float, half: float, pct: bool = False) -> str:
    if pct:
        return f"{100 * mean:+.3f}% +- {100 * half:.3f}%"
    return f"{mean:.5g} +- {half:.2g}"


def add_crossover_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify gmm crossover``."""
    p.add_argument("--weighting", choices=(*WEIGHTINGS, "all"), default="all",
                   help="loss weighting over the grid (default: all)")
    p.add_argument("--C", choices=(*READINGS, "all"), default="all", dest="C",
                   help="1, 2 (closed form), measured (measured C(t)), losses (both excesses measured), "
                        "all (default)")
    _setting_arguments(p, draws=64)


def crossover_command(args: argparse.Namespace) -> int:
    """M*/N per weighting and reading of C, compared with 4/5; exit 0."""
    weightings = WEIGHTINGS if args.weighting == "all" else (args.weighting,)
    readings = READINGS if args.C == "all" else (args.C,)
    GMMSetting(args.d, args.K, args.N, args.var, args.seed)  # validates the setting
    table, seconds = (None, 0.0)
    if any(r in ("measured", "losses") for r in readings):
        table, seconds = _table_from_args(args)
    rows = []
    for w in weightings:
        for r in readings:
            if r in ("1", "2"):
                slope = crossover_slope(w, int(r), Fraction(str(args.var)), schedule=args.schedule)
                rows.append({"weighting": w, "C": r, "mstar_over_N": float(slope), "half_width": 0.0,
                             "exact": str(slope) if isinstance(slope, Fraction) else None,
                             "mstar": float(slope) * args.N})
            else:
                est = measured_crossover(table, w, r)
                rows.append({"weighting": w, "C": r, "mstar_over_N": float(est.mean),
                             "half_width": float(est.half), "mstar": float(est.mean) * args.N})
    for row in rows:
        row["minus_four_fifths"] = row["mstar_over_N"] - 0.8
    if args.json:
        print(json.dumps({"d": args.d, "K": args.K, "N": args.N, "var": args.var, "seed": args.seed,
                          "schedule": args.schedule, "draws": args.draws if table is not None else None,
                          "seconds": seconds, "readings": rows}, indent=2))
        return 0
    print(f"crossover M*/N on the 26-point grid, {args.schedule}, var = {args.var:g}"
          + (f"; measured on d = {args.d}, K = {args.K}, N = {args.N}, seed = {args.seed}, "
             f"{args.draws} batches ({seconds:.1f} s)" if table is not None else ""))
    print(f"{'weighting':<12} {'C':<9} {'M*/N':>22} {'M* (N = ' + str(args.N) + ')':>14} {'- 4/5':>9}")
    for row in rows:
        val = (f"{row['mstar_over_N']:.4f}" if not row["half_width"]
               else f"{row['mstar_over_N']:.4f} +- {row['half_width']:.4f}")
        print(f"{row['weighting']:<12} {row['C']:<9} {val:>22} {row['mstar']:14.1f} "
              f"{row['minus_four_fifths']:+9.4f}")
    return 0


# -- sweep ------------------------------------------------------------------------------------------------


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify gmm sweep``."""
    p.description = ("Train M-component GMM denoisers (full-batch Adam, epsilon-prediction, compressed "
                     "schedule emulating the authors' 50 000 steps), sample 50 points each by deterministic "
                     "DDIM, and locate the memorization transition in M/N per cell; compare with the "
                     "predicted crossover M*/N. Resumable: finished models are reused from --out.")
    p.add_argument("--grid", choices=tuple(GRIDS), default="reduced",
                   help="reduced: d in {30,60}, K in {3,12}, N in {50,100} (8 cells, default); paper: the "
                        "authors' 64 cells (opt-in; use --workers)")
    p.add_argument("--d", type=int_list("--d", maximum=MAX_D, max_items=MAX_SIZES), default=None,
                   metavar="D1,D2", help="override the grid's d")
    p.add_argument("--K", type=int_list("--K", maximum=MAX_K, max_items=MAX_SIZES), default=None,
                   metavar="K1,K2", help="override the grid's K")
    p.add_argument("--N", type=int_list("--N", maximum=MAX_N, max_items=MAX_SIZES), default=None,
                   metavar="N1,N2", help="override the grid's N")
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="data seed of every cell (default: 0)")
    p.add_argument("--steps", type=positive_int("--steps"), default=SWEEP_STEPS, metavar="S",
                   help=f"training steps per model, compressed schedule (default: {SWEEP_STEPS})")
    p.add_argument("--draws", type=positive_int("--draws", maximum=10_000),
                   default=TrainingConfig.compressed().draws, metavar="R",
                   help="noise draws per training point and step (default: 8; the authors: 100)")
    p.add_argument("--samples", type=positive_int("--samples", maximum=100_000),
                   default=DEFAULT_SAMPLES, metavar="S",
                   help=f"DDIM samples per model (default: {DEFAULT_SAMPLES})")
    p.add_argument("--no-refine", action="store_true", help="first pass only (M = N/10 .. N)")
    p.add_argument("--workers", type=positive_int("--workers", maximum=256), default=1, metavar="W",
                   help="processes over cells (default: 1)")
    p.add_argument("--out", metavar="DIR", default="memverify-gmm-sweep",
                   help="results directory (default: memverify-gmm-sweep); reruns reuse finished models")
    p.add_argument("--quiet", action="store_true", help="no per-model progress on stderr")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def sweep_command(args: argparse.Namespace) -> int:
    """``memverify gmm sweep``: run the grid and print one line per cell."""
    spec = dict(GRIDS[args.grid])
    for name in ("d", "K", "N"):
        if getattr(args, name) is not None:
            spec[name] = getattr(args, name)
    if args.samples < 2:
        raise GMMError("--samples must be at least 2")
    if min(spec["N"]) < 2:
        raise GMMError("every N must be at least 2 (the criterion compares two nearest neighbours)")
    settings = grid_settings(spec, args.seed)
    config = SweepConfig(TrainingConfig.compressed(args.steps, args.draws), args.samples, not args.no_refine)
    out = output_dir(args.out)
    out.mkdir(parents=True, exist_ok=True)
    verbose = not args.quiet
    say = stderr_line if verbose else None
    started = time.perf_counter()
    results = run_sweep(settings, config, out, args.workers, say, verbose)
    summary = {"grid": {k: list(v) for k, v in spec.items()}, "seed": args.seed,
               "training": config.training.to_json(), "samples": config.samples, "refine": config.refine,
               "cells": [r.to_json() for r in results], "seconds": time.perf_counter() - started}
    from derivations.printing import write_text_atomic

    write_text_atomic(out / "summary.json", json.dumps(summary, indent=1))
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    tc = config.training
    print(f"memorization transition per cell ({tc.steps} steps standing for {tc.emulates}, {tc.draws} draws, "
          f"{config.samples} DDIM samples; M_1/2 = ratio crossing 1/2, 95 % interval from the ratios' "
          "sampling noise; window = crossings of 0.1 and 0.9)")
    for r in results:
        print("  " + cell_line(r))
    halves = np.array([r.transition.half for r in results], dtype=float)
    ok = np.isfinite(halves)
    if ok.any():
        print(f"mean M_1/2/N over {int(ok.sum())} cells: {halves[ok].mean():.3f} "
              f"(sd {halves[ok].std():.3f}); "
              f"predicted (uniform-x0, C=2) {results[0].predicted['uniform-x0, C=2']:.3f}, (C=1) "
              f"{results[0].predicted['uniform-x0, C=1']:.3f}, paper 0.8")
    print(f"results in {out}/ ({time.perf_counter() - started:.0f} s)")
    return 0
