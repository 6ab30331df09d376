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
from mpmath.libmp import (
    finf,
    fone,
    from_int,
    from_rational,
    fzero,
    mpf_add,
    mpf_div,
    mpf_exp,
    mpf_gt,
    mpf_lt,
    mpf_mul,
    mpf_mul_int,
    mpf_neg,
    mpf_shift,
    mpf_sub,
    mpf_sum,
    round_nearest,
)

__all__ = ["reference_winner", "reference_state", "rk4_step", "stated_field", "two_atom_winner",
           "worst_case_excursion", "DECIDED_GAP"]

#: mpmath's rounding (to nearest), for the raw mpf operations
_RND = round_nearest

#: logit lead (nats) at which the reference calls the leader the winner
DECIDED_GAP = 60
_MAX_ELL = 400


@lru_cache(maxsize=32)
def _field(n: int, d: int):
    """The stated field, lambdified from its SymPy statement: ``fn(ell, *y, *X)`` (slow; the
    yardstick of :func:`stated_field`)."""
    from derivations.fields import data_symbols, space_symbols
    from derivations.statements import stated_regular_field

    y, X, ell = space_symbols(d), data_symbols(n, d), sp.Symbol("ell")
    return sp.lambdify([ell, *y, *X], list(stated_regular_field(y, ell, X)), modules="mpmath")


def _raw_field(rows: list[list[tuple]]):
    """:func:`stated_field` on raw mpf values: ``f(ell, z, prec)``, ``rows`` and ``z`` raw."""
    columns = [list(col) for col in zip(*rows, strict=True)]

    def f(e, z, prec):
        logits = []
        for row in rows:
            diffs = [mpf_sub(zj, mpf_mul(e, xj, prec, _RND), prec, _RND)
                     for zj, xj in zip(z, row, strict=True)]
            square = mpf_sum([mpf_mul(t, t, prec, _RND) for t in diffs], prec, _RND)
            logits.append(mpf_shift(mpf_neg(square), -1))  # -1/2 times the rounded sum: exact
        top = logits[0]
        for g in logits[1:]:
            if mpf_gt(g, top):
                top = g
        w = [fone if g is top else mpf_exp(mpf_sub(g, top, prec, _RND), prec, _RND) for g in logits]
        total = mpf_sum(w, prec, _RND)
        return [mpf_div(mpf_sum([mpf_mul(wi, xi) for wi, xi in zip(w, col, strict=True)], prec, _RND),
                        total, prec, _RND)
                for col in columns]

    return f


def stated_field(X: Sequence[Sequence]):
    r"""The stated field of MATH.md §3 on the atoms ``X`` (mpf rows), as ``f(ell, y)`` on mpf values
    at the working precision: :math:`\sum_iw_iX_i/\sum_iw_i` with :math:`w_i=e^{g_i-\max_kg_k}`,
    :math:`g_i=-\tfrac12\lVert y-\ell X_i\rVert^2`, each exponential once (agrees with
    :func:`_field`, tested to 18+ digits).

    Raw libmp operations, rounding to nearest: every product and difference rounded, sums exact
    and rounded once (as ``mpmath.fsum`` and ``mpmath.fdot``)."""
    raw, make = _raw_field([[mpmath.mpf(v)._mpf_ for v in row] for row in X]), mpmath.mp.make_mpf

    def f(ell, y):
        return [make(v) for v in raw(ell._mpf_, [v._mpf_ for v in y], mpmath.mp.prec)]

    return f


def rk4_step(f, ell, y: list, h) -> list:
    r"""One classical Runge-Kutta step of :math:`dy/d\ell=f(\ell,y)` (any number type)."""
    k1 = f(ell, y)
    k2 = f(ell + h / 2, [a + h / 2 * b for a, b in zip(y, k1, strict=True)])
    k3 = f(ell + h / 2, [a + h / 2 * b for a, b in zip(y, k2, strict=True)])
    k4 = f(ell + h, [a + h * b for a, b in zip(y, k3, strict=True)])
    return [a + h / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
            for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4, strict=True)]


