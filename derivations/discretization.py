r"""The last-step law of the Euler and Euler–Maruyama samplers (MATH.md §2).

Both samplers step backward on the grid :math:`t_k = kh` (:math:`k = K..1`,
:math:`h = t_{\rm start}/K`):

* Euler: :math:`Z' = Z - h\,b(Z, t)`;
* Euler–Maruyama: :math:`Z' = Z - h\,(b - \zeta s)(Z, t) + \sqrt{2\zeta(t)h}\,\xi`,
  :math:`\xi\sim\mathcal N(0, I)`.

**Step map.** The derived drift (velocity, or ``drift("backward")``) of one atom is affine,
:math:`f = a(t)\,x + c(t)\,X`, with coefficients read off by
:func:`derivations.stochastic.linear_drift`; for :math:`N` atoms the mixture is
:math:`\sum_i w_i f(x, X_i) = f(x, m)` because the weights sum to 1. In deviation coordinates
:math:`u = Z - \alpha(t)X` the exact one-step map is derived with ``sympy.Poly``:

.. math:: u' = A\,u + D\,X + C\,(m - X) + \sqrt{2\zeta h}\,\xi,\quad A = 1 - ha,\quad
          D = (1 - ha)\alpha(t) - hc - \alpha(t - h),\quad C = -hc .

Since :math:`c = \dot\alpha - a\alpha` for every :math:`\zeta` (the drift vanishes on
:math:`x=\alpha X` up to :math:`\dot\alpha X`), :math:`D = \alpha(t) - h\dot\alpha(t) - \alpha(t-h)`
is the local truncation error of :math:`\alpha` alone (checked, not assumed): zero for an
affine :math:`\alpha`, :math:`\sim -\ddot\alpha h^2/2` otherwise.

**Last step.** Along the Euler path :math:`A(t,h) = 1 - h\,\dot\sigma/\sigma + \dots
\approx \sigma(t-h)/\sigma(t)`, so the products of the :math:`A` telescope like
:math:`\sigma`: the deviation at :math:`t = h` is of size :math:`\sigma(h)\sim c\,h^p`. The last
step gives :math:`u_0 = A(h,h)\,u_h + D(h,h)\,X` (one atom), so the endpoint deviation of the
deterministic part is of order

.. math:: h^{\min(p + \operatorname{ord}A(h,h),\ \operatorname{ord}D(h,h))},
          \qquad \operatorname{ord}0 = +\infty .

Linear schedule: :math:`A(h,h) = D(t,h) = 0`, one-atom Euler is exact, and with :math:`N`
atoms :math:`u_0 = C(h,h)(m - X) = m(Z_h, h) - X` is a softmax residual, exponentially small.
A schedule with :math:`\sigma(h)\sim h^p`, :math:`p<1/2`, and :math:`A(h,h)\not\to0` has an
exponent :math:`p<1/2`: it violates the :math:`\sqrt h` law, whose schedule condition is
:math:`\sigma(t) = O(\sqrt t)`. For Euler–Maruyama the last-step noise
:math:`\sqrt{2\zeta(h)h}` has its own order, reported separately.

**Exact law for one atom.** Unrolling the map from :math:`Z_{t_{\rm start}} = z`,
:math:`Z_0 = g z + c X + \mathcal N(0, vI)` with :math:`g = \prod_k A_k`,
:math:`v = \sum_k P_k^2\,2\zeta_k h` (:math:`P_k = \prod_{j<k} A_j`, the factors applied after
the step at :math:`t_k`), evaluated in python-flint balls at exact rational :math:`t_k`.

Every leading term as :math:`h\to0^+` is cross-checked at :math:`h = 2^{-k}`
(:math:`k = 6..30`) with mpmath at growing precision and a fitted power rate.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp

from .cache import persistent
from .codegen import compile_arb
from .identities import is_identically_zero, residual_is_zero
from .limits import fit_power_rate
from .schedules import Schedule, T
from .stochastic import linear_drift, with_zeta

__all__ = [
    "H",
    "METHODS",
    "LeadingTerm",
    "StepMap",
    "LastStep",
    "OneAtomLaw",
    "SingularStartError",
    "leading_term",
    "step_map",
    "last_step",
    "one_atom_law",
]

#: The step size.
H = sp.Symbol("h", positive=True)
#: Supported samplers.
METHODS: tuple[str, ...] = ("euler", "euler-maruyama")

_U, _X, _M, _XI = sp.symbols("u X m xi", real=True)  # deviation, atom, denoiser, noise
_TRIG = (sp.sin, sp.cos, sp.tan, sp.cot)


class SingularStartError(ValueError):
    """A coefficient of the first step is infinite at the start time."""


def _to_json(value: Any) -> Any:
    """Strings for expressions and numbers; recursion into containers and dataclasses."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _to_json(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_json(v) for v in value]
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


