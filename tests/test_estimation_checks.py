"""The estimation-error checkers (LLY25-T3, LLY25-C1..C3, LLY26-T4..T7) on a small run."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from derivations.schedules import builtin_schedule
from verify.checks.estimation import accumulated, endpoint, fitting, inverse_density, study
from verify.registry import RunContext
from verify.sampling import SamplerSpec, run_sampler
from verify.verdicts import Verdict

CTX = RunContext(quick=True, seed=3, schedules=("linear", "linear-brownian"))
CHECKERS = {"LLY25-T3": endpoint.check_lly25_t3, "LLY25-C1": endpoint.check_lly25_c1,
            "LLY25-C2": endpoint.check_lly25_c2, "LLY25-C3": inverse_density.check_lly25_c3,
            "LLY26-T4": accumulated.check_lly26_t4, "LLY26-T5": accumulated.check_lly26_t5,
            "LLY26-T6": fitting.check_lly26_t6, "LLY26-T7": fitting.check_lly26_t7}


@pytest.fixture(scope="module")
def results():
    return {cid: fn(CTX) for cid, fn in CHECKERS.items()}


def _evidence(result, *words):
    return [e for e in result.evidence if all(w in e.check for w in words)]


def test_every_claim_is_conditional_with_a_condition(results):
    for cid, r in results.items():
        assert r.id == cid
        failing = [e.check for e in r.evidence if not e.passed]
        assert r.status is Verdict.CONDITIONAL, (cid, r.summary, failing)
        assert r.condition and "reconstructed" in r.summary


def test_figures_are_png(results):
    assert set(results["LLY25-T3"].figures) == {"lly25-c-endpoints.png"}
    assert set(results["LLY26-T4"].figures) == {"lly26-t4-bound.png"}
    assert set(results["LLY26-T6"].figures) == {"lly26-t6-t7-regimes.png"}
    for r in results.values():
        for data in r.figures.values():
            assert data.startswith(b"\x89PNG")


def test_stacked_field_equals_separate_runs():
    sch = builtin_schedule("linear-brownian")
    X = [[Fraction(0), Fraction(0)], [Fraction(2), Fraction(0)], [Fraction(1), Fraction(2)]]
    starts = np.array([[0.4, 0.1], [-1.0, 0.8]])
    specs = ["critical:lambda=1/4", "inverse-density:lambda=1/2", None]
    stacked = run_sampler(X, np.tile(starts, (3, 1)),
                          SamplerSpec(sch, "euler", 24, error=study.stacked_error(specs, 2))).endpoints
    for i, spec in enumerate(specs):
        alone = run_sampler(X, starts, SamplerSpec(sch, "euler", 24, error=spec)).endpoints
        assert np.array_equal(stacked[2 * i:2 * i + 2], alone, equal_nan=True)


def test_critical_shift_on_the_linear_schedule_is_exact(results):
    # Euler's last step on the linear schedule is Eq. 9 at t = h: Z_0 = m(Z_h) - lambda v
    ev = _evidence(results["LLY25-C2"], "converge", "[linear, critical]")[0]
    assert ev.passed and max(ev.data["q90"]) < 1e-12
    ev = _evidence(results["LLY25-C1"], "converge", "[linear-brownian, bounded]")[0]
    assert ev.passed and 0.3 < ev.data["rate"] < 0.7  # sqrt(h): the oracle Euler law of sigma ~ sqrt(t)


def test_a_wrong_derived_limit_is_not_verified(monkeypatch, results):
    shared = study.shared_study(CTX)
    monkeypatch.setattr(study, "shift_unit", lambda schedule, profile: sp.S.One)  # wrong sign
    ev = endpoint._convergence(shared, "linear", "critical")
    assert ev.passed is None and ev.data["q90"][-1] > 0.4


def test_growing_rate_matches_the_order_of_sigma(results):
    rates = {e.check.split("[")[1]: e.data["rate"] for e in _evidence(results["LLY25-T3"], "growing error")}
    assert set(rates) == {f"{n}]" for n in CTX.schedules}
    lin, lb = rates["linear]"], rates["linear-brownian]"]
    assert lin == pytest.approx(-0.5, abs=0.05) and lb == pytest.approx(-0.25, abs=0.05)


def test_inverse_density_blow_up(results):
    oa = inverse_density._one_atom_symbolic(("linear", "linear-brownian"))
    assert oa.identity and oa.integral_finite == {"linear": False, "linear-brownian": True}
    t_star = float(oa.t_star)
    # independent of the closed form: the Euler path of the one-atom ODE leaves at t*
    assert abs(inverse_density._blowup_time(builtin_schedule("linear"), 2048) - t_star) < 5e-3
    fates = _evidence(results["LLY25-C3"], "fate")
    assert len(fates) == 2 and all(e.passed for e in fates)
    prob = _evidence(results["LLY25-C3"], "blow-up probability")[0]
    assert prob.passed


def test_bound_is_tight_for_critical_errors(results):
    ev = _evidence(results["LLY26-T4"], "sample-wise bound", "[linear, critical")[0]
    assert ev.passed and ev.data["tightness"][-1] == pytest.approx(1, abs=1e-9)
    assert all(s == 0 for s in ev.data["share_literal"]) and max(ev.data["disc_q90"]) < 1e-12
    lb = _evidence(results["LLY26-T4"], "sample-wise bound", "[linear-brownian, bounded")[0]
    # against the oracle run from the same start the bound fails at finite h (the error changes the
    # path's own discretization deviation); the path's own term D^h shrinks like sqrt(h)
    assert lb.passed and lb.data["share_literal"][-1] > 0
    assert lb.data["disc_q90"][-1] < lb.data["disc_q90"][0] / 2


def test_regimes(results):
    over = {e.check.split("]")[0]: e for e in _evidence(results["LLY26-T6"], "overfitting predicate")}
    assert "overfits" in over["overfitting predicate [linear, bounded"].check
    assert "does not overfit" in over["overfitting predicate [linear, critical"].check
    under = _evidence(results["LLY26-T7"], "underfitting predicate", "growing")
    assert under and all("underfits, recovery breaks" in e.check for e in under)
    rot = _evidence(results["LLY26-T7"], "rotational")[0]
    assert rot.passed and rot.counterexample["Z_1"] == "[1, 0]"
    tension = _evidence(results["LLY26-T6"], "tension")[0]
    assert tension.passed
    assert all(f"{name}: int (sigma'/sigma)^2 dt = oo" in tension.detail for name in CTX.schedules)
