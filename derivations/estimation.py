r"""The endpoint under an estimation error of the velocity (LLY25-T3, LLY25-C1..C3, LLY26-T4).

The sampler integrates :math:`\hat b = b + e(x,t)` backward from :math:`t=1`. Errors are studied
through their **time profiles** :math:`g(t)` (the numeric families elsewhere multiply them by a
spatial factor :math:`\lambda v(x)`):

* ``bounded``: :math:`g = 1`;
* ``critical``: :math:`g = \dot\sigma/\sigma`;
* ``growing``: :math:`g = (\dot\sigma/\sigma)\,\sigma^{-\kappa}`, :math:`\kappa>0` (a symbol or a
  value);
* ``inverse-density`` has no closed time profile (the error scales like :math:`1/\rho_t(x)`,
  so its size depends on where the path is): it is handled by the numeric families, not here.

A profile may also be given as an expression in :math:`t` (e.g. a deliberately wrong one).

**Regular coordinates.** From the derived velocity,
:math:`y = Z/\sigma` obeys :math:`\dot y = m\,(\alpha/\sigma)' + e/\sigma`
(:func:`regular_coordinates_with_error`).

**Endpoint (L'Hôpital).** :math:`Z_t = y/(1/\sigma)` with :math:`1/\sigma\to\infty`, so
:math:`Z_0 = \lim \dot y/(1/\sigma)' =
\lim\big[m\,(\alpha - \dot\alpha\sigma/\dot\sigma) - e\,\sigma/\dot\sigma\big]`
(:func:`endpoint_limit`; the schedule factor tends to 1). The error shifts the endpoint by
:math:`\lim -g\sigma/\dot\sigma` times its spatial factor (:func:`error_shift`):
bounded 0, critical :math:`-1`, growing :math:`-\infty`.

**Accumulated error (LLY26-T4).** Variation of constants,
:math:`Z_t = \sigma(t)\big[Z_1/\sigma(1) - \int_t^1 (m(\alpha/\sigma)' + e/\sigma)\,ds\big]`,
gives for a trajectory committed to :math:`X_k` the deviation
:math:`Z_0 - X_k = -\lim\sigma(t)\int_t^1 e/\sigma\,ds`, hence
:math:`\operatorname{dist}(Z_0, X)\le E_{\rm acc} = \limsup\sigma(t)\int_t^1\lVert e\rVert/\sigma\,ds`
(:func:`accumulated_error_bound`).

**Training excess.** :math:`b` is the conditional expectation of the target, so the cross term
of the flow-matching loss vanishes and the excess of :math:`b + e` is
:math:`\mathbb E\int\lVert e\rVert^2\,dt`; for a profile it is finite iff
:math:`\int_0^1 g^2\,dt<\infty` (:func:`training_excess`). *Observation:* the critical and
growing profiles, the ones that shift the endpoint, have infinite excess near :math:`t=0`.

Every limit is cross-checked numerically at :math:`t_k = 2^{-k}` with growing precision.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import mpmath
import sympy as sp
from sympy import stats

from .cache import persistent
from .discretization import _is_zero, _to_json, leading_term
from .fields import derive
from .identities import residual_is_zero
from .limits import LimitCheck, fit_power_rate, schedule_factor, schedule_factor_limit
from .schedules import Schedule, T, generic_schedule

__all__ = [
    "KAPPA",
    "KAPPA_VALUES",
    "PROFILES",
    "NumericCheck",
    "RegularCoordinates",
    "EndpointLimit",
    "ShiftLimit",
    "VariationOfConstants",
    "AccumulatedError",
    "CrossTerm",
    "TrainingExcess",
    "profile",
    "regular_coordinates_with_error",
    "endpoint_limit",
    "error_shift",
    "variation_of_constants",
    "accumulated_error_bound",
    "cross_term",
    "training_excess",
    "order_at_zero",
    "ExcessIntegral",
    "excess_integral",
    "accumulated_error_limit",
    "RotationExample",
    "rotation_example",
    "inverse_density_blowup",
]

#: The exponent of the growing profile.
KAPPA = sp.Symbol("kappa", positive=True)
#: Values of a symbolic :math:`\kappa` at which limits are checked numerically.
KAPPA_VALUES: tuple[sp.Rational, ...] = (sp.Rational(1, 2), sp.Integer(2))
#: Named profiles: key -> description.
PROFILES: dict[str, str] = {
    "bounded": "g = 1",
    "critical": "g = sigma'/sigma",
    "growing": "g = (sigma'/sigma) sigma^(-kappa), kappa > 0",
    "inverse-density": "no closed time profile (size ~ 1/rho_t(x)); numeric families only",
}

_S = sp.Symbol("s", positive=True)  # integration variable
_SIG = sp.Symbol("u", positive=True)  # sigma as a variable (substitution u = sigma)
_W = sp.Symbol("w", positive=True)  # integration variable in the u chart
_DSIG = sp.Symbol("v", real=True)  # sigma' as a variable in the templates
_M, _E = sp.symbols("m e", real=True)  # denoiser and error values
_Z1 = sp.Symbol("Z_1", real=True)
_XK = sp.Symbol("X_k", real=True)


@dataclass(frozen=True)
class NumericCheck:
    r"""A quantity at :math:`t_k = 2^{-k}` (growing precision) against its claimed limit.

    ``holds`` (the pass flag of every :mod:`derivations` result) is ``agrees``; ``passed`` is an
    alias of it.
    """

    label: str
    rows: tuple[tuple[str, str], ...]  # (t_k, value)
    fitted_rate: str  # slope of log|value - L| (finite L) or log|value| (infinite L) against log t
    agrees: bool

    @property
    def holds(self) -> bool:
        """The pass flag, named as on every result object of :mod:`derivations` (``agrees``)."""
        return self.agrees

    @property
    def passed(self) -> bool:
        """Alias of :attr:`holds`, kept for compatibility."""
        return self.agrees

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


def _numeric_limit(expr: sp.Expr, limit: sp.Expr, label: str, var: sp.Symbol = T,
                   ks: range = range(2, 81, 2)) -> NumericCheck:
    """Finite limit: the error shrinks (monotone over the second half) at a positive power rate,
    or is exactly 0. Infinite limit: the value has the sign of the limit and grows in size."""
    fn = sp.lambdify(var, expr, modules="mpmath")
    ts, vals, rows = [], [], []
    for k in ks:
        dps = 30 + 2 * k
        with mpmath.workdps(dps):
            tk = mpmath.mpf(2) ** (-k)
            v = fn(tk)
            if isinstance(v, mpmath.mpc):
                v = v.real if abs(v.imag) <= mpmath.mpf(10) ** (10 - dps) * max(1, abs(v)) else mpmath.nan
            v = mpmath.mpf(v)
            if limit.is_finite:
                v = v - mpmath.mpf(sp.N(limit, dps))
                if abs(v) <= mpmath.mpf(10) ** (15 - dps):
                    v = mpmath.mpf(0)
            ts.append(tk)
            vals.append(v)
            rows.append((f"2^-{k}", mpmath.nstr(v, 8)))
    half = len(vals) // 2
    rate = fit_power_rate(ts[half:], vals[half:])
    if limit.is_finite:
        exact = all(v == 0 for v in vals[half:])
        shrinking = all(abs(vals[i + 1]) <= abs(vals[i]) for i in range(half, len(vals) - 1))
        small = abs(vals[-1]) < mpmath.mpf(10) ** -3
        agrees = exact or (shrinking and rate is not None and rate > 0 and small)
    else:
        sign = 1 if limit == sp.oo else -1
        growing = all(abs(vals[i + 1]) >= abs(vals[i]) for i in range(half, len(vals) - 1))
        agrees = all(sign * v > 0 for v in vals[half:]) and growing and abs(vals[-1]) > abs(vals[half])
        agrees = agrees and rate is not None and rate < 0
    return NumericCheck(label, tuple(rows), "exact" if rate is None else mpmath.nstr(rate, 6), bool(agrees))


def _kappa_cases(expr: sp.Expr, kappa: sp.Expr) -> tuple[tuple[str, dict], ...]:
    if isinstance(kappa, sp.Symbol) and expr.has(kappa):
        return tuple((f"kappa = {kv}", {kappa: kv}) for kv in KAPPA_VALUES)
    return (("", {}),)


# -- profiles ----------------------------------------------------------------------------------------

def _template(name: str, kappa: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    r"""Exponents :math:`(i, j)` of the profile :math:`g = \sigma^i\dot\sigma^j`."""
    table = {"bounded": (sp.S.Zero, sp.S.Zero), "critical": (sp.S.NegativeOne, sp.S.One),
             "growing": (-1 - kappa, sp.S.One)}
    if name == "inverse-density":
        raise ValueError("the inverse-density profile has no closed time profile "
                         "(its size depends on rho_t at the path); use the numeric families")
    if name not in table:
        raise KeyError(f"unknown profile {name!r} (known: {', '.join(PROFILES)}; or an expression in t)")
    return table[name]


def _resolve(schedule: Schedule, prof: str | sp.Expr, kappa: sp.Expr | None):
    """(label, g(t), template exponents or None, kappa)."""
    kappa = KAPPA if kappa is None else sp.sympify(kappa)
    if kappa.atoms(sp.Float):
        raise ValueError("kappa must be exact (no floats)")
    if kappa.is_positive is False:
        raise ValueError(f"kappa must be positive, got {kappa}")
    if isinstance(prof, str):
        i, j = _template(prof, kappa)
        sig = schedule.sigma
        return prof, sig**i * sp.diff(sig, T) ** j, (i, j), kappa
    expr = sp.sympify(prof)
    if expr.atoms(sp.Float):
        raise ValueError("a profile must be exact (no floats)")
    return f"g = {sp.sstr(expr)}", expr, None, kappa


def profile(schedule: Schedule, name: str | sp.Expr, kappa: sp.Expr | None = None) -> sp.Expr:
    """The time profile :math:`g(t)` of a named profile (see :data:`PROFILES`)."""
    return _resolve(schedule, name, kappa)[1]


# -- 1. regular coordinates ------------------------------------------------------------------------------

@dataclass(frozen=True)
class RegularCoordinates:
    r""":math:`\dot y` for :math:`y = Z/\sigma` under :math:`\dot Z = b + e`, and its paper form."""

    schedule: str
    derived: sp.Expr
    paper: sp.Expr
    zero: bool
    method: str

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


def _velocity_in_m(schedule: Schedule) -> tuple[sp.Expr, sp.Symbol]:
    r"""The derived velocity as :math:`b(x, m)`: affine in the atom, so
    :math:`\sum_i w_i b(x, X_i) = b(x, m)`."""
    D = derive(schedule, 1, 1)
    b, x, X = D.velocity.components[0][0], D.x[0], D.X[0, 0]
    poly = sp.Poly(sp.expand(b), x, X)
    if poly.total_degree() > 1 or poly.coeff_monomial(1) != 0:
        raise AssertionError("the one-atom velocity must be linear in (x, X)")
    return b.subs(X, _M), x


@lru_cache(maxsize=32)
def regular_coordinates_with_error(schedule: Schedule | None = None) -> RegularCoordinates:
    r"""Derive :math:`\dot y = m(\alpha/\sigma)' + e/\sigma` for :math:`y = Z/\sigma`,
    :math:`\dot Z = b(Z, m) + e` (default: the generic schedule, a proof for all)."""
    schedule = schedule or generic_schedule()
    b, x = _velocity_in_m(schedule)
    sig = schedule.sigma
    Z = sp.Function("Z")(T)
    dy = sp.diff(Z / sig, T).subs(sp.Derivative(Z, T), b.subs(x, Z) + _E)
    paper = _M * sp.diff(schedule.alpha / sig, T) + _E / sig
    zero, how = _is_zero(dy - paper)
    return RegularCoordinates(schedule.name, dy, paper, zero, how)


# -- 2. the endpoint by L'Hopital -----------------------------------------------------------------------

@dataclass(frozen=True)
class EndpointLimit:
    r""":math:`Z_0 = \lim \dot y/(1/\sigma)'` against the paper form (LLY25-T3, Eq. 9)."""

    schedule: str
    ratio: sp.Expr
    paper: sp.Expr
    matches: bool
    method: str
    factor: sp.Expr  # coefficient of m: alpha - alpha' sigma/sigma'
    factor_matches_limits: bool  # equals derivations.limits.schedule_factor
    error_coefficient: sp.Expr  # coefficient of e: -sigma/sigma'
    factor_limit: sp.Expr | None  # t -> 0+ (concrete schedules)
    factor_check: LimitCheck | None

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


@lru_cache(maxsize=32)
@persistent("estimation.endpoint_limit")
def endpoint_limit(schedule: Schedule | None = None) -> EndpointLimit:
    r"""L'Hôpital on :math:`Z_t = y/(1/\sigma)`: the ratio of derivatives, compared with
    :math:`m(\alpha - \dot\alpha\sigma/\dot\sigma) - e\sigma/\dot\sigma`; the factor's limit is 1."""
    schedule = schedule or generic_schedule()
    rc = regular_coordinates_with_error(schedule)
    sig = schedule.sigma
    ratio = rc.derived / sp.diff(1 / sig, T)
    dsig, dalpha = sp.diff(sig, T), sp.diff(schedule.alpha, T)
    paper = _M * (schedule.alpha - dalpha * sig / dsig) - _E * sig / dsig
    matches, how = _is_zero(ratio - paper)
    poly = sp.Poly(sp.expand(ratio), _M, _E)
    factor, err = sp.simplify(poly.coeff_monomial(_M)), sp.simplify(poly.coeff_monomial(_E))
    # Z(t) drops out: the ratio is affine in (m, e) with no other term
    matches = matches and poly.total_degree() == 1 and _is_zero(poly.coeff_monomial(1))[0]
    if schedule.generic:
        same = _is_zero(factor - (-sp.diff(schedule.alpha / sig, T) * sig**2 / dsig))[0]
        check = None
        lim = None
    else:
        same = _is_zero(factor - schedule_factor(schedule))[0]
        check = schedule_factor_limit(schedule)
        lim = sp.sympify(check.symbolic)
    return EndpointLimit(schedule.name, ratio, paper, matches, how, factor, same, err, lim, check)


