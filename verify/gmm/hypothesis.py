r"""The hypothesis of Buchanan et al. (EDGE-HYP): *there exists a loss weighting* :math:`\lambda` *such
that a trained denoiser with* :math:`M` *parameters memorizes if and only if*
:math:`\mathcal L_N(\bar x_{{\rm pmem},M},\lambda)\le\mathcal L_N(\bar x_\star,\lambda)`.

**Loss rule.** With the Monte-Carlo training losses of :mod:`.losses` on the paper's grid (the partially
memorizing denoiser averaged over uniform subsets of :math:`M` training points, as in Theorem 3.2;
:math:`M=N` is the memorizing denoiser) and weights :math:`\lambda_t\ge0`,

.. math:: \Delta_\lambda(M)=\sum_t\lambda_t\big[\mathcal L_{N,t}(\bar x_{{\rm pmem},M})
          -\mathcal L_{N,t}(\bar x_\star)\big],

with a Student-:math:`t` 95 % interval over the noise batches (the batches are i.i.d.); the rule
predicts *memorizes* where the interval lies in :math:`(-\infty,0]`, *generalizes* where it lies in
:math:`(0,\infty)`, otherwise it is undecided.

**Trained side.** A model memorizes on average when its memorization ratio is above 1/2: *memorizes*
where the Wilson 95 % interval of the ratio lies above 1/2, *generalizes* where it lies below, else
undecided.

**Search** (:func:`search`). The prescribed weightings of EDGE-45 (:data:`~.crossover.WEIGHTINGS`:
uniform in :math:`x_0` units, :math:`\varepsilon`, :math:`v`) and the one-parameter family that
EDGE-45-PAPER fits (:data:`~.weighting_fit.FAMILIES` ``snr-power``: :math:`\lambda_\theta=
\psi_t^{-\theta}` on the :math:`\varepsilon` loss, i.e. :math:`x_0`-unit weights
:math:`\psi_t^{1-\theta}`; :math:`\theta=0` the authors' uniform :math:`\varepsilon` objective,
:math:`\theta=1` uniform :math:`x_0`) at :data:`THETAS`, its bounds in steps of 0.025. A weighting
*matches* when no size is decided both ways and differently.
Since :math:`\Delta_\lambda(M)` decreases in :math:`M`, every :math:`\lambda` predicts an up-set of
sizes; a match therefore needs the trained memorization to be an up-set too (family-independent:
:func:`non_monotone`), and then a :math:`\lambda` whose crossover :math:`M^\star(\lambda)` lands in
the trained window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..statistics import wilson
from .crossover import WEIGHTINGS, weighting_values
from .data import GMMError
from .losses import Estimate, LossTable, t_quantile
from .weighting_fit import FAMILIES, x0_weights

__all__ = ["FAMILY", "THETAS", "RuleSide", "Search", "weightings", "loss_rule", "trained_status",
           "non_monotone", "search"]

#: The weighting family of EDGE-45-PAPER searched here, and its parameters theta (its bounds, step 0.025).
FAMILY = "snr-power"
_LO, _HI = FAMILIES[FAMILY].bounds
THETAS = tuple(round(_LO + 0.025 * k, 3) for k in range(int(round((_HI - _LO) / 0.025)) + 1))

MEMORIZES, GENERALIZES, UNDECIDED = "memorizes", "generalizes", "undecided"


def _theta_name(theta: float) -> str:
    return f"{FAMILY} theta={theta:g}"


def weightings(table: LossTable) -> dict[str, np.ndarray]:
    r"""The weightings of EDGE-45 (:data:`~.crossover.WEIGHTINGS`) and the family :data:`FAMILY` at every
    :data:`THETAS`, as :math:`x_0`-unit weights at the table's times. ``uniform-x0`` and ``v`` are the
    derived loss factors (:func:`~.crossover.weighting_values`); ``epsilon`` is :math:`\psi_t` (its
    derived factor :math:`\alpha^2/\sigma^2`, EDGE-DEN)."""
    psi = np.asarray(table.psi, dtype=float)
    out = {w: psi if w == "epsilon" else weighting_values(w, table.times, table.schedule)
           for w in WEIGHTINGS}
    family = FAMILIES[FAMILY]
    for theta in THETAS:
        out[_theta_name(theta)] = x0_weights(family.epsilon_weights(theta, psi), psi)
    return out


def _label(table: LossTable, M: int) -> str:
    if M == table.N:
        return "memorizing"
    for label, m in table.M.items():
        if m == M:
            return label
    raise GMMError(f"the loss table has no partially memorizing denoiser with M = {M}")


def loss_rule(table: LossTable, Ms: Sequence[int], lam: np.ndarray) -> tuple[Estimate, np.ndarray]:
    r""":math:`\Delta_\lambda(M)` per size with its 95 % interval, and the rule's prediction per size."""
    lam = np.asarray(lam, dtype=float)
    if lam.shape != table.times.shape or not np.all(np.isfinite(lam)) or np.any(lam < 0) or not lam.any():
        raise GMMError("a weighting needs one finite value >= 0 per time, not all 0")
    R = table.draws
    gen = table.batches[table.index("generalizing")]
    y = np.array([lam @ (table.batches[table.index(_label(table, M))] - gen) for M in Ms])  # (sizes, R)
    half = t_quantile(0.975, R - 1) * y.std(axis=1, ddof=1) / math.sqrt(R)
    delta = Estimate(y.mean(axis=1), half)
    memorizes = delta.upper <= 0  # the rule: Delta <= 0, decided by the whole interval
    predicted = np.where(memorizes, MEMORIZES, np.where(delta.lower > 0, GENERALIZES, UNDECIDED))
    return delta, predicted