_is_zero = is_identically_zero


def _tidy(expr: sp.Expr) -> sp.Expr:
    """``simplify`` unless trigonometric (slow there); ``cot`` as ``cos/sin`` for the ball printer."""
    expr = sp.cancel(expr) if expr.has(*_TRIG) else sp.simplify(expr)
    return expr.replace(sp.cot, lambda x: sp.cos(x) / sp.sin(x))


# -- leading terms -------------------------------------------------------------------------------

@dataclass(frozen=True)
class LeadingTerm:
    r"""Leading term :math:`f(h)\sim C h^r` as :math:`h\to0^+` and its numeric confirmation."""

    name: str
    expression: sp.Expr
    zero: bool
    coefficient: sp.Expr
    order: sp.Expr  # +oo when identically zero
    method: str
    numeric: tuple[tuple[str, str], ...] = ()  # (h_k, f(h_k))
    fitted_rate: str = ""  # slope of log|f| against log h ("exact" for an identically zero f)
    ratio: str = ""  # f(h) / (C h^r) at the smallest h
    agrees: bool = False

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


def _numeric_leading(expr: sp.Expr, var: sp.Symbol, zero: bool, coef: sp.Expr,
                     order: sp.Expr, ks: range) -> tuple[tuple, str, str, bool]:
    """Evaluate ``expr`` at ``var = 2^-k`` with ``30 + 2k`` digits; fit the power rate."""
    fn = sp.lambdify(var, expr, modules="mpmath")
    ts, vals, rows = [], [], []
    tiny_ok = True
    for k in ks:
        dps = 30 + 2 * k
        with mpmath.workdps(dps):
            hk = mpmath.mpf(2) ** (-k)
            v = fn(hk)
            if isinstance(v, mpmath.mpc):
                v = v.real if abs(v.imag) <= mpmath.mpf(10) ** (10 - dps) else mpmath.nan
            v = mpmath.mpf(v)
            if zero:
                # an identically zero expression evaluates to rounding noise only
                tiny_ok = tiny_ok and bool(abs(v) <= mpmath.mpf(10) ** (15 - dps))
                v = mpmath.mpf(0) if abs(v) <= mpmath.mpf(10) ** (15 - dps) else v
            ts.append(hk)
            vals.append(v)
            rows.append((f"2^-{k}", mpmath.nstr(v, 8)))
    if zero:
        return tuple(rows), "exact", "", tiny_ok
    rate = fit_power_rate(ts[-8:], vals[-8:])
    with mpmath.workdps(30 + 2 * ks[-1]):
        ratio = vals[-1] / (mpmath.mpf(sp.N(coef, 30 + 2 * ks[-1])) * ts[-1] ** mpmath.mpf(sp.N(order, 40)))
    agrees = (rate is not None and abs(rate - mpmath.mpf(sp.N(order, 30))) < mpmath.mpf(1) / 100
              and abs(ratio - 1) < mpmath.mpf(1) / 1000)
    return tuple(rows), "none" if rate is None else mpmath.nstr(rate, 6), mpmath.nstr(ratio, 10), bool(agrees)


