"""``memverify gmm losses|crossover|sweep|fit-weighting``: the Gaussian-mixture laboratory from the
command line.

The computation lives in :mod:`verify.gmm` (:mod:`~verify.gmm.crossover`, :mod:`~verify.gmm.sweep`);
this module holds the options and the handlers. Bad input raises
:class:`~verify.gmm.data.GMMError` or :class:`~verify.cli.arguments.UsageError`: one line, exit 2,
nothing written.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from fractions import Fraction
from typing import Any

import numpy as np

from ..gmm.crossover import (
    DEFAULT_FRACTIONS,
    MEASURED_READINGS,
    WEIGHTINGS,
    c_profile,
    crossover_slope,
    exact_paper_grid,
    measured_crossover,
    relative_error,
    table_excess,
    weighting_values,
)
from ..gmm.data import PAPER_SCHEDULE, GMMData, GMMError, GMMSetting, generate, problem, process
from ..gmm.losses import SUBSETS, LossTable, standard_denoisers, training_losses
from ..gmm.sampling import DEFAULT_SAMPLES
from ..gmm.sweep import GRIDS, SWEEP_STEPS, SweepConfig, cell_line, grid_settings
from ..gmm.training import TrainingConfig
from .arguments import (
    UsageError,
    add_group,
    check_work,
    int_list,
    load_array,
    number_list,
    output_dir,
    positive_float,
    positive_int,
    seed,
)

__all__ = ["add_parser", "add_losses_arguments", "losses_command", "add_crossover_arguments",
           "crossover_command", "add_sweep_arguments", "sweep_command", "add_fit_weighting_arguments",
           "fit_weighting_command"]


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
          add_sweep_arguments, sweep_command),
         ("fit-weighting", "the paper's reading of 4/5: sweep a grid of cells, fit the loss weighting by "
                           "regression on the measured transitions, train/test error and M_pt/N",
          add_fit_weighting_arguments, fit_weighting_command)])


def stderr_line(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


# -- losses and crossover ---------------------------------------------------------------------------------

#: Largest d, K, N, --draws of the laboratory commands, and the largest Monte-Carlo work
#: times x draws x N x (K + N + sum M) x d of ``gmm losses`` / ``crossover`` (a few minutes).
MAX_D, MAX_K, MAX_N, MAX_DRAWS, MAX_SIZES = 1_000, 1_000, 10_000, 100_000, 100
LOSSES_WORK = 2 * 10**11
#: Most times of ``--t-grid``.
MAX_TIMES = 1_000
#: Defaults of the generated laboratory (d, K, N, variance).
DEFAULT_D, DEFAULT_K, DEFAULT_N, DEFAULT_VAR = 50, 12, 200, 1.0


def time_grid(text: str) -> list[Fraction]:
    """``--t-grid``: ``A:B:n`` (n equally spaced times from A to B) or ``T1,T2,...``; exact rationals in
    (0, 1), strictly increasing after sorting (no repeats)."""
    from ..inputs import InputError, number

    try:
        if ":" in text:
            parts = text.split(":")
            if len(parts) != 3:
                raise argparse.ArgumentTypeError(f"--t-grid: expected A:B:n or T1,T2,..., got {text[:60]!r}")
            lo, hi = number(parts[0], "--t-grid A"), number(parts[1], "--t-grid B")
            n = positive_int("--t-grid n", maximum=MAX_TIMES)(parts[2])
            if n == 1 and lo != hi:
                raise argparse.ArgumentTypeError("--t-grid: A:B:1 needs A = B")
            times = [lo + k * (hi - lo) / (n - 1) for k in range(n)] if n > 1 else [lo]
        else:
            items = text.split(",", MAX_TIMES)
            if len(items) > MAX_TIMES:
                raise argparse.ArgumentTypeError(f"--t-grid: more than {MAX_TIMES:,} times (the limit)")
            times = [number(v, "--t-grid") for v in items]
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    times = sorted(times)
    if not all(0 < t < 1 for t in times):
        raise argparse.ArgumentTypeError("--t-grid: every time must lie strictly between 0 and 1")
    if len(set(times)) != len(times):
        raise argparse.ArgumentTypeError("--t-grid: a time is repeated")
    return times


def _setting_arguments(p: argparse.ArgumentParser, draws: int) -> None:
    p.add_argument("--d", type=positive_int("--d", maximum=MAX_D), default=None,
                   help=f"dimension of the generated laboratory (default: {DEFAULT_D}; else from --means)")
    p.add_argument("--K", type=positive_int("--K", maximum=MAX_K), default=None,
                   help=f"number of generated components (default: {DEFAULT_K}; from --means otherwise)")
    p.add_argument("--N", type=positive_int("--N", maximum=MAX_N), default=None,
                   help=f"training-set size drawn from the mixture (default: {DEFAULT_N}; else from --data)")
    p.add_argument("--var", type=positive_float("--var", 1e-6, 1e6), default=None,
                   help="component variance sigma_star^2, in [1e-6, 1e6] (default: 1); or --cov")
    p.add_argument("--data", metavar="FILE", default=None,
                   help="your training set (CSV or .npy, N rows of d numbers; needs --means)")
    p.add_argument("--means", metavar="FILE", default=None,
                   help="the true mixture's means (K rows; default: K means drawn uniformly on the sphere of "
                        "radius sqrt(d))")
    p.add_argument("--cov", metavar="C|FILE", default=None,
                   help="the components' shared covariance: a number (C I) or a d x d file (symmetric "
                        "positive definite); in place of --var")
    p.add_argument("--weights", metavar="W1,W2|FILE", default=None,
                   help="the mixture weights, one per mean (normalised; default: equal)")
    p.add_argument("--seed", type=seed, default=0, help="data and noise seed (default: 0)")
    p.add_argument("--schedule", default=PAPER_SCHEDULE, metavar="S",
                   help=f"registry schedule (default: {PAPER_SCHEDULE})")
    p.add_argument("--t-grid", type=time_grid, default=None, metavar="A:B:n|T1,T2",
                   help="the noise levels: n equal steps from A to B, or a list, in (0, 1) (default: the "
                        "paper's 26 points 0.001:0.999:26)")
    p.add_argument("--draws", type=positive_int("--draws", maximum=MAX_DRAWS), default=draws,
                   help=f"noise batches per time (one draw per training point each; default: {draws})")
    p.add_argument("--M", type=positive_int("--M", maximum=MAX_N), nargs="+", default=None, metavar="M",
                   help="partial-memorization sizes (default: " +
                        ", ".join(f"{f:g}" for f in DEFAULT_FRACTIONS) + " times N)")
    p.add_argument("--subsets", choices=SUBSETS, default="redraw",
                   help="partial memorization: redraw (a fresh random subset per noise batch: the loss "
                        "averaged over subsets, default) or fixed (one seeded model per M, nested subsets)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _problem(args: argparse.Namespace) -> tuple[GMMData | None, dict[str, Any]]:
    """The laboratory the options describe: (data or None for the generated one, a description).
    The generated laboratory's data are drawn only when needed (:func:`_data`)."""
    user = any(getattr(args, k) is not None for k in ("data", "means", "cov", "weights"))
    if args.var is not None and args.cov is not None:
        raise UsageError("give --var or --cov, not both")
    if args.data is not None and args.means is None:
        raise UsageError("--data needs --means: the generalizing denoiser is the true mixture's "
                         "posterior mean")
    if args.means is not None:
        for name in ("d", "K"):
            if getattr(args, name) is not None:
                raise UsageError(f"--{name} comes from --means; leave it out")
    if args.data is not None and args.N is not None:
        raise UsageError("--N comes from --data; leave it out")
    d, K = args.d or DEFAULT_D, args.K or DEFAULT_K
    var = args.var if args.var is not None else DEFAULT_VAR
    if not user:
        GMMSetting(d, K, args.N or DEFAULT_N, var, args.seed)  # validates
        return None, {"source": "generated", "d": d, "K": K, "N": args.N or DEFAULT_N, "var": var}
    describe: dict[str, Any] = {"source": "yours"}
    if args.means is not None:
        means = load_array(args.means, "--means", MAX_K)
        if means.shape[1] > MAX_D:
            raise UsageError(f"--means: {means.shape[1]} columns exceed the limit d <= {MAX_D}")
        describe["means"] = args.means
    else:
        means = generate(GMMSetting(d, K, 1, 1.0, args.seed)).means
        describe["means"] = f"{K} drawn on the sphere of radius sqrt({d})"
    d = means.shape[1]
    cov: Any = var
    if args.cov is not None:
        value = number_list(args.cov, "--cov")
        if value is not None and len(value) != 1:
            raise UsageError("--cov: one number (C I) or a d x d file")
        cov = float(value[0]) if value is not None else load_array(args.cov, "--cov", MAX_D)
        describe["cov"] = args.cov
    else:
        describe["var"] = var
    weights = None
    if args.weights is not None:
        weights = number_list(args.weights, "--weights")
        weights = load_array(args.weights, "--weights").ravel() if weights is None else weights
        describe["weights"] = weights.tolist()
    train = None
    if args.data is not None:
        train = load_array(args.data, "--data", MAX_N)
        describe["data"] = args.data
    data = problem(means, cov, weights, train=train, N=None if train is not None else (args.N or DEFAULT_N),
                   seed=args.seed)
    describe.update(d=data.setting.d, K=data.setting.K, N=data.setting.N, trace_cov=data.trace)
    return data, describe


