"""Code generation: the backends agree, balls enclose, the shifted form survives t = 1e-30."""

from __future__ import annotations

import warnings
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from flint import arb, ctx, fmpq
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations.codegen import BACKENDS, compile_arb, compile_field, to_arb, to_mpf
from derivations.fields import derive
from derivations.schedules import T, builtin_schedule
from verify.strategies import points, schedules, times, training_sets

FIELDS = ["denoiser", "velocity", "score", "drift_backward", "drift_forward"]

# A training set and a point at distance O(1) from every atom (linear schedule, t -> 0).
X_EDGE = ((Fraction(1), Fraction(0)), (Fraction(0), Fraction(1)), (Fraction(-1), Fraction(-1)))
x_EDGE = (Fraction(1, 2), Fraction(1, 3))
T_EDGE = Fraction(1, 10**30)


def at_mpmath(field, x, t, X):
    return field([to_mpf(c) for c in x], to_mpf(t), [[to_mpf(c) for c in r] for r in X])


def at_arb(field, x, t, X, dps):
    old = ctx.dps
    ctx.dps = dps
    try:
        return field([to_arb(c) for c in x], to_arb(t), [[to_arb(c) for c in r] for r in X])
    finally:
        ctx.dps = old


def bounds(ball) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Exact lower and upper bounds of a ball, as mpf (outward-rounded at 100 digits)."""
    old = ctx.dps
    ctx.dps = 100
    try:
        ends = ball.lower(), ball.upper()
    finally:
        ctx.dps = old
    with mpmath.workdps(110):
        return tuple(mpmath.mpf(tuple(int(v) for v in end.man_exp())) for end in ends)


def encloses(ball, value, slack=0) -> bool:
    """``value`` lies in ``ball``, up to ``slack`` relative to max(1, |value|)."""
    lo, hi = bounds(ball)
    with mpmath.workdps(110):
        margin = mpmath.mpf(slack) * max(1, abs(value))
        return bool(lo - margin <= value <= hi + margin)


def mid(ball) -> mpmath.mpf:
    with mpmath.workdps(110):
        return mpmath.mpf(tuple(int(v) for v in ball.mid().man_exp()))


def at_numpy(field, x, t, X):
    return [float(v) for v in field([float(c) for c in x], float(t),
                                    [[float(c) for c in r] for r in X])]


def exact_reference(schedule, name, x, t, X, dps):
    """The field's SymPy expression with every symbol replaced by its exact rational value,
    evaluated by SymPy at ``dps`` digits (no generated code involved)."""
    D = derive(schedule, len(X), len(x))
    expr = D.fields()[name].explicit()
    values = {T: sp.Rational(t.numerator, t.denominator)}
    values.update({D.x[j]: sp.Rational(c.numerator, c.denominator) for j, c in enumerate(x)})
    values.update({D.X[i, j]: sp.Rational(c.numerator, c.denominator)
                   for i, row in enumerate(X) for j, c in enumerate(row)})
    return [mpmath.mpf(str(sp.N(e.xreplace(values), dps))) for e in expr]


# -- backends agree ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIELDS)
@given(schedule=schedules(), X=training_sets(n=3, d=2), x=points(2), t=times())
@settings(max_examples=4)
def test_numpy_agrees_with_arb(name, schedule, X, x, t):
    balls = at_arb(compile_field(schedule, name, 3, 2, "arb"), x, t, X, 30)
    floats = at_numpy(compile_field(schedule, name, 3, 2, "numpy"), x, t, X)
    for ball, f in zip(balls, floats, strict=True):
        lo, hi = bounds(ball)
        assert mpmath.isfinite(lo) and mpmath.isfinite(hi)
        assert hi - lo < mpmath.mpf(10) ** -20 * max(1, abs(hi)), ball
        centre = float(mid(ball))
        assert abs(f - centre) <= 1e-10 * max(1.0, abs(centre)), (f, ball)


@pytest.mark.parametrize("name", FIELDS)
@given(schedule=schedules(), X=training_sets(n=3, d=2), x=points(2), t=times())
@settings(max_examples=4)
def test_numpy_agrees_with_mpmath(name, schedule, X, x, t):
    with mpmath.workdps(30):
        exact = at_mpmath(compile_field(schedule, name, 3, 2, "mpmath"), x, t, X)
    floats = at_numpy(compile_field(schedule, name, 3, 2, "numpy"), x, t, X)
    for e, f in zip(exact, floats, strict=True):
        assert abs(f - e) <= 1e-10 * max(1, abs(e)), (f, e)


@pytest.mark.parametrize("name", FIELDS)
@given(schedule=schedules(), X=training_sets(n=3, d=2), x=points(2), t=times())
@settings(max_examples=4)
def test_arb_encloses_mpmath(name, schedule, X, x, t):
    balls = at_arb(compile_field(schedule, name, 3, 2, "arb"), x, t, X, 40)
    with mpmath.workdps(60):
        values = at_mpmath(compile_field(schedule, name, 3, 2, "mpmath"), x, t, X)
    for ball, v in zip(balls, values, strict=True):
        assert encloses(ball, v, slack=mpmath.mpf(10) ** -55), (ball, v)


@pytest.mark.parametrize("name", FIELDS)
@given(schedule=schedules(), X=training_sets(n=2, d=2), x=points(2), t=times())
@settings(max_examples=3)
def test_arb_encloses_exact_value(name, schedule, X, x, t):
    """The ball contains SymPy's own 60-digit evaluation of the exact expression."""
    balls = at_arb(compile_field(schedule, name, 2, 2, "arb"), x, t, X, 40)
    with mpmath.workdps(60):
        reference = exact_reference(schedule, name, x, t, X, 60)
    for ball, ref in zip(balls, reference, strict=True):
        lo, hi = bounds(ball)
        assert hi - lo < mpmath.mpf(10) ** -25 * max(1, abs(ref)), ball
        assert encloses(ball, ref, slack=mpmath.mpf(10) ** -55), (ball, ref)