def leading_term(expr: sp.Expr, var: sp.Symbol = H, name: str = "", ks: range = range(6, 31)) -> LeadingTerm:
    r"""Leading term of ``expr`` as ``var`` :math:`\to0^+`: identically zero, else
    ``leadterm`` confirmed by :math:`\lim f/(C\,h^r) = 1` (fallback: limits of
    :math:`\log|f|/\log h` and :math:`f/h^r`), then checked numerically at :math:`2^{-k}`."""
    zero, how = _is_zero(expr)
    if zero:
        rows, rate, ratio, ok = _numeric_leading(expr, var, True, sp.S.Zero, sp.oo, ks)
        return LeadingTerm(name, expr, True, sp.S.Zero, sp.oo, f"identically zero ({how})", rows, rate,
                           ratio, ok)
    simple = _tidy(expr)
    coef = order = None
    method = ""
    try:
        coef, order = simple.leadterm(var)
        if coef.has(var) or coef == 0:
            coef = order = None
        else:
            method = "leadterm"
    except (ValueError, NotImplementedError, TypeError):
        coef = order = None
    if coef is not None and sp.simplify(sp.limit(simple / (coef * var**order), var, 0, "+") - 1) != 0:
        coef, method = None, ""
    if coef is None:
        order = sp.limit(sp.log(sp.Abs(simple)) / sp.log(var), var, 0, "+")
        coef = sp.limit(simple / var**order, var, 0, "+")
        method = "limits of log|f|/log h and f/h^r"
    else:
        method += " confirmed by lim f/(C h^r) = 1"
    coef, order = sp.simplify(coef), sp.simplify(order)
    rows, rate, ratio, ok = _numeric_leading(expr, var, False, coef, order, ks)
    return LeadingTerm(name, expr, False, coef, order, method, rows, rate, ratio, ok)


# -- the step map ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class StepMap:
    r"""One backward step in deviation coordinates:
    :math:`u' = A u + D X + C (m - X) + \text{noise}\cdot\xi`."""

    schedule: str
    method: str
    zeta: sp.Expr  # the diffusion used (0 for Euler)
    direction: str
    a: sp.Expr  # drift f = a x + c X
    c: sp.Expr
    A: sp.Expr
    D: sp.Expr
    C: sp.Expr
    noise: sp.Expr  # coefficient of xi
    alpha: sp.Expr = field(repr=False)
    exact: bool = False  # the map reproduces u' identically, and A = 1 - ha, C = -hc
    method_note: str = ""

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


def _drift_schedule(schedule: Schedule, method: str, zeta: sp.Expr | str | None) -> Schedule:
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r} (choose from {', '.join(METHODS)})")
    if method == "euler":
        if zeta is not None:
            raise ValueError("zeta applies to euler-maruyama only (Euler uses the velocity)")
        return with_zeta(schedule, "flow")[0]
    return with_zeta(schedule, zeta)[0]


@lru_cache(maxsize=64)
@persistent("discretization.step_map")
def _step_map_cached(schedule: Schedule, method: str, zeta: sp.Expr | str | None,
                     direction: str) -> StepMap:
    sched = _drift_schedule(schedule, method, zeta)
    drift = linear_drift(sched, direction)
    f, x, X1 = drift["drift"], drift["x"], drift["X"]
    alpha = schedule.alpha
    z = _U + alpha * _X
    noise = sp.S.Zero if method == "euler" else sp.sqrt(2 * sched.diffusion * H)
    # f is affine in the atom: sum_i w_i f(x, X_i) = f(x, m)
    z_next = z - H * f.xreplace({x: z, X1: _M}) + noise * _XI
    u_next = sp.expand(z_next - alpha.subs(T, T - H) * _X)
    poly = sp.Poly(u_next, _U, _X, _M, _XI)
    if poly.total_degree() > 1 or poly.coeff_monomial(1) != 0:
        raise AssertionError("the step map must be linear in (u, X, m, xi)")
    A, C = poly.coeff_monomial(_U), poly.coeff_monomial(_M)
    D, xi_coef = poly.coeff_monomial(_X) + C, poly.coeff_monomial(_XI)
    A, D, C = _tidy(A), _tidy(D), _tidy(C)
    rebuilt = A * _U + D * _X + C * (_M - _X) + xi_coef * _XI
    checks = (residual_is_zero(u_next - rebuilt)[0], _is_zero(A - (1 - H * drift["a"]))[0],
              _is_zero(C + H * drift["c"])[0])
    return StepMap(
        schedule=schedule.name, method=method, zeta=sched.diffusion, direction=direction,
        a=drift["a"], c=drift["c"], A=A, D=D, C=C, noise=xi_coef, alpha=alpha, exact=all(checks),
        method_note="sympy.Poly coefficients of u' in (u, X, m, xi); drift from linear_drift",
    )