# -- 3. the endpoint shift -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ShiftLimit:
    r""":math:`\lim_{t\to0^+} -g\sigma/\dot\sigma`: the endpoint shift per unit spatial factor."""

    schedule: str
    profile: str
    kappa: sp.Expr
    expression: sp.Expr
    limit: sp.Expr
    method: str
    checks: tuple[NumericCheck, ...]
    agrees: bool

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


def _limit_at_zero(expr_t: sp.Expr, template_u: sp.Expr | None) -> tuple[sp.Expr, str]:
    """:math:`t\\to0^+`; a pure function of sigma is taken as ``u = sigma -> 0+`` (sigma > 0 is
    continuous with sigma(0) = 0, so the limits agree)."""
    if template_u is not None and not template_u.has(_DSIG):
        return sp.limit(template_u, _SIG, 0, "+"), "limit in u = sigma(t) -> 0+"
    return sp.limit(expr_t, T, 0, "+"), "sympy limit t -> 0+"


@persistent("estimation.shift_closed_form")
def _shift_closed_form(expr: sp.Expr, template_u: sp.Expr | None) -> tuple[sp.Expr, sp.Expr, str]:
    """The simplified shift expression and its limit :math:`t\to0^+` (symbolic only; cached)."""
    expr = sp.simplify(expr) if not expr.has(sp.sin, sp.cos) else expr
    limit, how = _limit_at_zero(expr, template_u)
    return expr, limit, how


