r"""An independent reference for where the oracle flow ends, sharing no code with :mod:`verify.engine`.

The flow is the *stated* regular-coordinate ODE (:func:`derivations.statements.stated_regular_field`,
MATH.md §3), :math:`dy/d\ell=\sum_i\operatorname{softmax}_i(-\tfrac12\lVert y-\ell X_i\rVert^2)X_i`,
:math:`y(0)=Z_1`, integrated by classical RK4 in mpmath at 20 digits with a step adapted to the
flow's stiffness :math:`\ell\operatorname{Var}_w(X)`, until the leading logit
:math:`g_i=\ell\langle y,X_i\rangle-\ell^2\lVert X_i\rVert^2/2` leads every other by
:data:`DECIDED_GAP` nats and the lead grows. This is an estimate (no error bound), used only to
cross-check the certified engine on random problems; the two exact criteria below are proofs:

* two atoms, any norms: with :math:`u=X_a-X_b`, :math:`\eta=\langle y,u\rangle-\ell(\lVert X_a\rVert^2
  -\lVert X_b\rVert^2)/2` obeys :math:`d\eta/d\ell=(\lVert u\rVert^2/2)\tanh(\ell\eta/2)`,
  :math:`\eta(0)=\langle Z_1,u\rangle`: the winner is the sign of :math:`\langle Z_1,u\rangle`;
* the tail lemma's worst case (:func:`worst_case_excursion`): the transverse coordinate
  :math:`r=y-\ell X_k` started at :math:`\lVert r\rVert=\rho` straight towards rivals on one
  ray, where every rival pulls :math:`r` the same way (RK4, an estimate);
* translation: data :math:`X+v` and the same start end at the endpoint :math:`+\,v`
  (:math:`y\mapsto y+\ell v` maps one flow onto the other).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy as sp

__all__ = ["reference_winner", "reference_state", "rk4_step", "two_atom_winner", "worst_case_excursion",
           "DECIDED_GAP"]

#: logit lead (nats) at which the reference calls the leader the winner
DECIDED_GAP = 60
_MAX_ELL = 400


@lru_cache(maxsize=32)
def _field(n: int, d: int):
    from derivations.fields import data_symbols, space_symbols
    from derivations.statements import stated_regular_field

    y, X, ell = space_symbols(d), data_symbols(n, d), sp.Symbol("ell")
    return sp.lambdify([ell, *y, *X], list(stated_regular_field(y, ell, X)), modules="mpmath")


def rk4_step(f, ell, y: list, h) -> list:
    r"""One classical Runge-Kutta step of :math:`dy/d\ell=f(\ell,y)` (any number type)."""
    k1 = f(ell, y)
    k2 = f(ell + h / 2, [a + h / 2 * b for a, b in zip(y, k1, strict=True)])
    k3 = f(ell + h / 2, [a + h / 2 * b for a, b in zip(y, k2, strict=True)])
    k4 = f(ell + h, [a + h * b for a, b in zip(y, k3, strict=True)])
    return [a + h / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
            for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4, strict=True)]


def reference_winner(data: Sequence[Sequence[Fraction]], start: Sequence[Fraction],
                     digits: int = 20) -> int | None:
    """The index of the atom the stated flow commits to (None if it is not decided by
    :data:`_MAX_ELL`)."""
    n, d = len(data), len(data[0])
    fn = _field(n, d)
    with mpmath.workdps(digits):
        X = [[mpmath.mpf(q.numerator) / q.denominator for q in row] for row in data]
        flat = [v for row in X for v in row]
        y = [mpmath.mpf(q.numerator) / q.denominator for q in start]
        half_sq = [sum(v * v for v in row) / 2 for row in X]
        ell, last_lead = mpmath.mpf(0), None

        def f(l0, v):
            return fn(l0, *v, *flat)

        while ell < _MAX_ELL:
            g = [ell * sum(a * b for a, b in zip(y, row, strict=True)) - ell * ell * q
                 for row, q in zip(X, half_sq, strict=True)]
            order = sorted(range(n), key=lambda i: g[i], reverse=True)
            lead = g[order[0]] - g[order[1]] if n > 1 else mpmath.inf
            if lead > DECIDED_GAP and last_lead is not None and lead > last_lead:
                return order[0]
            last_lead = lead
            # the Jacobian is ell Cov_w(X): step against its trace, the weighted spread of the atoms
            top = g[order[0]]
            w = [mpmath.exp(v - top) for v in g]
            total = sum(w)
            mean = [sum(wi * row[j] for wi, row in zip(w, X, strict=True)) / total for j in range(d)]
            spread = sum(wi * sum((row[j] - mean[j]) ** 2 for j in range(d))
                         for wi, row in zip(w, X, strict=True)) / total
            h = min(mpmath.mpf(1) / 20, mpmath.mpf(1) / (4 * (1 + ell * spread)))
            y = rk4_step(f, ell, y, h)
            ell += h
    return None


def reference_state(data: Sequence[Sequence[Fraction]], start: Sequence[Fraction], ells: Sequence[float], *,
                    h: float = 1 / 128, digits: int = 20) -> list[list[float]]:
    r""":math:`y(\ell)` of the stated flow at each of ``ells`` (increasing), by RK4 with steps of at
    most ``h`` from :math:`\ell=0`, :math:`y=Z_1` (an estimate: about ``h**4`` relative)."""
    n, d = len(data), len(data[0])
    fn = _field(n, d)
    out = []
    with mpmath.workdps(digits):
        flat = [mpmath.mpf(q.numerator) / q.denominator for row in data for q in row]
        y = [mpmath.mpf(q.numerator) / q.denominator for q in start]
        ell = mpmath.mpf(0)

        def f(l0, v):
            return fn(l0, *v, *flat)

        for target in ells:
            goal = mpmath.mpf(target)
            while ell < goal:
                step = min(mpmath.mpf(h), goal - ell)
                y = rk4_step(f, ell, y, step)
                ell += step
            out.append([float(v) for v in y])
    return out


def two_atom_winner(a: Sequence[Fraction], b: Sequence[Fraction], start: Sequence[Fraction]) -> int | None:
    """0 if the flow from ``start`` ends on ``a``, 1 on ``b``, None for the exact tie (exact)."""
    s = sum((z * (x - w) for z, x, w in zip(start, a, b, strict=True)), Fraction(0))
    return None if s == 0 else (0 if s > 0 else 1)


def worst_case_excursion(rho: Fraction, ell0: Fraction, rivals: Sequence[Fraction], *,
                         digits: int = 20) -> float:
    r"""How far :math:`r=y-\ell X_k` gets from :math:`\ell_0` on, in the worst case of the tail lemma.

    One dimension, :math:`X_k=0`, rivals at distances :math:`\Delta_i>0` on the same side and
    :math:`r(\ell_0)=\rho` pointing at them: :math:`\log(w_k/w_i)=\ell^2\Delta_i^2/2-\ell r\Delta_i`
    and :math:`dr/d\ell=\sum_iw_i\Delta_i` (with :math:`w_k=1-\sum_i w_i`), written from MATH.md §3.
    :math:`r` only grows, so its limit is its supremum; RK4 with step 1/64 until the drift is
    below :math:`10^{-digits}`."""
    with mpmath.workdps(digits):
        D = [mpmath.mpf(d.numerator) / d.denominator for d in rivals]

        def drift(ell, r):
            logits = [mpmath.mpf(0)] + [-(ell * ell * x * x / 2 - ell * r * x) for x in D]
            top = max(logits)
            e = [mpmath.exp(g - top) for g in logits]
            return sum(ei * x for ei, x in zip(e[1:], D, strict=True)) / sum(e)

        ell, r = mpmath.mpf(ell0.numerator) / ell0.denominator, mpmath.mpf(rho.numerator) / rho.denominator
        h, tiny = mpmath.mpf(1) / 64, mpmath.mpf(10) ** (-digits)
        for _ in range(200_000):
            (r,) = rk4_step(lambda e, v: [drift(e, v[0])], ell, [r], h)
            ell += h
            if drift(ell, r) < tiny and ell * min(D) > 2 * r:
                break
        return float(r)
