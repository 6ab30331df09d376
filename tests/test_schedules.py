"""Schedules: built-ins validate, user schedules parse exactly, bad ones are refused by name."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.schedules import (
    BUILTIN_SCHEDULES,
    ScheduleError,
    T,
    builtin_schedule,
    generic_schedule,
    parse_schedule,
    resolve_schedule,
    validate,
)
from verify.strategies import schedules, times

# -- built-ins ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN_SCHEDULES)
def test_builtin_validates_with_a_log_of_every_condition(name):
    s = builtin_schedule(name)
    assert s.name == name and not s.generic
    assert builtin_schedule(name) is s  # cached
    log = " | ".join(s.validation)
    for condition in ("boundary values", "gamma(t) >= 0", "sigma(t)^2 > 0",
                      "d/dt (alpha/sigma) < 0"):
        assert condition in log
    assert validate(s).validation == s.validation


@pytest.mark.parametrize("name", BUILTIN_SCHEDULES)
def test_builtin_boundary_values_independently(name):
    """The six boundary values, recomputed here as one-sided limits."""
    s = builtin_schedule(name)
    want = {("alpha", 0): 1, ("beta", 0): 0, ("gamma", 0): 0,
            ("alpha", 1): 0, ("beta", 1): 1, ("gamma", 1): 0}
    for (coef, at), value in want.items():
        expr = getattr(s, coef)
        got = sp.limit(expr, T, at, "+" if at == 0 else "-")
        assert sp.simplify(got - value) == 0, (coef, at, got)
    assert sp.simplify(s.sigma**2 - (s.beta**2 + s.gamma**2)) == 0
    assert sp.simplify(s.snr - s.alpha / s.sigma) == 0


@given(schedules(), times(), times())
@settings(max_examples=12)
def test_builtin_snr_strictly_decreasing(schedule, t1, t2):
    """alpha/sigma at two exact times, evaluated at 30 digits, is strictly decreasing."""
    if t1 == t2:
        return
    lo, hi = min(t1, t2), max(t1, t2)
    with mpmath.workdps(30):
        def snr(tq: Fraction):
            return sp.N(schedule.snr.subs(T, sp.Rational(tq.numerator, tq.denominator)), 30)
        assert snr(lo) > snr(hi)


def test_unknown_builtin_names_the_alternatives():
    with pytest.raises(ScheduleError, match=r"unknown schedule 'cosine'.*linear"):
        builtin_schedule("cosine")
    with pytest.raises(ScheduleError, match="unknown schedule"):
        resolve_schedule("cosine")


def test_generic_schedule_is_not_validated():
    g = generic_schedule()
    assert g.generic and validate(g) is g
    assert isinstance(g.alpha, sp.core.function.AppliedUndef)


# -- user schedules ---------------------------------------------------------------------------


def test_parse_trigonometric_equals_builtin():
    s = parse_schedule("alpha=cos(pi*t/2); beta=sin(pi*t/2)")
    b = builtin_schedule("trigonometric")
    assert sp.simplify(s.alpha - b.alpha) == 0
    assert sp.simplify(s.beta - b.beta) == 0
    assert s.gamma == 0 and s.zeta is None
    assert s.description == "alpha=cos(pi*t/2); beta=sin(pi*t/2)"


def test_parse_sigma_form_sets_beta_and_zero_gamma():
    s = parse_schedule("alpha=1-t; sigma=t")
    assert s.alpha == 1 - T and s.beta == T and s.gamma == 0
    assert s.sigma == T and sp.simplify(s.snr - (1 - T) / T) == 0
    assert resolve_schedule(" alpha=1-t; sigma=t ") == s


def test_parse_with_gamma_and_zeta():
    s = parse_schedule("alpha=1-t; beta=t; gamma=0.25*t*(1-t); zeta=t^2")
    assert s.gamma == sp.Rational(1, 4) * T * (1 - T)
    assert s.zeta == T**2 and s.diffusion == T**2


def _no_floats(s):
    exprs = [s.alpha, s.beta, s.gamma] + ([s.zeta] if s.zeta is not None else [])
    return all(not e.atoms(sp.Float) for e in exprs)


def test_decimals_become_exact_rationals():
    s = parse_schedule("alpha=1-0.5*t-0.5*t; beta=0.1*t+0.9*t")
    assert s.alpha == 1 - T and s.beta == T and _no_floats(s)
    s = parse_schedule("alpha=1-t; beta=t; zeta=0.1234567890123456789012345*t")
    assert s.zeta == sp.Rational("0.1234567890123456789012345") * T and _no_floats(s)
    s = parse_schedule("alpha=1-t; beta=t; zeta=2.5e-3*t")
    assert s.zeta == sp.Rational(1, 400) * T


@given(st.integers(1, 10**12), st.integers(0, 15))
@settings(max_examples=15)
def test_decimal_literal_is_the_rational_it_denotes(digits, scale):
    text = str(Decimal(digits).scaleb(-scale))
    s = parse_schedule(f"alpha=1-t; beta=t; zeta={text}*t")
    want = Fraction(Decimal(text))
    assert s.zeta == sp.Rational(want.numerator, want.denominator) * T, text
    assert _no_floats(s)


# -- rejections: each names the failed condition --------------------------------------------

REJECTED = [
    # boundary values
    ("alpha=1-t; beta=t; gamma=t", r"boundary condition gamma\(1\) = 0: gamma\(1\) = 1"),
    ("alpha=1-t; beta=t; gamma=1", r"boundary condition gamma\(0\) = 0"),
    ("alpha=1-t; beta=2*t", r"boundary condition beta\(1\) = 1: beta\(1\) = 2"),
    ("alpha=1+t; beta=t", r"boundary condition alpha\(1\) = 0"),
    ("alpha=cos(pi*t); beta=sin(pi*t/2)", r"boundary condition alpha\(1\) = 0"),
    # sign conditions
    ("alpha=1-t+3*t*(1-t)*sin(6*pi*t); beta=t", r"d/dt \(alpha/sigma\) < 0 on \(0,1\)"),
    ("alpha=1-t; beta=t; gamma=-t*(1-t)", r"gamma\(t\) >= 0 on \(0,1\)"),
    ("alpha=1-t; beta=t; gamma=t*(1-t)*sin(20*t)", r"gamma\(t\) >= 0 on \(0,1\)"),
    ("alpha=1-t; beta=t; zeta=-t", r"zeta\(t\) >= 0 on \(0,1\)"),
    ("alpha=1-t; beta=t*(4*t-3)", r"sigma\(t\)\^2 > 0 on \(0,1\)"),
    # structure of the spec
    ("alpha=1-t; beta=t; foo=1", r"unknown schedule coefficient 'foo'"),
    ("alpha=1-t; beta=t; alpha=2", r"'alpha' given twice"),
    ("alpha=1-t", r"needs beta"),
    ("beta=t", r"needs alpha"),
    ("alpha=1-t; sigma=t; beta=t", r"either sigma"),
    ("alpha 1-t", r"not of the form name=expression"),
    # expressions
    ("alpha=; beta=t", r"alpha is empty"),
    ("alpha=1-t; beta=   ", r"beta is empty"),
    ("alpha=1-t; beta=(", r"cannot parse beta"),
    ("alpha=1-t; beta=t*)", r"cannot parse beta"),
    ("alpha=1-t; beta=s", r"unknown names: s"),
    ("alpha=1-t; beta=exec(t)", r"unknown names: exec"),
    ("alpha=1-t; beta=lambda: t", r"unknown names: lambda"),
    ("alpha=1-t; beta=t if t else t", r"unknown names: else, if"),
    ("alpha=1-t; beta=(t, t)", r"not an expression"),
    ("alpha=1-t; beta=t == t", r"not an expression"),
    ("alpha=1-t; beta=t; gamma=e*t*(1-t)", r"unknown names: e"),
    ("alpha=__import__('os').getcwd(); beta=t", r"not allowed"),
    ("alpha=1-t; beta=t.__class__", r"not allowed"),
    ("alpha=1-t; beta=getattr(t, 'x')", r"not allowed"),
]


@pytest.mark.parametrize(("spec", "message"), REJECTED, ids=[s for s, _ in REJECTED])
def test_rejected_with_named_condition(spec, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(spec)


def test_non_monotone_snr_really_is_non_monotone():
    """The SNR rejection above is not a false alarm: alpha/sigma increases somewhere."""
    alpha = sp.lambdify(T, 1 - T + 3 * T * (1 - T) * sp.sin(6 * sp.pi * T), "mpmath")
    with mpmath.workdps(30):
        snr = [alpha(mpmath.mpf(k) / 100) / (mpmath.mpf(k) / 100) for k in range(1, 100)]
    assert any(b > a for a, b in zip(snr, snr[1:], strict=False))
    assert alpha(0) == 1 and abs(alpha(1)) < mpmath.mpf(10) ** -25


def test_import_attempt_executes_nothing(tmp_path):
    target = tmp_path / "pwned"
    specs = [
        f"alpha=__import__('pathlib').Path('{target}').touch(); beta=t",
        f"alpha=1-t; beta=t; zeta=open('{target}', 'w')",
        "alpha=1-t; beta=t; zeta=sqrt.func.__globals__",
    ]
    for spec in specs:
        with pytest.raises(ScheduleError):
            parse_schedule(spec)
    assert not target.exists()


def test_free_symbol_in_zeta_is_a_schedule_error():
    with pytest.raises(ScheduleError, match="zeta"):
        parse_schedule("alpha=1-t; beta=t; zeta=e*t")


@given(st.integers(1, 3), st.integers(1, 3))
@settings(max_examples=5)
def test_power_family_validates(p, q):
    """alpha=(1-t)^p, beta=t^q has a strictly decreasing SNR: it must be accepted."""
    s = parse_schedule(f"alpha=(1-t)^{p}; beta=t^{q}")
    assert s.alpha == (1 - T) ** p and s.beta == T**q
    assert any("alpha/sigma" in line for line in s.validation)
