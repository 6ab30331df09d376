r"""The papers' statements, typed from the statements themselves (MATH.md §2–3, Li–Lin–Yu).

Nothing here is built from :mod:`derivations.fields`: each object is written out from the
closed form a paper states, with its own softmax, so that comparing it with the *derived*
object (:mod:`derivations.identities`) can fail when either side is wrong. The only shared
inputs are the schedule's coefficients :math:`\alpha, \sigma` and the symbols of the point and
the training set.

* weights :math:`w_i=\operatorname{softmax}_i\big(-\lVert x-\alpha X_i\rVert^2/2\sigma^2\big)`,
* denoiser :math:`m=\sum_iw_iX_i`,
* velocity :math:`b=\dot\alpha m+\frac{\dot\sigma}{\sigma}(x-\alpha m)` (Li, Lin, Yu Prop. 1),
* score :math:`s=-\frac{x-\alpha m}{\sigma^2}` (Prop. 2),
* velocity–score relation :math:`b=\frac{\dot\alpha}{\alpha}x+\sigma\big(\frac{\dot\alpha\sigma}{\alpha}
  -\dot\sigma\big)s`,
* density :math:`\rho_t=\frac1N\sum_i(2\pi\sigma^2)^{-d/2}e^{-\lVert x-\alpha X_i\rVert^2/2\sigma^2}`,
* the regular-coordinate flow :math:`dy/d\ell=\sum_i\operatorname{softmax}_i(-\tfrac12\lVert
  y-\ell X_i\rVert^2)X_i` (MATH.md §3).
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .cache import persistent
from .schedules import Schedule, T

__all__ = ["stated_logits", "stated_regular_logits", "stated_ou_coefficients", "stated_empirical_score",
           "stated_weights", "stated_denoiser", "stated_velocity",
           "stated_velocity_component", "stated_score", "stated_velocity_from_score",
           "stated_density", "stated_regular_field", "stated_backward_drift"]


def _rows(X: sp.Matrix) -> list[sp.Matrix]:
    return [X.row(i).T for i in range(X.shape[0])]


def stated_logits(schedule: Schedule, x: sp.Matrix, X: sp.Matrix) -> list[sp.Expr]:
    r""":math:`-\lVert x-\alpha X_i\rVert^2/(2\sigma^2)`, one per row of ``X``."""
    a, s = schedule.alpha, schedule.sigma
    return [-sum((x[j] - a * Xi[j]) ** 2 for j in range(x.shape[0])) / (2 * s**2) for Xi in _rows(X)]


def stated_weights(schedule: Schedule, x: sp.Matrix, X: sp.Matrix) -> list[sp.Expr]:
    r"""The softmax of :func:`stated_logits` (explicit exponentials)."""
    kernels = [sp.exp(e) for e in stated_logits(schedule, x, X)]
    total = sp.Add(*kernels)
    return [k / total for k in kernels]


def stated_denoiser(schedule: Schedule, x: sp.Matrix, X: sp.Matrix) -> sp.Matrix:
    r""":math:`m=\sum_iw_iX_i`."""
    w = stated_weights(schedule, x, X)
    return sum((wi * Xi for wi, Xi in zip(w, _rows(X), strict=True)), sp.zeros(x.shape[0], 1))


def stated_velocity_component(schedule: Schedule, x: sp.Matrix, Xi: sp.Matrix) -> sp.Matrix:
    r"""One atom's velocity :math:`\dot\alpha X_i+\frac{\dot\sigma}{\sigma}(x-\alpha X_i)`."""
    a, s = schedule.alpha, schedule.sigma
    return sp.diff(a, T) * Xi + sp.diff(s, T) / s * (x - a * Xi)


def stated_velocity(schedule: Schedule, x: sp.Matrix, X: sp.Matrix) -> sp.Matrix:
    r""":math:`b=\dot\alpha m+\frac{\dot\sigma}{\sigma}(x-\alpha m)` with the stated weights."""
    a, s = schedule.alpha, schedule.sigma
    m = stated_denoiser(schedule, x, X)
    return sp.diff(a, T) * m + sp.diff(s, T) / s * (x - a * m)


def stated_score(schedule: Schedule, x: sp.Matrix, X: sp.Matrix) -> sp.Matrix:
    r""":math:`s=-(x-\alpha m)/\sigma^2`."""
    a, s = schedule.alpha, schedule.sigma
    return -(x - a * stated_denoiser(schedule, x, X)) / s**2


