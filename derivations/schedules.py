r"""Interpolation schedules in the project convention (MATH.md §1).

A schedule gives the coefficients of
:math:`x_t = \alpha(t)\,x_0 + \beta(t)\,x_1 + \gamma(t)\,z` on :math:`t\in[0,1]`, data at
:math:`t=0`, Gaussian at :math:`t=1`, and a diffusion coefficient :math:`\zeta(t)\ge 0` for the
stochastic sampler. :math:`\sigma^2 = \beta^2+\gamma^2` and the signal-to-noise ratio
:math:`\ell = \alpha/\sigma` are derived, never given.

Every concrete schedule is validated symbolically on construction (:func:`validate`): the six
boundary values, :math:`\gamma\ge 0`, :math:`\sigma>0` on :math:`(0,1]` and a strictly
decreasing :math:`\alpha/\sigma` on :math:`(0,1)`. A failed condition raises
:class:`ScheduleError` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import mpmath
import sympy as sp

from .cache import persistent

__all__ = [
    "T",
    "Schedule",
    "ScheduleError",
    "BUILTIN_SCHEDULES",
    "builtin_schedule",
    "generic_schedule",
    "parse_schedule",
    "resolve_schedule",
    "validate",
]

#: The time variable. Declared positive so that ``sqrt`` of squares simplifies on (0, 1].
T = sp.Symbol("t", positive=True)


class ScheduleError(ValueError):
    """A schedule is unknown, unparsable, or violates a named condition."""


@dataclass(frozen=True)
class Schedule:
    r"""Coefficients :math:`\alpha,\beta,\gamma,\zeta` as SymPy expressions in :data:`T`."""

    name: str
    alpha: sp.Expr
    beta: sp.Expr
    gamma: sp.Expr
    zeta: sp.Expr | None = None
    description: str = ""
    generic: bool = False
    validation: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def sigma2(self) -> sp.Expr:
        r""":math:`\sigma^2 = \beta^2 + \gamma^2`."""
        s2 = self.beta**2 + self.gamma**2
        return s2 if self.generic else sp.simplify(sp.expand(s2))

    @cached_property
    def sigma(self) -> sp.Expr:
        r""":math:`\sigma = \sqrt{\beta^2+\gamma^2}`."""
        if not self.generic and self.gamma == 0:
            return self.beta  # validate() checks beta > 0 on (0, 1]
        s = sp.sqrt(self.sigma2)
        return s if self.generic else sp.simplify(s)

    @cached_property
    def snr(self) -> sp.Expr:
        r""":math:`\ell(t) = \alpha/\sigma`."""
        r = self.alpha / self.sigma
        return r if self.generic else sp.simplify(r)

    @cached_property
    def diffusion(self) -> sp.Expr:
        r""":math:`\zeta(t)`; default :math:`\sigma\dot\sigma`.

        With the default the forward drift :math:`b_i+\zeta\nabla E_i` of one atom reduces to
        :math:`\dot\alpha X_i` (:math:`\dot\sigma/\sigma-\sigma\dot\sigma/\sigma^2=0`). It is 0 at
        :math:`t=0` only when :math:`\sigma\dot\sigma\to0` there (linear-brownian: 1).
        """
        if self.zeta is not None:
            return self.zeta
        return self.sigma * sp.diff(self.sigma, T)

    def d(self, expr: sp.Expr, order: int = 1) -> sp.Expr:
        """Time derivative of one of this schedule's expressions."""
        return sp.diff(expr, T, order)

    def coefficients(self) -> dict[str, sp.Expr]:
        """Named scalar coefficients, used by the printers and the code generator."""
        return {
            "alpha": self.alpha,
            "beta": self.beta,
            "gamma": self.gamma,
            "sigma": self.sigma,
            "snr": self.snr,
            "zeta": self.diffusion,
        }

    def numeric(self, t, backend: str = "mpmath", dps: int = 50):
        r""":math:`\alpha(t)`, :math:`\sigma(t)`, :math:`\dot\alpha(t)`, :math:`\dot\sigma(t)` at
        an exact time, in mpmath (``dps`` digits) or as arb balls enclosing the exact values.

        ``t`` is an exact rational in [0, 1] (``int``, ``Fraction``, ``Decimal``, ``"0.3"``,
        ``"3/10"``); a float is refused. Returns a
        :class:`~derivations.codegen.ScheduleValues` (``.alpha``, ``.sigma``, ``.alpha_dot``,
        ``.sigma_dot``; it unpacks in that order). See
        :func:`derivations.codegen.schedule_values`.
        """
        from .codegen import schedule_values

        return schedule_values(self, t, backend=backend, dps=dps)

    def substitute(self, expr: sp.Expr) -> sp.Expr:
        """Replace the generic functions alpha(t), beta(t), gamma(t), zeta(t) in ``expr``."""
        g = generic_schedule()
        mapping = {g.alpha: self.alpha, g.beta: self.beta, g.gamma: self.gamma}
        mapping[g.zeta] = self.diffusion
        return expr.subs(mapping).doit()


