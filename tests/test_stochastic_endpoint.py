"""The continuous-time stochastic endpoint: zeta <~ B, a critically scaled error (LLY25-ESTERR)."""

from __future__ import annotations

import sympy as sp

from derivations.schedules import builtin_schedule
from derivations.stochastic import DELTA
from derivations.stochastic_endpoint import critical_error_shift, diffusion_ratio
from verify.registry import RunContext
from verify.verdicts import Verdict


def test_diffusion_ratio_per_family() -> None:
    linear = builtin_schedule("linear")
    assert diffusion_ratio(linear, "default")["limit"] == 1
    assert diffusion_ratio(linear, "double")["limit"] == 2
    assert diffusion_ratio(linear, "flow")["limit"] == 0
    const = diffusion_ratio(linear, "constant")  # zeta = 1 >> sigma sigma' = t
    assert const["limit"] is sp.oo and not const["bounded"] and const["agrees"]
    # on linear-brownian sigma sigma' = 1 - t -> 1: a constant zeta is <~ B there
    lb = diffusion_ratio(builtin_schedule("linear-brownian"), "constant")
    assert lb["limit"] == 1 and lb["bounded"] and lb["agrees"]


def test_critical_error_shift_by_hand_on_the_linear_schedule() -> None:
    # zeta = c t: a = (1 + c)/t, A = delta^(1+c), mu_e = -delta^(1+c) int_delta^1 s^(-2-c) ds
    #           = -(1 - delta^(1+c))/(1 + c) -> -1/(1 + c)
    linear = builtin_schedule("linear")
    for family, c in (("flow", 0), ("default", 1), ("double", 2)):
        law = critical_error_shift(linear, family)
        assert law["agrees"], family
        assert law["shift"] == sp.Rational(-1, 1 + c)
        assert sp.simplify(law["closed"] + (1 - DELTA ** (1 + c)) / (1 + c)) == 0
        assert law["variance_unchanged"] and law["mean_ode"]
    const = critical_error_shift(linear, "constant")
    assert const["agrees"] and const["shift"] == 0  # the diffusion contracts the error away


def test_critical_error_shift_without_closed_form_is_checked_by_quadrature() -> None:
    law = critical_error_shift(builtin_schedule("trigonometric"), "default")
    assert law["closed"] is None and law["shift"] == sp.Rational(-1, 2)
    assert law["numeric_agrees"] and law["formula_agrees"] and law["agrees"]


def test_check_lly25_esterr_quick() -> None:
    from verify.checks.stochastic_error import check_lly25_esterr

    result = check_lly25_esterr(RunContext(quick=True, schedules=("linear",), digits=30))
    assert result.id == "LLY25-ESTERR" and result.status is Verdict.REFUTED
    shift, cex = result.evidence
    assert shift.passed is True and "[linear]" in shift.check
    assert cex.passed is False
    c = cex.counterexample
    assert c["mu_e(delta)"] in ("delta**2/2 - 1/2",) and c["lim V"] == "0"
    assert "[-1/2, 1/2]" in c["endpoint"]
    assert "testable only with" in result.summary and "LLY25-C2" in result.summary