def _rk4_step_raw(f, ell: tuple, y: list, h: tuple, prec: int) -> list:
    """:func:`rk4_step`'s arithmetic on raw mpf values, ``f(ell, y, prec)`` raw."""
    half = mpf_div(h, from_int(2), prec, _RND)
    mid = mpf_add(ell, half, prec, _RND)

    def shifted(by, k):
        return [mpf_add(a, mpf_mul(by, b, prec, _RND), prec, _RND) for a, b in zip(y, k, strict=True)]

    k1 = f(ell, y, prec)
    k2 = f(mid, shifted(half, k1), prec)
    k3 = f(mid, shifted(half, k2), prec)
    k4 = f(mpf_add(ell, h, prec, _RND), shifted(h, k3), prec)
    sixth = mpf_div(h, from_int(6), prec, _RND)
    out = []
    for a, b1, b2, b3, b4 in zip(y, k1, k2, k3, k4, strict=True):
        total = mpf_add(b1, mpf_mul_int(b2, 2, prec, _RND), prec, _RND)
        total = mpf_add(mpf_add(total, mpf_mul_int(b3, 2, prec, _RND), prec, _RND), b4, prec, _RND)
        out.append(mpf_add(a, mpf_mul(sixth, total, prec, _RND), prec, _RND))
    return out


def _dot(u: Sequence[tuple], v: Sequence[tuple], prec: int) -> tuple:
    r""":math:`\sum_ju_jv_j`, each product rounded, added left to right (raw mpf values)."""
    total = fzero
    for a, b in zip(u, v, strict=True):
        total = mpf_add(total, mpf_mul(a, b, prec, _RND), prec, _RND)
    return total


def reference_winner(data: Sequence[Sequence[Fraction]], start: Sequence[Fraction],
                     digits: int = 20) -> int | None:
    """The index of the atom the stated flow commits to (None if it is not decided by
    :data:`_MAX_ELL`). Raw mpf values and libmp operations at ``digits``, rounding to nearest."""
    n = len(data)
    with mpmath.workdps(digits):
        prec = mpmath.mp.prec
        X = [[from_rational(q.numerator, q.denominator, prec, _RND) for q in row] for row in data]
        f = _raw_field(X)
        y = [from_rational(q.numerator, q.denominator, prec, _RND) for q in start]
        half_sq = [mpf_div(_dot(row, row, prec), from_int(2), prec, _RND) for row in X]
        columns = [list(col) for col in zip(*X, strict=True)]
        gap, cap, one = from_int(DECIDED_GAP), from_int(_MAX_ELL), from_int(1)
        largest = mpf_div(one, from_int(20), prec, _RND)
        ell, last_lead = fzero, None
        while mpf_lt(ell, cap):
            sq = mpf_mul(ell, ell, prec, _RND)
            g = [mpf_sub(mpf_mul(ell, _dot(y, row, prec), prec, _RND), mpf_mul(sq, q, prec, _RND), prec, _RND)
                 for row, q in zip(X, half_sq, strict=True)]
            first = 0  # the leader (the first of equals), then the runner-up
            for i in range(1, n):
                if mpf_gt(g[i], g[first]):
                    first = i
            second = None
            for i in range(n):
                if i != first and (second is None or mpf_gt(g[i], g[second])):
                    second = i
            lead = mpf_sub(g[first], g[second], prec, _RND) if second is not None else finf
            if mpf_gt(lead, gap) and last_lead is not None and mpf_gt(lead, last_lead):
                return first
            last_lead = lead
            # the Jacobian is ell Cov_w(X): step against its trace, the weighted spread of the atoms
            w = [fone if i == first else mpf_exp(mpf_sub(v, g[first], prec, _RND), prec, _RND)
                 for i, v in enumerate(g)]
            total = _dot(w, [one] * n, prec)
            mean = [mpf_div(_dot(w, col, prec), total, prec, _RND) for col in columns]
            spread = fzero
            for wi, row in zip(w, X, strict=True):
                dev = [mpf_sub(x, m, prec, _RND) for x, m in zip(row, mean, strict=True)]
                spread = mpf_add(spread, mpf_mul(wi, _dot(dev, dev, prec), prec, _RND), prec, _RND)
            spread = mpf_div(spread, total, prec, _RND)
            stiff = mpf_mul_int(mpf_add(one, mpf_mul(ell, spread, prec, _RND), prec, _RND), 4, prec, _RND)
            h = mpf_div(one, stiff, prec, _RND)
            h = largest if mpf_lt(largest, h) else h
            y = _rk4_step_raw(f, ell, y, h, prec)
            ell = mpf_add(ell, h, prec, _RND)
    return None


