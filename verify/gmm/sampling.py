r"""Deterministic DDIM on the paper's grid and the memorization ratio of its samples.

One step from :math:`t` to :math:`t'<t` (research note §4.1, ``DDMSampler`` without noise):

.. math:: x_{t'}=\frac{\sigma_{t'}}{\sigma_t}x_t
          +\alpha_{t'}\Big(1-\frac{\alpha_t\sigma_{t'}}{\alpha_{t'}\sigma_t}\Big)\hat x_0(x_t,t),

i.e. :math:`x_{t'}=\alpha_{t'}\hat x_0+\sigma_{t'}\hat\varepsilon` with
:math:`\hat\varepsilon=(x_t-\alpha_t\hat x_0)/\sigma_t`. Start :math:`x\sim\mathcal N(0,I)` at the
largest grid time (not rescaled); the sample is the state at the smallest grid time (0.001 on
the paper's grid), not the last :math:`\hat x_0`. The memorization ratio is Definition 2.2 of
:mod:`verify.gmm.criterion` as the authors' code applies it (strict, :math:`c=1/9`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import criterion
from .data import GMMError, paper_grid, process

__all__ = ["ddim", "memorized", "memorization_ratio", "DEFAULT_SAMPLES"]

#: Samples per model for the memorization ratio (the authors' ``num_samples_eval``).
DEFAULT_SAMPLES = 50

X0Fn = Callable[[np.ndarray, float, float], np.ndarray]


def ddim(x0_hat: X0Fn, starts: np.ndarray, times: np.ndarray | None = None,
         schedule: str = "vp-linear-sigma") -> np.ndarray:
    r"""Run deterministic DDIM from ``starts`` (n, d) at ``max(times)`` down to ``min(times)``;
    ``x0_hat(x, alpha, sigma)`` is the denoiser (e.g. a :class:`~verify.gmm.MixtureDenoiser`)."""
    grid = np.sort(np.asarray(paper_grid() if times is None else times, dtype=float))[::-1]
    if grid.ndim != 1 or len(grid) < 2 or len(np.unique(grid)) != len(grid):
        raise GMMError("DDIM needs at least two distinct times")
    alpha, sigma = process(schedule).alpha_sigma(grid)
    if not (np.isfinite(alpha).all() and np.isfinite(sigma).all() and (sigma > 0).all()
            and (alpha > 0).all()):
        raise GMMError(f"schedule {schedule}: DDIM needs alpha > 0 and sigma > 0 on the grid")
    x = np.array(starts, dtype=float)
    if x.ndim != 2:
        raise GMMError("DDIM starts must be an (n, d) array")
    for k in range(len(grid) - 1):
        a, s, a2, s2 = alpha[k], sigma[k], alpha[k + 1], sigma[k + 1]
        xh = x0_hat(x, a, s)
        x = (s2 / s) * x + a2 * (1.0 - a * s2 / (a2 * s)) * xh
    return x


def memorized(samples: np.ndarray, train: np.ndarray) -> np.ndarray:
    """Boolean flag per sample: Definition 2.2 as the authors' code applies it (:math:`c=1/9`,
    strict; :func:`verify.gmm.criterion.memorized`, claim EDGE-DEF22-CODE)."""
    return np.asarray(criterion.memorized(samples, train, criterion.THRESHOLD_SQUARED,
                                          strict=criterion.CODE_STRICT), dtype=bool)


def memorization_ratio(samples: np.ndarray, train: np.ndarray) -> float:
    """Fraction of samples flagged by :func:`memorized` (the authors' strict criterion)."""
    return float(criterion.memorization_ratio(samples, train, criterion.THRESHOLD_SQUARED,
                                              strict=criterion.CODE_STRICT))
