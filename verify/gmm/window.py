r"""The transition window of a measured memorization curve (EDGE-WINDOW): where the ratio of trained
:math:`M`-component denoisers first reaches 10 %, 50 % and 90 %, with resampling intervals, and
whether the curve is monotone within its sampling noise.

A curve is :math:`(M_j,k_j,n_j)`: :math:`k_j` of :math:`n_j` samples memorized at size :math:`M_j`.
The level-:math:`\ell` crossing is the first upward crossing of :math:`\ell` by linear interpolation
between consecutive sizes,

.. math:: M_\ell=M_{j-1}+\frac{\ell-r_{j-1}}{r_j-r_{j-1}}(M_j-M_{j-1}),\qquad
          j=\min\{j:r_j\ge\ell\},

the window is :math:`[M_{0.1},M_{0.9}]` ("starts at 10 %, ends at 90 %") and the models memorize on
average (ratio above 1/2) from :math:`M_{0.5}` on. Intervals resample every ratio from its Jeffreys
posterior :math:`\mathrm{Beta}(k+\frac12,n-k+\frac12)` (the sampling noise of the ratios, not the
training or data randomness). Monotonicity: no pair :math:`M<M'` whose Wilson 95 % intervals are
disjoint with :math:`r(M')` below :math:`r(M)`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..statistics import wilson
from .data import GMMError

__all__ = ["LEVELS", "Window", "crossings", "transition_window", "decreases"]

#: The window's levels: start, "memorizing on average", end.
LEVELS = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class Window:
    r"""Crossings :math:`M_\ell/N` of :data:`LEVELS` with 95 % intervals, and the width
    :math:`(M_{0.9}-M_{0.1})/N` with its interval (nan where a level is not crossed inside the range)."""

    N: int
    levels: tuple[float, ...]
    crossing: tuple[float, ...]
    interval: tuple[tuple[float, float], ...]
    width: float
    width_interval: tuple[float, float]

    def to_json(self) -> dict:
        def num(v: float) -> float | None:
            return float(v) if math.isfinite(v) else None

        return {"N": self.N, "levels": list(self.levels), "crossing": [num(v) for v in self.crossing],
                "interval": [[num(a), num(b)] for a, b in self.interval], "width": num(self.width),
                "width_interval": [num(v) for v in self.width_interval]}


def crossings(M: np.ndarray, R: np.ndarray, level: float) -> np.ndarray:
    """First upward crossing of ``level`` per row of ``R`` (ratios at the sorted sizes ``M``) by linear
    interpolation; -inf when the first size is already at the level, +inf when no size reaches it."""
    M = np.asarray(M, dtype=float)
    R = np.atleast_2d(np.asarray(R, dtype=float))
    hit = R >= level
    reached = hit.any(axis=1)
    j = np.argmax(hit, axis=1)
    out = np.full(len(R), np.inf)
    out[reached & (j == 0)] = -np.inf
    rows = np.nonzero(reached & (j > 0))[0]
    jj = j[rows]
    r0, r1 = R[rows, jj - 1], R[rows, jj]
    out[rows] = M[jj - 1] + (level - r0) / (r1 - r0) * (M[jj] - M[jj - 1])
    return out


def _sorted(Ms: Sequence[int], counts: Sequence[int], samples: Sequence[int] | int):
    order = np.argsort(np.asarray(Ms))
    M = np.asarray(Ms, dtype=float)[order]
    k = np.asarray(counts, dtype=float)[order]
    n = (np.full(k.shape, float(samples)) if np.ndim(samples) == 0
         else np.asarray(samples, dtype=float)[order])
    if len(M) < 2 or len(np.unique(M)) != len(M):
        raise GMMError("a memorization curve needs at least two distinct sizes")
    if np.any(n < 1) or np.any(k < 0) or np.any(k > n):
        raise GMMError("memorized counts must lie in 0..samples")
    return M, k, n


def transition_window(Ms: Sequence[int], counts: Sequence[int], samples: Sequence[int] | int, N: int,
                      resamples: int = 2000, seed: int = 0) -> Window:
    """The crossings of :data:`LEVELS` (fractions of ``N``) with Jeffreys-resampling 95 % intervals."""
    M, k, n = _sorted(Ms, counts, samples)
    r = k / n
    draws = np.random.default_rng([seed, 0x3F1D]).beta(k + 0.5, n - k + 0.5, size=(resamples, len(M)))
    point, ints, boots = [], [], []
    for level in LEVELS:
        point.append(float(crossings(M, r, level)[0]) / N)
        b = crossings(M, draws, level) / N
        boots.append(b)
        ints.append((float(np.percentile(b, 2.5, method="lower")),
                     float(np.percentile(b, 97.5, method="higher"))))
    with np.errstate(invalid="ignore"):
        w = boots[-1] - boots[0]
    w = w[np.isfinite(w)]
    width = point[-1] - point[0]
    wi = ((float(np.percentile(w, 2.5, method="lower")), float(np.percentile(w, 97.5, method="higher")))
          if len(w) else (math.nan, math.nan))
    return Window(N, LEVELS, tuple(point), tuple(ints), width if math.isfinite(width) else math.nan, wi)


def decreases(Ms: Sequence[int], counts: Sequence[int],
              samples: Sequence[int] | int) -> list[tuple[int, int]]:
    """Pairs (M, M') with M < M' whose Wilson 95 % intervals are disjoint and r(M') < r(M): significant
    decreases of the curve (none for a curve monotone within its sampling noise)."""
    M, k, n = _sorted(Ms, counts, samples)
    bars = [wilson(int(a), int(b)) for a, b in zip(k, n, strict=True)]
    return [(int(M[i]), int(M[j])) for i in range(len(M)) for j in range(i + 1, len(M))
            if bars[j][1] < bars[i][0]]
