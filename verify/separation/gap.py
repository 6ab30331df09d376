r"""SEP-T43: the empirical DSM loss gap of Ye, Zhu, Tao, Chen (arXiv 2511.03202) by Monte Carlo.

By SEP-P41 (:mod:`derivations.separation`) the gap is a Fisher divergence under the *empirical*
noised law, so it is estimated directly as

.. math::
    \mathrm{Loss\text{-}Gap}_s=\mathbb E_{I,z}\big\lVert\nabla\log\hat p_s(X)-\nabla\log p_s(X)\big\rVert^2,
    \qquad X=\alpha_s x_I+\sigma_s z,

with :math:`I` uniform on the training set and :math:`z\sim\mathcal N(0,I_d)` (float64 is enough:
a mean of squares, no cancellation). The control variate :math:`\lVert Bz\rVert^2`,
:math:`B=\sigma_s^{-1}I-\sigma_sA_s^{-1}`, :math:`A_s=\alpha_s^2\Sigma+\sigma_s^2I` (the score difference
in the memorized regime; exact mean :math:`\operatorname{tr}B^2`) removes the dominant
:math:`O(\sigma_s^{-2})` fluctuation at small ``s`` and vanishes at large ``s``.
:math:`\mathbb E_{\mathcal D}` is a Student-:math:`t` 95 % interval over independent data sets.

**Data law** (documented choice, the paper's synthetic setting): :math:`K` equal-weight components
:math:`\mathcal N(\mu_k,I_d)` with :math:`\mu_k\sim\mathcal N(0,4I_d)` drawn once from the seed, so
:math:`\Delta_{\min}=\Theta(\sqrt d)` with high probability (the measured :math:`\Delta_{\min}/\sqrt d`
is reported).

**Small-s asymptote** (posterior on the generating sample, one component):
:math:`\sum_j(\sigma_s^{-2}-(\alpha_s^2\lambda_j+\sigma_s^2)^{-1})`, :math:`=d/(e^s-1)` for
:math:`\Sigma=I`. **Departure point**: the smallest scanned ``s`` where the gap falls below
:data:`DEPARTURE` times the asymptote, compared through :math:`\sigma_s/\alpha_s` with the measured mean
nearest-neighbour distance of the data sets (prediction: comparable, :math:`\sim n^{-1/d}`).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..arguments import int_list
from .scores import MixtureLaw, SeparationError, coefficients, empirical_score, gmm_score

__all__ = ["DEPARTURE", "GapCell", "mixture_law", "loss_gap", "reverse_fisher", "asymptote",
           "nearest_neighbour", "departure", "scan_cell", "t95", "s_grid", "add_arguments", "command"]

#: The gap "leaves the asymptote" where gap / asymptote drops below this.
DEPARTURE = 0.9
#: Points per score batch (bounds the (B, n, d) temporary to a few MB).
_CHUNK = 4096


def mixture_law(d: int, K: int, seed: int, scale: float = 2.0) -> MixtureLaw:
    r"""Equal-weight mixture :math:`\frac1K\sum_k\mathcal N(\mu_k,I_d)` with means
    :math:`\mu_k\sim\mathcal N(0,\mathrm{scale}^2I_d)` drawn from ``seed``."""
    if d < 1 or K < 1:
        raise SeparationError(f"need d >= 1 and K >= 1, got d={d}, K={K}")
    rng = np.random.default_rng([seed, 6, 43])
    return MixtureLaw(scale * rng.standard_normal((K, d)), np.eye(d))


def min_separation(law: MixtureLaw) -> float:
    r""":math:`\Delta_{\min}=\min_{j\ne k}\lVert\mu_j-\mu_k\rVert` (``inf`` for one component)."""
    m = law.means
    if len(m) < 2:
        return math.inf
    dist = np.sqrt(((m[:, None, :] - m[None, :, :]) ** 2).sum(axis=2))
    return float(dist[~np.eye(len(m), dtype=bool)].min())


def _batched(fn, X: np.ndarray, *args) -> np.ndarray:
    n_data = len(args[1]) if isinstance(args[1], np.ndarray) else 1
    step = max(1, _CHUNK * 64 // max(1, n_data * X.shape[1]))
    return np.concatenate([fn(X[i:i + step], *args) for i in range(0, len(X), step)])


def loss_gap(data: np.ndarray, s: float, law: MixtureLaw, draws: int, rng: np.random.Generator) -> float:
    r"""Unbiased estimate of :math:`\mathbb E_{\hat P_s}\lVert\nabla\log\hat p_s-\nabla\log p_s\rVert^2`
    from ``draws`` points :math:`\alpha x_I+\sigma z`, with the control variate :math:`\lVert Bz\rVert^2`,
    :math:`B=\sigma^{-1}I-\sigma A^{-1}` (the memorized-regime score difference), exact mean
    :math:`\operatorname{tr}B^2`."""
    alpha, var = (float(v) for v in coefficients(s))
    idx = rng.integers(0, len(data), draws)
    z = rng.standard_normal((draws, data.shape[1]))
    X = alpha * data[idx] + math.sqrt(var) * z
    diff = _batched(empirical_score, X, s, data) - gmm_score(X, s, law)
    A = alpha**2 * law.cov + var * np.eye(law.d)
    B = np.eye(law.d) / math.sqrt(var) - math.sqrt(var) * np.linalg.inv(A)
    sq = (diff**2).sum(axis=1) - ((z @ B) ** 2).sum(axis=1)
    return float(sq.mean() + np.trace(B @ B))


def reverse_fisher(data: np.ndarray, s: float, law: MixtureLaw, draws: int,
                   rng: np.random.Generator) -> float:
    r"""Estimate of :math:`\mathbb E_{P_s}\lVert\nabla\log\hat p_s-\nabla\log p_s\rVert^2` (fresh draws
    of the true law: the generalization error of the empirical score)."""
    alpha, var = (float(v) for v in coefficients(s))
    X = alpha * law.sample(draws, rng) + math.sqrt(var) * rng.standard_normal((draws, law.d))
    diff = _batched(empirical_score, X, s, data) - gmm_score(X, s, law)
    return float((diff**2).sum(axis=1).mean())


def asymptote(s: Any, eigenvalues: Sequence[float]) -> np.ndarray:
    r"""Small-s gap :math:`\sum_j(\sigma_s^{-2}-(\alpha_s^2\lambda_j+\sigma_s^2)^{-1})` at each ``s``.

    From :func:`derivations.separation.small_s_asymptote` (derived and checked there; each float64
    ``s`` and eigenvalue passed as its exact dyadic Fraction), rounded to float64.
    """
    from fractions import Fraction

    import mpmath

    from derivations.separation import small_s_asymptote

    lams = [Fraction(float(v)) for v in eigenvalues]
    with mpmath.workdps(20):
        return np.array([float(small_s_asymptote(Fraction(float(v)), lams))
                         for v in np.atleast_1d(np.asarray(s, dtype=float))])


def nearest_neighbour(data: np.ndarray) -> float:
    """Mean over training points of the distance to their nearest other training point."""
    sq = (data**2).sum(axis=1)
    d2 = sq[:, None] + sq[None, :] - 2 * data @ data.T
    np.fill_diagonal(d2, np.inf)
    return float(np.sqrt(np.maximum(d2.min(axis=1), 0)).mean())


def t95(values: Sequence[float]) -> tuple[float, float]:
    """Mean and Student-t 95 % half-width (``inf`` for one value)."""
    from ..gmm.losses import t_quantile

    v = np.asarray(values, dtype=float)
    if len(v) < 2:
        return float(v.mean()), math.inf
    return float(v.mean()), t_quantile(0.975, len(v) - 1) * float(v.std(ddof=1)) / math.sqrt(len(v))


def departure(s: Sequence[float], gap: Sequence[float], asym: Sequence[float]) -> float | None:
    """First s where gap / asymptote crosses :data:`DEPARTURE` (log-linear interpolation between
    the scanned s; None if the ratio never drops below it)."""
    prev = None
    for si, g, a in zip(s, gap, asym, strict=True):
        r = g / a
        if r < DEPARTURE:
            if prev is None:
                return float(si)
            s0, r0 = prev
            w = (r0 - DEPARTURE) / (r0 - r)
            return float(math.exp(math.log(s0) + w * (math.log(si) - math.log(s0))))
        prev = (si, r)
    return None


@dataclass
class GapCell:
    """E_D[Loss-Gap_s] for one (d, K, n) over the scanned s, with 95 % half-widths."""

    d: int
    K: int
    n: int
    s: list[float]
    gap: list[float]
    half: list[float]
    asymptote: list[float]
    nn: float  # mean nearest-neighbour distance over the data sets
    separation: float  # Delta_min / sqrt(d)
    datasets: int
    draws: int
    departure: float | None = None
    reverse: list[float] = field(default_factory=list)  # E_D reverse Fisher (optional)
    reverse_half: list[float] = field(default_factory=list)

    @property
    def normalized(self) -> np.ndarray:
        r""":math:`\mathrm{gap}\,\sigma_s^2/d`."""
        return np.asarray(self.gap) * coefficients(np.asarray(self.s))[1] / self.d

    @property
    def normalized_lower(self) -> np.ndarray:
        """Lower 95 % end of gap sigma^2 / d."""
        return (np.asarray(self.gap) - np.asarray(self.half)) * coefficients(np.asarray(self.s))[1] / self.d

    @property
    def departure_ratio(self) -> float | None:
        r""":math:`(\sigma_s/\alpha_s)` at the departure point over the mean nearest-neighbour distance."""
        if self.departure is None:
            return None
        alpha, var = coefficients(self.departure)
        return float(math.sqrt(var) / alpha / self.nn)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["normalized"] = self.normalized.tolist()
        out["departure_ratio"] = self.departure_ratio
        return out


def scan_cell(d: int, K: int, n: int, s: Sequence[float], datasets: int, draws: int, seed: int,
              reverse: bool = False) -> GapCell:
    """Monte Carlo E_D[Loss-Gap_s] over ``datasets`` independent training sets of size ``n``."""
    if n < 2 or datasets < 1 or draws < 2:
        raise SeparationError(f"need n >= 2, datasets >= 1, draws >= 2 (got {n}, {datasets}, {draws})")
    law = mixture_law(d, K, seed)
    gaps = np.empty((datasets, len(s)))
    rev = np.empty((datasets, len(s)))
    nn = []
    for k in range(datasets):
        rng = np.random.default_rng([seed, d, K, n, k])
        data = law.sample(n, rng)
        nn.append(nearest_neighbour(data))
        for j, sj in enumerate(s):
            gaps[k, j] = loss_gap(data, sj, law, draws, rng)
            if reverse:
                rev[k, j] = reverse_fisher(data, sj, law, draws, rng)
    stats = [t95(gaps[:, j]) for j in range(len(s))]
    asym = asymptote(np.asarray(s, dtype=float), np.linalg.eigvalsh(law.cov)).tolist()
    gap = [m for m, _ in stats]
    cell = GapCell(d, K, n, [float(v) for v in s], gap, [h for _, h in stats], asym, float(np.mean(nn)),
                   min_separation(law) / math.sqrt(d), datasets, draws,
                   reverse=[t95(rev[:, j])[0] for j in range(len(s))] if reverse else [],
                   reverse_half=[t95(rev[:, j])[1] for j in range(len(s))] if reverse else [])
    cell.departure = departure(cell.s, gap, asym)
    return cell


def s_grid(spec: str) -> list[float]:
    """``a:b:m`` (m log-spaced values from a to b) or a comma list; every s in (0, 50]."""
    try:
        if ":" in spec:
            a, b, m = spec.split(":")
            lo, hi, count = float(a), float(b), int(m)
            if count < 1 or not 0 < lo <= hi:
                raise ValueError
            values = np.geomspace(lo, hi, count).tolist() if count > 1 else [lo]
        else:
            values = [float(v) for v in spec.split(",")]
    except ValueError:
        raise SeparationError(f"--s: expected 'a:b:m' or a comma list of positive numbers, "
                              f"got '{spec}'") from None
    if not values or any(not (0 < v <= 50) or not math.isfinite(v) for v in values):
        raise SeparationError(f"--s: every s must lie in (0, 50], got '{spec}'")
    return sorted(values)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Options of ``memverify separation gap``."""
    p.description = ("Monte Carlo E_D[Loss-Gap_s] (= Fisher(P^_s, P_s), SEP-P41) for training sets "
                     "drawn from an equal-weight Gaussian mixture (means ~ N(0, 4 I_d), covariance I), "
                     "with 95 % "
                     "t-intervals over data sets, the small-s asymptote d/(e^s - 1) and the departure point. "
                     "With --data: the gap of that one training set against the mixture given by --means "
                     "(covariance I); without --means only the empirical quantities are reported.")
    p.add_argument("--d", type=int, default=2, metavar="D", help="dimension (default: 2)")
    p.add_argument("--K", type=int, default=4, metavar="K", help="mixture components (default: 4)")
    p.add_argument("--n", type=int_list("--n"), default=[10, 100, 1000], metavar="N1,N2",
                   help="training-set sizes (default: 10,100,1000)")
    p.add_argument("--s", default="1e-4:3:13", metavar="A:B:M|S1,S2",
                   help="times (Ye convention): M log-spaced from A to B, or a list (default: 1e-4:3:13)")
    p.add_argument("--datasets", type=int, default=8, metavar="R", help="data sets per n (default: 8)")
    p.add_argument("--draws", type=int, default=512, metavar="M",
                   help="Monte Carlo points per gap (default: 512)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="seed of the law and data (default: 0)")
    p.add_argument("--reverse", action="store_true", help="also estimate the reverse Fisher E_{P_s}")
    p.add_argument("--data", metavar="FILE", help="a training set (CSV or .npy, rows = points)")
    p.add_argument("--means", metavar="FILE", help="with --data: the mixture means (K rows, covariance I)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _validate(args: argparse.Namespace) -> list[float]:
    if args.d < 1 or args.K < 1:
        raise SeparationError(f"--d and --K must be positive, got {args.d}, {args.K}")
    if args.datasets < 1 or args.draws < 2 or args.seed < 0:
        raise SeparationError("--datasets >= 1, --draws >= 2 and --seed >= 0 are required")
    if args.means and not args.data:
        raise SeparationError("--means needs --data")
    return s_grid(args.s)


def _load(spec: str, what: str) -> np.ndarray:
    from ..datasets import DataError, load_dataset

    try:
        rows = load_dataset(spec)
    except DataError as exc:
        raise SeparationError(f"{what}: {exc}") from None
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


def command(args: argparse.Namespace) -> int:
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
