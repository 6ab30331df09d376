"""Limits at the data end t -> 0+: schedule factor and softmax weights, by branch."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings

from derivations.limits import (
    fit_power_rate,
    schedule_factor,
    schedule_factor_limit,
    weight_limit,
)
from derivations.schedules import BUILTIN_SCHEDULES, T, builtin_schedule
from verify.strategies import NearTie, near_ties, schedules

F = Fraction

# -- schedule factor F = alpha - alpha' sigma / sigma' ---------------------------------------

COEFFICIENTS = {  # (alpha, sigma), typed in again as mpmath functions
    "linear": (lambda t: 1 - t, lambda t: t),
    "linear-brownian": (lambda t: 1 - t, lambda t: mpmath.sqrt(t**2 + 2 * t * (1 - t))),
    "trigonometric": (lambda t: mpmath.cos(mpmath.pi * t / 2),
                      lambda t: mpmath.sin(mpmath.pi * t / 2)),
    "vp-linear-sigma": (lambda t: mpmath.sqrt(1 - t**2), lambda t: t),
}
RATES = {"linear": "exact", "linear-brownian": 1, "trigonometric": 2, "vp-linear-sigma": 2}


def factor_by_hand(name: str, t) -> mpmath.mpf:
    """-(alpha/sigma)' sigma^2 / sigma' with numerical derivatives."""
    a, s = COEFFICIENTS[name]
    snr = lambda u: a(u) / s(u)  # noqa: E731
    return -mpmath.diff(snr, t) * s(t) ** 2 / mpmath.diff(s, t)


@pytest.mark.parametrize("name", BUILTIN_SCHEDULES)
def test_schedule_factor_limit_is_one(name):
    res = schedule_factor_limit(builtin_schedule(name))
    assert res.symbolic == "1" and res.agrees, res
    if RATES[name] == "exact":
        assert res.fitted_rate == "exact"
    else:
        assert abs(float(res.fitted_rate) - RATES[name]) < 0.05, res.fitted_rate


@pytest.mark.parametrize("name", BUILTIN_SCHEDULES)
def test_schedule_factor_by_hand(name):
    """Independent: the factor from hand-typed coefficients, its limit and its rate."""
    with mpmath.workdps(60):
        ts = [mpmath.mpf(10) ** -k for k in (4, 5, 6, 7)]
        errs = [factor_by_hand(name, t) - 1 for t in ts]
        assert abs(errs[-1]) < mpmath.mpf(10) ** -6
        if RATES[name] == "exact":
            assert all(abs(e) < mpmath.mpf(10) ** -40 for e in errs)
        else:
            slope = (mpmath.log(abs(errs[-1])) - mpmath.log(abs(errs[0]))) / (
                mpmath.log(ts[-1]) - mpmath.log(ts[0]))
            assert abs(slope - RATES[name]) < 0.05
        # and the module's simplified factor is the same function
        module = sp.lambdify(T, schedule_factor(builtin_schedule(name)), "mpmath")
        t = mpmath.mpf(3) / 10
        assert abs(module(t) - factor_by_hand(name, t)) < mpmath.mpf(10) ** -40


def test_fit_power_rate():
    with mpmath.workdps(30):
        ts = [mpmath.mpf(2) ** -k for k in range(3, 9)]
        assert abs(fit_power_rate(ts, [3 * t**2 for t in ts]) - 2) < mpmath.mpf(10) ** -20
        assert fit_power_rate(ts, [mpmath.mpf(0)] * len(ts)) is None


# -- softmax weights ----------------------------------------------------------------------------

LOGIT_SCALE = {  # (alpha, sigma^2) by hand, to compute weights independently
    "linear": (lambda t: 1 - t, lambda t: t**2),
    "linear-brownian": (lambda t: 1 - t, lambda t: 2 * t - t**2),
    "trigonometric": (lambda t: mpmath.cos(mpmath.pi * t / 2),
                      lambda t: mpmath.sin(mpmath.pi * t / 2) ** 2),
    "vp-linear-sigma": (lambda t: mpmath.sqrt(1 - t**2), lambda t: t**2),
}


def weights_by_hand(name: str, X, x, t) -> list:
    a, s2 = LOGIT_SCALE[name]

    def mp(q) -> mpmath.mpf:
        q = F(q)
        return mpmath.mpf(q.numerator) / q.denominator

    logits = [-sum((mp(xj) - a(t) * mp(c)) ** 2 for xj, c in zip(x, row, strict=True))
              / (2 * s2(t)) for row in X]
    top = max(logits)
    kern = [mpmath.exp(v - top) for v in logits]
    return [k / mpmath.fsum(kern) for k in kern]


def as_data(rows):
    return [[F(c) for c in row] for row in rows]


@pytest.mark.parametrize("name", BUILTIN_SCHEDULES)
def test_unique_nearest(name):
    X, x = as_data([(1, 0), (0, 2)]), [F(1, 2), F(1, 5)]
    res = weight_limit(builtin_schedule(name), X, x)
    assert res.branch == "unique-nearest" and res.tie_set == (0,)
    assert res.weights == ("1", "0") and res.agrees
    # d_1 = 29/100, d_2 = 349/100: sigma^2 log(w_2) -> -(d_2 - d_1)/2 = -8/5
    assert res.predicted_rate.startswith("-8/5")
    assert abs(float(res.fitted_rate) + 1.6) < 0.05 * 1.6


def test_two_way_exact_tie_weights():
    X, x = as_data([(1, 0), (0, 1)]), [F(1, 2), F(1, 2)]
    for name in BUILTIN_SCHEDULES:
        res = weight_limit(builtin_schedule(name), X, x)
        assert res.branch == "exact-tie" and res.tie_set == (0, 1)
        assert res.weights == ("1/2", "1/2")


def test_four_way_exact_tie_weights():
    """The vertices (+-1, 0), (0, +-1) of a square, x at its centre: 1/4 each."""
    X, x = as_data([(1, 0), (0, 1), (-1, 0), (0, -1)]), [F(0), F(0)]
    for name in ("linear", "trigonometric"):
        res = weight_limit(builtin_schedule(name), X, x)
        assert res.branch == "exact-tie" and res.tie_set == (0, 1, 2, 3)
        assert res.weights == ("1/4",) * 4


@pytest.mark.parametrize(("rows", "point"), [
    ([(1, 0), (0, 1)], [F(1, 2), F(1, 2)]),
    ([(1, 0), (0, 1), (-1, 0), (0, -1)], [F(0), F(0)]),
])
def test_exact_tie_agrees(rows, point):
    """Every numeric error is exactly 0 at an exact tie: that confirms the limit."""
    res = weight_limit(builtin_schedule("linear"), as_data(rows), point)
    assert res.branch == "exact-tie" and res.agrees, res


def test_exact_tie_with_a_far_atom_agrees():
    X, x = as_data([(1, 0), (0, 1), (20, 20)]), [F(1, 2), F(1, 2)]
    for name in BUILTIN_SCHEDULES:
        res = weight_limit(builtin_schedule(name), X, x)
        assert res.branch == "exact-tie" and res.weights == ("1/2", "1/2", "0")
        assert res.agrees, (name, res)


@pytest.mark.parametrize("steps", [3, 6, 10])
def test_exact_tie_verdict_does_not_depend_on_rounding(steps):
    X = as_data([(0, 1), (F(-4, 5), F(-3, 5)), (40, 0)])
    res = weight_limit(builtin_schedule("linear"), X, [F(0), F(0)], steps=steps)
    assert res.branch == "exact-tie" and res.agrees, res


TIE = (as_data([(1, 0), (3, 0)]), [F(2), F(7)])  # equidistant, norms 1 and 9


def test_linear_resolves_a_fixed_point_tie_towards_the_larger_norm():
    res = weight_limit(builtin_schedule("linear"), *TIE)
    assert res.branch == "tie-resolved" and res.tie_set == (0, 1)
    assert res.weights == ("0", "1") and res.agrees
    with mpmath.workdps(30):  # E_1 - E_0 = (1 - t) (9 - 1) / (2 t) -> oo
        w = weights_by_hand("linear", TIE[0], TIE[1], mpmath.mpf(10) ** -3)
        assert w[0] < mpmath.exp(-3000)


@pytest.mark.parametrize("name", ["linear-brownian", "trigonometric", "vp-linear-sigma"])
def test_other_schedules_split_a_fixed_point_tie(name):
    """alpha (1 - alpha) / (2 sigma^2) -> 1/4: the weights tend to 1/(1+e^2), e^2/(1+e^2)."""
    res = weight_limit(builtin_schedule(name), *TIE)
    assert res.branch == "tie-split" and res.tie_set == (0, 1) and res.agrees, res
    want = (1 / (1 + sp.E**2), sp.E**2 / (1 + sp.E**2))
    for got, w in zip(res.weights_expr, want, strict=True):
        assert sp.simplify(got - w) == 0
    with mpmath.workdps(40):  # independent: the weights themselves at small t
        w = weights_by_hand(name, TIE[0], TIE[1], mpmath.mpf(10) ** -8)
        assert abs(w[0] - 1 / (1 + mpmath.e**2)) < mpmath.mpf(10) ** -6


# -- near ties from the strategy -----------------------------------------------------------------


def steps_resolving(schedule, margin: Fraction) -> int:
    """Enough halvings of t for sigma^2 to fall well below the squared-distance margin."""
    s2 = sp.lambdify(T, schedule.sigma**2, "mpmath")
    bound = mpmath.mpf(margin.numerator) / margin.denominator / 50
    for steps in range(2, 80):
        if s2(mpmath.mpf(2) ** -(steps + 1)) < bound:
            return steps
    raise AssertionError(f"margin {margin} too small")


@given(tie=near_ties(d=2, max_k=100), schedule=schedules())
@settings(max_examples=5)
def test_near_tie_exact_point_is_an_exact_tie(tie: NearTie, schedule):
    X = [list(r) for r in tie.training_set]
    res = weight_limit(schedule, X, list(tie.exact_tie_point), steps=6)
    assert res.branch == "exact-tie" and res.tie_set == tie.tie
    want = ["1/2" if i in tie.tie else "0" for i in range(tie.n)]
    assert list(res.weights) == want
    assert res.agrees, res


@given(tie=near_ties(d=2, max_k=100), schedule=schedules())
@settings(max_examples=5)
def test_near_tie_offset_point_has_a_unique_nearest(tie: NearTie, schedule):
    X = [list(r) for r in tie.training_set]
    res = weight_limit(schedule, X, list(tie.offset_point), steps=3)
    assert res.branch == "unique-nearest" and res.tie_set == (tie.nearest,)
    assert list(res.weights) == ["1" if i == tie.nearest else "0" for i in range(tie.n)]


@given(tie=near_ties(d=2, max_k=3), schedule=schedules())
@settings(max_examples=5)
def test_near_tie_offset_point_rate(tie: NearTie, schedule):
    """With t small enough to resolve the 10^-k margin, sigma^2 log(error) -> -margin/2."""
    X = [list(r) for r in tie.training_set]
    res = weight_limit(schedule, X, list(tie.offset_point),
                       steps=steps_resolving(schedule, tie.margin))
    assert res.branch == "unique-nearest" and res.agrees, res
    predicted = -tie.margin / 2
    assert res.predicted_rate.startswith(str(predicted))


@given(tie=near_ties(d=3, max_k=20))
@settings(max_examples=20)
def test_near_tie_invariants(tie: NearTie):
    """The dataclass invariants, re-derived here with plain exact arithmetic."""
    X, a, b = tie.training_set, tie.nearest, tie.other

    def sq(u, v):
        return sum((p - q) ** 2 for p, q in zip(u, v, strict=True))

    zero = (F(0),) * tie.d
    assert sq(X[a], zero) == sq(X[b], zero) and X[a] != X[b]
    assert sq(tie.exact_tie_point, X[a]) == sq(tie.exact_tie_point, X[b])
    others = [i for i in range(tie.n) if i not in (a, b)]
    assert all(sq(tie.exact_tie_point, X[i]) > sq(tie.exact_tie_point, X[a]) for i in others)
    off = tie.offset_point
    assert sq(off, X[b]) - sq(off, X[a]) == tie.margin > 0
    assert tie.margin == 2 * tie.offset * sq(X[a], X[b])
    assert all(type(c) is Fraction for row in X for c in row)
    with pytest.raises(ValueError):  # a broken tie is refused on construction
        NearTie(X, a, b, off, off, tie.k, tie.direction)
