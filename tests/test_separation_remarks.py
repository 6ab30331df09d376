"""SEP-RATE, SEP-REVERSE, SEP-DUP and SEP-PRUNE's Table 1 statistics (Ye, Zhu, Tao, Chen)."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from derivations import separation as S
from verify.registry import RunContext
from verify.separation.gap import GapCell
from verify.separation.quadrature import random_training_set
from verify.separation.rate import ExponentFit, fit_exponent_in_n, gap_at, noise_to_signal
from verify.separation.reverse import population_gap_quadrature
from verify.separation.scores import SeparationError
from verify.separation.welch import (
    student_t_quantile,
    student_t_sf,
    student_t_sf_by_quadrature,
    welch_from_summary,
)
from verify.verdicts import Verdict

QUICK = RunContext(quick=True)


# -- SEP-RATE ------------------------------------------------------------------------------------------

def _cell(n: int, per: list[list[float]]) -> GapCell:
    s = [0.1, 1.0]
    means = [float(np.mean([r[j] for r in per])) for j in range(2)]
    return GapCell(2, 1, n, s, means, [0.0, 0.0], [1.0, 1.0], 1.0, 1.0, len(per), 8, per_dataset=per,
                   nn_per_dataset=[1.0] * len(per))


def test_exponent_fit_recovers_a_power_law_with_an_interval():
    rng = np.random.default_rng(0)
    cells = [_cell(n, [[3.0 * n**-0.5 * (1 + 0.05 * rng.standard_normal()), 1.0] for _ in range(8)])
             for n in (10, 100, 1000)]
    fit = fit_exponent_in_n(cells, gap_at(0), seed=1)
    assert isinstance(fit, ExponentFit) and fit.contains(-0.5) and fit.high - fit.low < 0.1
    assert abs(fit.value + 0.5) < 0.05 and fit.replicas == 400
    assert fit_exponent_in_n(cells[:1], gap_at(0), seed=1) is None  # one n: no exponent


def test_noise_to_signal_is_sigma_over_alpha():
    assert noise_to_signal(0.5) == pytest.approx(math.sqrt(1 - math.exp(-0.5)) / math.exp(-0.25), rel=1e-14)


def test_rate_check_reads_the_remark_as_a_scale_and_can_fail(monkeypatch):
    from verify.checks import separation_rate

    result = separation_rate.check_sep_rate(QUICK)
    assert result.status is Verdict.CONDITIONAL, [e.detail for e in result.evidence]
    assert "not as a rate of the gap at a fixed t" in result.condition
    monkeypatch.setattr(separation_rate, "PARAMETRIC", -1 / 2)  # pretend the fixed-t decay were n^-1/2
    assert separation_rate.check_sep_rate(QUICK).status is Verdict.INCONCLUSIVE


# -- SEP-REVERSE ---------------------------------------------------------------------------------------

def test_reverse_identity_is_exact():
    r = S.reverse_gap_is_fisher(points=2)
    assert r.zero and r.passed


@pytest.mark.parametrize("s", [Fraction(1, 20), Fraction(2)])
def test_population_gap_equals_reverse_fisher_by_quadrature(s):
    data, means, cov = random_training_set(3, 1, 5)
    q = population_gap_quadrature([r[0] for r in data], [m[0] for m in means], cov[0][0], s, 15)
    assert q.worst_relative() < mpmath.mpf(10) ** -10
    assert q.reverse_fisher > 0 and q.loss_empirical > q.loss_true  # the empirical score generalizes worse


def test_population_quadrature_of_one_gaussian_is_exact_and_rejects_bad_input():
    # data law N(0, 1) and a training set of one point at 0: grad log p^ = -x/sigma^2, grad log p = -x
    # (A = 1), so Fisher(P_t, P^_t) = E (x/sigma^2 - x)^2 = (1/sigma^2 - 1)^2, x ~ N(0, 1)
    s = Fraction(1, 2)
    q = population_gap_quadrature([Fraction(0)], [Fraction(0)], Fraction(1), s, 20)
    var = -mpmath.expm1(-mpmath.mpf(1) / 2)
    assert abs(q.reverse_fisher - (1 / var - 1) ** 2) < mpmath.mpf(10) ** -15
    with pytest.raises(SeparationError):
        population_gap_quadrature([], [Fraction(0)], Fraction(1), s)
    with pytest.raises(SeparationError):
        population_gap_quadrature([Fraction(0)], [Fraction(0)], Fraction(-1), s)
    with pytest.raises(TypeError):
        population_gap_quadrature([0.5], [Fraction(0)], Fraction(1), s)


def test_reverse_check_is_verified():
    from verify.checks.separation_reverse import check_sep_reverse

    result = check_sep_reverse(QUICK)
    assert result.status is Verdict.VERIFIED, [e.detail for e in result.evidence]


# -- SEP-DUP -------------------------------------------------------------------------------------------

def test_duplicate_identities_hold_exactly():
    results = S.duplicate_identities(points=2)
    assert len(results) == 4 and all(r.passed for r in results)


def test_dup_check_is_conditional_with_the_weighted_reading():
    from verify.checks.separation_duplicates import check_sep_dup

    result = check_sep_dup(QUICK)
    assert result.status is Verdict.CONDITIONAL
    assert "weighted by multiplicity" in result.condition
    shown = [e for e in result.evidence if e.counterexample]
    assert shown and shown[0].counterexample["score_D - score_distinct"] == "-alpha_t/(6 sigma_t^2)"


# -- SEP-PRUNE: Welch from Table 1 ---------------------------------------------------------------------

def test_welch_matches_a_hand_computation():
    r = welch_from_summary("68.58", "0.77", 5, "66.87", "0.94", 5)
    v1, v2 = Fraction("0.77") ** 2 / 5, Fraction("0.94") ** 2 / 5
    assert r.df == (v1 + v2) ** 2 / (v1**2 / 4 + v2**2 / 4)
    assert float(r.t) == pytest.approx(1.71 / math.sqrt(float(v1 + v2)), rel=1e-12)
    assert float(r.t) == pytest.approx(3.147, abs=1e-3) and float(r.df) == pytest.approx(7.70, abs=1e-2)
    assert float(r.p_two_sided) == pytest.approx(2 * float(r.p_greater), rel=1e-12)
    lo, hi = r.interval
    assert lo < 1.71 < hi and lo > 0  # significant at 5 % two-sided


def test_student_t_tail_and_quantile():
    with mpmath.workdps(30):
        for t, df in ((0.7, Fraction(3)), (2.5, Fraction(77, 10)), (-1.0, Fraction(5))):
            assert abs(student_t_sf(t, df) - student_t_sf_by_quadrature(t, df)) < mpmath.mpf(10) ** -20
        # df = 1 is Cauchy: P(T > 1) = 1/4; the 0.975 quantile of t_4 is 2.7764451
        assert abs(student_t_sf(1, Fraction(1)) - mpmath.mpf(1) / 4) < mpmath.mpf(10) ** -25
        assert float(student_t_quantile(0.975, Fraction(4))) == pytest.approx(2.7764451052, rel=1e-9)
    with pytest.raises(ValueError):
        welch_from_summary("1", "0", 5, "0", "1", 5)
    with pytest.raises(TypeError):
        welch_from_summary(1.0, "1", 5, "0", "1", 5)


def test_prune_is_out_of_scope_with_table_estimates_and_can_fail(monkeypatch):
    from verify.checks import separation_lipschitz as L
    from verify.separation import welch

    result = L.check_sep_prune(QUICK)
    assert result.status is Verdict.OUT_OF_SCOPE
    assert "random pruning lowered memorization more" in result.summary
    assert "significant at 5 %" in result.summary
    estimates = [e for e in result.evidence if e.check.startswith("estimate from Table 1")]
    assert len(estimates) == 3 and all(e.passed is None for e in estimates)
    assert estimates[0].data["p_two_sided"] < 0.05 and estimates[1].data["p_one_sided"] < 1e-3
    real = welch.welch_from_summary

    def wrong_df(*args, **kwargs):
        r = real(*args, **kwargs)
        return welch.WelchResult(r.difference, r.variance, r.t, r.df + 2, r.p_greater, r.p_two_sided,
                                 r.interval)

    monkeypatch.setattr(welch, "welch_from_summary", wrong_df)
    assert L.check_sep_prune(QUICK).status is Verdict.INCONCLUSIVE
