"""``memverify separation gap|lipschitz``: the separation checks from the command line.

The computation lives in :mod:`verify.separation` (:mod:`~verify.separation.gap`,
:mod:`~verify.separation.lipschitz`); this module holds the options and the handlers. Bad input
raises :class:`~verify.separation.scores.SeparationError`: one line, exit 2, nothing written.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

import numpy as np

from ..inputs import MAX_SEED
from ..separation.gap import asymptote, loss_gap, nearest_neighbour, s_grid, scan_cell, t95
from ..separation.lipschitz import contrast_table, empirical_lipschitz, gaussian_lipschitz
from ..separation.scores import MixtureLaw, SeparationError
from .arguments import add_group, check_work, float_list, int_list, integer

__all__ = ["add_parser", "add_gap_arguments", "gap_command", "add_lipschitz_arguments",
           "lipschitz_command"]

#: Limits of ``separation gap``: dimension, components, training-set size, data sets, draws, grid
#: points and the Monte-Carlo work (about a minute); of ``separation lipschitz``: size and dimension.
MAX_GAP_D, MAX_K, MAX_GAP_N = 1_000, 1_000, 100_000
MAX_DATASETS, MAX_DRAWS, MAX_S_VALUES = 10_000, 10**7, 1_000
GAP_WORK = 2 * 10**10
MAX_LIPSCHITZ_N, MAX_LIPSCHITZ_D = 10_000, 100


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``separation`` with its subcommands to ``subparsers`` (from ``add_subparsers``)."""
    return add_group(
        subparsers, "separation", "DSM loss gap and score Lipschitz constants (Ye, Zhu, Tao, Chen)",
        "The empirical-vs-true DSM loss gap (a Fisher divergence) over noise levels, and the Lipschitz "
        "constants of the empirical and the true score (arXiv 2511.03202), in their OU convention "
        "alpha_s = exp(-s/2), sigma_s^2 = 1 - exp(-s).",
        [("gap", "Monte-Carlo loss gap E_D[gap_s] with confidence intervals, the small-s asymptote and "
                 "the departure point", add_gap_arguments, gap_command),
         ("lipschitz", "Lipschitz constant of the empirical score against the Gaussian one",
          add_lipschitz_arguments, lipschitz_command)])


# -- gap ------------------------------------------------------------------------------------------