def test_numpy_vectorises_over_points():
    s = builtin_schedule("trigonometric")
    field = compile_field(s, "velocity", 3, 2, "numpy")
    X = [[float(c) for c in r] for r in X_EDGE]
    xs = np.array([[0.5, -1.0, 1.5], [0.25, 0.75, -2.0]])
    vec = field([xs[0], xs[1]], 0.3, X)
    for k in range(3):
        one = field([xs[0, k], xs[1, k]], 0.3, X)
        assert all(abs(vec[j][k] - one[j]) <= 1e-14 * max(1, abs(one[j])) for j in range(2))


# -- the data end: t = 1e-30 -------------------------------------------------------------------


def test_numpy_explicit_form_is_nan_at_t_1e_30():
    """exp(E_i) underflows to 0 for every atom: 0/0."""
    field = compile_field(builtin_schedule("linear"), "velocity", 3, 2, "numpy", "explicit")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = at_numpy(field, x_EDGE, T_EDGE, X_EDGE)
    assert all(np.isnan(v) for v in values), values


def test_numpy_shifted_form_is_finite_at_t_1e_30():
    field = compile_field(builtin_schedule("linear"), "velocity", 3, 2, "numpy")
    with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        values = at_numpy(field, x_EDGE, T_EDGE, X_EDGE)
    # nearest atom (1, 0): b = (x - X)/t + ... ~ (-1/2, 1/3) * 1e30
    assert np.allclose(values, [-0.5e30, 1e30 / 3], rtol=1e-12), values


def test_mpmath_shifted_form_at_t_1e_30_is_stable_in_precision():
    field = compile_field(builtin_schedule("linear"), "velocity", 3, 2, "mpmath")
    with mpmath.workdps(30):
        v30 = at_mpmath(field, x_EDGE, T_EDGE, X_EDGE)
    with mpmath.workdps(60):
        v60 = at_mpmath(field, x_EDGE, T_EDGE, X_EDGE)
        assert all(mpmath.isfinite(v) for v in v30 + v60)
        for a, b in zip(v30, v60, strict=True):
            assert abs(a - b) <= mpmath.mpf(10) ** -25 * abs(b)
        # the nearest atom (1, 0) carries all the weight: b = (x - X)/t - X*(1-t)/t ... exactly
        want = [(to_mpf(x_EDGE[0]) - 1) / to_mpf(T_EDGE), to_mpf(x_EDGE[1]) / to_mpf(T_EDGE)]
        for a, w in zip(v60, want, strict=True):
            assert abs(a - w) <= mpmath.mpf(10) ** -50 * abs(w)


def test_arb_shifted_form_at_t_1e_30_is_sound_and_narrow_with_enough_digits():
    """Balls lose about log10 max|E_i| ~ 59 digits here (E_i ~ -1.8e59 is known only to
    dps digits, and exp(E_i - M) sees that absolute error): at 40 digits the result may be
    non-finite, but a finite ball always encloses the exact value; at 100 digits it is narrow."""
    field = compile_field(builtin_schedule("linear"), "velocity", 3, 2, "arb")
    want = [(x_EDGE[0] - 1) / T_EDGE, x_EDGE[1] / T_EDGE]  # the far atoms weigh < exp(-1e59)
    for dps, width in ((40, None), (100, 30)):
        for ball, w in zip(at_arb(field, x_EDGE, T_EDGE, X_EDGE, dps), want, strict=True):
            if not ball.is_finite():
                assert width is None, f"non-finite at {dps} digits"
                continue
            lo, hi = bounds(ball)
            if width is not None:
                assert hi - lo < mpmath.mpf(10) ** -width * abs(hi), ball
            assert encloses(ball, to_mpf_exact(w), slack=mpmath.mpf(10) ** -90), (dps, ball)


def to_mpf_exact(q: Fraction) -> mpmath.mpf:
    with mpmath.workdps(110):
        return to_mpf(q)


# -- no Python float enters the high-precision path --------------------------------------------


