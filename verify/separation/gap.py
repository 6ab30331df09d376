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

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .scores import MixtureLaw, SeparationError, coefficients, empirical_score, gmm_score

__all__ = ["DEPARTURE", "GapCell", "mixture_law", "loss_gap", "reverse_fisher", "asymptote",
           "nearest_neighbour", "departure", "scan_cell", "t95", "s_grid", "log_trapezoid", "min_separation"]

#: The gap "leaves the asymptote" where gap / asymptote drops below this.
DEPARTURE = 0.9


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


def loss_gap(data: np.ndarray, s: float, law: MixtureLaw, draws: int, rng: np.random.Generator) -> float:
    r"""Unbiased estimate of :math:`\mathbb E_{\hat P_s}\lVert\nabla\log\hat p_s-\nabla\log p_s\rVert^2`
    from ``draws`` points :math:`\alpha x_I+\sigma z`, with the control variate :math:`\lVert Bz\rVert^2`,
    :math:`B=\sigma^{-1}I-\sigma A^{-1}` (the memorized-regime score difference), exact mean
    :math:`\operatorname{tr}B^2`."""
    alpha, var = (float(v) for v in coefficients(s))
    idx = rng.integers(0, len(data), draws)
    z = rng.standard_normal((draws, data.shape[1]))
    X = alpha * data[idx] + math.sqrt(var) * z
    diff = empirical_score(X, s, data) - gmm_score(X, s, law)
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
    diff = empirical_score(X, s, data) - gmm_score(X, s, law)
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


def log_trapezoid(s: Sequence[float], values: Sequence[float]) -> float:
    r""":math:`\int_{s_0}^{s_m}g(s)\,ds` by the trapezoid rule in :math:`u=\log s` on the given (increasing)
    grid: :math:`\int g(s)\,s\,du` (the gap is close to :math:`d/s` at small ``s``, so :math:`g\,s` is
    nearly flat in u)."""
    u = np.log(np.asarray(s, dtype=float))
    h = np.asarray(s, dtype=float) * np.asarray(values, dtype=float)
    return float(np.sum((h[1:] + h[:-1]) / 2 * np.diff(u)))


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
    #: the gap of each data set at each s (datasets x len(s)) and each data set's mean NN distance: what
    #: E_D is estimated from, kept for integrals and resampling over data sets (not in :meth:`to_json`)
    per_dataset: list[list[float]] = field(default_factory=list, repr=False)
    nn_per_dataset: list[float] = field(default_factory=list, repr=False)

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
        del out["per_dataset"], out["nn_per_dataset"]
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
                   reverse_half=[t95(rev[:, j])[1] for j in range(len(s))] if reverse else [],
                   per_dataset=gaps.tolist(), nn_per_dataset=[float(v) for v in nn])
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