def generic_schedule() -> Schedule:
    r"""Undefined :math:`\alpha(t),\beta(t),\gamma(t),\zeta(t)`: identities proved for all schedules."""
    return _GENERIC


_GENERIC = Schedule(
    name="generic",
    alpha=sp.Function("alpha")(T),
    beta=sp.Function("beta")(T),
    gamma=sp.Function("gamma")(T),
    zeta=sp.Function("zeta")(T),
    description="undefined functions alpha(t), beta(t), gamma(t), zeta(t)",
    generic=True,
)


def _one_sided(expr: sp.Expr, at: int) -> sp.Expr:
    """Value at an endpoint, as a one-sided limit when substitution is undefined."""
    value = sp.simplify(expr.subs(T, at))
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or not value.is_finite:
        value = sp.limit(expr, T, at, "+" if at == 0 else "-")
    return sp.simplify(value)


def _sign_on_open_unit(expr: sp.Expr, want: str) -> tuple[bool | None, str]:
    """Decide ``expr > 0`` / ``>= 0`` / ``< 0`` on (0, 1).

    Returns (holds, method). Tries, in order: SymPy assumptions after t = 1/(1+u), u > 0;
    zeros of ``expr`` on (0, 1) by ``solveset`` plus the sign at t = 1/2; a 40-digit grid
    of 399 points (reported as a numeric, not a symbolic, decision).
    """
    u = sp.Symbol("u", positive=True)
    expr = sp.simplify(expr)
    mapped = sp.simplify(expr.subs(T, 1 / (1 + u)))
    attr = {"pos": "is_positive", "nonneg": "is_nonnegative", "neg": "is_negative"}[want]
    decided = getattr(mapped, attr)
    if decided is not None:
        return bool(decided), "symbolic (assumptions)"
    try:
        zeros = sp.solveset(sp.simplify(expr), T, sp.Interval.open(0, 1))
    except Exception:  # noqa: BLE001 - solveset raises many kinds of errors
        zeros = None
    if zeros is sp.S.EmptySet:
        mid = sp.N(expr.subs(T, sp.Rational(1, 2)), 30)
        ok = {"pos": mid > 0, "nonneg": mid >= 0, "neg": mid < 0}[want]
        return bool(ok), "symbolic (no zero on (0,1); sign at t=1/2)"
    fn = sp.lambdify(T, expr, modules="mpmath")
    with mpmath.workdps(40):
        for k in range(1, 400):
            v = fn(mpmath.mpf(k) / 400)
            if not mpmath.isfinite(v) or (v.imag if isinstance(v, mpmath.mpc) else 0):
                return False, f"numeric grid (undefined at t={k}/400)"
            ok = {"pos": v > 0, "nonneg": v >= 0, "neg": v < 0}[want]
            if not ok:
                return False, f"numeric grid (fails at t={k}/400, value {mpmath.nstr(v, 8)})"
    return True, "numeric grid (399 points, 40 digits): not a proof"


@persistent("schedules.validate")
def validate(schedule: Schedule) -> Schedule:
    """Check the conditions of MATH.md §1 and return the schedule with its validation log.

    Raises :class:`ScheduleError` naming the first failed condition.
    """
    if schedule.generic:
        return schedule
    log: list[str] = []
    coefficients = [(schedule.alpha, "alpha"), (schedule.beta, "beta"), (schedule.gamma, "gamma")]
    if schedule.zeta is not None:
        coefficients.append((schedule.zeta, "zeta"))
    for expr, name in coefficients:
        if expr.free_symbols - {T}:
            extra = ", ".join(sorted(str(s) for s in expr.free_symbols - {T}))
            raise ScheduleError(f"{name}(t) has free symbols other than t: {extra}")
    targets = (
        ("alpha", schedule.alpha, 0, 1), ("beta", schedule.beta, 0, 0), ("gamma", schedule.gamma, 0, 0),
        ("alpha", schedule.alpha, 1, 0), ("beta", schedule.beta, 1, 1), ("gamma", schedule.gamma, 1, 0),
    )
    for name, expr, at, want in targets:
        got = _one_sided(expr, at)
        if sp.simplify(got - want) != 0:
            raise ScheduleError(
                f"schedule '{schedule.name}' fails the boundary condition {name}({at}) = {want}: "
                f"{name}({at}) = {got}"
            )
    log.append("boundary values alpha(0)=1, beta(0)=0, gamma(0)=0, alpha(1)=0, beta(1)=1, "
               "gamma(1)=0: exact (one-sided limits)")
    conditions = (
        ("gamma(t) >= 0 on (0,1)", schedule.gamma, "nonneg"),
        ("sigma(t)^2 > 0 on (0,1)", schedule.sigma2, "pos"),
        ("d/dt (alpha/sigma) < 0 on (0,1)", sp.diff(schedule.alpha / schedule.sigma, T), "neg"),
    )
    if schedule.gamma == 0:  # then sigma = beta must be positive
        conditions += (("beta(t) > 0 on (0,1) (sigma = beta when gamma = 0)", schedule.beta, "pos"),)
    if schedule.zeta is not None:
        conditions += (("zeta(t) >= 0 on (0,1)", schedule.zeta, "nonneg"),)
    for label, expr, want in conditions:
        holds, method = _sign_on_open_unit(expr, want)
        if not holds:
            raise ScheduleError(f"schedule '{schedule.name}' fails the condition {label} [{method}]")
        log.append(f"{label}: {method}")
    return Schedule(
        name=schedule.name, alpha=schedule.alpha, beta=schedule.beta, gamma=schedule.gamma,
        zeta=schedule.zeta, description=schedule.description, validation=tuple(log),
    )


