"""LLY26-DECOMP: the sample-wise decomposition, its bounds and the checker."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from derivations.schedules import builtin_schedule
from verify.sampling import BrownianPaths, SamplerError, SamplerSpec, run_sampler, time_grid
from verify.sampling.decomposition import (
    TERMS,
    decompose,
    gaussian_tests,
    step_products,
)
from verify.statistics import binomial_test, chi2_cdf, chi2_quantile, ks_test

T_START = {"vp-linear-sigma": Fraction(63, 64)}


@pytest.fixture(scope="module")
def data() -> list[list[Fraction]]:
    rng = np.random.default_rng(7)
    return [[Fraction(float(v)) for v in row] for row in rng.standard_normal((6, 3))]


@pytest.fixture(scope="module")
def starts() -> np.ndarray:
    return np.random.default_rng(8).standard_normal((600, 3))


def _run(data, starts, name, method, K, error=None, seed=1, digits=None):
    spec = SamplerSpec(builtin_schedule(name), method, K, T_START.get(name, Fraction(1)), None, error)
    noise = BrownianPaths(seed, len(starts), len(data[0]), K)
    return run_sampler(data, starts, spec, noise=noise, record=True, digits=digits)


@pytest.mark.parametrize(("name", "method", "error"), [
    ("linear", "euler", None),
    ("linear-brownian", "euler-maruyama", "critical:lambda=1/4"),
    ("trigonometric", "euler-maruyama", "bounded:eps=1/2"),
    ("vp-linear-sigma", "euler", "random:eps=1/2,modes=4,seed=2,profile=critical"),
])
def test_terms_add_up_to_the_endpoint(data, starts, name, method, error):
    run = _run(data, starts, name, method, 24, error)
    dec = decompose(run, data)
    total = dec.training + sum(dec.terms[t] for t in TERMS)
    assert np.abs(total - run.endpoints).max() < 1e-12
    assert dec.identity_ok.all() and (dec.residual <= dec.residual_bound).all()
    parts = sum(dec.parts.values())
    assert np.abs(parts - dec.terms["discretization"]).max() < 1e-14
    X = np.array([[float(v) for v in row] for row in data])
    nearest = np.linalg.norm(run.endpoints[:, None, :] - X[None], axis=2).argmin(axis=1)
    assert (dec.index == nearest).all()
    if method == "euler":
        assert not dec.terms["gaussian"].any() and dec.gaussian_variance == 0
    if error is None:
        assert not dec.terms["estimation"].any()
    for term in ("discretization", "estimation"):
        assert dec.exceedances(term) == 0


def test_linear_euler_is_a_softmax_residual(data, starts):
    """Linear Euler: A(h, h) = 0 and D = 0, so Z_0 - X = m(Z_h, h) - X exactly."""
    run = _run(data, starts[:50], "linear", "euler", 10)
    dec = decompose(run, data)
    assert not dec.parts["start"].any() and not dec.parts["truncation"].any()
    last_m = run.trace["m"][-1]
    assert np.abs(dec.terms["discretization"] - (last_m - dec.training)).max() < 1e-15


def test_one_atom_matches_the_derived_law():
    """One atom: m = X, the softmax part vanishes and the decomposition is the exact one-atom law
    of derivations.discretization (a different derivation: symbolic step map)."""
    from flint import ctx

    from derivations.discretization import one_atom_law

    X = [[Fraction(1, 2), Fraction(-3, 4)]]
    schedule = builtin_schedule("trigonometric")
    spec = SamplerSpec(schedule, "euler-maruyama", 12)
    times = time_grid(12)
    law = one_atom_law(schedule, "euler-maruyama", 12, Fraction(1), None, 40)
    old = ctx.dps
    ctx.dps = 40
    try:
        co = step_products(spec, times, precise=True)
    finally:
        ctx.dps = old
    assert co.P_all.overlaps(law.gain)
    assert abs(float(co.P_all.mid()) - float(law.gain.mid())) < 1e-30
    v_h = sum(float((p * s).mid()) ** 2 for p, s in zip(co.P, co.s, strict=True))
    assert v_h == pytest.approx(float(law.variance.mid()), rel=1e-12)
    z = np.array([[0.3, -1.1], [2.0, 0.5]])
    run = run_sampler(X, z, spec, noise=BrownianPaths(3, 2, 2, 12), record=True)
    dec = decompose(run, X)
    assert np.abs(dec.parts["softmax"]).max() < 1e-15
    coef = 1 - float(co.P_all.mid()) * float(co.alpha[0].mid()) + sum(
        float((p * dk).mid()) for p, dk in zip(co.P, co.D, strict=True))
    assert float(law.coefficient.mid()) == pytest.approx(coef, rel=1e-12)
    Xf = np.array([[0.5, -0.75]])
    expected = float(law.gain.mid()) * z + (float(law.coefficient.mid()) - 1) * Xf
    assert np.abs(dec.terms["discretization"] - expected).max() < 1e-12


def test_gaussian_term_has_the_exact_law_and_a_wrong_variance_is_detected(data):
    starts = np.random.default_rng(9).standard_normal((3000, 3))
    run = _run(data, starts, "linear-brownian", "euler-maruyama", 16, seed=4)
    dec = decompose(run, data)
    tests = gaussian_tests(dec)
    assert tests is not None and tests["ks_p"] > 1e-3 and tests["binomial_p"] > 1e-3
    assert abs(tests["exceedances"] - 30) < 25
    # the variance with the factor of the step itself included (off by one) is wrong
    co = step_products(run.spec, run.trace["times"])
    wrong = float(((co.P * co.A * co.s) ** 2).sum())
    assert not math.isclose(wrong, dec.gaussian_variance, rel_tol=0.05)

    _, p_wrong = ks_test(dec.norms["gaussian"] ** 2 / wrong, lambda x: chi2_cdf(x, 3))
    assert p_wrong < 1e-6


def test_estimation_bound_is_attained_by_a_constant_error_of_one_sign(data, starts):
    run = _run(data, starts[:100], "linear-brownian", "euler", 20, "bounded:eps=1/3")
    dec = decompose(run, data)
    co = step_products(run.spec, run.trace["times"])
    assert (co.P >= 0).all()
    assert dec.estimation_bound_kind == "a priori"
    assert np.allclose(dec.norms["estimation"], dec.bounds["estimation"], rtol=1e-12)
    assert dec.exceedances("estimation") == 0


def test_inverse_density_has_no_a_priori_bound():
    data = [[Fraction(0), Fraction(0)], [Fraction(2), Fraction(0)], [Fraction(1), Fraction(2)]]
    starts = np.random.default_rng(2).standard_normal((40, 2))
    run = _run(data, starts, "linear-brownian", "euler-maruyama", 16, "inverse-density:lambda=1/100")
    dec = decompose(run, data)
    assert dec.estimation_bound_kind.startswith("a posteriori")
    ok = dec.finite
    assert np.array_equal(dec.bounds["estimation"][ok], dec.estimation_realized[ok])
    assert (dec.norms["estimation"][ok] <= dec.estimation_realized[ok] * (1 + 1e-12)).all()


def test_ball_mode_certifies_the_identity_and_matches_float64(data, starts):
    z = starts[:3]
    exact = [[Fraction(float(v)) for v in row] for row in z]
    balls = decompose(_run(data, exact, "linear-brownian", "euler-maruyama", 8, "critical:lambda=1/4",
                           digits=40), data)
    floats = decompose(_run(data, z, "linear-brownian", "euler-maruyama", 8, "critical:lambda=1/4"), data)
    assert balls.identity_ok.all() and balls.residual_bound.max() < 1e-30
    for term in TERMS:
        assert np.abs(balls.terms[term] - floats.terms[term]).max() < 1e-12
    assert (balls.index == floats.index).all()
    row = balls.to_json(0)
    assert row["identity"]["holds"] and row["gaussian"][0].startswith("[")
    json.dumps(row)


def test_to_json_and_summary(data, starts):
    run = _run(data, starts[:20], "trigonometric", "euler-maruyama", 8, "critical:lambda=1/4")
    dec = decompose(run, data)
    row = dec.to_json(3)
    assert set(TERMS) <= set(row) and set(TERMS) <= set(row["norms"]) and "sqrt_h" in row["bounds"]
    assert row["norms"]["gaussian"] == pytest.approx(float(np.linalg.norm(row["gaussian"])))
    summary = dec.summary()
    assert summary["samples"] == 20 and summary["identity_failures"] == 0
    json.dumps(summary)


def test_decompose_needs_a_recorded_run(data, starts):
    spec = SamplerSpec(builtin_schedule("linear"), "euler", 4)
    with pytest.raises(SamplerError, match="record=True"):
        decompose(run_sampler(data, starts[:2], spec), data)


@pytest.mark.parametrize("d", [1, 2, 3, 4, 7])
def test_chi2_against_mpmath(d):
    xs = np.array([0.05, 0.7, 2.0, 5.5, 13.0])
    want = [float(mpmath.gammainc(mpmath.mpf(d) / 2, 0, x / 2, regularized=True)) for x in xs]
    assert np.allclose(chi2_cdf(xs, d), want, rtol=1e-12, atol=1e-15)
    q = chi2_quantile(0.99, d)
    level = float(mpmath.gammainc(mpmath.mpf(d) / 2, 0, q / 2, regularized=True))
    assert level == pytest.approx(0.99, abs=1e-12)


def test_chi2_quantile_d2_closed_form():
    # P(chi2_2 <= x) = 1 - exp(-x/2): the (1 - delta)-quantile is -2 log(delta)
    assert chi2_quantile(0.95, 2) == pytest.approx(-2 * math.log(0.05), rel=1e-13)


def test_binomial_test_against_exact_fractions():
    n, p = 40, Fraction(1, 10)
    pmf = [math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(n + 1)]
    for k in (0, 2, 4, 9, 15):
        exact = sum(q for q in pmf if q <= pmf[k])
        assert binomial_test(k, n, p) == pytest.approx(float(exact), rel=1e-9)


@pytest.fixture(scope="module")
def claim_result():
    from verify.checks.decomposition import check_lly26_decomp
    from verify.registry import RunContext

    return check_lly26_decomp(RunContext(quick=True, schedules=("linear-brownian",), digits=30))


def test_checker_on_one_schedule(claim_result):
    assert all(e.passed for e in claim_result.evidence), [(e.check, e.detail) for e in claim_result.evidence
                                                          if e.passed is not True]
    assert claim_result.status == "conditional"
    assert "tie" in claim_result.condition
    checks = " ".join(e.check for e in claim_result.evidence)
    for needle in ("identity", "step_map", "one_atom_law", "a posteriori", "sqrt h", "a priori",
                   "binomial", "Kolmogorov"):
        assert needle in checks
    png = claim_result.figures["lly26-decomp-terms.png"]
    assert png.startswith(b"\x89PNG")
