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
from ..separation.data_gap import QUADRATURE_MAX_D, dsm_gap, mixture
from ..separation.gap import asymptote, nearest_neighbour, s_grid, scan_cell
from ..separation.lipschitz import contrast_table, empirical_lipschitz, gaussian_lipschitz
from ..separation.scores import SeparationError
from .arguments import (
    UsageError,
    add_group,
    check_work,
    float_list,
    int_list,
    integer,
    load_array,
    number_list,
)

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
        [("gap", "the DSM loss gap: a Monte-Carlo scan over generated data, or your training set against "
                 "your mixture by cubature and Monte Carlo side by side", add_gap_arguments, gap_command),
         ("lipschitz", "Lipschitz constant of the empirical score against the Gaussian one",
          add_lipschitz_arguments, lipschitz_command)])


# -- gap ------------------------------------------------------------------------------------------

#: the scan's defaults (options left at None so that --data can refuse them when given)
SCAN_DEFAULTS = {"d": 2, "K": 4, "n": [10, 100, 1000], "datasets": 8, "draws": 512, "seed": 0}
#: --data: Monte-Carlo draws per s, and the cubature's work limit (point-atom evaluations, ~2 min)
FILE_DRAWS, QUADRATURE_WORK = 4096, 2 * 10**9
#: measured cubature points per atom at rtol 1e-8 (d = 1, 2), for the work estimate
_POINTS_PER_ATOM = {1: 400, 2: 16_000}


