"""SEP-P41 / SEP-C1: exact residuals, the quadrature of the DSM losses and the small-s asymptote."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp

from derivations import separation as S
from verify.separation.quadrature import adaptive_gl, gap_quadrature, gap_quadrature_2d, random_training_set
from verify.separation.scores import SeparationError


def test_posterior_mean_is_the_empirical_score():
    r = S.posterior_mean_is_score(2)
    assert r.zero and r.passed


def test_residual_detects_a_wrong_identity():
    # dropping the 1/sigma^2 of the target must leave a nonzero residual: the decider can fail
    x, a, logits, ps = S._empirical(2, 1)
    total = sp.Add(*[sp.exp(e) for e in logits])
    w = [sp.exp(e) / total for e in logits]
    wrong = sp.Add(*[wi * (-(x[0] - S.ALPHA * ai[0])) for wi, ai in zip(w, a, strict=True)])
    zero, _ = S.residual_is_zero(wrong - sp.diff(sp.log(total), x[0]), (logits, ps))
    assert not zero


def test_decomposition_and_gap_identity():
    assert all(r.passed for r in S.dsm_decomposition(2))
    assert S.loss_gap_is_fisher().passed


def test_hessian_identities():
    assert S.hessian_identity_empirical(2, 1).passed
    assert S.hessian_identity_gmm(1).passed


def test_small_s_asymptote_matches_sigma_identity_form():
    assert all(r.passed for r in S.small_s_expectation(points=2))
    with mpmath.workdps(40):
        s = Fraction(1, 3)
        val = S.small_s_asymptote(s, [Fraction(1), Fraction(1)])
        assert abs(val - 2 / mpmath.expm1(mpmath.mpf(1) / 3)) < mpmath.mpf(10) ** -35
    with pytest.raises(TypeError):
        S.small_s_asymptote(0.5, [Fraction(1)])


def test_adaptive_gl_vector_integral():
    with mpmath.workdps(40):
        vals, err = adaptive_gl(lambda z: [mpmath.exp(-z * z / 2), z * z * mpmath.exp(-z * z / 2)],
                                [mpmath.mpf(-14), mpmath.mpf(0), mpmath.mpf(14)], mpmath.mpf(10) ** -38)
        root = mpmath.sqrt(2 * mpmath.pi)
        assert abs(vals[0] - root) < mpmath.mpf(10) ** -35 and abs(vals[1] - root) < mpmath.mpf(10) ** -35
        assert err < mpmath.mpf(10) ** -30


@pytest.mark.parametrize("s", [Fraction(1, 10**4), Fraction(1, 2)])
def test_loss_gap_equals_fisher_by_quadrature_1d(s):
    data, means, cov = random_training_set(3, 1, 7)
    q = gap_quadrature(data, means, cov, s, digits=30)
    assert q.worst_relative() < mpmath.mpf(10) ** -25
    assert q.gap > 0  # the true score loses to the empirical one on the training set
    # the check can fail: a perturbed Fisher value is rejected at this tolerance
    with mpmath.workdps(45):
        assert abs(q.gap - q.values["fisher"] * (1 + mpmath.mpf(10) ** -20)) / q.scale > mpmath.mpf(10) ** -25


def test_small_s_gap_approaches_asymptote():
    # one atom, data = the mixture mean: the gap tends to 1/sigma^2 - 1/(alpha^2 v + sigma^2) as s -> 0
    data, means, cov = [[Fraction(0)]], [[Fraction(0)]], [[Fraction(1, 2)]]
    s = Fraction(1, 10**4)
    q = gap_quadrature(data, means, cov, s, digits=30)
    with mpmath.workdps(40):
        # exact here (one atom, one component): E(-z/sigma + (sigma z)/A)^2 = (1/sigma - sigma/A)^2
        sv = mpmath.mpf(s.numerator) / s.denominator
        alpha2, var = mpmath.exp(-sv), -mpmath.expm1(-sv)
        A = alpha2 / 2 + var
        exact = (1 / mpmath.sqrt(var) - mpmath.sqrt(var) / A) ** 2
        assert abs(q.gap - exact) / q.scale < mpmath.mpf(10) ** -25
        asym = S.small_s_asymptote(s, [Fraction(1, 2)])
        assert abs(q.gap / asym - 1) < mpmath.mpf(10) ** -3


LOW_2D = ((12, 24), (16, 32))  # small rules: 20-digit runs in well under a second


@pytest.mark.parametrize("s", [Fraction(1, 10), Fraction(3)])
def test_loss_gap_equals_fisher_by_quadrature_2d(s):
    data, means, cov = random_training_set(2, 2, 0)
    q = gap_quadrature_2d(data, means, cov, s, digits=20, orders=LOW_2D)
    assert q.d == 2 and q.gap > 0
    assert q.worst_relative() < mpmath.mpf(10) ** -14
    with mpmath.workdps(35):
        assert abs(q.gap - q.values["fisher"] * (1 + mpmath.mpf(10) ** -10)) / q.scale > mpmath.mpf(10) ** -14


def test_2d_quadrature_exact_case_and_orders_matter():
    # one atom at the origin, both components at the origin (no switching line), cov = diag(1/2, 1/4):
    # gap = sum_j (1/sigma - sigma/A_j)^2 with A_j = alpha^2 Sigma_jj + sigma^2
    data, means = [[Fraction(0), Fraction(0)]], [[Fraction(0), Fraction(0)]] * 2
    cov = [[Fraction(1, 2), Fraction(0)], [Fraction(0), Fraction(1, 4)]]
    s = Fraction(1, 2)
    q = gap_quadrature_2d(data, means, cov, s, digits=20, orders=LOW_2D)
    with mpmath.workdps(35):
        alpha2, var = mpmath.exp(-mpmath.mpf(1) / 2), -mpmath.expm1(-mpmath.mpf(1) / 2)
        exact = sum((1 / mpmath.sqrt(var) - mpmath.sqrt(var) / (alpha2 * v + var)) ** 2
                    for v in (mpmath.mpf(1) / 2, mpmath.mpf(1) / 4))
        assert abs(q.gap - exact) < mpmath.mpf(10) ** -18
    # a too-coarse rule is caught by its own error estimate
    coarse = gap_quadrature_2d(*random_training_set(2, 2, 0), Fraction(1, 10), digits=20,
                               orders=((4, 6), (6, 8)))
    assert coarse.error > mpmath.mpf(10) ** -10
    with pytest.raises(SeparationError):
        gap_quadrature_2d([[Fraction(0)]], [[Fraction(0)]], [[Fraction(1)]], Fraction(1))


def test_bad_input():
    with pytest.raises(SeparationError):
        gap_quadrature([[Fraction(0)]], [[Fraction(0), Fraction(0)]], [[Fraction(1)]], Fraction(1))
    with pytest.raises(SeparationError):
        gap_quadrature([[Fraction(0)]], [[Fraction(0)]], [[Fraction(1)]], Fraction(0))
    with pytest.raises(TypeError):
        gap_quadrature([[0.5]], [[Fraction(0)]], [[Fraction(1)]], Fraction(1))


def test_loss_gap_identity_needs_the_true_score_of_p_hat(monkeypatch):
    """The Loss-Gap integrand identity holds only because s_hat = d/dx log p_hat is the posterior mean
    of the DSM targets: with a wrong kernel width in p_hat it fails."""
    assert S.loss_gap_is_fisher(n=2).passed
    wide = S.sp.exp
    monkeypatch.setattr(S.sp, "exp", lambda e: wide(e / 2))  # every kernel twice as wide
    broken = S.loss_gap_is_fisher(n=2)
    assert not broken.zero and not broken.passed


def test_p41_and_its_decomposition_are_separate_claims_on_shared_integrals():
    from verify.checks import separation_identities as I
    from verify.registry import RunContext
    from verify.verdicts import Verdict

    ctx = RunContext(quick=True)
    p41, decomp = I.check_sep_p41(ctx), I.check_sep_p41_decomp(ctx)
    assert p41.status is Verdict.VERIFIED and decomp.status is Verdict.VERIFIED
    quad_p41 = [e for e in p41.evidence if e.check.startswith("quadrature")]
    quad_dec = [e for e in decomp.evidence if e.check.startswith("quadrature")]
    assert quad_p41 and all(set(I.P41_RESIDUALS) == {k for k in e.data if " - " in k} for e in quad_p41)
    assert quad_dec and all(set(I.DECOMP_RESIDUALS) == {k for k in e.data if " - " in k} for e in quad_dec)
    assert I._quadratures.cache_info().hits >= 1  # the second claim read the first one's integrals
    # P41 proves the identity at the true score; the "every f" decomposition is DECOMP's alone
    assert not any("pointwise decomposition" in e.check for e in p41.evidence)
    assert any("pointwise decomposition" in e.check for e in decomp.evidence)


def test_p41_residual_moves_when_the_gap_is_taken_the_wrong_way(monkeypatch):
    from verify.separation import quadrature as Q

    data, means, cov = random_training_set(2, 1, 0)
    good = gap_quadrature(data, means, cov, Fraction(1, 10), 20)
    assert abs(good.residuals["gap - Fisher"]) < mpmath.mpf(10) ** -15
    original = Q._residuals

    def swapped(values, dv):
        out = original(values, dv)
        out["gap - Fisher"] = values["loss_empirical"] - values["loss_true"] - values["fisher"]
        return out

    monkeypatch.setattr(Q, "_residuals", swapped)
    bad = Q.gap_quadrature(data, means, cov, Fraction(1, 10), 20)
    assert abs(bad.residuals["gap - Fisher"]) > 0.1 * abs(bad.values["fisher"])
    assert abs(bad.residuals["L(empirical) - (d/sigma^2 - J)"]) < mpmath.mpf(10) ** -15