def _times(args: argparse.Namespace) -> list[Fraction]:
    return args.t_grid if args.t_grid is not None else exact_paper_grid()


def _table_from_args(args: argparse.Namespace, data: GMMData | None) -> tuple[LossTable, float]:
    if args.draws < 2:
        raise GMMError("--draws must be at least 2 (for a confidence interval)")
    if data is None:
        data = generate(GMMSetting(args.d or DEFAULT_D, args.K or DEFAULT_K, args.N or DEFAULT_N,
                                   args.var if args.var is not None else DEFAULT_VAR, args.seed))
    N, d, K = data.setting.N, data.setting.d, data.setting.K
    Ms = args.M if args.M is not None else sorted({max(1, round(f * N)) for f in DEFAULT_FRACTIONS})
    bad = [M for M in Ms if M > N]
    if bad:
        raise GMMError(f"--M {bad[0]} exceeds N = {N}")
    if len(Ms) > MAX_SIZES:
        raise GMMError(f"--M: more than {MAX_SIZES} sizes (the limit)")
    times = _times(args)
    work = len(times) * args.draws * N * (K + N + sum(set(Ms)) + (d if data.cov is not None else 0)) * d
    check_work(work, LOSSES_WORK, "the Monte-Carlo work times x draws x N x (K + N + sum M) x d",
               "lower --draws, --N, --d or the number of times")
    proc = process(args.schedule)
    started = time.perf_counter()
    table = training_losses(data, standard_denoisers(data, sorted(set(Ms)), args.subsets),
                            np.array([float(t) for t in times]), proc, args.draws,
                            np.random.default_rng([args.seed, 0x1055]))
    return table, time.perf_counter() - started