@lru_cache(maxsize=128)
def error_shift(schedule: Schedule, profile: str | sp.Expr, kappa: sp.Expr | None = None) -> ShiftLimit:
    r""":math:`\lim_{t\to0^+} -g(t)\,\sigma/\dot\sigma`: bounded 0, critical :math:`-1` (a critical
    error :math:`\lambda(\dot\sigma/\sigma)v` shifts the endpoint by :math:`-\lambda v`), growing
    :math:`-\infty`."""
    label, g, tpl, kappa = _resolve(schedule, profile, kappa)
    sig = schedule.sigma
    dsig = sp.diff(sig, T)
    expr = -g * sig / dsig
    template_u = None if tpl is None else -_SIG ** (tpl[0] + 1) * _DSIG ** (tpl[1] - 1)
    if template_u is not None:
        expr = template_u.subs({_SIG: sig, _DSIG: dsig})
    expr, limit, how = _shift_closed_form(expr, template_u)
    checks = []
    for lab, sub in _kappa_cases(expr, kappa):
        lim = limit.subs(sub)
        checks.append(_numeric_limit(expr.subs(sub), lim, lab or "t_k = 2^-k"))
    return ShiftLimit(schedule.name, label, kappa, expr, limit, how, tuple(checks),
                      all(c.agrees for c in checks))


