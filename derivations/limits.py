r"""Limits at the data end :math:`t\to0^+`, each cross-checked numerically (MATH.md §5).

* **Schedule factor.** Along the probability flow, :math:`Z_t = A(t)\kappa(t)` with
  :math:`A=\sigma/\sigma(1)` and :math:`\kappa' = \sigma(1)\,(\alpha/\sigma)'\,m`, a
  :math:`0\cdot\infty` form; L'Hôpital on :math:`\kappa/(1/A)` gives
  :math:`\lim Z_t = \lim m\cdot F` with
  :math:`F = \frac{\kappa'}{(1/A)'} = -\big(\tfrac{\alpha}{\sigma}\big)'\frac{\sigma^2}{\dot\sigma}
  = \alpha - \frac{\dot\alpha\sigma}{\dot\sigma}`.
* **Softmax concentration** at a fixed point :math:`x`: with
  :math:`d_i=\lVert x-X_i\rVert^2`, every atom farther than the nearest distance gets weight
  :math:`O(e^{-(d_i-d_\star)/2\sigma^2})\to0`. Among the nearest atoms (the *tie set*) the logit
  differences :math:`E_i-E_j = -\frac{\lVert x-\alpha X_i\rVert^2-\lVert x-\alpha X_j\rVert^2}{2\sigma^2}`
  are reduced by hand to :math:`\frac{(\lVert X_i\rVert^2-\lVert X_j\rVert^2)\,\alpha(1-\alpha)}{2\sigma^2}`
  and only that scalar limit is given to SymPy (its ``limit`` is unreliable on whole softmax
  ratios). Equal norms give an exact tie: weights :math:`1/k` on a :math:`k`-way tie.

Numeric cross-checks evaluate the quantity at :math:`t_k = 2^{-k}` (or :math:`10^{-k}`) with
precision growing in :math:`k`, and fit the rate of convergence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from .schedules import Schedule, T

__all__ = [
    "LimitCheck",
    "WeightLimit",
    "schedule_factor",
    "schedule_factor_limit",
    "weight_limit",
    "fit_power_rate",
]


@dataclass(frozen=True)
class LimitCheck:
    """A symbolic limit and its numeric confirmation."""

    name: str
    schedule: str
    expression: str
    symbolic: str
    numeric: list[tuple[str, str]]  # (t_k, value - limit) as decimal strings
    fitted_rate: str  # exponent r in |f(t) - L| ~ C t^r ("exact" when all errors are 0)
    agrees: bool
    note: str = ""
    seconds: float = 0.0

    @property
    def holds(self) -> bool:
        """The pass flag, named as on every result object of :mod:`derivations` (``agrees``)."""
        return self.agrees


def schedule_factor(schedule: Schedule) -> sp.Expr:
    r"""The L'Hôpital factor :math:`F=\kappa'/(1/A)' = -(\alpha/\sigma)'\sigma^2/\dot\sigma`, simplified."""
    sig = schedule.sigma
    ratio = -sp.diff(schedule.alpha / sig, T) * sig**2 / sp.diff(sig, T)
    return sp.simplify(ratio)


def fit_power_rate(ts: list[mpmath.mpf], errs: list[mpmath.mpf]) -> mpmath.mpf | None:
    """Least-squares slope of log|err| against log t over the points with nonzero error."""
    pts = [(mpmath.log(t), mpmath.log(abs(e))) for t, e in zip(ts, errs, strict=True) if e != 0]
    if len(pts) < 2:
        return None
    n = len(pts)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    sxy = sum((p[0] - mx) * (p[1] - my) for p in pts)
    return sxy / sxx


def schedule_factor_limit(schedule: Schedule, steps: int = 12) -> LimitCheck:
    """:math:`\\lim_{t\\to0^+} F(t)` symbolically, then at :math:`t_k=10^{-k}` with growing precision."""
    start = time.perf_counter()
    factor = schedule_factor(schedule)
    limit = sp.limit(factor, T, 0, "+")
    fn = sp.lambdify(T, factor, modules="mpmath")
    ts, errs, rows = [], [], []
    for k in range(1, steps + 1):
        with mpmath.workdps(30 + 4 * k):
            tk = mpmath.mpf(10) ** (-k)
            value = fn(tk)
            err = value - sp.N(limit, 30 + 4 * k) if limit.is_finite else value
            ts.append(tk)
            errs.append(mpmath.mpf(err))
            rows.append((f"1e-{k}", mpmath.nstr(err, 6)))
    rate = fit_power_rate(ts[-6:], errs[-6:])
    decreasing = all(abs(errs[i + 1]) <= abs(errs[i]) for i in range(len(errs) - 1))
    small = abs(errs[-1]) < mpmath.mpf(10) ** (-6)
    agrees = bool(limit.is_finite and decreasing and small)
    return LimitCheck(
        name="schedule-factor", schedule=schedule.name, expression=str(factor), symbolic=str(limit),
        numeric=rows, fitted_rate="exact" if rate is None else mpmath.nstr(rate, 4),
        agrees=agrees, seconds=time.perf_counter() - start,
    )


@dataclass(frozen=True)
class WeightLimit:
    """The :math:`t\\to0^+` limit of the softmax weights at a fixed point, by branch."""

    schedule: str
    branch: str  # unique-nearest | exact-tie | tie-resolved | tie-split
    tie_set: tuple[int, ...]
    weights: tuple[str, ...]  # exact (SymPy) limits as strings
    weights_expr: tuple[sp.Expr, ...] = field(repr=False, default=())
    numeric: list[tuple[str, str]] = field(default_factory=list)  # (t_k, total weight error)
    fitted_rate: str = ""  # unique: sigma^2 log err; ties: exponent r of the in-support deviation
    predicted_rate: str = ""
    agrees: bool = False
    seconds: float = 0.0

    @property
    def holds(self) -> bool:
        """The pass flag, named as on every result object of :mod:`derivations` (``agrees``)."""
        return self.agrees


def _sq(v) -> Any:
    return sum(c * c for c in v)


def weight_limit(schedule: Schedule, data: list[list[Fraction]], x: list[Fraction],
                 steps: int = 10) -> WeightLimit:
    """Limit of :math:`w_i(x,t)` as :math:`t\\to0^+` for exact rational data and point."""
    start = time.perf_counter()
    X = [[sp.Rational(Fraction(c).numerator, Fraction(c).denominator) for c in row] for row in data]
    xs = [sp.Rational(Fraction(c).numerator, Fraction(c).denominator) for c in x]
    n = len(X)
    dist = [_sq([a - b for a, b in zip(xs, row, strict=True)]) for row in X]
    dmin = min(dist)
    ties = tuple(i for i in range(n) if dist[i] == dmin)
    alpha, sigma2 = schedule.alpha, schedule.sigma**2
    # Hand reduction of E_i - E_j on the tie set (see module docstring).
    gap = alpha * (1 - alpha) / (2 * sigma2)
    gap_limit = sp.limit(gap, T, 0, "+")
    norms = {i: _sq(X[i]) for i in ties}
    if len(ties) == 1:
        branch, support, c = "unique-nearest", ties, {ties[0]: sp.S.Zero}
    else:
        ref = max(ties, key=lambda i: norms[i])
        if gap_limit.is_finite:
            c = {i: (norms[i] - norms[ref]) * gap_limit for i in ties}
            support = ties
        else:  # infinite gap: only the largest norms survive
            top = max(norms.values())
            support = tuple(i for i in ties if norms[i] == top)
            c = {i: sp.S.Zero for i in support}
        if all(v == 0 for v in c.values()):
            branch = "exact-tie" if len(support) == len(ties) else "tie-resolved"
            if len(support) == 1:
                branch = "tie-resolved"
        else:
            branch = "tie-split"
    z = sp.Add(*[sp.exp(c[i]) for i in support])
    limits = tuple(sp.simplify(sp.exp(c[i]) / z) if i in support else sp.S.Zero for i in range(n))

    # Numeric cross-check: weights at t_k = 2^-k from the max-shifted softmax, growing precision.
    from .fields import derive

    D = derive(schedule, n, len(xs), data=sp.Matrix(X))
    logit_fn = sp.lambdify(T, [e.subs(dict(zip(D.x, xs, strict=True))) for e in D.logits],
                           modules="mpmath")
    ts, errs, insides, inv_s2, rows = [], [], [], [], []
    sigma2_fn = sp.lambdify(T, sigma2, modules="mpmath")
    for k in range(2, steps + 2):
        with mpmath.workdps(30 + 6 * k):
            tk = mpmath.mpf(2) ** (-k)
            logits = [mpmath.mpf(v) for v in logit_fn(tk)]
            top = max(logits)
            kern = [mpmath.exp(v - top) for v in logits]
            total = mpmath.fsum(kern)
            w = [kv / total for kv in kern]
            # error without cancellation: mass outside the support plus deviation inside it
            outside = mpmath.fsum(w[i] for i in range(n) if i not in support)
            inside = max((abs(w[i] - mpmath.mpf(sp.N(limits[i], 30 + 6 * k))) for i in support),
                         default=mpmath.mpf(0))
            # a deviation inside the support below this step's working precision is rounding
            if inside <= mpmath.mpf(10) ** (15 - mpmath.mp.dps):
                inside = mpmath.mpf(0)
            ts.append(tk)
            errs.append(max(outside, inside))
            insides.append(inside)
            inv_s2.append(1 / sigma2_fn(tk))
            rows.append((f"2^-{k}", mpmath.nstr(errs[-1], 6)))
    if branch == "unique-nearest" and n > 1:
        # exponential rate: sigma^2 log(err) -> -(d_2 - d_*)/2
        d2 = min(dist[i] for i in range(n) if i not in ties)
        predicted = -(d2 - dmin) / 2
        fitted = mpmath.log(errs[-1]) / inv_s2[-1]
        expected = mpmath.mpf(sp.N(predicted, 30))
        agrees = bool(abs(fitted - expected) < abs(expected) / 5)
        fitted_s, predicted_s = mpmath.nstr(fitted, 5), f"{predicted} (sigma^2 log err)"
    else:
        rate = fit_power_rate(ts[-5:], insides[-5:])
        fitted_s = "exact" if rate is None else mpmath.nstr(rate, 4)
        predicted_s = "algebraic (t^r)" if branch == "tie-split" else "exact within the support"
        agrees = bool(errs[-1] < errs[0] or errs[-1] == 0) and bool(errs[-1] < mpmath.mpf(10) ** -2)
        if branch != "tie-split":
            agrees = agrees and rate is None
    return WeightLimit(
        schedule=schedule.name, branch=branch, tie_set=ties, weights=tuple(str(v) for v in limits),
        weights_expr=limits, numeric=rows, fitted_rate=fitted_s, predicted_rate=predicted_s,
        agrees=agrees, seconds=time.perf_counter() - start,
    )