def _describe_line(describe: dict[str, Any]) -> str:
    if describe["source"] == "generated":
        return (f"generated GMM d = {describe['d']}, K = {describe['K']}, N = {describe['N']}, "
                f"var = {describe['var']:g}")
    parts = [f"your problem: d = {describe['d']}, K = {describe['K']}, N = {describe['N']}",
             f"training set {describe['data']}" if "data" in describe
             else "training set drawn from the mixture",
             f"means {describe['means']}",
             f"covariance {describe['cov']}" if "cov" in describe else f"var = {describe['var']:g}"]
    if "weights" in describe:
        parts.append("weights " + ", ".join(f"{w:.4g}" for w in describe["weights"]))
    return "; ".join(parts)


def add_losses_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify gmm losses``."""
    _setting_arguments(p, draws=64)


def losses_command(args: argparse.Namespace) -> int:
    """Per-time training losses with 95 % intervals, the two approximations, the EDGE-T31 relative
    error and C(t); exit 0."""
    data, describe = _problem(args)
    table, seconds = _table_from_args(args, data)
    rel = relative_error(table)
    cs = c_profile(table)
    A = table_excess(table)
    mem = table.loss("memorizing")
    if args.json:
        out = table.to_json() | {
            "seconds": seconds, "seed": args.seed, "K": describe["K"], "problem": describe,
            "approximations": {"generalizing": (mem.mean + A).tolist(),
                               **{f"partial M={M}": (mem.mean + table.trace * (1 - M / table.N)
                                                     ).tolist() for M in table.M.values()}},
            "t31_relative_error": {"mean": rel.mean.tolist(), "half_width": rel.half.tolist()},
            "C": {str(M): {"mean": e.mean.tolist(), "half_width": e.half.tolist()} for M, e in cs.items()}}
        print(json.dumps(out, indent=2))
        return 0
    print(f"{_describe_line(describe)}; seed = {args.seed}, schedule {table.schedule}; {table.draws} noise "
          f"batches per time; x0 units; +- : 95 % interval; partial subsets: {table.subsets}")
    gen = table.loss("generalizing")
    excess = "mem+d v/(1+psi v)" if table.eigenvalues is None else "mem+sum l/(1+psi l)"
    head = f"{'t':>7} {'psi':>10} {'L_gen':>20} {'L_mem':>20} {excess:>18} {'T31 rel err':>18}"
    print(head)
    for k, t in enumerate(table.times):
        print(f"{t:7.4f} {table.psi[k]:10.4g} {_pm(gen.mean[k], gen.half[k]):>20} "
              f"{_pm(mem.mean[k], mem.half[k]):>20} {mem.mean[k] + A[k]:18.5g} "
              f"{_pm(rel.mean[k], rel.half[k], pct=True):>18}")
    for label, M in sorted(table.M.items(), key=lambda kv: kv[1]):
        est = table.loss(label)
        c = cs.get(M)
        print(f"\npartial memorization M = {M} (M/N = {M / table.N:.3g}): loss, approximation "
              f"mem + {'d v' if table.eigenvalues is None else 'tr(Cov)'} (1 - M/N), C(t)")
        for k, t in enumerate(table.times):
            approx = mem.mean[k] + table.trace * (1 - M / table.N)
            cc = _pm(c.mean[k], c.half[k]) if c is not None else "-"
            print(f"{t:7.4f} {_pm(est.mean[k], est.half[k]):>20} {approx:14.5g} {cc:>18}")
    print(f"({seconds:.1f} s)")
    return 0


def _pm(mean: float, half: float, pct: bool = False) -> str:
    if pct:
        return f"{100 * mean:+.3f}% +- {100 * half:.3f}%"
    return f"{mean:.5g} +- {half:.2g}"


def _readings(tokens: list[str]) -> list[tuple[str, Fraction | None]]:
    """``--C`` tokens as (reading, constant) pairs: numbers are closed-form constants (and the
    constants of ``numerator``; 1 and 2 when none is given); ``all`` is every reading."""
    from ..inputs import InputError, number

    constants: list[Fraction] = []
    names: list[str] = []
    for token in tokens:
        if token in ("all", *MEASURED_READINGS):
            names.append(token)
            continue
        try:
            value = number(token, "--C")
        except InputError:
            raise UsageError(f"--C: expected a positive number, numerator, measured, losses or all, "
                             f"got {token[:40]!r}") from None
        if not 0 < value <= 1000:
            raise UsageError(f"--C: a constant must lie in (0, 1000], got {token[:40]}")
        if value not in constants:
            constants.append(value)
    if "all" in names:
        names = ["closed", *MEASURED_READINGS]
        constants = constants or [Fraction(1), Fraction(2)]
    elif constants:
        names = ["closed", *names]
    constants = constants or [Fraction(1), Fraction(2)]
    out: list[tuple[str, Fraction | None]] = []
    for name in dict.fromkeys(names):
        if name in ("closed", "numerator"):
            out.extend((name, c) for c in constants)
        else:
            out.append((name, None))
    return out


def add_crossover_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify gmm crossover``."""
    p.add_argument("--weighting", default="all", metavar="W",
                   help=f"loss weighting over the grid: {', '.join(WEIGHTINGS)}, all (default), or your own "
                        "lambda(t) as an expression in t (e.g. 't^2', 'exp(-t)'), finite and >= 0")
    p.add_argument("--C", nargs="+", default=["all"], dest="C", metavar="READING",
                   help="readings of the constant C: a number (closed form with that C), numerator (the "
                        "measured generalizing excess over C tr(Cov); with each number given, else C = 1 "
                        "and 2), measured (derived generalizing excess against the measured partial "
                        "excess), losses (both excesses measured), all (default). measured and losses "
                        "interpolate the partial excess linearly between the --M sizes, so they change "
                        "with the --M set: give sizes that bracket the crossover")
    _setting_arguments(p, draws=64)