# -- 4. accumulated error (LLY26-T4) ---------------------------------------------------------------------

@dataclass(frozen=True)
class VariationOfConstants:
    r"""The variation-of-constants form of :math:`\dot Z = b + e` and the committed deviation."""

    schedule: str
    formula: sp.Expr  # Z_t
    solves: bool  # d/dt formula = b(formula, m) + e
    terminal: bool  # formula at t = 1 is Z_1
    committed_rest: sp.Expr  # Z_t - X_k + sigma int e/sigma for m = X_k
    committed_limit: sp.Expr  # its limit t -> 0+ (0)
    method: str

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


def _voc_formula(schedule: Schedule) -> sp.Expr:
    r""":math:`\sigma(t)[Z_1/\sigma(1) - \int_t^1 (m(\alpha/\sigma)' + e/\sigma)\,ds]`."""
    sig = schedule.sigma
    m_f, e_f = sp.Function("m"), sp.Function("e")
    ell = schedule.alpha / sig
    integrand = (m_f(T) * sp.diff(ell, T) + e_f(T) / sig).subs(T, _S)
    sig1 = sig.subs(T, 1)
    return sig * (_Z1 / sig1 - sp.Integral(integrand, (_S, T, 1)))


@persistent("estimation.variation_of_constants")
def _voc_derived(schedule: Schedule) -> tuple[bool, bool, sp.Expr, sp.Expr, str]:
    """(solves, terminal, committed rest, its limit, method) of :func:`variation_of_constants`
    (symbolic only; cached: the formula holds an unevaluated integral, which is rebuilt instead)."""
    b, x = _velocity_in_m(schedule)
    sig = schedule.sigma
    m_f, e_f = sp.Function("m"), sp.Function("e")
    ell = schedule.alpha / sig
    sig1 = sig.subs(T, 1)
    Z = _voc_formula(schedule)
    rhs = b.subs({_M: m_f(T)}).subs(x, Z) + e_f(T)
    # Leibniz: d/dt int_t^1 F ds = -F(t); the remaining integral is a common unknown J
    J = sp.Symbol("J", real=True)
    integral = Z.atoms(sp.Integral).pop()
    solves, how = _is_zero((sp.diff(Z, T) - rhs).xreplace({integral: J}))
    terminal = _is_zero(Z.subs(T, 1).doit() - _Z1)[0]
    # committed: m = X_k; the m-part is int_t^1 (alpha/sigma)' ds = ell(1) - ell(t) (fundamental theorem)
    m_part = sig * (_Z1 / sig1 - _XK * (ell.subs(T, 1) - ell))
    rest = sp.expand(m_part - _XK)
    if schedule.generic:
        g = generic_schedule()
        at0 = {g.alpha.subs(T, 0): 1, g.beta.subs(T, 0): 0, g.gamma.subs(T, 0): 0,
               g.alpha.subs(T, 1): 0, g.beta.subs(T, 1): 1, g.gamma.subs(T, 1): 0}
        lim = sp.simplify(rest.subs(T, 0).subs(at0)) if not rest.subs(T, 0).has(sp.zoo, sp.nan) else None
        rest = rest.subs({g.alpha.subs(T, 1): 0, g.beta.subs(T, 1): 1, g.gamma.subs(T, 1): 0})
        limit = lim if lim is not None else sp.nan
        method = f"{how}; committed limit by the boundary values alpha(0)=1, sigma(0)=0, alpha(1)=0"
    else:
        limit = sp.limit(rest, T, 0, "+")
        method = f"{how}; committed limit by sympy"
    return solves, terminal, rest, sp.simplify(limit), method


@lru_cache(maxsize=32)
def variation_of_constants(schedule: Schedule | None = None) -> VariationOfConstants:
    r"""Verify :math:`Z_t = \sigma(t)[Z_1/\sigma(1) - \int_t^1 (m(\alpha/\sigma)' + e/\sigma)\,ds]`
    by differentiation, and derive
    :math:`Z_0 - X_k = -\lim\sigma(t)\int_t^1 e/\sigma\,ds` for :math:`m\equiv X_k`."""
    schedule = schedule or generic_schedule()
    solves, terminal, rest, limit, method = _voc_derived(schedule)
    return VariationOfConstants(schedule.name, _voc_formula(schedule), solves, terminal, rest, limit, method)