def stated_velocity_from_score(schedule: Schedule, x: sp.Matrix, score: sp.Matrix) -> sp.Matrix:
    r""":math:`\frac{\dot\alpha}{\alpha}x+\sigma\big(\frac{\dot\alpha\sigma}{\alpha}-\dot\sigma\big)s`."""
    a, s = schedule.alpha, schedule.sigma
    ad, sd = sp.diff(a, T), sp.diff(s, T)
    return ad / a * x + s * (ad * s / a - sd) * score


def stated_density(schedule: Schedule, x: sp.Matrix, X: sp.Matrix) -> sp.Expr:
    r""":math:`\rho_t(x)=\frac1N\sum_i(2\pi\sigma^2)^{-d/2}e^{-\lVert x-\alpha X_i\rVert^2/2\sigma^2}`."""
    d, n = x.shape[0], X.shape[0]
    norm = (2 * sp.pi * schedule.sigma**2) ** sp.Rational(-d, 2)
    return norm * sp.Add(*[sp.exp(e) for e in stated_logits(schedule, x, X)]) / n


def stated_regular_logits(y: sp.Matrix, ell: sp.Expr, X: sp.Matrix) -> list[sp.Expr]:
    r""":math:`-\tfrac12\lVert y-\ell X_i\rVert^2` (the weights' logits in regular coordinates, up to a
    common shift)."""
    return [-sum((y[j] - ell * Xi[j]) ** 2 for j in range(y.shape[0])) / 2 for Xi in _rows(X)]


def stated_regular_field(y: sp.Matrix, ell: sp.Expr, X: sp.Matrix) -> sp.Matrix:
    r""":math:`\sum_i\operatorname{softmax}_i(-\tfrac12\lVert y-\ell X_i\rVert^2)X_i`."""
    logits = stated_regular_logits(y, ell, X)
    kernels = [sp.exp(e) for e in logits]
    total = sp.Add(*kernels)
    return sum((k / total * Xi for k, Xi in zip(kernels, _rows(X), strict=True)), sp.zeros(y.shape[0], 1))


def stated_backward_drift(schedule: Schedule, x: sp.Matrix, X: sp.Matrix) -> sp.Matrix:
    r"""The drift :math:`b-\zeta s` of the sampler integrated with t decreasing (MATH.md §2)."""
    return stated_velocity(schedule, x, X) - schedule.diffusion * stated_score(schedule, x, X)


@lru_cache(maxsize=1)
@persistent("statements.ou_coefficients")
def stated_ou_coefficients() -> tuple[sp.Symbol, sp.Expr, sp.Expr]:
    r"""Ye et al.'s forward process :math:`dX_s=-\tfrac12X_s\,ds+dB_s` solved for the law of
    :math:`X_s\mid X_0=x\sim\mathcal N(\alpha_sx,\sigma_s^2I)`: the moment equations
    :math:`\alpha'=-\alpha/2`, :math:`(\sigma^2)'=-\sigma^2+1`, :math:`\alpha_0=1`, :math:`\sigma_0^2=0`,
    solved by SymPy; returns :math:`(s,\alpha_s,\sigma_s^2)`."""
    s = sp.Symbol("s", nonnegative=True)
    a, v = sp.Function("a"), sp.Function("v")
    alpha = sp.dsolve(sp.Eq(a(s).diff(s), -a(s) / 2), a(s), ics={a(0): 1}).rhs
    var = sp.dsolve(sp.Eq(v(s).diff(s), -v(s) + 1), v(s), ics={v(0): 0}).rhs
    return s, sp.simplify(alpha), sp.simplify(var)


def stated_empirical_score(x: sp.Matrix, s_value: sp.Expr, X: sp.Matrix) -> sp.Matrix:
    r""":math:`\nabla\log\hat p_s(x)` for the empirical measure of the rows of ``X`` under Ye et al.'s
    forward process: :math:`\sum_iw_i(\alpha_sX_i-x)/\sigma_s^2`,
    :math:`w=\operatorname{softmax}(-\lVert x-\alpha_sX_i\rVert^2/2\sigma_s^2)`."""
    s, alpha, var = stated_ou_coefficients()
    a, v = alpha.subs(s, s_value), var.subs(s, s_value)
    rows = _rows(X)
    logits = [-sum((x[j] - a * Xi[j]) ** 2 for j in range(x.shape[0])) / (2 * v) for Xi in rows]
    top = sp.Max(*logits) if all(e.is_number for e in logits) else 0
    kernels = [sp.exp(e - top) for e in logits]
    total = sp.Add(*kernels)
    return sum(((k / total) * (a * Xi - x) / v for k, Xi in zip(kernels, rows, strict=True)),
               sp.zeros(x.shape[0], 1))