def add_gap_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify separation gap``."""
    p.description = ("The DSM loss gap (= Fisher(P^_s, P_s), SEP-P41) in the OU convention of Ye et al. "
                     "Without --data: a Monte-Carlo scan of E_D[Loss-Gap_s] over training sets drawn from an "
                     "equal-weight mixture (means ~ N(0, 4 I_d), covariance I) with 95 % t-intervals, the "
                     "small-s asymptote and the departure point. With --data FILE and --means FILE: the gap "
                     "of that training set against the mixture sum_k w_k N(mu_k, Sigma) (--cov, --weights), "
                     "by adaptive cubature with its error estimate (d <= 2) and by Monte Carlo side by side "
                     "(--method). Every option is used or refused.")
    p.add_argument("--d", type=integer("--d"), default=None, metavar="D", help="scan: dimension (default: 2)")
    p.add_argument("--K", type=integer("--K"), default=None, metavar="K",
                   help="scan: mixture components (default: 4)")
    p.add_argument("--n", type=int_list("--n", maximum=MAX_GAP_N), default=None, metavar="N1,N2",
                   help="scan: training-set sizes (default: 10,100,1000)")
    p.add_argument("--s", default="1e-4:3:13", metavar="A:B:M|S1,S2",
                   help="times (Ye convention): M log-spaced from A to B, or a list (default: 1e-4:3:13)")
    p.add_argument("--datasets", type=integer("--datasets"), default=None, metavar="R",
                   help="scan: data sets per n (default: 8)")
    p.add_argument("--draws", type=integer("--draws"), default=None, metavar="M",
                   help=f"Monte Carlo points per gap (default: 512 in the scan, {FILE_DRAWS} with --data)")
    p.add_argument("--seed", type=integer("--seed"), default=None, metavar="S",
                   help="seed of the law, the data and the Monte Carlo (default: 0)")
    p.add_argument("--reverse", action="store_true",
                   help="also the reverse Fisher E_{P_s}||score^ - score||^2 (under the true law)")
    p.add_argument("--data", metavar="FILE",
                   help="your training set (CSV, .npy or builtin:NAME; rows = points)")
    p.add_argument("--means", metavar="FILE", help="with --data: the true mixture's means (K rows)")
    p.add_argument("--cov", metavar="C|FILE",
                   help="with --means: the common covariance, a number c (c I) or a d x d file (default: I)")
    p.add_argument("--weights", metavar="W1,W2|FILE",
                   help="with --means: positive mixture weights, normalised (default: equal)")
    p.add_argument("--method", choices=("quadrature", "mc", "both"), default=None,
                   help="with --means: cubature (d <= 2), Monte Carlo, or both side by side "
                        "(default: both for d <= 2, mc above)")
    p.add_argument("--rtol", type=float_list("--rtol", 1e-13, 0.1, max_items=1), default=None, metavar="R",
                   help="cubature's relative error target (default: 1e-8)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _given(args: argparse.Namespace, names: list[str]) -> list[str]:
    return [f"--{n}" for n in names if getattr(args, n) not in (None, False)]


def _validate(args: argparse.Namespace) -> list[float]:
    if args.data:
        scan_only = _given(args, ["d", "K", "n", "datasets"])
        if scan_only:
            raise SeparationError(f"{scan_only[0]} belongs to the scan over generated data; with --data the "
                                  "dimension and size are read from the file")
        if not args.means:
            extra = _given(args, ["cov", "weights", "method", "rtol", "reverse"])
            if extra:
                raise SeparationError(f"{extra[0]} describes the gap against a true law: give --means too")
        elif args.method == "quadrature":
            mc_only = _given(args, ["draws", "seed"])
            if mc_only:
                raise SeparationError(f"{mc_only[0]} is Monte Carlo's; not used with --method quadrature")
        if args.method == "mc" and args.rtol is not None:
            raise SeparationError("--rtol is the cubature's; not used with --method mc")
    else:
        for option in ("means", "cov", "weights", "rtol"):
            if getattr(args, option) is not None:
                raise SeparationError(f"--{option} needs --data (the scan draws its own data and law)")
        if args.method not in (None, "mc"):
            raise SeparationError("the scan over generated data sets is Monte Carlo only; for the cubature "
                                  "of one training set give --data and --means")
        for key, value in SCAN_DEFAULTS.items():
            if getattr(args, key) is None:
                setattr(args, key, value)
        if args.d < 1 or args.K < 1:
            raise SeparationError(f"--d and --K must be positive, got {args.d}, {args.K}")
        if args.datasets < 1:
            raise SeparationError("--datasets >= 1 is required")
    draws = args.draws if args.draws is not None else (FILE_DRAWS if args.data else SCAN_DEFAULTS["draws"])
    seed_ = args.seed if args.seed is not None else 0
    if draws < 2 or seed_ < 0:
        raise SeparationError("--draws >= 2 and --seed >= 0 are required")
    limits = (("--d", args.d, MAX_GAP_D), ("--K", args.K, MAX_K), ("--datasets", args.datasets, MAX_DATASETS),
              ("--draws", draws, MAX_DRAWS), ("--seed", seed_, MAX_SEED))
    for option, value, limit in limits:
        if value is not None and value > limit:
            raise SeparationError(f"{option} must be at most {limit:,} (the limit), got {value:,}")
    args.draws, args.seed = draws, seed_
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
    try:
        return load_array(spec, what, max_rows, "the float64 scores")
    except UsageError as exc:
        raise SeparationError(str(exc)) from None


def _numbers(spec: str, what: str) -> np.ndarray | None:
    """A comma list of plain decimal numbers, or None when ``spec`` is not one (then it is a file)."""
    try:
        return number_list(spec, what)
    except UsageError as exc:
        raise SeparationError(str(exc)) from None


def _law(args: argparse.Namespace, d: int):
    means = _load(args.means, "--means", MAX_K)
    if means.shape[1] != d:
        raise SeparationError(f"--means: {means.shape[1]} columns, the data have {d}")
    cov = None
    if args.cov is not None:
        value = _numbers(args.cov, "--cov")
        if value is not None and len(value) != 1:
            raise SeparationError("--cov: one number (c I) or a d x d file")
        cov = value[0] if value is not None else _load(args.cov, "--cov")
    weights = None
    if args.weights is not None:
        weights = _numbers(args.weights, "--weights")
        weights = _load(args.weights, "--weights").ravel() if weights is None else weights
        if len(weights) != len(means):
            raise SeparationError(f"--weights: {len(weights)} values for {len(means)} means")
    return mixture(means, cov, weights)


def _file_command(args: argparse.Namespace, s: list[float]) -> dict[str, Any]:
    data = _load(args.data, "--data", MAX_GAP_N)
    if len(data) < 2:
        raise SeparationError("--data: need at least two training points")
    n, d = data.shape
    if d > MAX_GAP_D:
        raise SeparationError(f"--data: dimension {d:,} exceeds the limit of {MAX_GAP_D:,}")
    nn = nearest_neighbour(data)
    out: dict[str, Any] = {"n": n, "d": d, "nearest_neighbour": nn,
                           "predicted_departure_s": math.log1p(nn**2)}  # sigma/alpha = nn
    if not args.means:
        out["note"] = "no --means: the true law is unknown, only empirical quantities are reported"
        return out
    law = _law(args, d)
    method = args.method or ("both" if d <= QUADRATURE_MAX_D else "mc")
    if method != "mc" and d > QUADRATURE_MAX_D:
        raise SeparationError(f"--method {method}: the cubature covers d <= {QUADRATURE_MAX_D} (its cost "
                              f"grows like 81^(d/2) points per cell), the data have d = {d}: use --method mc")
    methods = ["quadrature", "mc"] if method == "both" else [method]
    if "quadrature" in methods:
        work = len(s) * n * (n + len(law.means)) * _POINTS_PER_ATOM[d] * (1 + args.reverse)
        check_work(work, QUADRATURE_WORK, "the cubature's work len(s) x n x (n + K) x points per atom",
                   "use --method mc, fewer --s values or a smaller training set")
    if "mc" in methods:
        check_work(len(s) * args.draws * (n + len(law.means)) * d * (1 + args.reverse), GAP_WORK,
                   "the Monte-Carlo work len(s) x draws x (n + K) x d", "lower --draws")
    if args.method is None and d > QUADRATURE_MAX_D:
        out["note"] = f"d = {d} > {QUADRATURE_MAX_D}: Monte Carlo only (the cubature covers d <= 2)"
    out["law"] = {"K": len(law.means), "weights": law.weights.tolist(), "cov": law.cov.tolist()}
    rtol = args.rtol[0] if args.rtol else 1e-8
    rows = []
    for sj in s:
        row: dict[str, Any] = {"s": sj, "asymptote": float(asymptote(sj, np.linalg.eigvalsh(law.cov))[0])}
        for reverse in (False, True) if args.reverse else (False,):
            for m in methods:
                r = dsm_gap(data, law.means, sj, cov=law.cov, weights=law.weights, method=m, reverse=reverse,
                            rtol=rtol, draws=args.draws, seed=args.seed)
                row[("reverse_" if reverse else "") + m] = r.to_json()
        if len(methods) == 2:
            q, mc = row["quadrature"], row["mc"]
            row["agree"] = abs(q["value"] - mc["value"]) <= mc["error"] + q["error"]
        rows.append(row)
    out["methods"] = methods
    out["rows"] = rows
    return out


def _describe(r: dict[str, Any]) -> str:
    if r["method"] == "quadrature":
        flag = "" if r["converged"] else ", NOT converged: cell budget spent"
        return f"quadrature {r['value']:.10g} +- {r['error']:.2g} (estimate{flag})"
    return f"Monte Carlo {r['value']:.5g} +- {r['error']:.2g} (95 %)"


def gap_command(args: argparse.Namespace) -> int:
    """``memverify separation gap``: the scan, one line per (n, s), or one training set; or JSON."""
    s = _validate(args)
    if args.data:
        out = _file_command(args, s)
        if args.json:
            print(json.dumps(out, indent=2))
            return 0
        print(f"training set: n = {out['n']}, d = {out['d']}, mean nearest-neighbour distance "
              f"{out['nearest_neighbour']:.4g}; predicted departure s ~ {out['predicted_departure_s']:.3g}")
        if "law" in out:
            print(f"true law: {out['law']['K']} components, weights "
                  f"{', '.join(f'{w:.4g}' for w in out['law']['weights'])}; Loss-Gap_s = Fisher(P^_s, P_s)")
        for r in out.get("rows", []):
            parts = [_describe(r[m]) for m in out["methods"]]
            if "agree" in r:
                parts.append("agree" if r["agree"] else "DISAGREE (outside both error bars)")
            print(f"  s = {r['s']:.3g}: {'; '.join(parts)}; asymptote {r['asymptote']:.5g}")
            if args.reverse:
                parts = [_describe(r["reverse_" + m]) for m in out["methods"]]
                print("      reverse Fisher: " + "; ".join(parts))
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
