"""EDGE-DEN and EDGE-MSTAR: the GMM laboratory's derivations (derivations/gmm.py) and their checkers."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from derivations import gmm
from derivations.gmm import (
    ALPHA,
    MU,
    SIGMA,
    VAR,
    X_COORD,
    CrossoverError,
    GMMDerivation,
    crossover_slope,
)
from derivations.identities import residual_is_zero
from derivations.schedules import T, builtin_schedule
from verify.registry import RunContext
from verify.strategies import rationals
from verify.verdicts import Verdict

QUICK = RunContext(quick=True)


# -- EDGE-DEN: derivations -------------------------------------------------------------------------

def test_component_law_is_gaussian_conditioning():
    law = gmm.component_law()
    # posterior mean is affine in x with the Wiener gain, and equals mu at x = alpha mu
    assert sp.simplify(law.posterior_mean.subs(X_COORD, ALPHA * MU) - MU) == 0
    gain = sp.diff(law.posterior_mean, X_COORD)
    assert sp.simplify(gain * law.marginal_variance - law.covariance) == 0
    assert sp.simplify(law.mmse - law.posterior_variance) == 0
    # as s^2 -> oo the posterior mean is x/alpha (no prior information); as s^2 -> 0 it is mu
    assert sp.simplify(sp.limit(law.posterior_mean, VAR, sp.oo) - X_COORD / ALPHA) == 0
    assert sp.limit(law.posterior_mean, VAR, 0) == MU
    assert all(r.zero for r in gmm.component_checks())


def test_mmse_matches_a_numeric_expectation():
    # MC-free check of the derived MMSE: Gaussian integral by Gauss-Hermite in 2-D
    a, s, v = 0.6, 0.8, 1.7
    mmse = float(gmm.single_gaussian_mmse(1).subs({ALPHA: a, SIGMA: s, VAR: v}))
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    z0, z1 = np.meshgrid(nodes, nodes)
    w = np.outer(weights, weights) / (2 * math.pi)
    x0 = math.sqrt(v) * z0  # mu = 0
    xt = a * x0 + s * z1
    post = float(gmm.component_law().posterior_mean.subs({ALPHA: a, SIGMA: s, VAR: v, MU: 0, X_COORD: 1}))
    gain = post  # the posterior mean is linear with zero intercept at mu = 0
    assert np.sum(w * (gain * xt - x0) ** 2) == pytest.approx(mmse, rel=1e-12)


def test_tweedie_per_component_and_for_explicit_mixtures():
    assert all(residual_is_zero(r)[0] for r in gmm.component_tweedie_residual(2))
    for M, d in ((2, 1), (3, 2)):
        assert gmm.tweedie_check(M, d).zero


def test_tweedie_detects_a_wrong_denoiser():
    # dropping the Wiener term of the component means (the s^2 = 0 means with s^2 > 0 weights)
    D = GMMDerivation(2, 1)
    wrong = sp.Matrix([[0]])
    for m in range(2):
        wrong += sp.Matrix([D.means[m, 0]]) * sp.exp(D.logits[m])
    wrong /= sp.Add(*[sp.exp(e) for e in D.logits])
    zero, _ = residual_is_zero((D.tweedie - wrong)[0], D.kernels())
    assert not zero


def test_zero_variance_limit_is_the_oracle_denoiser():
    assert gmm.memorizing_limit_check(2, 2).zero
    assert gmm.memorizing_limit_check(3, 1, subset=(1, 2)).zero


def test_zero_variance_limit_tells_schedules_apart():
    from derivations.fields import OracleDerivation, data_symbols

    X = data_symbols(2, 1)
    lin, vp = builtin_schedule("linear"), builtin_schedule("vp-linear-sigma")
    D = GMMDerivation(2, 1, means=X, alpha=lin.alpha, sigma=lin.sigma)
    oracle = OracleDerivation(vp, 2, 1, data=X)
    residual = sp.limit(D.logits[0], VAR, 0, "+") - oracle.logits[0]
    assert not residual_is_zero(residual)[0]


def test_numeric_posterior_mean_matches_the_implementation():
    from verify.gmm import denoise

    D = GMMDerivation(3, 2)
    fn = sp.lambdify([*D.x, ALPHA, SIGMA, VAR, *list(D.means)], list(D.posterior_mean.shifted()), "numpy")
    rng = np.random.default_rng(0)
    means = rng.normal(size=(3, 2))
    x = rng.normal(size=(5, 2))
    for a, s, v in ((0.9, 0.4, 0.7), (0.3, 0.95, 0.0)):
        want = np.column_stack(fn(x[:, 0], x[:, 1], a, s, v, *means.ravel()))
        assert np.allclose(denoise(x, a, s, means, v), want, rtol=1e-12, atol=1e-12)


def test_conversion_factors_and_vp_identities():
    factors = gmm.conversion_factors()
    assert set(factors) == {"x0", "epsilon", "v", "score"}
    assert all(r.zero for r in gmm.conversion_checks())
    assert all(r.zero for r in gmm.vp_identities())
    vp = builtin_schedule("vp-linear-sigma")
    eps = factors["epsilon"].subs({gmm.ALPHA_T: vp.alpha, gmm.SIGMA_T: vp.sigma}).doit()
    assert eps.subs(T, sp.Rational(1, 2)) == 3  # psi(1/2) = (3/4)/(1/4)


def test_a_wrong_table_entry_is_caught():
    derived = gmm.conversion_factors()["v"]
    a, s = gmm.ALPHA_T, gmm.SIGMA_T
    wrong = a**2 * (sp.diff(s, T) / s + sp.diff(a, T) / a) ** 2  # sign flipped
    assert not gmm.symbolic_result("v", "wrong", [derived - wrong]).zero


# -- EDGE-MSTAR -----------------------------------------------------------------------------------

def test_mstar_symbolic_checks_pass():
    results = gmm.mstar_checks()
    assert results and all(r.zero for r in results), [r.key for r in results if not r.zero]
    cr = gmm.weighted_crossover()
    assert gmm.D_SYM not in cr.slope.free_symbols and gmm.N_SYM not in cr.slope.free_symbols
    assert gmm.M_SYM not in cr.mstar.free_symbols


def _crossover_by_linearity(weights, psis, Cs, var, d, N) -> Fraction:
    """M* from the definitions of G and P only: the weighted excess is affine in M."""
    def excess(M):
        return sum((w * (d * var / (1 + p * var) - c * d * var * (1 - Fraction(M) / N))
                    for w, p, c in zip(weights, psis, Cs, strict=True)), Fraction(0))
    e0, eN = excess(0), excess(N)
    return -e0 / (eN - e0) * N


LEVEL = st.tuples(rationals(0, 3, 8), rationals(0, 20, 8), rationals(1, 2, 8))  # (lambda, psi, C)


@given(st.lists(LEVEL, min_size=1, max_size=6), rationals(Fraction(1, 2), 2, 4), st.integers(1, 200),
       st.integers(2, 500))
def test_crossover_slope_exact_matches_the_definition(levels, var, d, N):
    weights, psis, Cs = (list(col) for col in zip(*levels, strict=True))
    if sum(weights) == 0:
        with pytest.raises(CrossoverError):
            crossover_slope(weights, psis, Cs, var)
        return
    c = crossover_slope(weights, psis, Cs, var)
    assert isinstance(c, sp.Rational)
    want = _crossover_by_linearity(weights, psis, Cs, var, d, N)
    assert Fraction(c.p, c.q) * N == want  # the same slope for every d and N
    assert crossover_slope([float(w) for w in weights], [float(p) for p in psis], [float(x) for x in Cs],
                           float(var)) == pytest.approx(float(c), rel=1e-12, abs=1e-12)


def test_crossover_slope_on_the_paper_grid_and_special_values():
    ts = [sp.Rational(25 + 998 * k, 25000) for k in range(26)]
    psi = [(1 - t**2) / t**2 for t in ts]
    # constant C on uniform grid weights: 1 - mean(t^2)/C (1/(1+psi) = t^2 on vp-linear-sigma, s2 = 1)
    mean_t2 = sp.Add(*[t**2 for t in ts]) / 26
    assert crossover_slope([1] * 26, psi, 1) == 1 - mean_t2
    assert crossover_slope([1] * 26, psi, 2) == 1 - mean_t2 / 2
    tf = np.linspace(0.001, 0.999, 26)
    value = crossover_slope(np.ones(26), (1 - tf**2) / tf**2, 1.0)
    assert value == pytest.approx(1 - np.mean(tf**2), rel=1e-13)
    # psi = oo (t = 0): that level's generalizing excess is 0
    assert crossover_slope([1, 1], [sp.oo, 1], 1) == sp.Rational(3, 4)
    assert crossover_slope([1.0, 1.0], [math.inf, 1.0], 1.0) == pytest.approx(0.75)
    C = sp.Symbol("C", positive=True)
    assert sp.simplify(crossover_slope([1, 1], [3, 1], C) - (1 - sp.Rational(3, 8) / C)) == 0


@pytest.mark.parametrize("args", [
    ([], [], 1),
    ([1, 2], [1], 1),
    ([-1, 2], [1, 1], 1),
    ([0, 0], [1, 1], 1),
    ([1, 1], [-1, 1], 1),
    ([1, 1], [1, 1], 0),
    ([1.0, 1.0], [1.0, 1.0], -1.0),
    ([1.0, math.nan], [1.0, 1.0], 1.0),
    ([1.0, 1.0], [1.0, 1.0], [1.0]),
])
def test_crossover_slope_rejects_bad_input(args):
    with pytest.raises(CrossoverError):
        crossover_slope(*args)


# -- the checkers (quick) ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def den():
    from verify.checks.edge_theory import check_edge_den

    return check_edge_den(QUICK)


@pytest.fixture(scope="module")
def mstar():
    from verify.checks.edge_theory import check_edge_mstar

    return check_edge_mstar(QUICK)


def test_check_edge_den(den):
    assert den.status == Verdict.VERIFIED, den.summary
    assert any("lambdify" in e.check for e in den.evidence)
    assert any("central differences" in e.check for e in den.evidence)


def test_check_edge_mstar_is_conditional(mstar):
    assert mstar.status == Verdict.CONDITIONAL, mstar.summary
    assert "C_t free of d and K" in mstar.condition
    slopes = next(e for e in mstar.evidence if "exact slopes" in e.check).data
    ts = [sp.Rational(25 + 998 * k, 25000) for k in range(26)]
    mean_t2 = sp.Add(*[t**2 for t in ts]) / 26
    assert sp.Rational(slopes["uniform over the grid, x0 units, C = 1"]) == 1 - mean_t2


def test_check_edge_def22():
    from verify.checks.edge_criterion import check_edge_def22

    res = check_edge_def22(QUICK)
    assert res.status == Verdict.VERIFIED, res.summary
    assert "non-strict" in res.summary and any("general constant c" in e.check for e in res.evidence)


def test_check_edge_def22_code_shows_where_the_readings_differ():
    from verify.checks.edge_criterion import check_edge_def22_code

    res = check_edge_def22_code(QUICK)
    assert res.status == Verdict.VERIFIED, res.summary
    differ = next(e for e in res.evidence if "differ on the boundary" in e.check)
    assert differ.counterexample == {"x": ["1"], "x_(1)": ["0"], "x_(2)": ["4"], "c": "1/9"}
    null = next(e for e in res.evidence if "probability 0" in e.check)
    assert null.passed and all(r["min_margin"] > 1e-12 for r in null.data["rows"])


def test_check_edge_def22_notices_a_strict_default(monkeypatch):
    from verify.checks import edge_criterion
    from verify.gmm import criterion

    monkeypatch.setattr(edge_criterion, "_paper_flags",
                        lambda samples, train: criterion.memorized(samples, train, strict=True))
    res = edge_criterion.check_edge_def22(QUICK)
    assert res.status == Verdict.INCONCLUSIVE
    assert any(e.passed is False and "exact boundary" in e.check for e in res.evidence)