def step_map(schedule: Schedule, method: str, zeta: sp.Expr | str | None = None,
             direction: str = "backward") -> StepMap:
    r"""The one-step map of ``method`` ("euler" or "euler-maruyama") in :math:`u = Z-\alpha X`.

    ``zeta``: an expression in t, a family name (:data:`derivations.stochastic.ZETA_FAMILIES`)
    or None (the schedule's default); Euler–Maruyama only. ``direction="forward"`` integrates
    :math:`b+\zeta s` backward: the deliberately wrong sign, for tests.
    """
    return _step_map_cached(schedule, method, zeta, direction)


# -- the last step ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class LastStep:
    r"""The last step (:math:`t = h`) and the predicted exponent of the endpoint deviation."""

    schedule: str
    method: str
    zeta: sp.Expr
    A: LeadingTerm  # A(h, h)
    D: LeadingTerm  # D(h, h)
    C: LeadingTerm  # C(h, h), the softmax-residual coefficient
    noise: LeadingTerm  # sqrt(2 zeta(h) h)
    sigma: LeadingTerm  # sigma(h) ~ c h^p
    p: sp.Expr
    exponent: sp.Expr  # min(p + ord A, ord D)
    noise_order: sp.Expr  # +oo for Euler
    agrees: bool  # every leading term confirmed numerically
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


@lru_cache(maxsize=64)
@persistent("discretization.last_step")
def _last_step_cached(schedule: Schedule, method: str, zeta: sp.Expr | str | None,
                      direction: str) -> LastStep:
    start = time.perf_counter()
    sm = step_map(schedule, method, zeta, direction)
    at_h = {T: H}
    A = leading_term(sm.A.subs(at_h), H, "A(h,h)")
    D = leading_term(sm.D.subs(at_h), H, "D(h,h)")
    C = leading_term(sm.C.subs(at_h), H, "C(h,h)")
    noise = leading_term(sm.noise.subs(at_h), H, "sqrt(2 zeta(h) h)")
    sig = leading_term(schedule.sigma.subs(at_h), H, "sigma(h)")
    p = sig.order
    exponent = sp.Min(p + A.order, D.order)
    return LastStep(
        schedule=schedule.name, method=method, zeta=sm.zeta, A=A, D=D, C=C, noise=noise, sigma=sig,
        p=p, exponent=exponent, noise_order=noise.order,
        agrees=all(x.agrees for x in (A, D, C, noise, sig)), seconds=time.perf_counter() - start,
    )


def last_step(schedule: Schedule, method: str, zeta: sp.Expr | str | None = None,
              direction: str = "backward") -> LastStep:
    r""":math:`A(h,h)`, :math:`D(h,h)`, :math:`C(h,h)`, the noise coefficient and
    :math:`\sigma(h)` with their leading terms, and the predicted exponent
    :math:`\min(p + \operatorname{ord}A(h,h), \operatorname{ord}D(h,h))` (see the module docstring)."""
    return _last_step_cached(schedule, method, zeta, direction)


# -- the exact one-atom law --------------------------------------------------------------------------

@dataclass(frozen=True)
class OneAtomLaw:
    r"""Exact law :math:`Z_0 = g z + c X + \mathcal N(0, vI)` of the discrete endpoint, in balls."""

    schedule: str
    method: str
    steps: int
    t_start: Fraction
    h: Fraction
    digits: int
    gain: Any  # g (flint.arb)
    coefficient: Any  # c
    variance: Any  # v
    alpha0: Any  # alpha(0), 1 for a valid schedule
    alpha_start: Any  # alpha(t_start)

    @property
    def deviation_coefficient(self) -> Any:
        r""":math:`c - \alpha(0)`: the one-atom deviation is
        :math:`\lVert (c-1)X + g z + \text{noise}\rVert`."""
        return self.coefficient - self.alpha0

    def to_json(self) -> dict[str, Any]:
        out = {f.name: str(getattr(self, f.name)) for f in fields(self)}  # asdict cannot copy balls
        out["steps"] = self.steps
        out["digits"] = self.digits
        out["deviation_coefficient"] = str(self.deviation_coefficient)
        return out