def reference_state(data: Sequence[Sequence[Fraction]], start: Sequence[Fraction], ells: Sequence[float], *,
                    h: float = 1 / 128, digits: int = 20) -> list[list[float]]:
    r""":math:`y(\ell)` of the stated flow at each of ``ells`` (increasing), by RK4 with steps of at
    most ``h`` from :math:`\ell=0`, :math:`y=Z_1` (an estimate: about ``h**4`` relative)."""
    out = []
    with mpmath.workdps(digits):
        f = stated_field([[mpmath.mpf(q.numerator) / q.denominator for q in row] for row in data])
        y = [mpmath.mpf(q.numerator) / q.denominator for q in start]
        ell = mpmath.mpf(0)
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
    return _worst_case_excursion(Fraction(rho), Fraction(ell0), tuple(Fraction(d) for d in rivals), digits)


@lru_cache(maxsize=256)
def _worst_case_excursion(rho: Fraction, ell0: Fraction, rivals: tuple[Fraction, ...], digits: int) -> float:
    """:func:`worst_case_excursion` (a pure function of exact data: computed once per argument)."""
    with mpmath.workdps(digits):
        # raw mpf values and libmp operations at the working precision, rounding to nearest: the
        # arithmetic of mpf operators (and of rk4_step) without the objects
        prec, two = mpmath.mp.prec, from_int(2)
        D = [(mpmath.mpf(d.numerator) / d.denominator)._mpf_ for d in rivals]
        nearest = min(D, key=mpmath.mp.make_mpf)

        def drift(ell, r):
            # x/2 is exact (a shift), negation too; a sum that starts from 0 starts from its first term
            sq, lin = mpf_mul(ell, ell, prec, _RND), mpf_mul(ell, r, prec, _RND)
            logits = [fzero]
            for x in D:
                quad = mpf_shift(mpf_mul(mpf_mul(sq, x, prec, _RND), x, prec, _RND), -1)
                logits.append(mpf_neg(mpf_sub(quad, mpf_mul(lin, x, prec, _RND), prec, _RND)))
            top = logits[0]
            for g in logits[1:]:
                if mpf_gt(g, top):
                    top = g
            e = [fone if g is top else mpf_exp(mpf_sub(g, top, prec, _RND), prec, _RND) for g in logits]
            num, den = mpf_mul(e[1], D[0], prec, _RND), e[0]
            for ei, x in zip(e[2:], D[1:], strict=True):
                num = mpf_add(num, mpf_mul(ei, x, prec, _RND), prec, _RND)
            for ei in e[1:]:
                den = mpf_add(den, ei, prec, _RND)
            return mpf_div(num, den, prec, _RND)

        ell = (mpmath.mpf(ell0.numerator) / ell0.denominator)._mpf_
        r = (mpmath.mpf(rho.numerator) / rho.denominator)._mpf_
        h, tiny = (mpmath.mpf(1) / 64)._mpf_, (mpmath.mpf(10) ** (-digits))._mpf_
        half, sixth = mpf_div(h, two, prec, _RND), mpf_div(h, from_int(6), prec, _RND)
        k1 = drift(ell, r)
        for _ in range(200_000):
            # rk4_step's arithmetic, with the drift at the end of a step kept as the next k1
            mid = mpf_add(ell, half, prec, _RND)
            k2 = drift(mid, mpf_add(r, mpf_mul(half, k1, prec, _RND), prec, _RND))
            k3 = drift(mid, mpf_add(r, mpf_mul(half, k2, prec, _RND), prec, _RND))
            k4 = drift(mpf_add(ell, h, prec, _RND), mpf_add(r, mpf_mul(h, k3, prec, _RND), prec, _RND))
            total = mpf_add(k1, mpf_mul_int(k2, 2, prec, _RND), prec, _RND)
            total = mpf_add(mpf_add(total, mpf_mul_int(k3, 2, prec, _RND), prec, _RND), k4, prec, _RND)
            r = mpf_add(r, mpf_mul(sixth, total, prec, _RND), prec, _RND)
            ell = mpf_add(ell, h, prec, _RND)
            k1 = drift(ell, r)
            if mpf_lt(k1, tiny) and mpf_gt(mpf_mul(ell, nearest, prec, _RND), mpf_mul_int(r, 2, prec, _RND)):
                break
        return float(mpmath.mp.make_mpf(r))