def float_leak_error(evaluate, reference) -> mpmath.mpf:
    """Worst relative error of a 60-digit evaluation against a reference at 80 digits.

    A float anywhere (constant, input, printer) caps accuracy at ~1e-16; exact code reaches
    ~1e-58. (Comparing 60 with 30 digits would not do: a float constant is the same float at
    both precisions, so the two values agree to 30 digits either way.)
    """
    with mpmath.workdps(60):
        values = evaluate()
    with mpmath.workdps(80):
        return max(abs(v - r) / max(1, abs(r)) for v, r in zip(values, reference, strict=True))


CASES = [("trigonometric", "velocity"), ("vp-linear-sigma", "drift_backward"),
         ("linear-brownian", "velocity")]


@pytest.mark.parametrize(("schedule_name", "name"), CASES)
def test_no_float_leaks_into_mpmath_code(schedule_name, name):
    s = builtin_schedule(schedule_name)
    x, t, X = (Fraction(1, 3), Fraction(-2, 7)), Fraction(3, 10), X_EDGE[:2]
    field = compile_field(s, name, 2, 2, "mpmath")
    with mpmath.workdps(80):
        reference = exact_reference(s, name, x, t, X, 80)
    assert float_leak_error(lambda: at_mpmath(field, x, t, X), reference) < 1e-50


@pytest.mark.parametrize(("schedule_name", "name"), CASES)
def test_no_float_leaks_into_arb_code(schedule_name, name):
    s = builtin_schedule(schedule_name)
    x, t, X = (Fraction(1, 3), Fraction(-2, 7)), Fraction(3, 10), X_EDGE[:2]
    field = compile_field(s, name, 2, 2, "arb")
    with mpmath.workdps(80):
        reference = exact_reference(s, name, x, t, X, 80)

    def evaluate():
        return [mid(b) for b in at_arb(field, x, t, X, 60)]

    assert float_leak_error(evaluate, reference) < 1e-50


def test_float_leak_detector_catches_a_float_constant():
    """The detector is not vacuous: the same field with a float64 third (0.333...) in the
    schedule fails it, although its 60- and 30-digit values agree to 30 digits."""
    third = sp.Float(1 / 3, 53)  # deliberately a binary float
    fn = sp.lambdify([T], [third * sp.cos(sp.pi * T / 2)], modules="mpmath")
    exact = sp.Rational(1, 3) * sp.cos(sp.pi * sp.Rational(3, 10) / 2)
    with mpmath.workdps(80):
        reference = [mpmath.mpf(str(sp.N(exact, 80)))]
    err = float_leak_error(lambda: fn(mpmath.mpf(3) / 10), reference)
    assert err > 1e-20
    with mpmath.workdps(30):
        v30 = fn(mpmath.mpf(3) / 10)[0]
    with mpmath.workdps(60):
        v60 = fn(mpmath.mpf(3) / 10)[0]
        assert abs(v30 - v60) < 1e-25  # the naive precision comparison misses the leak


# -- small API contracts -------------------------------------------------------------------------


def test_compile_field_is_cached_and_validates():
    s = builtin_schedule("linear")
    assert compile_field(s, "score", 2, 1, "numpy") is compile_field(s, "score", 2, 1, "numpy")
    assert set(BACKENDS) == {"mpmath", "numpy", "arb"}
    with pytest.raises(ValueError, match="unknown field"):
        compile_field(s, "curl", 2, 1, "numpy")
    with pytest.raises(ValueError, match="unknown backend"):
        compile_field(s, "score", 2, 1, "fortran")
    field = compile_field(s, "score", 2, 1, "numpy")
    with pytest.raises(ValueError, match="expected x"):
        field([0.0, 1.0], 0.5, [[1.0], [2.0]])


@given(q=st.fractions(max_denominator=10**6))
@settings(max_examples=20)
def test_exact_conversions(q):
    """to_mpf rounds once at the working precision (a float path would be off by ~1e-16)."""
    with mpmath.workdps(50):
        v = to_mpf(q)
        man, exp = v.man_exp if q else (0, 0)
        value = (-1 if v < 0 else 1) * Fraction(abs(int(man))) * Fraction(2) ** int(exp)
        assert abs(value - q) <= abs(q) * Fraction(1, 2 ** (mpmath.mp.prec - 1))
    ball = to_arb(q)
    assert ball.contains(fmpq(q.numerator, q.denominator))
    assert to_arb(str(q)).contains(fmpq(q.numerator, q.denominator))
    if q.denominator & (q.denominator - 1) == 0:  # dyadic: exactly representable
        assert ball.is_exact()


def test_compile_arb_returns_balls_for_constants():
    fn = compile_arb([T], [sp.sqrt(2) * T, sp.Integer(3), sp.exp(sp.Integer(1)) * T])
    a, b, c = fn([Fraction(1, 2)])
    assert all(isinstance(v, arb) and v.is_finite() for v in (a, b, c))
    assert (a * a - arb(fmpq(1, 2))).contains(0) and b == 3