def crossover_command(args: argparse.Namespace) -> int:
    """M*/N per weighting and reading of C, compared with 4/5; exit 0."""
    weightings: tuple[str, ...] = WEIGHTINGS if args.weighting == "all" else (args.weighting,)
    readings = _readings(args.C)
    times = _times(args)
    for w in weightings:  # an unreadable or negative weighting fails here, before any work
        weighting_values(w, np.array([float(t) for t in times]), args.schedule)
    data, describe = _problem(args)
    eigenvalues = None if data is None or data.cov is None else data.eigenvalues
    if data is None:
        var = Fraction(str(args.var if args.var is not None else DEFAULT_VAR))
    else:  # a matrix covariance enters through its eigenvalues
        var = Fraction(str(args.var)) if args.var is not None else Fraction(str(data.var_star))
    N = describe["N"]
    table, seconds = (None, 0.0)
    if any(r in MEASURED_READINGS for r, _ in readings):
        table, seconds = _table_from_args(args, data)
    rows = []
    for w in weightings:
        for r, c in readings:
            label = r if c is None else (str(c) if r == "closed" else f"num. {c}")
            if r == "closed":
                slope = crossover_slope(w, c, var, times, args.schedule, eigenvalues)
                rows.append({"weighting": w, "C": label, "reading": r, "constant": str(c),
                             "mstar_over_N": float(slope), "half_width": 0.0, "mstar": float(slope) * N,
                             "exact": str(slope) if isinstance(slope, Fraction) else None})
            else:
                est = measured_crossover(table, w, r, C=float(c) if c is not None else 2.0)
                rows.append({"weighting": w, "C": label, "reading": r,
                             "constant": None if c is None else str(c), "mstar_over_N": float(est.mean),
                             "half_width": float(est.half), "mstar": float(est.mean) * N})
    for row in rows:
        finite = math.isfinite(row["mstar_over_N"])
        row["minus_four_fifths"] = row["mstar_over_N"] - 0.8 if finite else None
        if not finite:  # the target excess lies outside the measured partial excesses
            row.update(mstar_over_N=None, half_width=None, mstar=None,
                       note="no crossing between the measured --M sizes and N; add sizes that bracket it")
        elif row["half_width"] is not None and not math.isfinite(row["half_width"]):
            row.update(half_width=None, note="a jackknife replicate has no crossing between the --M sizes: "
                                             "no interval; add sizes that bracket it")
    grid = ("the paper's 26-point grid" if args.t_grid is None
            else f"{len(times)} times in [{float(times[0]):g}, {float(times[-1]):g}]")
    if args.json:
        print(json.dumps({"problem": describe, "seed": args.seed, "schedule": args.schedule,
                          "times": [float(t) for t in times],
                          "M": sorted(table.M.values()) if table is not None else None,
                          "subsets": args.subsets if table is not None else None,
                          "draws": args.draws if table is not None else None,
                          "seconds": seconds, "readings": rows}, indent=2))
        return 0
    print(f"crossover M*/N on {grid}, {args.schedule}; {_describe_line(describe)}"
          + (f"; measured with seed = {args.seed}, {args.draws} batches, partial sizes M = "
             f"{', '.join(str(m) for m in sorted(table.M.values()))} ({table.subsets} subsets; measured and "
             f"losses depend on these sizes) ({seconds:.1f} s)" if table is not None else ""))
    wide = max(12, *(len(w) for w in weightings))
    print(f"{'weighting':<{wide}} {'C':<10} {'M*/N':>22} {'M* (N = ' + str(N) + ')':>14} {'- 4/5':>9}")
    for row in rows:
        if row["mstar_over_N"] is None:
            outside = "outside the --M sizes"
            print(f"{row['weighting']:<{wide}} {row['C']:<10} {outside:>22} {'-':>14} {'-':>9}")
            continue
        val = (f"{row['mstar_over_N']:.4f} +- ?" if row["half_width"] is None
               else f"{row['mstar_over_N']:.4f}" if not row["half_width"]
               else f"{row['mstar_over_N']:.4f} +- {row['half_width']:.4f}")
        print(f"{row['weighting']:<{wide}} {row['C']:<10} {val:>22} {row['mstar']:14.1f} "
              f"{row['minus_four_fifths']:+9.4f}")
    return 0