def add_gap_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify separation gap``."""
    p.description = ("Monte Carlo E_D[Loss-Gap_s] (= Fisher(P^_s, P_s), SEP-P41) for training sets "
                     "drawn from an equal-weight Gaussian mixture (means ~ N(0, 4 I_d), covariance I), "
                     "with 95 % "
                     "t-intervals over data sets, the small-s asymptote d/(e^s - 1) and the departure point. "
                     "With --data: the gap of that one training set against the mixture given by --means "
                     "(covariance I); without --means only the empirical quantities are reported.")
    p.add_argument("--d", type=integer("--d"), default=2, metavar="D", help="dimension (default: 2)")
    p.add_argument("--K", type=integer("--K"), default=4, metavar="K", help="mixture components (default: 4)")
    p.add_argument("--n", type=int_list("--n", maximum=MAX_GAP_N), default=[10, 100, 1000], metavar="N1,N2",
                   help="training-set sizes (default: 10,100,1000)")
    p.add_argument("--s", default="1e-4:3:13", metavar="A:B:M|S1,S2",
                   help="times (Ye convention): M log-spaced from A to B, or a list (default: 1e-4:3:13)")
    p.add_argument("--datasets", type=integer("--datasets"), default=8, metavar="R",
                   help="data sets per n (default: 8)")
    p.add_argument("--draws", type=integer("--draws"), default=512, metavar="M",
                   help="Monte Carlo points per gap (default: 512)")
    p.add_argument("--seed", type=integer("--seed"), default=0, metavar="S",
                   help="seed of the law and data (default: 0)")
    p.add_argument("--reverse", action="store_true", help="also estimate the reverse Fisher E_{P_s}")
    p.add_argument("--data", metavar="FILE", help="a training set (CSV or .npy, rows = points)")
    p.add_argument("--means", metavar="FILE", help="with --data: the mixture means (K rows, covariance I)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _validate(args: argparse.Namespace) -> list[float]:
    if args.d < 1 or args.K < 1:
        raise SeparationError(f"--d and --K must be positive, got {args.d}, {args.K}")
    if args.datasets < 1 or args.draws < 2 or args.seed < 0:
        raise SeparationError("--datasets >= 1, --draws >= 2 and --seed >= 0 are required")
    limits = (("--d", args.d, MAX_GAP_D), ("--K", args.K, MAX_K), ("--datasets", args.datasets, MAX_DATASETS),
              ("--draws", args.draws, MAX_DRAWS), ("--seed", args.seed, MAX_SEED))
    for option, value, limit in limits:
        if value > limit:
            raise SeparationError(f"{option} must be at most {limit:,} (the limit), got {value:,}")
    if args.means and not args.data:
        raise SeparationError("--means needs --data")
    grid = args.s.strip()
    if ":" in grid and grid.count(":") == 2:
        count = grid.rsplit(":", 1)[1].strip()
        if count.isdigit() and len(count) <= 40 and int(count) > MAX_S_VALUES:
            raise SeparationError(f"--s {grid}: more than {MAX_S_VALUES:,} values (the limit)")
    elif grid.count(",") >= MAX_S_VALUES:
        raise SeparationError(f"--s: more than {MAX_S_VALUES:,} values (the limit)")
    s = s_grid(args.s)
    if not args.data:
        work = args.datasets * len(s) * args.draws * sum(args.n) * args.d * (args.K + 1) * (1 + args.reverse)
        check_work(work, GAP_WORK, "the Monte-Carlo work datasets x len(s) x draws x sum(n) x d x (K + 1)",
                   "lower --datasets, --draws, --n or --d")
    return s


def _load(spec: str, what: str, max_rows: int | None = None) -> np.ndarray:
    """A data file as float64, its entries within :data:`verify.inputs.FLOAT_MAGNITUDE`."""
    from ..datasets import DataError, load_dataset
    from ..inputs import FLOAT_MAGNITUDE, InputError, check_magnitude

    try:
        rows = load_dataset(spec)
        check_magnitude(rows, f"{what} {spec}", FLOAT_MAGNITUDE, "the float64 scores")
    except (DataError, InputError) as exc:
        raise SeparationError(f"{what}: {exc}") from None
    if max_rows is not None and len(rows) > max_rows:
        raise SeparationError(f"{what} {spec}: {len(rows):,} rows exceed the limit of {max_rows:,} here")
    return np.array([[float(v) for v in row] for row in rows], dtype=float)


def _file_command(args: argparse.Namespace, s: list[float]) -> dict[str, Any]:
    data = _load(args.data, "--data")
    if len(data) < 2:
        raise SeparationError("--data: need at least two training points")
    n, d = data.shape
    nn = nearest_neighbour(data)
    out: dict[str, Any] = {"n": n, "d": d, "nearest_neighbour": nn,
                           "predicted_departure_s": math.log1p(nn**2)}  # sigma/alpha = nn
    if not args.means:
        out["note"] = "no --means: the true law is unknown, only empirical quantities are reported"
        return out
    means = _load(args.means, "--means")
    if means.shape[1] != d:
        raise SeparationError(f"--means: {means.shape[1]} columns, the data have {d}")
    law = MixtureLaw(means, np.eye(d))
    rng = np.random.default_rng(args.seed)
    rows = []
    for sj in s:
        vals = [loss_gap(data, sj, law, max(2, args.draws // 8), rng) for _ in range(8)]
        mean, half = t95(vals)
        rows.append({"s": sj, "gap": mean, "half": half, "asymptote": float(asymptote(sj, [1.0] * d)[0])})
    out["rows"] = rows
    return out


def gap_command(args: argparse.Namespace) -> int:
    """``memverify separation gap``: the scan, one line per (n, s), or JSON."""
    s = _validate(args)
    if args.data:
        out = _file_command(args, s)
        if args.json:
            print(json.dumps(out, indent=2))
            return 0
        print(f"training set: n = {out['n']}, d = {out['d']}, mean nearest-neighbour distance "
              f"{out['nearest_neighbour']:.4g}; predicted departure s ~ {out['predicted_departure_s']:.3g}")
        for r in out.get("rows", []):
            print(f"  s = {r['s']:.3g}: gap = {r['gap']:.5g} +- {r['half']:.2g}  "
                  f"asymptote {r['asymptote']:.5g}")
        if "note" in out:
            print(out["note"])
        return 0
    cells = [scan_cell(args.d, args.K, n, s, args.datasets, args.draws, args.seed, args.reverse)
             for n in args.n]
    if args.json:
        print(json.dumps({"cells": [c.to_json() for c in cells]}, indent=2))
        return 0
    print(f"E_D[Loss-Gap_s], d = {args.d}, K = {args.K} (Delta_min/sqrt d = {cells[0].separation:.3g}), "
          f"{args.datasets} data sets x {args.draws} draws, 95 % t-intervals")
    for c in cells:
        dep = "none in range" if c.departure is None else (
            f"s = {c.departure:.3g} (sigma/alpha / NN = {c.departure_ratio:.3g})")
        print(f" n = {c.n}: mean NN distance {c.nn:.4g} (n^(-1/d) = {c.n ** (-1 / c.d):.3g}); "
              f"departure {dep}")
        for j, sj in enumerate(c.s):
            extra = f"  reverse {c.reverse[j]:.5g}" if c.reverse else ""
            print(f"   s = {sj:.3g}: gap = {c.gap[j]:.5g} +- {c.half[j]:.2g}  "
                  f"asymptote {c.asymptote[j]:.5g}  gap sigma^2/d = {c.normalized[j]:.4f}{extra}")
    return 0


# -- lipschitz ------------------------------------------------------------------------------------

def add_lipschitz_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify separation lipschitz``."""
    p.add_argument("--d", type=integer("--d"), default=2, metavar="D",
                   help="dimension of generated data (default: 2)")
    p.add_argument("--n", type=int_list("--n", minimum=2, maximum=MAX_LIPSCHITZ_N, max_items=100),
                   default=[10, 100, 1000], metavar="N1,N2",
                   help="sample sizes of generated data (default: 10,100,1000)")
    p.add_argument("--s", type=float_list("--s", 1e-12, 50, max_items=100), default=[1e-3, 1e-2, 1e-1, 1.0],
                   metavar="S1,S2",
                   help="noise levels s in [1e-12, 50] (Ye: sigma_s^2 = 1 - exp(-s); "
                        "default: 0.001,0.01,0.1,1)")
    p.add_argument("--seed", type=integer("--seed"), default=0, metavar="S", help="data seed (default: 0)")
    p.add_argument("--data", metavar="FILE", default=None,
                   help="training set (.csv/.npy/builtin:NAME; exact rationals read, float64 for the search) "
                        "instead of generated N(0, diag(1, 1/4, ...)) data; the Gaussian reference then uses "
                        "the sample covariance")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def lipschitz_command(args: argparse.Namespace) -> int:
    """``memverify separation lipschitz``: L_emp(s), L_true(s) and their contrast."""
    if args.seed < 0:
        raise SeparationError(f"--seed must be non-negative, got {args.seed}")
    if args.seed > MAX_SEED:
        raise SeparationError(f"--seed must be at most {MAX_SEED:,} (the limit), got {args.seed:,}")
    if args.data is None and args.d > MAX_LIPSCHITZ_D:
        raise SeparationError(f"--d must be at most {MAX_LIPSCHITZ_D} (the limit), got {args.d:,}")
    if args.data is not None:
        D = _load(args.data, "--data", MAX_LIPSCHITZ_N)
        if D.shape[1] > MAX_LIPSCHITZ_D:
            raise SeparationError(f"--data {args.data}: dimension {D.shape[1]:,} exceeds the limit of "
                                  f"{MAX_LIPSCHITZ_D} here")
        if len(D) < 2:
            raise SeparationError(f"{args.data}: at least two samples are needed")
        cov = np.atleast_2d(np.cov(D.T)) if len(D) > D.shape[1] else np.eye(D.shape[1])
        out_rows = []
        for s in args.s:
            lm = empirical_lipschitz(s, D, seed=args.seed)
            lt = gaussian_lipschitz(s, cov)
            out_rows.append({"n": len(D), "s": s, "L_emp": lm.value, "L_true": lt, "contrast": lm.value / lt,
                             "min_gap2": lm.min_gap2, "maximizer": lm.maximizer})
        result: dict[str, Any] = {"data": args.data, "d": int(D.shape[1]), "cov": cov.tolist(),
                                  "rows": out_rows}
    else:
        if args.d < 1:
            raise SeparationError(f"--d must be at least 1, got {args.d}")
        result = contrast_table(args.n, args.s, d=args.d, seed=args.seed)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print("Lipschitz constant of the empirical score L_emp(s) = sup_x ||Hess log p_hat_s||_2 against the "
          "Gaussian 1/(sigma^2 + alpha^2 lambda_min(Sigma))")
    print(f"{'n':>6} {'s':>9} {'L_emp':>12} {'L_true':>10} {'contrast':>12} {'min gap^2':>11}")
    for r in result["rows"]:
        print(f"{r['n']:>6} {r['s']:>9.3g} {r['L_emp']:>12.4g} {r['L_true']:>10.4g} {r['contrast']:>12.4g} "
              f"{r['min_gap2']:>11.3g}")
    return 0