@dataclass(frozen=True)
class AccumulatedError:
    r""":math:`E_{\rm acc}(t) = \sigma(t)\int_t^1 |g|/\sigma\,ds` and its limit (LLY26-T4)."""

    schedule: str
    profile: str
    kappa: sp.Expr
    integrand: sp.Expr  # |g|/sigma in s
    expression: sp.Expr | None  # E_acc(t), None without a closed form
    closed_form: bool
    method: str
    limit: sp.Expr | None
    checks: tuple[NumericCheck, ...]
    quadrature_agreement: str  # closed form vs mpmath.quad at t = 1/3, 1/100
    agrees: bool
    numeric_limit: str = ""  # the estimate without a closed form
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


def _branch_on_unit(expr: sp.Expr) -> sp.Expr:
    """Replace each Piecewise by its branch that holds at every probe point of (0, 1)."""
    probes = (sp.Rational(1, 97), sp.Rational(1, 2), sp.Rational(96, 97))

    def pick(*args):
        for value, cond in args:
            if all(bool(sp.sympify(cond).subs(T, r)) for r in probes):
                return value
        return sp.Piecewise(*args)

    return expr.replace(sp.Piecewise, pick)


def _real_logs(expr: sp.Expr) -> sp.Expr:
    r""":math:`\log g \to \log(-g) + i\pi` where :math:`g<0` at every probe point of (0, 1) (the
    branch an antiderivative picks); the :math:`i\pi` then cancel."""
    probes = (sp.Rational(1, 97), sp.Rational(1, 2), sp.Rational(96, 97))

    def rep(arg: sp.Expr) -> sp.Expr:
        vals = [sp.N(arg.subs(T, r), 20) for r in probes]
        if all(v.is_real and v < 0 for v in vals):
            return sp.log(-arg) + sp.I * sp.pi
        return sp.log(arg)

    out = sp.expand(expr.replace(sp.log, rep))
    return out if out.has(sp.I) else sp.simplify(out)


def _nonnegative(g: sp.Expr, sub: dict) -> bool:
    fn = sp.lambdify(T, g.subs(sub), modules="mpmath")
    with mpmath.workdps(30):
        return all(mpmath.re(fn(mpmath.mpf(k) / 64)) >= 0 for k in range(1, 64))


def _quad_eacc(integrand_s: sp.Expr, sig: sp.Expr, t, digits: int = 30) -> mpmath.mpf:
    r""":math:`\sigma(t)\int_t^1` by ``mpmath.quad`` with a geometric split towards :math:`t`."""
    fn = sp.lambdify(_S, integrand_s, modules="mpmath")
    sig_fn = sp.lambdify(T, sig, modules="mpmath")
    with mpmath.workdps(digits + 5):
        t = mpmath.mpf(t)
        pts = [t]
        while pts[-1] * 2 < 1:
            pts.append(pts[-1] * 2)
        pts.append(mpmath.mpf(1))
        value = sig_fn(t) * mpmath.quad(lambda s: mpmath.re(fn(s)), pts)
    return +value


@persistent("estimation.eacc_closed_form")
def _eacc_closed_form(sig: sp.Expr, integrand: sp.Expr, tpl: tuple[sp.Expr, sp.Expr] | None,
                      symbolic: bool) -> tuple[sp.Expr | None, sp.Expr | None, str]:
    r"""The closed form of :math:`\sigma(t)\int_t^1` ``integrand`` ds and its limit :math:`t\to0^+`
    (None, None without one; symbolic only, cached)."""
    expr = limit = None
    method = ""
    if symbolic and tpl is not None and tpl[1] == 1:
        sig1 = sig.subs(T, 1)
        inner = sp.integrate(_W ** (tpl[0] - 1), (_W, _SIG, sig1), conds="none")
        e_u = sp.simplify(_SIG * inner)
        expr = e_u.subs(_SIG, sig)
        limit = sp.limit(e_u, _SIG, 0, "+")
        method = "substitution u = sigma(s); limit in u = sigma(t) -> 0+"
    elif symbolic:
        value = sp.integrate(integrand, (_S, T, 1))
        if not value.has(sp.Integral):
            expr = _real_logs(_branch_on_unit(sig * value))
            expr = sp.simplify(expr) if not expr.has(sp.Piecewise) else expr
            limit = sp.limit(expr, T, 0, "+")
            method = "sympy integrate in s; sympy limit t -> 0+"
    return expr, limit, method


def _eacc_integrand(schedule: Schedule, profile: str | sp.Expr, kappa: sp.Expr | None):
    r"""(label, template exponents, kappa, kappa cases, :math:`|g|/\sigma` in s)."""
    label, g, tpl, kappa = _resolve(schedule, profile, kappa)
    cases = _kappa_cases(g, kappa)
    if not all(_nonnegative(g, sub) for _, sub in cases):
        g = sp.Abs(g)
    return label, tpl, kappa, cases, (g / schedule.sigma).subs(T, _S)


@lru_cache(maxsize=128)
def accumulated_error_limit(schedule: Schedule, profile: str | sp.Expr,
                            kappa: sp.Expr | None = None) -> sp.Expr | None:
    r"""The symbolic :math:`E_{\rm acc}=\lim\sigma(t)\int_t^1|g|/\sigma\,ds` of
    :func:`accumulated_error_bound` (None without a closed form), without its numeric cross-checks."""
    _, tpl, _, _, integrand = _eacc_integrand(schedule, profile, kappa)
    return _eacc_closed_form(schedule.sigma, integrand, tpl, True)[1]