# -- sweep ------------------------------------------------------------------------------------------------


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify gmm sweep``."""
    p.description = ("Train M-component GMM denoisers (full-batch Adam, epsilon-prediction, compressed "
                     "schedule emulating the authors' 50 000 steps), sample 50 points each by deterministic "
                     "DDIM, and locate the memorization transition in M/N per cell; compare with the "
                     "predicted crossover M*/N. Every model is one Dask task (a LocalCluster, or the "
                     "cluster of --scheduler). Resumable: finished models are reused from --out.")
    p.add_argument("--grid", choices=tuple(GRIDS), default="reduced",
                   help="reduced: d in {30,60}, K in {3,12}, N in {50,100} (8 cells, default); paper: the "
                        "authors' 64 cells (opt-in; a --scheduler cluster or many --workers)")
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
    p.add_argument("--workers", type=positive_int("--workers", maximum=256), default=None, metavar="W",
                   help="worker processes of the local Dask cluster (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="a running Dask scheduler (e.g. tcp://host:8786): every model is one task on its "
                        "workers, the results are written here as they arrive (default: a LocalCluster)")
    p.add_argument("--out", metavar="DIR", default="memverify-gmm-sweep",
                   help="results directory (default: memverify-gmm-sweep); reruns reuse finished models")
    p.add_argument("--quiet", action="store_true", help="no per-model progress on stderr")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def default_workers() -> int:
    """The cores this process may use."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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
    out = output_dir(args.out)  # created with the first record: a refused run writes nothing
    verbose = not args.quiet
    say = stderr_line if verbose else None
    started = time.perf_counter()
    from ..gmm.distributed import run_sweep_dask

    if args.scheduler is not None and args.workers is not None:
        raise UsageError("--workers sizes the local cluster; a --scheduler brings its own workers")
    workers = args.workers or default_workers()
    results = run_sweep_dask(settings, config, out, workers, args.scheduler, say)
    summary = {"grid": {k: list(v) for k, v in spec.items()}, "seed": args.seed,
               "cluster": args.scheduler or f"LocalCluster({workers} workers)",
               "training": config.training.to_json(), "samples": config.samples, "refine": config.refine,
               "cells": [r.to_json() for r in results], "seconds": time.perf_counter() - started}
    from derivations.printing import write_text_atomic

    out.mkdir(parents=True, exist_ok=True)
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