def _check_start(schedule: Schedule, sm: StepMap, t_start: sp.Rational) -> None:
    """Raise :class:`SingularStartError` when a coefficient of the first step is infinite."""
    sig = schedule.sigma
    named = [("alpha(t)", schedule.alpha), ("alpha'(t)", sp.diff(schedule.alpha, T)), ("sigma(t)", sig),
             ("sigma'(t)", sp.diff(sig, T)), ("zeta(t)", sm.zeta), ("a(t) (drift coefficient of x)", sm.a),
             ("c(t) (drift coefficient of X)", sm.c)]
    for label, expr in named:
        value = expr.subs(T, t_start)
        if value.has(sp.nan) and t_start == 1:
            value = sp.limit(expr, T, 1, "-")
        if value.has(sp.zoo, sp.oo, -sp.oo, sp.nan) or value.is_finite is False:
            raise SingularStartError(
                f"{label} of schedule '{schedule.name}' is infinite at t_start = {t_start}, where the "
                f"first {sm.method} step evaluates the drift; start at some t_start < 1")


@lru_cache(maxsize=64)
def _compiled(sm: StepMap):
    return compile_arb([T, H], [sm.A, sm.D, sm.noise**2]), compile_arb([T], [sm.alpha])


@lru_cache(maxsize=256)
def _one_atom_law_cached(schedule: Schedule, method: str, steps: int, t_start: Fraction,
                         zeta: sp.Expr | str | None, digits: int, direction: str) -> OneAtomLaw:
    from flint import arb, ctx

    sm = step_map(schedule, method, zeta, direction)
    _check_start(schedule, sm, sp.Rational(t_start.numerator, t_start.denominator))
    step_fn, alpha_fn = _compiled(sm)
    h = t_start / steps
    with ctx.workdps(digits):
        gain, coef, var = arb(1), arb(0), arb(0)
        for k in range(steps, 0, -1):  # the step at t_k acts on u_k; the step at t_1 = h is last
            a_k, d_k, q_k = step_fn([k * h, h])
            gain, coef, var = a_k * gain, a_k * coef + d_k, a_k * a_k * var + q_k
        alpha0 = alpha_fn([Fraction(0)])[0]
        alpha_start = alpha_fn([t_start])[0]
        # u_K = z - alpha(t_start) X and Z_0 = alpha(0) X + u_0
        total = alpha0 - gain * alpha_start + coef
    if not all(v.is_finite() for v in (gain, total, var)):
        raise SingularStartError(f"a step coefficient of schedule '{schedule.name}' is not finite on the "
                                 f"grid t_k = k*{h}; start at some t_start < 1")
    return OneAtomLaw(schedule=schedule.name, method=method, steps=steps, t_start=t_start, h=h,
                      digits=digits, gain=gain, coefficient=total, variance=var, alpha0=alpha0,
                      alpha_start=alpha_start)


def one_atom_law(schedule: Schedule, method: str, steps: int, t_start: Fraction = Fraction(1),
                 zeta: sp.Expr | str | None = None, digits: int = 50,
                 direction: str = "backward") -> OneAtomLaw:
    r"""The exact law of the discrete endpoint for one atom from :math:`Z_{t_{\rm start}} = z`,
    with :math:`h = t_{\rm start}/K` and ball arithmetic at ``digits`` digits.

    Raises :class:`SingularStartError` when a coefficient is infinite at ``t_start``
    (vp-linear-sigma: :math:`\dot\alpha(1) = -\infty`).
    """
    if steps < 1:
        raise ValueError("need steps >= 1")
    t_start = Fraction(t_start)
    if not 0 < t_start <= 1:
        raise ValueError(f"t_start must lie in (0, 1], got {t_start}")
    return _one_atom_law_cached(schedule, method, steps, t_start, zeta, digits, direction)
