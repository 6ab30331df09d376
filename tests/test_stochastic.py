"""The stochastic sampler: one-atom law, marginal identity, statistics helpers, LLY25-T2."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from derivations.schedules import T, builtin_schedule
from derivations.stochastic import (
    DELTA,
    endpoint_law,
    linear_drift,
    marginal_identity,
    transition,
    with_zeta,
)
from verify.checks.stochastic import (
    CONDITION,
    _noise_in_endpoint,
    check_lly25_t2,
    check_lly25_t2_delta,
)
from verify.registry import RunContext
from verify.statistics import chi_square_uniform, kolmogorov_sf, ks_test, normal_cdf
from verify.verdicts import Verdict

ZETA = sp.Function("zeta")(T)


def _zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


def test_linear_coefficients_match_hand_computation() -> None:
    # sigma = t, alpha = 1 - t: b - zeta s = (1/t + zeta/t^2) x + (-1 - (1 - t) a) X by hand
    sched, _ = with_zeta(builtin_schedule("linear"), ZETA)
    drift = linear_drift(sched)
    a_hand = 1 / T + ZETA / T**2
    assert _zero(drift["a"] - a_hand)
    assert _zero(drift["c"] - (-1 - (1 - T) * a_hand))


def test_marginal_identity_generic_and_wrong_sign() -> None:
    good = marginal_identity()
    assert good["variance"] and good["mean_X"]
    bad = marginal_identity(direction="forward")  # b + zeta s integrated backward
    assert not bad["variance"]
    assert _zero(bad["variance_residual"] + 4 * sp.Function("zeta")(T))


def test_linear_closed_forms_and_limits() -> None:
    law = endpoint_law(builtin_schedule("linear"))
    assert _zero(law["variance"] - (DELTA**2 - DELTA**4))
    assert _zero(law["mean_z"] - DELTA**2)
    assert _zero(law["mean_X"] - (1 - DELTA))
    assert all(law["solves_odes"].values()) and all(law["identity"].values())
    assert law["limits"] == {"mean_z": 0, "mean_X": 1, "variance": 0}
    assert all(c.agrees for c in law["limit_checks"])
    const = endpoint_law(builtin_schedule("linear"), "constant")
    assert _zero(const["variance"] - DELTA**2 * (1 - sp.exp(2 - 2 / DELTA)))
    assert const["identity"]["variance"] and const["limits"]["variance"] == 0


def test_marginal_variance_identity_per_schedule() -> None:
    for name, family in (("linear-brownian", "default"), ("trigonometric", "flow"), ("linear", "scaled")):
        law = endpoint_law(builtin_schedule(name), family)
        sig2 = (builtin_schedule(name).sigma ** 2).subs(T, DELTA)
        assert law["identity"]["variance"] is True
        assert _zero(law["mean_z"] ** 2 + law["variance"] - sig2)
        assert law["identity_numeric_ok"]


def test_wrong_sign_fails_the_variance_identity() -> None:
    law = endpoint_law(builtin_schedule("linear"), direction="forward")
    assert law["identity"]["variance"] is False
    # a = 0: Z_delta = Z_1 + noise, variance 1 - delta^2; mu_z^2 + V = 2 - delta^2 != delta^2
    assert _zero(law["variance"] - (1 - DELTA**2))
    assert not law["identity_numeric_ok"]


def test_transition_linear_default() -> None:
    tr = transition(builtin_schedule("linear"))
    t0, t1 = tr["t0"], tr["t1"]
    assert _zero(tr["Phi"] - (t1 / t0) ** 2)
    assert _zero(tr["Q"] - (t1**2 - t1**4 / t0**2))
    assert all(tr["checked"].values())


def test_no_float_leaks() -> None:
    for family in ("default", "constant", "double"):
        law = endpoint_law(builtin_schedule("linear"), family)
        for key in ("a", "c", "zeta", "mean_z", "mean_X", "variance", "log_A"):
            assert not law[key].atoms(sp.Float), key
        for v in law["limits"].values():
            assert not v.atoms(sp.Float)


def test_kolmogorov_and_chi_square_reference_values() -> None:
    assert kolmogorov_sf(1.3581) == pytest.approx(0.05, abs=2e-4)
    assert kolmogorov_sf(1.9495) == pytest.approx(0.001, abs=2e-5)
    assert kolmogorov_sf(0.3) == pytest.approx(0.999991, abs=1e-5)
    assert chi_square_uniform([10, 10, 10])[1] == pytest.approx(1.0)
    stat, p = chi_square_uniform([120, 100, 80])  # X^2 = 8, df 2: p = exp(-4)
    assert stat == pytest.approx(8.0) and p == pytest.approx(math.exp(-4), rel=1e-9)


def test_statistics_uniform_under_the_null_and_tiny_when_shifted() -> None:
    rng = np.random.default_rng(1)
    ps = [ks_test(rng.standard_normal(200), normal_cdf)[1] for _ in range(200)]
    assert 0.4 < np.mean(ps) < 0.6
    assert np.mean(np.array(ps) < 0.1) == pytest.approx(0.1, abs=0.06)
    chis = [chi_square_uniform(np.bincount(rng.integers(0, 3, 300), minlength=3))[1] for _ in range(200)]
    assert 0.4 < np.mean(chis) < 0.6
    assert ks_test(rng.standard_normal(500) + 0.3, normal_cdf)[1] < 1e-6
    assert ks_test(1.3 * rng.standard_normal(2000), normal_cdf)[1] < 1e-3
    assert chi_square_uniform(np.bincount(rng.choice(3, 600, p=[0.4, 0.3, 0.3]), minlength=3))[1] < 1e-3


def test_check_lly25_t2_delta_quick() -> None:
    result = check_lly25_t2_delta(RunContext(quick=True, schedules=("linear",), digits=30))
    assert result.id == "LLY25-T2-DELTA" and result.evidence
    assert result.status is Verdict.CONDITIONAL, [e.check for e in result.evidence if e.passed is not True]
    assert result.condition == CONDITION
    assert all(e.passed is True for e in result.evidence)
    checks = " ".join(e.check for e in result.evidence)
    assert "high-precision strong solver" in checks and "delta = 1/100" in checks


def _denoiser_arrays(z: np.ndarray, X: np.ndarray, alpha: float, sigma2: float) -> np.ndarray:
    """The float64 denoiser as array expressions (the yardstick of the column-wise one)."""
    d2 = ((z[:, None, :] - alpha * X[None, :, :]) ** 2).sum(-1)
    logits = -d2 / (2 * sigma2)
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    return w @ X


def test_float_denoiser_is_the_array_formulation_bit_for_bit() -> None:
    from verify.checks.stochastic import _denoiser_np

    rng = np.random.default_rng(3)
    for n in range(1, 10):
        for d in range(1, 10):
            X = rng.standard_normal((n, d)) * rng.uniform(0.1, 5)
            z = rng.standard_normal((300, d)) * rng.uniform(0.1, 10)
            alpha, sigma2 = rng.uniform(0, 1), rng.uniform(1e-4, 1)
            got, want = _denoiser_np(z, X, alpha, sigma2), _denoiser_arrays(z, X, alpha, sigma2)
            assert np.array_equal(got, want), (n, d)


def test_mp_denoiser_is_mpf_arithmetic_bit_for_bit() -> None:
    """The raw denoiser of the high-precision paths against the same formula on mpf objects."""
    import mpmath

    from verify.checks.stochastic import _denoiser_mp

    rng = np.random.default_rng(4)
    for digits in (30, 50, 70):
        with mpmath.workdps(digits):
            X = [[mpmath.mpf(int(v)) / 4 for v in row] for row in rng.integers(-12, 13, (4, 3))]
            alpha, sigma2 = mpmath.mpf(2) / 3, mpmath.mpf(1) / 7
            for _ in range(10):
                z = [mpmath.mpf(float(v)) for v in rng.standard_normal(3)]
                logits = [-mpmath.fsum((zj - alpha * xj) ** 2 for zj, xj in zip(z, row, strict=True))
                          / (2 * sigma2) for row in X]
                w = [mpmath.exp(v - max(logits)) for v in logits]
                want = [mpmath.fsum(wi * row[j] for wi, row in zip(w, X, strict=True)) / mpmath.fsum(w)
                        for j in range(3)]
                aX = [[(alpha * xj)._mpf_ for xj in row] for row in X]
                got = _denoiser_mp([v._mpf_ for v in z], aX, [[v._mpf_ for v in row] for row in X],
                                   (2 * sigma2)._mpf_, mpmath.mp.prec)
                assert got == [v._mpf_ for v in want]


def test_the_2025_reading_is_refuted_with_an_exact_counterexample() -> None:
    ctx = RunContext(quick=True, schedules=("linear",), digits=30)
    result = check_lly25_t2(ctx)
    assert result.id == "LLY25-T2" and result.status is Verdict.REFUTED
    assert check_lly25_t2_delta(ctx).status is Verdict.CONDITIONAL  # the sibling reading, shared
    general, linear = result.evidence
    assert general.passed is True and "every zeta >= 0" in general.check
    assert linear.passed is False and "[linear]" in linear.check
    cex = linear.counterexample
    assert cex["zeta"] == "t" and cex["B"] == "t" and cex["zeta/B at t -> 0"] == "1"
    assert sp.sympify(cex["V(delta)"], locals={"delta": DELTA}) - (DELTA**2 - DELTA**4) == 0
    assert cex["lim V"] == "0"
    assert "LLY25-T2-DELTA" in result.summary and "LLY26-T3" in result.summary


def test_the_endpoint_noise_is_strictly_positive() -> None:
    # a degenerate Gaussian (variance 0) is no noise in the endpoint
    assert _noise_in_endpoint(sp.Rational(1, 3)) and not _noise_in_endpoint(sp.S.Zero)
