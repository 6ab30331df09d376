r"""The training set as seen from one leading atom :math:`X_k`, in balls and in float64.

In coordinates relative to the leader, :math:`z=y-\ell X_k`, the flow reads

.. math::
    \frac{dz}{d\ell}=\sum_i w_i D_i,\qquad D_i=X_i-X_k,\qquad
    w=\operatorname{softmax}(G),\qquad G_i=\ell\langle z,D_i\rangle-\tfrac12\ell^2\lVert D_i\rVert^2,

with :math:`G_k\equiv0`, so the leader's weight never underflows and step sizes depend on the
geometry of the atoms around the leader, not on where they sit. Everything here is computed
once per leader; the data are exact rationals turned into balls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from flint import arb, arb_mat, arf

__all__ = ["Geometry", "dyadic", "exact_arb", "upper_fraction", "norm_upper"]


def exact_arb(q: Fraction) -> arb:
    """A rational as a ball (exact when the denominator is a power of two)."""
    if q.denominator & (q.denominator - 1) == 0:
        return arb(arf((q.numerator, -(q.denominator.bit_length() - 1))))
    from flint import fmpq

    return arb(fmpq(q.numerator, q.denominator))


def dyadic(x: arb) -> Fraction:
    """The midpoint of a ball, exactly."""
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return Fraction(m << e) if e >= 0 else Fraction(m, 1 << -e)


def upper_fraction(x: arb) -> Fraction:
    """An exact rational :math:`\\ge` every point of the ball."""
    return dyadic(x) + dyadic(x.rad())


def norm_upper(vec: Sequence[arb]) -> arb:
    r"""An upper bound of :math:`\lVert v\rVert_2` for every :math:`v` in the box (a point ball)."""
    total = arb(0)
    for v in vec:
        total += abs(v).upper() ** 2
    return total.sqrt().upper()


@dataclass
class Geometry:
    """Data balls, their Gram row against the leader and float64 copies for the predictor."""

    rows: list[list[Fraction]]
    X: arb_mat = field(repr=False)
    sq: list[arb] = field(repr=False)  # |X_i|^2
    floats: np.ndarray = field(repr=False)
    _lead: dict = field(default_factory=dict, repr=False)
    _sub: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_rationals(cls, data: Sequence[Sequence[Fraction]]) -> Geometry:
        rows = [list(r) for r in data]
        balls = [[exact_arb(v) for v in r] for r in rows]
        sq = []
        for r in balls:
            acc = arb(0)
            for v in r:
                acc += v * v
            sq.append(acc)
        return cls(rows, arb_mat(balls), sq, np.array([[float(v) for v in r] for r in rows]))

    @property
    def n(self) -> int:
        return len(self.rows)

    @property
    def d(self) -> int:
        return len(self.rows[0])

    def leader(self, k: int) -> tuple[list[arb], list[arb], list[arb], np.ndarray, np.ndarray]:
        r"""For leader ``k``: :math:`X_k` (balls), :math:`\lVert D_i\rVert^2`, :math:`\lVert D_i\rVert`
        (balls, every atom) and float64 :math:`D`, :math:`\lVert D_i\rVert^2`."""
        if k not in self._lead:
            xk = [self.X[k, j] for j in range(self.d)]
            cross = self.X * arb_mat([[v] for v in xk])
            dn2 = [self.sq[i] - 2 * cross[i, 0] + self.sq[k] for i in range(self.n)]
            dn2[k] = arb(0)
            dn = [_sqrt_nonneg(v) for v in dn2]
            dfl = self.floats - self.floats[k]
            self._lead = {k: (xk, dn2, dn, dfl, (dfl * dfl).sum(axis=1))}
        return self._lead[k]

    def submatrix(self, active: tuple[int, ...]) -> arb_mat:
        """The rows ``active`` of :math:`X` (cached for the last active set)."""
        if len(active) == self.n:
            return self.X
        if active not in self._sub:
            self._sub = {active: arb_mat([[self.X[i, j] for j in range(self.d)] for i in active])}
        return self._sub[active]


def _sqrt_nonneg(v: arb) -> arb:
    """:math:`\\sqrt v` for a ball that may straddle 0 (a squared length)."""
    if v > 0:
        return v.sqrt()
    top = v.upper()
    return arb(0).union(top.sqrt()) if top > 0 else arb(0)