@lru_cache(maxsize=128)
def accumulated_error_bound(schedule: Schedule, profile: str | sp.Expr, kappa: sp.Expr | None = None,
                            symbolic: bool = True) -> AccumulatedError:
    r""":math:`E_{\rm acc} = \lim\sigma(t)\int_t^1|g|/\sigma\,ds` (per unit spatial factor):
    bounded 0, critical 1, growing :math:`+\infty`.

    A profile :math:`g = \sigma^i\dot\sigma` is integrated by the substitution :math:`u=\sigma`
    (:math:`\int_{\sigma(t)}^{\sigma(1)} u^{i-1}du`) and its limit taken as :math:`u\to0^+`;
    otherwise ``sympy.integrate`` in :math:`s`; without a closed form (or ``symbolic=False``)
    :math:`E_{\rm acc}(2^{-k})` is evaluated by ``mpmath.quad`` at 30 digits, marked numeric.
    """
    start = time.perf_counter()
    label, tpl, kappa, cases, integrand = _eacc_integrand(schedule, profile, kappa)
    sig = schedule.sigma
    expr, limit, method = _eacc_closed_form(sig, integrand, tpl, symbolic)
    checks: list[NumericCheck] = []
    numeric_limits: list[str] = []
    agreement = mpmath.mpf(0)
    if expr is not None:
        for lab, sub in cases:
            checks.append(_numeric_limit(expr.subs(sub), limit.subs(sub), lab or "t_k = 2^-k"))
            for probe in (sp.Rational(1, 3), sp.Rational(1, 100)):
                with mpmath.workdps(30):
                    closed = sp.lambdify(T, expr.subs(sub), modules="mpmath")(mpmath.mpf(probe.p) / probe.q)
                    quad = _quad_eacc(integrand.subs(sub), sig, mpmath.mpf(probe.p) / probe.q)
                    agreement = max(agreement, abs(mpmath.re(closed) - quad))
        closed_ok = agreement < mpmath.mpf(10) ** -20
    else:
        method = "numeric (mpmath.quad, 30 digits): no closed form"
        closed_ok = True
        for lab, sub in cases:
            rows, ts, vals = [], [], []
            for k in range(2, 41, 4):
                tk = mpmath.mpf(2) ** (-k)
                v = _quad_eacc(integrand.subs(sub), sig, tk)
                ts.append(tk)
                vals.append(v)
                rows.append((f"2^-{k}", mpmath.nstr(v, 8)))
            # a finite limit: successive differences shrink like a power of t; an infinite one:
            # the values grow like a negative power
            diffs = [b - a for a, b in zip(vals, vals[1:], strict=False)]
            rate_d = fit_power_rate(ts[-4:], diffs[-4:])
            rate_v = fit_power_rate(ts[-4:], vals[-4:])
            if rate_d is None or rate_d > 0:
                estimate, rate, ok = f"{mpmath.nstr(vals[-1], 12)} (numeric)", rate_d, True
            elif rate_v is not None and rate_v < 0:
                estimate, rate, ok = f"+oo (numeric: grows like t^{mpmath.nstr(rate_v, 4)})", rate_v, True
            else:
                estimate, rate, ok = "undecided (numeric)", rate_v, False
            numeric_limits.append(f"{lab + ': ' if lab else ''}{estimate}")
            checks.append(NumericCheck(lab or "t_k = 2^-k", tuple(rows),
                                       "exact" if rate is None else mpmath.nstr(rate, 6), ok))
    return AccumulatedError(
        schedule.name, label, kappa, integrand, expr, expr is not None, method, limit, tuple(checks),
        mpmath.nstr(agreement, 5), bool(closed_ok and all(c.agrees for c in checks)),
        "; ".join(numeric_limits), time.perf_counter() - start,
    )


# -- 5. training excess ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CrossTerm:
    r""":math:`\mathbb E[(b(x_t) - \text{target})\,\varphi(x_t)]` for one atom in 1-D."""

    schedule: str
    values: tuple[tuple[str, sp.Expr], ...]  # (phi, expectation)
    zero: bool

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


@lru_cache(maxsize=16)
@persistent("estimation.cross_term")
def cross_term(schedule: Schedule | None = None) -> CrossTerm:
    r"""The Pythagoras cross term vanishes: with target
    :math:`\dot\alpha x_0 + \dot\beta x_1 + \dot\gamma z`,
    :math:`\mathbb E[(b(x_t) - \text{target})\varphi(x_t)] = 0` for :math:`\varphi = 1, x_t`
    (``sympy.stats``; default the generic schedule)."""
    schedule = schedule or generic_schedule()
    D = derive(schedule, 1, 1)
    b, x, X = D.velocity.components[0][0], D.x[0], D.X[0, 0]
    U, V = stats.Normal("U", 0, 1), stats.Normal("V", 0, 1)
    xt = schedule.alpha * X + schedule.beta * U + schedule.gamma * V
    target = sp.diff(schedule.alpha, T) * X + sp.diff(schedule.beta, T) * U + sp.diff(schedule.gamma, T) * V
    residual = b.subs(x, xt) - target
    values = []
    for name, phi in (("1", sp.S.One), ("x_t", xt)):
        values.append((name, sp.simplify(stats.E(sp.expand(residual * phi)))))
    return CrossTerm(schedule.name, tuple(values), all(residual_is_zero(v)[0] for _, v in values))


