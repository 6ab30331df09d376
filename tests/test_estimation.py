"""The endpoint under an estimation error: regular coordinates, L'Hôpital, shifts, LLY26-T4, excess."""

from __future__ import annotations

import json

import pytest
import sympy as sp

from derivations.estimation import (
    _E,
    _M,
    KAPPA,
    accumulated_error_bound,
    cross_term,
    endpoint_limit,
    error_shift,
    profile,
    regular_coordinates_with_error,
    training_excess,
    variation_of_constants,
)
from derivations.schedules import BUILTIN_SCHEDULES, T, builtin_schedule, generic_schedule, parse_schedule

USER = "alpha=1-t; beta=t**(1/4); gamma=0"
NAMES = [*BUILTIN_SCHEDULES, "user"]
SHIFT = {"bounded": 0, "critical": -1, "growing": -sp.oo}
E_ACC = {"bounded": 0, "critical": 1, "growing": sp.oo}


def _schedule(name: str):
    return parse_schedule(USER) if name == "user" else builtin_schedule(name)


def _zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


@pytest.mark.parametrize("name", ["generic", *NAMES])
def test_regular_coordinates_and_lhopital(name) -> None:
    s = generic_schedule() if name == "generic" else _schedule(name)
    rc = regular_coordinates_with_error(s)
    assert rc.zero, rc.method
    # a wrong sign of the error term is not an identity
    wrong = _M * sp.diff(s.alpha / s.sigma, T) - _E / s.sigma
    assert not _zero(rc.derived - wrong)
    el = endpoint_limit(s)
    assert el.matches and el.factor_matches_limits
    assert _zero(el.error_coefficient + s.sigma / sp.diff(s.sigma, T))
    if name != "generic":
        assert el.factor_limit == 1 and el.factor_check.agrees


def test_variation_of_constants_generic_and_committed() -> None:
    vc = variation_of_constants()
    assert vc.solves and vc.terminal and vc.committed_limit == 0
    lin = variation_of_constants(builtin_schedule("linear"))
    Z1, Xk = sp.symbols("Z_1 X_k", real=True)
    assert _zero(lin.committed_rest - T * (Z1 - Xk))
    for name in ("trigonometric", "linear-brownian"):
        v = variation_of_constants(builtin_schedule(name))
        assert v.solves and v.terminal and v.committed_limit == 0


@pytest.mark.parametrize("name", NAMES)
def test_error_shift_per_profile(name) -> None:
    s = _schedule(name)
    for prof, want in SHIFT.items():
        sh = error_shift(s, prof)
        assert sh.limit == want, (name, prof, sh.limit)
        assert sh.agrees and sh.checks
    # kappa as a value, and the checks at the kappa values for the symbol
    assert error_shift(s, "growing", sp.Rational(1, 3)).limit == -sp.oo
    assert len(error_shift(s, "growing").checks) == 2


def test_wrong_profiles_give_other_limits() -> None:
    s = builtin_schedule("trigonometric")
    crit = profile(s, "critical")
    assert error_shift(s, 2 * crit).limit == -2
    assert error_shift(s, crit * s.sigma).limit == 0  # a decaying profile does not shift
    assert accumulated_error_bound(builtin_schedule("linear"), 3 / T).limit == 3
    with pytest.raises(ValueError, match="inverse-density"):
        error_shift(s, "inverse-density")
    with pytest.raises(KeyError):
        error_shift(s, "critcal")


@pytest.mark.parametrize("name", NAMES)
def test_accumulated_error_bound(name) -> None:
    s = _schedule(name)
    for prof, want in E_ACC.items():
        ea = accumulated_error_bound(s, prof)
        assert ea.closed_form and ea.limit == want, (name, prof, ea.limit)
        assert ea.agrees, (name, prof)
        assert float(ea.quadrature_agreement) < 1e-20
        assert not ea.expression.has(sp.I)
    crit = accumulated_error_bound(s, "critical")
    assert _zero(crit.expression - (1 - s.sigma))


def test_accumulated_error_numeric_fallback() -> None:
    ea = accumulated_error_bound(builtin_schedule("linear"), "critical", symbolic=False)
    assert not ea.closed_form and ea.limit is None and ea.agrees
    assert ea.numeric_limit.startswith("0.99999") or ea.numeric_limit.startswith("1.0")
    grow = accumulated_error_bound(builtin_schedule("linear"), "growing", sp.Integer(1), symbolic=False)
    assert grow.numeric_limit.startswith("+oo") and "t^-1.0" in grow.numeric_limit


def test_cross_term_vanishes() -> None:
    assert cross_term().zero  # every schedule
    lin = cross_term(builtin_schedule("linear"))
    assert lin.zero and all(v == 0 for _, v in lin.values)


@pytest.mark.parametrize("name", NAMES)
def test_training_excess(name) -> None:
    s = _schedule(name)
    bounded = training_excess(s, "bounded")
    assert bounded.finite and bounded.integral == 1 and bounded.order_at_zero == 0
    crit = training_excess(s, "critical")
    assert not crit.finite and crit.integral == sp.oo and crit.order_at_zero == -2
    grow = training_excess(s, "growing")
    assert not grow.finite and grow.integral == sp.oo and (grow.order_at_zero + 2).has(KAPPA)
    for te in (bounded, crit, grow):
        assert te.cross_term_zero and all(c.agrees for c in te.checks), (name, te.profile)
    assert "infinite excess" in crit.observation


def test_json() -> None:
    s = builtin_schedule("linear")
    for obj in (regular_coordinates_with_error(s), endpoint_limit(s), error_shift(s, "growing"),
                variation_of_constants(s), accumulated_error_bound(s, "critical"), cross_term(s),
                training_excess(s, "growing")):
        json.dumps(obj.to_json())
