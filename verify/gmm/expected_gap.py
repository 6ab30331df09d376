r"""The expected generalizing-minus-memorizing training loss over training sets (EDGE-T31, the paper's
:math:`\Theta` form) and the range of noise levels where it stays comparable to the single-Gaussian
MMSE.

The paper (through a secondary statement): under :math:`N=\mathrm{poly}(d)`, well-separated clusters
and :math:`\sigma_\star^2=\Theta(1)`,

.. math:: \mathbb E_{(x^i)}\big[\mathcal L_{N,t}(\bar x_\star)-\mathcal L_{N,t}(\bar x_{\rm mem})\big]
          =\Theta\Big(\frac{d\sigma_\star^2}{\psi_t\sigma_\star^2+1}\Big)
          \quad\text{uniformly on }t\in[0,\kappa(d)],\ \kappa(d)\to1 .

**Estimate.** For one mixture (means on the :math:`\sqrt d` sphere, fixed per :math:`d`),
``sets`` independent training sets of :math:`N` points; on each, the Monte-Carlo training losses
of :mod:`.losses` (paired draws, the generalizing loss with its exact control variate) give the
gap per time; the ratio :math:`\rho(t)=\mathbb E[\text{gap}]/A_t`,
:math:`A_t=d\sigma_\star^2/(1+\psi_t\sigma_\star^2)` (:func:`.crossover.generalizing_excess`, derived),
is the mean over training sets with a Student-:math:`t` 95 % interval over them (the sets are
i.i.d., so the interval covers the training-set and the noise randomness together).

**Range.** Given a band :math:`[c_1,c_2]`, :math:`\hat\kappa(d)` is the largest grid time such that the
interval of :math:`\rho` lies inside the band at every grid time up to it (:func:`holding_kappa`).
A :math:`\Theta` statement fixes neither the constants nor :math:`\kappa`; what finite computation can
show is a band that holds on :math:`[0,\hat\kappa(d)]` for every :math:`d` measured, with
:math:`\hat\kappa(d)` increasing. The mechanism (research note §1a): the memorizing softmax
picks its own training point while :math:`\psi_t d\sigma_\star^2\gg\log N`, so
:math:`1-\kappa(d)\approx c\log N/d\to0` for :math:`N=\mathrm{poly}(d)`; :func:`GapSeries.scaled`
reports :math:`(1-\hat\kappa)\,d/\log N`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .crossover import classify, generalizing_excess, holding_range
from .data import PAPER_SCHEDULE, GMMError, problem, process
from .denoisers import generalizing, memorizing
from .losses import Estimate, t_quantile, training_losses

__all__ = ["GapSeries", "gap_times", "gap_series", "holding_kappa", "BAND"]

#: The band of the ratio E[gap]/A used to measure kappa(d) (any fixed 0 < c1 <= c2 < inf would do).
BAND = (0.5, 2.0)


def gap_times() -> np.ndarray:
    r"""23 times: 0.001 and 0.1..0.7, then :math:`1-u` for 15 values of :math:`u` log-spaced from 0.25 down
    to 0.001 (the range where :math:`\kappa(d)` lies)."""
    head = np.array([0.001, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
    return np.concatenate([head, 1.0 - np.geomspace(0.25, 0.001, 15)])


@dataclass(frozen=True)
class GapSeries:
    """One dimension: the ratio E[gap]/A per time over ``sets`` training sets of ``N`` points."""

    d: int
    K: int
    N: int
    var_star: float
    sets: int
    draws: int
    times: np.ndarray
    psi: np.ndarray
    approx: np.ndarray  # A_t = d var/(1 + psi var)
    per_set: np.ndarray  # (sets, T) gap / A per training set

    @property
    def ratio(self) -> Estimate:
        """Mean over training sets of gap/A with its Student-t 95 % half-width."""
        S = len(self.per_set)
        half = t_quantile(0.975, S - 1) * self.per_set.std(axis=0, ddof=1) / math.sqrt(S)
        return Estimate(self.per_set.mean(axis=0), half)

    def kappa(self, band: tuple[float, float] = BAND) -> float | None:
        """:func:`holding_kappa` of this series."""
        return holding_kappa(self.times, self.ratio, band)

    def next_time(self, kappa: float | None) -> float:
        """The grid time after ``kappa`` (1 beyond the last): kappa(d) lies in [kappa, next)."""
        if kappa is None:
            return float(self.times[0])
        later = self.times[self.times > kappa]
        return float(later[0]) if len(later) else 1.0

    def scaled(self, kappa: float | None) -> float:
        r""":math:`(1-\hat\kappa)\,d/\log N` (nan without a range)."""
        return math.nan if kappa is None else (1.0 - kappa) * self.d / math.log(self.N)

    def to_json(self, band: tuple[float, float] = BAND) -> dict:
        r = self.ratio
        k = self.kappa(band)
        return {"d": self.d, "K": self.K, "N": self.N, "var_star": self.var_star, "sets": self.sets,
                "draws": self.draws, "times": self.times.tolist(), "psi": self.psi.tolist(),
                "approx": self.approx.tolist(), "ratio": r.mean.tolist(), "half_width": r.half.tolist(),
                "kappa": k, "kappa_next": self.next_time(k), "scaled": self.scaled(k)}


def holding_kappa(times: np.ndarray, ratio: Estimate, band: tuple[float, float] = BAND) -> float | None:
    """The largest time t such that the ratio's interval lies inside ``band`` at every grid time <= t
    (None when it does not at the first time)."""
    lo, hi = band
    if not 0 < lo <= hi < math.inf:
        raise GMMError(f"a band needs 0 < c1 <= c2 < inf, got [{lo}, {hi}]")
    span = holding_range(np.asarray(times, dtype=float), classify(ratio, lo, hi))
    return None if span is None else span[1]


def gap_series(d: int, K: int, N: int, sets: int, draws: int, seed: int,
               times: Sequence[float] | np.ndarray | None = None, var_star: float = 1.0,
               schedule: str = PAPER_SCHEDULE) -> GapSeries:
    r"""Monte Carlo of
    :math:`\mathbb E[\mathcal L_{N,t}(\bar x_\star)-\mathcal L_{N,t}(\bar x_{\rm mem})]/A_t`
    over ``sets`` training sets of one mixture (means on the :math:`\sqrt d` sphere drawn from
    ``seed``), ``draws`` noise batches per set."""
    if sets < 2:
        raise GMMError(f"an interval over training sets needs at least 2 sets, got {sets}")
    if N < 2 or K < 1 or d < 1:
        raise GMMError(f"need d >= 1, K >= 1, N >= 2, got d = {d}, K = {K}, N = {N}")
    ts = gap_times() if times is None else np.asarray(times, dtype=float)
    proc = process(schedule)
    g = np.random.default_rng([seed, d, K, 0x7E31]).standard_normal((K, d))
    means = math.sqrt(d) * g / np.linalg.norm(g, axis=1, keepdims=True)
    rows, psi = [], None
    for s in range(sets):
        data = problem(means, var_star, N=N, seed=int(np.random.default_rng([seed, d, s]).integers(2**31)))
        table = training_losses(data, [generalizing(data), memorizing(data)], ts, proc, draws,
                                np.random.default_rng([seed, d, s, 0x6A9]))
        rows.append(table.difference("generalizing", "memorizing").mean)
        psi = table.psi
    A = generalizing_excess(d, var_star, psi)
    return GapSeries(d, K, N, float(var_star), sets, draws, ts, psi, A, np.array(rows) / A[None, :])
