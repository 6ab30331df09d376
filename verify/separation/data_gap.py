r"""The DSM loss gap of *your* training set against *your* Gaussian mixture, by cubature or Monte Carlo.

By SEP-P41 the gap between the empirical DSM losses of the true and the empirical score is a Fisher
divergence under the empirical noised law (Ye convention :math:`\alpha_s=e^{-s/2}`,
:math:`\sigma_s^2=1-e^{-s}`),

.. math::
    \mathrm{Loss\text{-}Gap}_s=\frac1n\sum_i\mathbb E_z
    \big\lVert\nabla\log\hat p_s(\alpha x_i+\sigma z)-\nabla\log p_s(\alpha x_i+\sigma z)\big\rVert^2,

for the mixture :math:`p_0=\sum_kw_k\mathcal N(\mu_k,\Sigma)`. With ``reverse=True`` the same squared
score difference is averaged under the true noised law :math:`p_s` instead (the generalization error
of the empirical score).

* ``method="quadrature"`` (:math:`d\le2`): :func:`~verify.separation.cubature.gaussian_atoms_integral`,
  float64, with a two-rule error *estimate* (not a proven bound);
* ``method="mc"`` (any :math:`d`): :func:`~verify.separation.gap.loss_gap` /
  :func:`~verify.separation.gap.reverse_fisher` in 8 independent batches, the value their mean and the
  error a Student-:math:`t` 95 % half-width.

High-precision references for small problems: :func:`~verify.separation.quadrature.gap_quadrature`
(mpmath, :math:`d\le2`) and :func:`~verify.separation.quadrature.gap_quadrature_2d` (arb, :math:`d=2`).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .cubature import gaussian_atoms_integral
from .gap import loss_gap, reverse_fisher, t95
from .scores import MixtureLaw, SeparationError, coefficients, empirical_score, gmm_score

__all__ = ["DSMGap", "dsm_gap", "METHODS", "QUADRATURE_MAX_D", "mixture"]

METHODS = ("quadrature", "mc")
#: the largest dimension the cubature takes (its cost grows like 81^(d/2) points per cell)
QUADRATURE_MAX_D = 2
#: Monte-Carlo batches (the 95 % interval is a Student-t over them)
MC_BATCHES = 8
#: entries of the score code's (points, n, d) temporary per chunk (32 MB of float64)
_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class DSMGap:
    r"""One gap value at one ``s``: ``error`` is the cubature's two-rule estimate (``method="quadrature"``)
    or the 95 % half-width (``method="mc"``); neither is a proven bound (``rigorous`` is False)."""

    s: float
    method: str
    value: float
    error: float
    law: str  # "empirical" (the Loss-Gap) or "true" (reverse Fisher)
    evaluations: int
    converged: bool = True
    rigorous: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def mixture(means: Any, cov: Any = None, weights: Any = None) -> MixtureLaw:
    r"""The true law :math:`\sum_kw_k\mathcal N(\mu_k,\Sigma)` from means (K, d), a covariance (a number
    :math:`c` for :math:`cI`, or (d, d) symmetric positive definite; default :math:`I`) and weights."""
    mu = np.asarray(means, dtype=float)
    if mu.ndim == 1:
        mu = mu[:, None]
    if mu.ndim != 2 or mu.size == 0 or not np.all(np.isfinite(mu)):
        raise SeparationError("means: need a finite (K, d) array")
    d = mu.shape[1]
    c = np.eye(d) if cov is None else np.asarray(cov, dtype=float)
    c = float(c) * np.eye(d) if c.ndim == 0 else np.atleast_2d(c)
    if c.shape != (d, d) or not np.all(np.isfinite(c)):
        raise SeparationError(f"covariance: need a number or a {d} x {d} matrix, got shape {c.shape}")
    if not np.allclose(c, c.T, rtol=0, atol=1e-12 * max(1.0, float(np.abs(c).max()))):
        raise SeparationError("covariance: not symmetric")
    if np.linalg.eigvalsh((c + c.T) / 2).min() <= 0:
        raise SeparationError("covariance: not positive definite")
    return MixtureLaw(mu, (c + c.T) / 2, weights)


def _data(data: Any, d: int) -> np.ndarray:
    x = np.asarray(data, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or len(x) < 1 or not np.all(np.isfinite(x)):
        raise SeparationError("data: need a finite (n, d) array with n >= 1")
    if x.shape[1] != d:
        raise SeparationError(f"data have d = {x.shape[1]}, the means d = {d}")
    return x


def dsm_gap(data: Any, means: Any, s: float, *, cov: Any = None, weights: Any = None,
            method: str = "quadrature", reverse: bool = False, rtol: float = 1e-8,
            draws: int = 4096, seed: int = 0, max_cells: int = 400_000) -> DSMGap:
    r"""The DSM loss gap (``reverse=False``) or the reverse Fisher divergence at ``s`` (see the module).

    ``data`` (n, d) training set; ``means`` (K, d), ``cov`` and ``weights`` the true mixture
    (:func:`mixture`). Quadrature needs :math:`d\le2` (:class:`SeparationError` otherwise, naming
    ``method="mc"``); ``rtol`` is its relative target, ``draws`` and ``seed`` are Monte Carlo's.
    """
    law = mixture(means, cov, weights)
    x = _data(data, law.d)
    if not (isinstance(s, int | float) and math.isfinite(s) and 0 < s <= 50):
        raise SeparationError(f"s must be a number in (0, 50], got {s!r}")
    s = float(s)
    if method not in METHODS:
        raise SeparationError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    which = "true" if reverse else "empirical"
    if method == "mc":
        if draws < 2 * MC_BATCHES:
            raise SeparationError(f"draws must be at least {2 * MC_BATCHES}, got {draws}")
        rng = np.random.default_rng(seed)
        estimate = reverse_fisher if reverse else loss_gap
        vals = [estimate(x, s, law, draws // MC_BATCHES, rng) for _ in range(MC_BATCHES)]
        mean, half = t95(vals)
        points = MC_BATCHES * (draws // MC_BATCHES)
        return DSMGap(s, "mc", mean, half, which, points * (len(x) + len(law.means)))
    if law.d > QUADRATURE_MAX_D:
        raise SeparationError(f"quadrature covers d <= {QUADRATURE_MAX_D} (its cost grows like 81^(d/2) "
                              f"points per cell), got d = {law.d}: use method='mc'")
    if not 0 < rtol < 1:
        raise SeparationError(f"rtol must lie in (0, 1), got {rtol}")
    alpha, var = (float(v) for v in coefficients(s))

    step = max(64, _ELEMENTS // (len(x) * law.d))  # bounds the (points, n, d) temporary

    def F(pts: np.ndarray) -> np.ndarray:
        out = []
        for i in range(0, len(pts), step):
            chunk = pts[i:i + step]
            out.append(((empirical_score(chunk, s, x) - gmm_score(chunk, s, law)) ** 2).sum(axis=1))
        return np.concatenate(out)

    if reverse:
        bases, L = alpha * law.means, np.linalg.cholesky(alpha**2 * law.cov + var * np.eye(law.d))
        omega = law.weights
    else:
        bases, L, omega = alpha * x, math.sqrt(var) * np.eye(law.d), np.full(len(x), 1.0 / len(x))
    r = gaussian_atoms_integral(F, bases, L, omega, rtol=rtol, max_cells=max_cells)
    return DSMGap(s, "quadrature", r.value, r.error, which, r.evaluations * (len(x) + len(law.means)),
                  r.converged)