@dataclass(frozen=True)
class TrainingExcess:
    r""":math:`\int_0^1 g^2\,dt`: the flow-matching-loss excess per unit spatial factor."""

    schedule: str
    profile: str
    kappa: sp.Expr
    g2: sp.Expr
    order_at_zero: sp.Expr  # q in g^2 ~ C t^q
    integral: sp.Expr  # oo when divergent
    finite: bool
    method: str
    checks: tuple[NumericCheck, ...]  # truncated integrals int_{2^-k}^1 g^2
    cross_term_zero: bool
    observation: str

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


@lru_cache(maxsize=64)
@persistent("estimation.order_at_zero")
def order_at_zero(expr: sp.Expr, name: str = "") -> sp.Expr:
    r"""The order :math:`r` of the leading term :math:`C t^r` of ``expr`` as :math:`t\to0^+`
    (:func:`~derivations.discretization.leading_term`; symbolic only, cached)."""
    return leading_term(expr, T, name, ks=range(6, 15)).order


@persistent("estimation.excess_closed_form")
def _excess_closed_form(sig: sp.Expr, g2: sp.Expr, tpl: tuple[sp.Expr, sp.Expr] | None
                        ) -> tuple[sp.Expr, sp.Expr, bool, str]:
    r"""(order of :math:`g^2` at 0, :math:`\int_0^1g^2\,dt`, finite, method): symbolic only, cached."""
    if tpl is not None:  # g = sigma^i sigma'^j: orders add
        p = order_at_zero(sig, "sigma")
        q_d = order_at_zero(sp.diff(sig, T), "sigma'")
        q = sp.simplify(2 * (tpl[0] * p + tpl[1] * q_d))
        how = "order of g^2 from ord sigma and ord sigma'"
    else:
        q = order_at_zero(g2, "g^2")
        how = "leading term of g^2"
    at_one = sp.limit(g2, T, 1, "-")
    divergent = (q + 1).is_nonpositive
    if divergent:
        integral, finite = sp.oo, False
        how += f"; g^2 ~ C t^({q}) is not integrable at t = 0"
    elif divergent is False and at_one.is_finite:
        integral = sp.integrate(g2, (T, 0, 1))
        finite = bool(integral.is_finite) and not integral.has(sp.Integral)
        how += "; sympy integrate over [0, 1]"
    else:
        integral, finite = sp.nan, False
        how += "; undecided"
    return q, integral, finite, how


@dataclass(frozen=True)
class ExcessIntegral:
    r"""The symbolic part of :class:`TrainingExcess`: :math:`g^2\sim Ct^q` and :math:`\int_0^1g^2\,dt`."""

    order_at_zero: sp.Expr
    integral: sp.Expr  # oo when divergent
    finite: bool
    method: str


@lru_cache(maxsize=128)
def excess_integral(schedule: Schedule, profile: str | sp.Expr,
                    kappa: sp.Expr | None = None) -> ExcessIntegral:
    r""":math:`\int_0^1 g^2\,dt` as in :func:`training_excess`, without its numeric cross-checks."""
    _, g, tpl, _ = _resolve(schedule, profile, kappa)
    return ExcessIntegral(*_excess_closed_form(schedule.sigma, g**2, tpl))


@lru_cache(maxsize=128)
def training_excess(schedule: Schedule, profile: str | sp.Expr,
                    kappa: sp.Expr | None = None) -> TrainingExcess:
    r"""The excess :math:`\mathbb E\int\lVert e\rVert^2\,dt` of :math:`b + e` over :math:`b` for
    :math:`e = g(t)\lambda v(x)`: finite iff :math:`\int_0^1 g^2\,dt<\infty` (for a spatial factor
    bounded above and below). Bounded: finite; critical, growing: infinite at :math:`t = 0`."""
    label, g, tpl, kappa = _resolve(schedule, profile, kappa)
    g2 = g**2
    q, integral, finite, how = _excess_closed_form(schedule.sigma, g2, tpl)
    checks = []
    for lab, sub in _kappa_cases(g2, kappa):
        fn = sp.lambdify(T, g2.subs(sub), modules="mpmath")
        rows, ts, vals = [], [], []
        with mpmath.workdps(30):
            # int_{2^-k}^1 as a running sum over the dyadic intervals [2^-j, 2^(1-j)]
            total = mpmath.mpf(0)
            for j in range(1, 27):
                lo = mpmath.mpf(2) ** (-j)
                total += mpmath.quad(lambda s: mpmath.re(fn(s)), [lo, 2 * lo])  # noqa: B023 - used at once
                if j % 4 == 2:
                    ts.append(lo)
                    vals.append(+total)
                    rows.append((f"2^-{j}", mpmath.nstr(total, 10)))
            if finite:
                target = mpmath.mpf(sp.N(integral.subs(sub), 30))
                errs = [v - target for v in vals]
                rate = fit_power_rate(ts[-4:], errs[-4:])
                ok = abs(errs[-1]) < mpmath.mpf(10) ** -6
            else:
                rate = fit_power_rate(ts[-4:], vals[-4:])
                expected = mpmath.mpf(sp.N((q + 1).subs(sub), 30))
                ok = rate is not None and abs(rate - expected) < mpmath.mpf(1) / 20 and vals[-1] > vals[0]
        checks.append(NumericCheck(lab or "int_{2^-k}^1 g^2", tuple(rows),
                                   "exact" if rate is None else mpmath.nstr(rate, 6), bool(ok)))
    observation = ("finite excess: the error leaves the endpoint unchanged" if finite else
                   "infinite excess near t = 0: an error that shifts the endpoint cannot have a finite "
                   "flow-matching loss excess")
    return TrainingExcess(schedule.name, label, kappa, g2, q, integral, finite, how, tuple(checks),
                          cross_term(generic_schedule()).zero, observation)


