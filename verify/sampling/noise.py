r"""Brownian increments coupled across step sizes.

The draws are made once on the finest grid (:math:`K_{\rm fine}` steps, standard normals
:math:`\xi^{\rm fine}_j`); a coarser grid of :math:`K` steps (:math:`K \mid K_{\rm fine}`,
:math:`r=K_{\rm fine}/K`) uses the sums of consecutive fine draws,

.. math:: \xi_k = \frac1{\sqrt r}\sum_{j=kr}^{(k+1)r-1}\xi^{\rm fine}_j ,

so :math:`\sqrt h\,\xi_k` is exactly the Brownian increment over the coarse step and strong
errors can be compared path by path. The float64 draws are exact binary rationals; the ball
path sums them exactly and divides by :math:`\sqrt r` in ball arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .coefficients import SamplerError

__all__ = ["BrownianPaths"]

#: Draws of the most recent seeds and shapes (at most this many, each up to this size), least
#: recently used first.
_RECENT: dict[tuple, np.ndarray] = {}
RECENT_DRAWS, RECENT_BYTES = 2, 2**26
#: Balls of recent coarse steps, (precision, ratio, paths, d, draws) -> balls, least recently used
#: first; at most this many.
_BALLS: dict[tuple, list] = {}
RECENT_BALLS = 4096


@dataclass
class BrownianPaths:
    """Standard normal draws for ``paths`` independent paths in R^d on ``fine_steps`` steps."""

    seed: int
    paths: int
    d: int
    fine_steps: int
    _draws: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def draws(self) -> np.ndarray:
        """The fine draws, shape (fine_steps, paths, d), read-only; step 0 is the first step from
        t_start."""
        if self._draws is None:
            key = (self.seed, self.paths, self.d, self.fine_steps)
            self._draws = _RECENT.pop(key, None) if isinstance(self.seed, int) else None
            if self._draws is None:
                rng = np.random.default_rng([self.seed, 0x5EED])
                self._draws = rng.standard_normal((self.fine_steps, self.paths, self.d))
                self._draws.flags.writeable = False
            if isinstance(self.seed, int) and self._draws.nbytes <= RECENT_BYTES:
                _RECENT[key] = self._draws  # the same paths are often drawn again (other schedules)
                while len(_RECENT) > RECENT_DRAWS:
                    del _RECENT[next(iter(_RECENT))]
        return self._draws

    def _ratio(self, steps: int) -> int:
        if steps < 1 or self.fine_steps % steps:
            raise SamplerError(f"{steps} steps do not divide the {self.fine_steps} fine steps of the "
                               "Brownian paths")
        return self.fine_steps // steps

    def normals(self, steps: int) -> np.ndarray:
        r"""Standard normals :math:`\xi_k` of the coarse grid, shape (steps, paths, d) (a new array)."""
        r = self._ratio(steps)
        return self.draws.reshape(steps, r, self.paths, self.d).sum(axis=1) / np.sqrt(r)

    def normal_balls(self, steps: int, k: int) -> list[list]:
        r""":math:`\xi_k` for coarse step ``k`` as python-flint balls (exact sums, ball square root).

        The balls of the same draws at the same precision are computed once per process (the
        ball runs of several schedules share their Brownian paths)."""
        from flint import arb, ctx

        from derivations.exact import to_arb

        r = self._ratio(steps)
        block = self.draws[k * r:(k + 1) * r].reshape(r, self.paths * self.d)
        key = (ctx.prec, r, self.paths, self.d, block.tobytes())  # the draws themselves, bit for bit
        sums = _BALLS.pop(key, None)
        if sums is None:
            scale = 1 / to_arb(Fraction(r)).sqrt()
            sums = [arb(_exact_sum(column)) * scale for column in block.T.tolist()]
            while len(_BALLS) >= RECENT_BALLS:
                del _BALLS[next(iter(_BALLS))]
        _BALLS[key] = sums
        return [sums[p * self.d:(p + 1) * self.d] for p in range(self.paths)]


def _exact_sum(values: list[float]):
    """The exact sum of float64 values (binary fractions) as a python-flint ``fmpq``."""
    from flint import fmpq

    ratios = [v.as_integer_ratio() for v in values]
    den = max(q for _, q in ratios)  # a power of two, divisible by every other denominator
    return fmpq(sum(n * (den // q) for n, q in ratios), den)