def trained_status(counts: Sequence[int], samples: Sequence[int] | int) -> np.ndarray:
    """Per size: memorizes / generalizes on average (Wilson 95 % interval of the ratio above / below 1/2)."""
    n = np.broadcast_to(np.asarray(samples), np.shape(counts))
    out = []
    for k, m in zip(counts, n, strict=True):
        lo, hi = wilson(int(k), int(m))
        out.append(MEMORIZES if lo > 0.5 else GENERALIZES if hi < 0.5 else UNDECIDED)
    return np.array(out)


def non_monotone(Ms: Sequence[int], status: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (M, M'), M < M', with M decided memorizing and M' decided generalizing: no weighting can
    match them (the loss rule predicts an up-set of sizes)."""
    order = np.argsort(np.asarray(Ms))
    M, s = np.asarray(Ms)[order], np.asarray(status)[order]
    return [(int(M[i]), int(M[j])) for i in range(len(M)) for j in range(i + 1, len(M))
            if s[i] == MEMORIZES and s[j] == GENERALIZES]


@dataclass(frozen=True)
class RuleSide:
    """One weighting: the loss rule per size, its mismatches with the trained models, its crossover."""

    weighting: str
    delta: Estimate
    predicted: np.ndarray
    mismatches: tuple[int, ...]
    mstar: float  # M*/N where the mean Delta changes sign (nan when it does not inside the sizes)

    @property
    def matches(self) -> bool:
        return not self.mismatches


@dataclass(frozen=True)
class Search:
    """Every weighting searched, the trained status per size and the family-independent obstruction."""

    Ms: tuple[int, ...]
    N: int
    trained: np.ndarray
    sides: dict[str, RuleSide]
    obstruction: list[tuple[int, int]]

    @property
    def matching(self) -> list[str]:
        return [w for w, side in self.sides.items() if side.matches]

    def theta_range(self) -> tuple[float, float] | None:
        """Smallest and largest theta of :data:`FAMILY` that match (None when none does or the family was
        not searched)."""
        ts = [t for t in THETAS if _theta_name(t) in self.sides and self.sides[_theta_name(t)].matches]
        return (min(ts), max(ts)) if ts else None


def _root(Ms: np.ndarray, mean: np.ndarray, N: int) -> float:
    """First sign change of the mean Delta from > 0 to <= 0 along M, interpolated linearly (M/N)."""
    for j in range(1, len(Ms)):
        if mean[j - 1] > 0 >= mean[j]:
            return float(Ms[j - 1] + mean[j - 1] / (mean[j - 1] - mean[j]) * (Ms[j] - Ms[j - 1])) / N
    return math.nan


def search(table: LossTable, Ms: Sequence[int], counts: Sequence[int], samples: Sequence[int] | int,
           family: dict[str, np.ndarray] | None = None) -> Search:
    """The loss rule of every weighting of ``family`` (default :func:`weightings`) against the trained
    models (``counts`` of ``samples`` memorized at the sizes ``Ms``)."""
    order = np.argsort(np.asarray(Ms))
    sizes = np.asarray(Ms)[order]
    k = np.asarray(counts)[order]
    n = np.broadcast_to(np.asarray(samples), np.shape(counts))[order]
    trained = trained_status(k, n)
    sides = {}
    for name, lam in (family if family is not None else weightings(table)).items():
        delta, predicted = loss_rule(table, sizes, lam)
        bad = tuple(int(M) for M, p, s in zip(sizes, predicted, trained, strict=True)
                    if UNDECIDED not in (p, s) and p != s)
        sides[name] = RuleSide(name, delta, predicted, bad, _root(sizes, delta.mean, table.N))
    return Search(tuple(int(M) for M in sizes), table.N, trained, sides, non_monotone(sizes, trained))