_H = sp.Rational(1, 2)
_BUILTIN_SPECS: dict[str, tuple[str, sp.Expr, sp.Expr, sp.Expr]] = {
    "linear": ("alpha = 1 - t, beta = t, gamma = 0 (rectified flow)", 1 - T, T, sp.S.Zero),
    "linear-brownian": (
        "alpha = 1 - t, beta = t, gamma = sqrt(2 t (1 - t)) (Brownian-bridge noise)",
        1 - T, T, sp.sqrt(2 * T * (1 - T)),
    ),
    "trigonometric": (
        "alpha = cos(pi t / 2), beta = sin(pi t / 2), gamma = 0",
        sp.cos(sp.pi * T / 2), sp.sin(sp.pi * T / 2), sp.S.Zero,
    ),
    "vp-linear-sigma": (
        "alpha = sqrt(1 - t^2), sigma = t (Buchanan et al.; beta = t, gamma = 0)",
        sp.sqrt(1 - T**2), T, sp.S.Zero,
    ),
}

#: Names of the built-in schedules, in a stable order.
BUILTIN_SCHEDULES: tuple[str, ...] = tuple(_BUILTIN_SPECS)
_CACHE: dict[str, Schedule] = {}


def builtin_schedule(name: str) -> Schedule:
    """A validated built-in schedule by name."""
    if name not in _BUILTIN_SPECS:
        known = ", ".join(BUILTIN_SCHEDULES)
        raise ScheduleError(f"unknown schedule '{name}' "
                            f"(built-in: {known}; or give 'alpha=...; beta=...; gamma=...')")
    if name not in _CACHE:
        desc, a, b, g = _BUILTIN_SPECS[name]
        _CACHE[name] = validate(Schedule(name=name, alpha=a, beta=b, gamma=g, description=desc))
    return _CACHE[name]


def _parse_expression(text: str, what: str) -> sp.Expr:
    """An exact expression in t (:func:`derivations.expressions.parse_expression`: an allow-list walk
    over the syntax tree, no ``eval``); :class:`ScheduleError` when it is not one."""
    from .expressions import ExpressionError, parse_expression

    try:
        return parse_expression(text, what, {"t": T})
    except ExpressionError as exc:
        raise ScheduleError(str(exc)) from None


def parse_schedule(spec: str, name: str = "user") -> Schedule:
    """A user schedule from ``'alpha=...; beta=...; gamma=...[; zeta=...]'`` (gamma defaults to 0).

    ``sigma=...`` may replace beta and gamma (then beta = sigma, gamma = 0).
    """
    parts: dict[str, str] = {}
    for chunk in spec.split(";"):
        if not chunk.strip():
            continue
        if "=" not in chunk:
            raise ScheduleError(f"schedule part {chunk.strip()!r} is not of the form name=expression")
        key, _, value = chunk.partition("=")
        key = key.strip().lower()
        if key not in {"alpha", "beta", "gamma", "sigma", "zeta"}:
            raise ScheduleError(f"unknown schedule coefficient {key!r} (use alpha, beta, gamma, sigma, zeta)")
        if key in parts:
            raise ScheduleError(f"schedule coefficient {key!r} given twice")
        parts[key] = value
    if "alpha" not in parts:
        raise ScheduleError("a user schedule needs alpha=...")
    if "sigma" in parts and ("beta" in parts or "gamma" in parts):
        raise ScheduleError("give either sigma=... or beta=.../gamma=..., not both")
    if "sigma" not in parts and "beta" not in parts:
        raise ScheduleError("a user schedule needs beta=... (or sigma=...)")
    alpha = _parse_expression(parts["alpha"], "alpha")
    beta_key = "sigma" if "sigma" in parts else "beta"
    beta = _parse_expression(parts[beta_key], beta_key)
    gamma = _parse_expression(parts["gamma"], "gamma") if "gamma" in parts else sp.S.Zero
    zeta = _parse_expression(parts["zeta"], "zeta") if "zeta" in parts else None
    schedule = Schedule(name=name, alpha=alpha, beta=beta, gamma=gamma, zeta=zeta, description=spec.strip())
    return validate(schedule)


def resolve_schedule(spec: str) -> Schedule:
    """A built-in name or a user expression (anything containing '=')."""
    spec = spec.strip()
    if "=" in spec:
        return parse_schedule(spec)
    return builtin_schedule(spec)
