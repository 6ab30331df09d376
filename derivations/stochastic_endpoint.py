r"""The continuous-time endpoint of the stochastic oracle sampler: the condition
:math:`\zeta\lesssim B` and a critically scaled estimation error (LLY25-T2, LLY25-ESTERR).

**The condition** :math:`\zeta\lesssim B`. The 2025 paper's :math:`B(t)` is not available (a review
quotes the condition only); it is reconstructed as :math:`B=\sigma\dot\sigma`, the scale of the
schedules' default diffusion, under which the explicit Euler–Maruyama step stays stable (LLY26-T3).
:func:`diffusion_ratio` derives :math:`r=\lim_{t\to0^+}\zeta/(\sigma\dot\sigma)`: near the data end
:math:`\zeta\lesssim B` iff :math:`r<\infty`.

**No Gaussian noise in the endpoint.** By the marginal identity of :mod:`derivations.stochastic`,
:math:`0\le V(\delta)\le\sigma(\delta)^2\to0` for every :math:`\zeta\ge0`: whatever :math:`r`, the
continuous-time endpoint of one atom is the atom itself.

**A critically scaled error.** With :math:`e=\lambda g v`, :math:`g=\dot\sigma/\sigma`, added to the
drift, the one-atom sampler is :math:`dZ=[a_\zeta Z+c_\zeta X+\lambda g v]\,dt+\sqrt{2\zeta}\,d\bar W`.
The moment equations (:func:`~derivations.stochastic.moment_odes` with the error amplitude in the
place of the atom) give :math:`\dot\mu_e=a_\zeta\mu_e+g`, :math:`\mu_e(1)=0`, and the variance
equation of the error-free sampler: an additive error moves the mean only. Hence
:math:`\mu_e(\delta)=-A_\zeta(\delta)\int_\delta^1 g/A_\zeta\,ds`, and since :math:`1/A_\zeta\to\infty`,
L'Hôpital gives

.. math:: \mu_e(0^+)=-\lim_{t\to0^+}\frac{g}{a_\zeta}
          =-\lim_{t\to0^+}\frac{1}{1+\zeta/(\sigma\dot\sigma)}=-\frac1{1+r}:

the endpoint is :math:`X-\lambda v/(1+r)`. For the probability flow (:math:`r=0`) this is the shift
:math:`-\lambda v` of LLY25-C2; a diffusion :math:`\zeta\gg\sigma\dot\sigma` contracts the error away.
Each limit is cross-checked by quadrature of the integrating-factor formula at
:math:`\delta=2^{-k}` (:func:`~derivations.stochastic.law_numeric`).
"""

from __future__ import annotations

import time
from typing import Any

import mpmath
import sympy as sp

from .cache import persistent
from .identities import is_identically_zero
from .limits import fit_power_rate
from .schedules import Schedule, T
from .stochastic import DELTA, endpoint_law, law_numeric, moment_odes, with_zeta

__all__ = ["diffusion_ratio", "critical_error_shift", "SHIFT_PROBES", "NUMERIC_TOLERANCE"]

#: The stopping times :math:`\delta=2^{-k}` of the numeric cross-checks.
SHIFT_PROBES: tuple[int, ...] = (12, 24, 36)

#: Largest |mu_e(2^-36) - shift| of an agreeing numeric cross-check.
NUMERIC_TOLERANCE = 1e-4

_S = sp.Symbol("s", positive=True)
# the placeholders of derivations.stochastic.moment_odes (same names and assumptions)
_MX, _V = sp.symbols("mu_X V", real=True)


def _numeric_ratio(ratio: sp.Expr, limit: sp.Expr) -> tuple[bool, list[tuple[str, str]]]:
    """``ratio`` at :math:`t=2^{-k}` against its limit (a finite one: the error shrinks below
    1e-6; an infinite one: the ratio exceeds 1e6 and grows)."""
    fn = sp.lambdify(T, ratio, modules="mpmath")
    rows, values = [], []
    for k in SHIFT_PROBES:
        with mpmath.workdps(30 + k):
            v = mpmath.mpf(fn(mpmath.mpf(2) ** -k))
        values.append(v)
        rows.append((f"2^-{k}", mpmath.nstr(v, 8)))
    if limit.is_finite:
        errs = [abs(v - mpmath.mpf(sp.N(limit, 40))) for v in values]
        ok = errs[-1] < NUMERIC_TOLERANCE and errs[-1] <= errs[0]
    else:
        ok = values[-1] > 10**6 and all(b >= a for a, b in zip(values, values[1:], strict=False))
    return bool(ok), rows