# -- fit-weighting ----------------------------------------------------------------------------------------


def add_fit_weighting_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify gmm fit-weighting``."""
    from ..gmm.weighting_fit import FIT_GRIDS, LOSS_DRAWS, PAPER_ERROR, estimate_core_seconds

    paper = FIT_GRIDS["paper"]
    hours = estimate_core_seconds(paper.cells, paper.steps, paper.draws) / 3600
    p.description = (
        "The paper's reading of M* ~ 4/5 N (EDGE-45-PAPER): train M-component denoisers over a grid of cells "
        "on the Dask sweep engine (every model one task; resumable), measure each cell's transition M_pt "
        f"(ratio crossing 1/2) and its excess losses ({LOSS_DRAWS} paired batches), fit the epsilon-loss "
        "weighting lambda(t) = psi^-theta by least squares of the predicted crossover against M_pt/N on the "
        f"training cells, and report the train/test errors (MSE in M/N; the paper: <= {PAPER_ERROR:g}) and "
        "the slope M_pt/N. Writes DIR/edge45-records.json (the record set EDGE-45-PAPER re-analyses) and "
        f"DIR/fit.json. --grid paper: the authors' 64 cells, about {hours:.0f} core-hours of training "
        "(estimate), so use --scheduler with a cluster or many --workers.")
    p.add_argument("--grid", choices=tuple(FIT_GRIDS), default="reduced",
                   help="reduced: 5 small cells, 2 000 compressed steps (default; a few minutes on 2 cores); "
                        f"paper: the authors' 64 cells, {paper.steps} steps (about {hours:.0f} core-hours)")
    p.add_argument("--out", metavar="DIR", default="memverify-gmm-fit-weighting",
                   help="results directory (default: memverify-gmm-fit-weighting); reruns reuse finished "
                        "models and losses")
    p.add_argument("--records", metavar="FILE", default=None,
                   help="re-analyse an existing record file (e.g. verify/data/edge45_reduced/"
                        "edge45-records.json) instead of training; writes nothing")
    p.add_argument("--seed", type=seed, default=0, metavar="S", help="data seed of every cell (default: 0)")
    p.add_argument("--steps", type=positive_int("--steps"), default=None, metavar="S",
                   help="training steps per model, compressed schedule (default: the grid's)")
    p.add_argument("--draws", type=positive_int("--draws", maximum=10_000), default=None, metavar="R",
                   help="noise draws per training point and step (default: 8)")
    p.add_argument("--workers", type=positive_int("--workers", maximum=256), default=None, metavar="W",
                   help="worker processes of the local Dask cluster (default: the number of cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="a running Dask scheduler (e.g. tcp://host:8786); records are written here")
    p.add_argument("--quiet", action="store_true", help="no per-model progress on stderr")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def fit_weighting_command(args: argparse.Namespace) -> int:
    """``memverify gmm fit-weighting``: sweep, losses, fit; one line per cell and the fit."""
    from ..gmm.weighting_fit import analyse_records, load_records, run_fit_grid, summary_json

    if args.scheduler is not None and args.workers is not None:
        raise UsageError("--workers sizes the local cluster; a --scheduler brings its own workers")
    started = time.perf_counter()
    if args.records is not None:
        for name in ("steps", "draws", "workers", "scheduler"):
            if getattr(args, name) is not None:
                raise UsageError(f"--{name} trains; --records only re-analyses")
        records = load_records(args.records)
        analysis = analyse_records(records)
        summary = summary_json(analysis) | {"grid": records.get("grid"), "records": args.records,
                                            "seconds": time.perf_counter() - started}
    else:
        out = output_dir(args.out)
        workers = args.workers or default_workers()
        command = " ".join(["memverify gmm fit-weighting", "--grid", args.grid, "--out", "DIR"]
                           + (["--seed", str(args.seed)] if args.seed else [])
                           + (["--steps", str(args.steps)] if args.steps else [])
                           + (["--draws", str(args.draws)] if args.draws else []))
        analysis = run_fit_grid(args.grid, out, workers, args.scheduler, args.seed, args.steps, args.draws,
                                None if args.quiet else stderr_line, command)
        summary = analysis["summary"] | {"out": str(out)}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    fit, slope = summary["fit"], summary["slope"]
    print(f"measured transition M_pt/N (ratio crossing 1/2, 95 % interval) and the crossover predicted with "
          f"the fitted weighting ({fit['description']})")
    for c in summary["cells"]:
        lo, hi = c["m_pt_ci"]
        print(f"  {c['cell']:<24} {c['side']:<5} M_pt/N = {_opt(c['m_pt'])} [{_opt(lo)}, {_opt(hi)}]  "
              f"predicted {_opt(c['predicted'])}")
    print(f"fitted theta = {fit['theta']:.4f}; train MSE {_sci(fit['train_mse'])} ({len(fit['train'])} "
          f"cells), test MSE {_sci(fit['test_mse'])} ({len(fit['test'])} cells); the paper: <= "
          f"{fit['paper_error']:g}")
    for name, e in fit["prescribed"].items():
        print(f"  prescribed {name}: train MSE {_sci(e['train_mse'])}, test MSE {_sci(e['test_mse'])}")
    print(f"slope M_pt = s N: s = {slope['s']:.4f} +- {slope['s_half']:.4f} over {slope['cells']} cells "
          f"(mean M_pt/N {slope['mean']:.4f}, sd {slope['sd']:.4f}); 4/5 = 0.8")
    print(f"({time.perf_counter() - started:.0f} s)" + (f"; results in {summary['out']}/" if "out" in summary
                                                        else ""))
    return 0


def _opt(v: float | None) -> str:
    return "  -  " if v is None else f"{v:.4f}"


def _sci(v: float | None) -> str:
    return "-" if v is None else f"{v:.2e}"