# -- 6. a rotational error (LLY26-T7) ---------------------------------------------------------------------

@dataclass(frozen=True)
class RotationExample:
    r"""One atom :math:`X=0` in :math:`\mathbb R^2`, linear schedule, :math:`e=t^{-3}J(x-\alpha X)`:
    the path :math:`Z_t=t\,R(-\theta(t))Z_1`, :math:`\theta=(t^{-2}-1)/2`, its ODE residual, its
    distance to :math:`X` and :math:`\lVert e\rVert\sigma/\dot\sigma` with their limits."""

    theta: sp.Expr
    residual: tuple[sp.Expr, ...]
    solves: bool
    norm: sp.Expr
    endpoint: sp.Expr
    ratio: sp.Expr
    ratio_limit: sp.Expr

    def to_json(self) -> dict[str, Any]:
        return _to_json(self)


@lru_cache(maxsize=1)
@persistent("estimation.rotation_example")
def rotation_example() -> RotationExample:
    r""":math:`Z_t = t R(-\theta(t)) (1, 0)` under :math:`e = t^{-3} J Z_t` (one atom at 0, linear
    schedule): the residual of :math:`Z' = b + e`, :math:`|Z_t| \to 0`, and
    :math:`|e|\sigma/\dot\sigma \to \infty` (symbolic)."""
    from .schedules import builtin_schedule

    lin = builtin_schedule("linear")
    D = derive(lin, 1, 2)
    x = list(D.x)
    b = [c.subs({D.X[0, 0]: 0, D.X[0, 1]: 0}) for c in D.velocity.components[0]]
    theta = (T**-2 - 1) / 2
    z1 = sp.Rational(1)
    Zt = [T * sp.cos(theta) * z1, -T * sp.sin(theta) * z1]  # t R(-theta) (1, 0)
    mu = T**-3
    J = sp.Matrix([[0, -1], [1, 0]])
    e = mu * (J * sp.Matrix(Zt))
    sub = dict(zip(x, Zt, strict=True))
    residual = tuple(sp.simplify(sp.diff(Zt[j], T) - (b[j].subs(sub) + e[j])) for j in range(2))
    solves = all(r == 0 for r in residual)
    norm = sp.simplify(sp.sqrt(sum(v**2 for v in Zt)))
    endpoint = sp.limit(norm, T, 0, "+")
    sig = lin.sigma
    ratio = sp.simplify(sp.sqrt(sum(v**2 for v in e)) * sig / sp.diff(sig, T))
    ratio_lim = sp.limit(ratio, T, 0, "+")
    return RotationExample(theta, residual, solves, norm, endpoint, ratio, ratio_lim)


# -- 7. the inverse-density blow-up (LLY25-C3) --------------------------------------------------------

@lru_cache(maxsize=1)
@persistent("estimation.inverse_density_blowup")
def inverse_density_blowup() -> tuple[sp.Expr, bool, sp.Expr]:
    r"""One atom, :math:`e=\lambda v\,e^{\lVert u\rVert^2/2}g(t)`, :math:`u=(Z-\alpha X)/\sigma`: the
    component :math:`w=u\cdot v` solves :math:`\dot w=\lambda e^{c/2}(g/\sigma)e^{w^2/2}`, so
    :math:`G=\int_w^{w_1}e^{-x^2/2}dx` obeys :math:`G'(w)e^{w^2/2}=-1` (``identity``); on the linear
    schedule with :math:`X=0`, :math:`Z_1=0`, :math:`\lambda=1` the path blows up at :math:`t_*` where
    :math:`\int_{t_*}^1ds/\sigma = G(-\infty)` (symbolic; returns ``(G, identity, t_*)``)."""
    from .schedules import builtin_schedule

    w, w1, x = sp.symbols("w w_1 x", real=True)
    G = sp.integrate(sp.exp(-x**2 / 2), (x, w, w1))  # = lambda e^{c/2} int_t^1 g/sigma
    # along w' = lambda e^{c/2} (g/sigma) e^{w^2/2}: d/dt G = -lambda e^{c/2} g/sigma, i.e.
    # dG/dw * e^{w^2/2} = -1 identically
    identity = sp.simplify(sp.diff(G, w) * sp.exp(w**2 / 2) + 1) == 0
    # the exact counterexample: linear schedule, X = 0, Z_1 = 0, lambda = 1: int_t^1 ds/s = -log t
    tt = sp.Symbol("t_star", positive=True)
    lin = builtin_schedule("linear")
    s = sp.Symbol("s", positive=True)
    budget = sp.integrate((1 / lin.sigma).subs(T, s), (s, tt, 1))
    rhs = G.subs({w1: 0}).subs(w, -sp.oo)
    t_star = sp.solve(sp.Eq(budget, rhs), tt)[0]
    return G, bool(identity), sp.simplify(t_star)