@persistent("stochastic_endpoint.diffusion_ratio")
def diffusion_ratio(schedule: Schedule, family: str) -> dict[str, Any]:
    r""":math:`r=\lim_{t\to0^+}\zeta/B`, :math:`B=\sigma\dot\sigma`, for a named :math:`\zeta` family
    (:data:`derivations.stochastic.ZETA_FAMILIES`). Keys: ``zeta``, ``B``, ``ratio``, ``limit``
    (``oo`` when unbounded), ``bounded`` (:math:`\zeta\lesssim B`), ``agrees`` and ``numeric``
    (the ratio at :math:`t=2^{-k}`)."""
    sched, _label = with_zeta(schedule, family)
    B = sp.simplify(schedule.sigma * sp.diff(schedule.sigma, T))
    zeta = sched.diffusion
    ratio = sp.simplify(zeta / B)
    limit = sp.limit(ratio, T, 0, "+")
    agrees, numeric = _numeric_ratio(ratio, limit)
    return {"zeta": zeta, "B": B, "ratio": ratio, "limit": limit, "bounded": bool(limit.is_finite),
            "agrees": agrees, "numeric": numeric}


@persistent("stochastic_endpoint.critical_error")
def critical_error_shift(schedule: Schedule, family: str) -> dict[str, Any]:
    r"""The one-atom stochastic sampler under the critically scaled error :math:`e=(\dot\sigma/\sigma)v`
    (per unit :math:`\lambda`): the mean coefficient :math:`\mu_e` of :math:`v` and its limit.

    Keys: ``g``, ``a``, ``mean_ode`` (:math:`\dot\mu_e-a\mu_e-g\equiv0` on the derived moment
    equation), ``variance_unchanged`` (the variance equation is the error-free one), ``shift``
    (:math:`\lim-g/a`), ``ratio_limit`` (:math:`r`), ``formula_agrees`` (``shift`` :math:`=-1/(1+r)`),
    ``A_vanishes`` (:math:`\mu_z(0^+)=0`, L'Hôpital applies), ``closed`` (:math:`\mu_e(\delta)` in
    closed form, or None), ``numeric`` (quadrature at :math:`\delta=2^{-k}` minus ``shift``),
    ``agrees`` (every part), ``seconds``."""
    start = time.perf_counter()
    law = endpoint_law(schedule, family)
    a, zeta = law["a"], law["zeta"]
    g = sp.simplify(sp.diff(schedule.sigma, T) / schedule.sigma)
    amplitude = sp.Symbol("E", real=True)  # lambda v, per coordinate, in the place of the atom
    odes = moment_odes({"a": a, "c": g, "zeta": zeta, "X": amplitude})
    mean_ode = is_identically_zero(odes["mean_X"] - (a * _MX + g))[0]
    variance_unchanged = is_identically_zero(odes["variance"] - law["odes"]["variance"])[0]
    shift = sp.simplify(sp.limit(-g / a, T, 0, "+"))
    r = diffusion_ratio(schedule, family)["limit"]
    formula = sp.S.Zero if r is sp.oo else -1 / (1 + r)
    formula_agrees = bool(sp.simplify(shift - formula) == 0)
    A_vanishes = bool(law["limits"]["mean_z"] == 0)
    closed = None
    if law["log_A"] is not None and all(e.is_polynomial(T) for e in (schedule.alpha, schedule.sigma, zeta)):
        # polynomial schedules (u = t): the integral in closed form, as a second derivation
        A = sp.exp(law["log_A"])
        try:
            integral = sp.integrate(sp.simplify(g.subs(T, _S) / A.subs(DELTA, _S)), (_S, DELTA, 1))
        except (NotImplementedError, ValueError, TypeError, AttributeError):
            integral = None
        if integral is not None and not integral.has(sp.Integral):
            closed = sp.simplify(-A * integral)
    # quadrature of -A(delta) int_delta^1 g / A (log A in closed form where known)
    rows, ts, errs = [], [], []
    for k in SHIFT_PROBES:
        with mpmath.workdps(30):
            dk = mpmath.mpf(2) ** -k
            value = law_numeric({**law, "c": g}, dk, None, 30, ("mean_X",))["mean_X"]
            err = value - mpmath.mpf(sp.N(shift, 40)) if shift.is_finite else value
            ts.append(dk)
            errs.append(err)
            rows.append((f"2^-{k}", mpmath.nstr(err, 6)))
    rate = fit_power_rate(ts, errs)
    # the error vanishes like a power of delta (at least delta^(1/4); sigma ~ sqrt(t) gives 1/2)
    numeric_ok = bool(shift.is_finite and abs(errs[-1]) < NUMERIC_TOLERANCE
                      and (rate is None or rate > mpmath.mpf(1) / 4))
    closed_ok = True
    if closed is not None:
        closed_ok = bool(sp.simplify(sp.limit(closed, DELTA, 0, "+") - shift) == 0
                         and sp.simplify(closed.subs(DELTA, 1)) == 0)
    agrees = bool(mean_ode and variance_unchanged and formula_agrees and A_vanishes and numeric_ok
                  and closed_ok)
    return {"schedule": schedule.name, "family": family, "g": g, "a": a, "zeta": zeta,
            "mean_ode": mean_ode, "variance_unchanged": variance_unchanged, "shift": shift,
            "ratio_limit": r, "formula_agrees": formula_agrees, "A_vanishes": A_vanishes,
            "closed": closed, "closed_agrees": closed_ok, "numeric": rows,
            "rate": "exact" if rate is None else mpmath.nstr(rate, 4), "numeric_agrees": numeric_ok,
            "agrees": agrees, "seconds": time.perf_counter() - start}
