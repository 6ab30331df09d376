r"""The in-law reading of LLY26-T2 / LLY26-T3: the Wasserstein distance between the law of the
discretized endpoint and the law of the continuous-time oracle endpoint, from a coupled sweep.

Let :math:`\mu_h` be the law of :math:`\hat Z_0^h` (Euler or Euler–Maruyama from
:math:`Z_1\sim\mathcal N(0,I)`) and :math:`\mu_0=\sum_ip_i\delta_{X_i}` the law of the oracle
endpoint, :math:`p_i` the probability of ending at :math:`X_i` (for a start at :math:`t=1` the
marginal law :math:`\rho_t` is transported, so :math:`p_i=1/N`; for the stochastic sampler the
Brownian path is part of the start).

**Lower bound** (exact): every coupling moves :math:`\hat Z_0^h` to an atom, so
:math:`W_1(\mu_h,\mu_0)\ge\mathbb E\min_i\lVert\hat Z_0^h-X_i\rVert` — the mean of the pathwise
deviation.

**Upper bound** (the synchronous coupling): with :math:`k^\star(z)` the atom the oracle reaches
from the same start (and Brownian path),
:math:`W_1(\mu_h,\mu_0)\le\mathbb E\lVert\hat Z_0^h-X_{k^\star}\rVert
\le\mathbb E\min_i\lVert\hat Z_0^h-X_i\rVert+\Delta_{\max}\,\mathbb P(k_h\ne k^\star)`. So a pathwise
min-distance bound gives the in-law one only together with the atoms' frequencies; the second
term is the share of starts that the discretization sends to another atom. :math:`k^\star` is
estimated by the atom of the finest step size of the sweep (the *reference*); its own error is
estimated by :math:`\varepsilon=\mathbb E\lVert X_{k(K_{\rm ref}/2)}-X_{k(K_{\rm ref})}\rVert`
(exact if the share of changed atoms at least halves with the step, as measured).

Both bounds are sample means over the starts; their exponents in :math:`h` are fitted by
:func:`~verify.sampling.laws.fit_exponent` (statistic ``mean``, bootstrap intervals over starts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..statistics import chi_square_uniform
from .laws import ExponentFit, Sweep, fit_exponent

__all__ = ["RESOLVED_STARTS", "EXPONENT_TOLERANCE", "LawDistance", "law_distance", "band_decay"]

#: A step size enters an exponent fit when at least this many starts are above the float64 floor.
RESOLVED_STARTS = 10
#: The fitted exponent of the upper bound may fall this far below 1/2 (with its interval reaching 1/2).
EXPONENT_TOLERANCE = 0.05


@dataclass(frozen=True)
class LawDistance:
    r"""Bounds on :math:`W_1(\mu_h,\mu_0)` per step size of one sweep (the reference step size,
    the finest, excluded from the fits)."""

    schedule: str
    method: str
    steps: tuple[int, ...]  # the step sizes below the reference
    h: tuple[float, ...]
    reference: int  # K of the reference atoms
    lower: tuple[float, ...]  # mean min_i |Z - X_i|
    upper: tuple[float, ...]  # mean |Z - X_ref|: the synchronous coupling
    lower_fit: ExponentFit
    upper_fit: ExponentFit
    allowance: float  # estimated error of the reference atoms (added to the upper bound)
    misassigned: tuple[float, ...]  # share of starts whose atom differs from the reference
    band_share: tuple[float, ...]  # share of starts below the pathwise last-step margin
    band_cost: tuple[float, ...]  # their part of the mean coupling cost
    constant: float  # max over h of (upper + allowance)/sqrt(h)
    uniform_p: float | None  # chi-square p-value of the reference atoms against p_i = 1/N
    excluded: int  # starts without a reference atom (diverged at the finest step)

    @property
    def holds(self) -> bool:
        r"""Whether the upper bound is consistent with :math:`W_1\le C\sqrt h`: its fitted exponent is
        at least :math:`1/2-` :data:`EXPONENT_TOLERANCE` and its 95 % interval reaches 1/2, or it is at
        the float64 floor."""
        fit = self.upper_fit
        if fit.slope is None:
            return all(fit.at_floor)
        return fit.ci is not None and fit.ci[1] >= 0.5 and fit.slope >= 0.5 - EXPONENT_TOLERANCE

    @property
    def fails(self) -> bool:
        r"""Whether even the lower bound decays slower than :math:`\sqrt h` (interval below 1/2)."""
        fit = self.lower_fit
        return fit.ci is not None and fit.ci[1] < 0.5


def _fit(h: np.ndarray, values: np.ndarray, floor: float, seed: int, boot: int) -> ExponentFit:
    """The exponent of the mean over the step sizes where at least :data:`RESOLVED_STARTS` starts
    are above the floor (a mean carried by a handful of starts has no usable bootstrap)."""
    rows = np.flatnonzero((values > floor).sum(1) >= RESOLVED_STARTS)
    if len(rows) < 2:
        rows = np.arange(len(h))
    return fit_exponent(h[rows], values[rows], "mean", floor=floor, seed=seed, boot=boot)


def law_distance(sweep: Sweep, data: np.ndarray, *, seed: int = 0, boot: int = 400,
                 uniform_atoms: bool = True) -> LawDistance:
    r"""Lower and upper bounds on :math:`W_1(\mu_h,\mu_0)` from one sweep (its endpoints, nearest
    atoms and last-step margins, the same starts at every :math:`h`). ``uniform_atoms``: test the
    reference atoms against :math:`p_i=1/N` (a start at :math:`t=1`)."""
    X = np.asarray(data, dtype=float)
    ref = sweep.nearest[-1]
    keep = ref >= 0
    ref_k = ref[keep]
    ends = sweep.endpoints[:-1, keep]
    cost = np.sqrt(((ends - X[ref_k][None]) ** 2).sum(-1))  # (K - 1, M)
    dev = sweep.dev[:-1, keep]
    h = sweep.h[:-1]
    near = sweep.nearest[:-1, keep]
    below = ~sweep.outside_band[:-1, keep]
    M = int(keep.sum())
    lower_fit = _fit(h, dev, sweep.floor, seed, boot)
    upper_fit = _fit(h, cost, sweep.floor, seed, boot)
    previous = sweep.nearest[-2][keep]
    allowance = float(np.sqrt(((X[previous] - X[ref_k]) ** 2).sum(-1)).mean()) if M else 0.0
    upper = cost.mean(1)
    constant = float(max((u + allowance) / math.sqrt(v) for u, v in zip(upper, h, strict=True)))
    uniform_p = None
    if uniform_atoms and M:
        uniform_p = float(chi_square_uniform(np.bincount(ref_k, minlength=len(X)))[1])
    return LawDistance(
        sweep.schedule, sweep.method, tuple(sweep.steps[:-1]), tuple(float(v) for v in h), sweep.steps[-1],
        tuple(float(v) for v in dev.mean(1)), tuple(float(v) for v in upper), lower_fit, upper_fit,
        allowance, tuple(float(v) for v in (near != ref_k[None]).mean(1)),
        tuple(float(v) for v in below.mean(1)), tuple(float(v) for v in (cost * below).sum(1) / max(M, 1)),
        constant, uniform_p, int((~keep).sum()))


def band_decay(law: LawDistance) -> tuple[bool, float | None]:
    r"""Whether the near-tie band's part of the coupling cost vanishes faster than :math:`\sqrt h`:
    it is 0 at the finest step size, or its local slope between the two finest step sizes where it
    is positive exceeds 1/2. Returns (decays, that slope)."""
    values = [(h, c) for h, c in zip(law.h, law.band_cost, strict=True) if c > 0]
    if law.band_cost[-1] == 0:
        return True, None
    if len(values) < 2:
        return False, None
    (h1, c1), (h2, c2) = values[-2], values[-1]
    slope = math.log(c1 / c2) / math.log(h1 / h2)
    return slope > 0.5, slope
