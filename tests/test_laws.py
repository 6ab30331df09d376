"""The sqrt(h) laws (verify/sampling/laws.py), near ties (verify/sampling/ties.py) and the
LLY26-T2 / LLY26-T3 checkers, at small sizes."""

from __future__ import annotations

import math
from fractions import Fraction as F

import mpmath
import numpy as np
import pytest

from derivations.schedules import builtin_schedule
from verify.datasets import load_dataset
from verify.registry import RunContext
from verify.sampling.laws import (
    RESOLUTION,
    SINGULAR_START,
    fit_exponent,
    fit_sequence,
    predicted_exponents,
    run_sweep,
    spot_check,
    sqrt_h_constant,
    start_time,
    strong_errors,
    sweep_schedule,
)
from verify.sampling.ties import (
    TWO_ATOMS,
    band_width,
    between_threshold,
    exact_tie,
    linearized_gain,
    tie_probability,
)
from verify.statistics import chi2_cdf, ks_test, normal_cdf, wilson
from verify.verdicts import Verdict

TRIANGLE = np.array([[0.0, 0.0], [2.0, 0.0], [1.0, 2.0]])
STEPS = (16, 32, 64, 128, 256)


@pytest.fixture(scope="module")
def starts():
    return np.random.default_rng(3).standard_normal((80, 2))


@pytest.fixture(scope="module")
def sweeps(starts):
    out = {}
    for name in ("linear-brownian", "quarter-power"):
        out[name] = run_sweep(sweep_schedule(name), "euler", TRIANGLE, starts, STEPS)
    out["em"] = run_sweep(sweep_schedule("linear-brownian"), "euler-maruyama", TRIANGLE, starts, STEPS,
                          seed=4, gaussian=True, digits=30)
    return out


# -- fits ------------------------------------------------------------------------------------------

def test_fit_recovers_a_known_exponent():
    rng = np.random.default_rng(0)
    h = 1 / np.array([8, 16, 32, 64, 128, 256, 512], dtype=float)
    C = np.exp(rng.standard_normal(500))  # one constant per start
    values = C[None, :] * (h[:, None] ** 0.75) * (1 + 2 * h[:, None])
    fit = fit_exponent(h, values, "median", seed=1)
    assert fit.contains(0.75) and abs(fit.slope - 0.75) < 1e-3
    assert not fit.contains(0.85) and not fit.contains(0.65)
    # a plain fit over the whole range is biased by the correction 1 + 2h; the fitted model is not
    assert abs(fit.all_range - 0.75) > 2 * abs(fit.slope - 0.75)


def test_fit_of_a_deterministic_statistic_has_the_resolution_width():
    h = 1 / np.array([8, 16, 32, 64, 128], dtype=float)
    values = np.repeat((h**2)[:, None], 50, axis=1)
    fit = fit_exponent(h, values, "q90")
    lo, hi = fit.ci
    assert hi - lo >= 2 * RESOLUTION - 1e-12 and fit.contains(2.0) and not fit.contains(2.02)


def test_fit_at_the_floor_has_no_slope():
    h = 1 / np.array([8, 16, 32], dtype=float)
    values = np.zeros((3, 10))
    values[0] = 1e-3
    fit = fit_exponent(h, values, "median", floor=1e-13)
    assert fit.slope is None and fit.at_floor == (False, True, True)


def test_fit_sequence():
    h = 1 / np.array([4, 8, 16, 32, 64, 128], dtype=float)
    p, local = fit_sequence(h, 3 * h**0.5 * (1 - h))
    assert abs(p - 0.5) < 5e-3 and abs(local - 0.5) < 0.02  # the local slope still sees 1 - h


# -- the sweep -------------------------------------------------------------------------------------

def test_predictions_come_from_the_last_step():
    assert str(predicted_exponents(builtin_schedule("linear-brownian"), "euler")["total"]) == "1/2"
    assert str(predicted_exponents(sweep_schedule("quarter-power"), "euler")["total"]) == "1/4"
    assert str(predicted_exponents(builtin_schedule("linear"), "euler")["total"]) == "oo"
    assert start_time(builtin_schedule("vp-linear-sigma")) == SINGULAR_START
    assert start_time(builtin_schedule("linear")) == 1


def test_sqrt_h_law_and_its_failure(sweeps):
    lb = sweeps["linear-brownian"]
    fit = fit_exponent(lb.h, lb.dev, "median", floor=lb.floor)
    assert fit.contains(0.5)
    qp = sweeps["quarter-power"]
    fit_q = fit_exponent(qp.h, qp.dev, "median", floor=qp.floor)
    assert fit_q.contains(0.25) and not fit_q.contains(0.5)
    c_lb, c_qp = sqrt_h_constant(lb), sqrt_h_constant(qp)
    assert c_lb.C <= c_lb.C_all and c_qp.C <= c_qp.C_all
    # sigma = t^(1/4): max dev / sqrt(h) grows as h -> 0; sigma ~ sqrt(2t): it does not
    assert c_qp.per_h[-1] > 2 * c_qp.per_h[0]
    assert c_lb.per_h[-1] < 1.5 * c_lb.per_h[0]


def test_spot_check_agrees_with_float64(sweeps, starts):
    cells = spot_check(sweeps["linear-brownian"], builtin_schedule("linear-brownian"), TRIANGLE, starts,
                       digits=40, count=2, cells=(0, len(STEPS) - 1))
    for c in cells:
        assert c.agree and c.max_radius < 1e-30 and c.max_disagreement < 1e-12
        assert all(lo <= up for lo, up in zip(c.dev_lower, c.dev_upper, strict=True))


def test_gaussian_term_and_strong_errors(sweeps):
    em = sweeps["em"]
    tested = [g for g in em.gaussian if g.included >= 40]
    assert tested and all(g.p_min > 1e-4 for g in tested)
    sv = [g.sqrt_v_full for g in em.gaussian]
    assert abs(fit_sequence(em.h, sv)[0] - 0.5) < 0.03  # the derived noise order of linear-brownian
    _, fit = strong_errors(em, boot=100)
    assert fit.ci[0] > 0


def test_ks_detects_a_wrong_variance():
    rng = np.random.default_rng(5)
    r = rng.standard_normal((400, 8))
    assert ks_test((r * r).sum(1), lambda x: chi2_cdf(x, 8))[1] > 1e-3
    assert ks_test(1.3 * (r * r).sum(1), lambda x: chi2_cdf(x, 8))[1] < 1e-3
    assert ks_test(r.ravel(), normal_cdf)[1] > 1e-3


@pytest.mark.parametrize("d", [3, 8])
def test_chi2_cdf_against_mpmath(d):
    x = np.array([0.5, 3.0, 11.0])
    got = chi2_cdf(x, d)
    for xi, g in zip(x, got, strict=True):
        want = mpmath.gammainc(mpmath.mpf(d) / 2, 0, mpmath.mpf(xi) / 2, regularized=True)
        assert abs(g - float(want)) < 1e-13


# -- near ties -------------------------------------------------------------------------------------

def test_wilson_and_threshold():
    lo, hi = wilson(0, 4000)
    assert lo < 1e-12 and abs(hi - 9.59e-4) < 1e-6
    lo, hi = wilson(50, 100)
    assert lo < 0.5 < hi and abs((lo + hi) / 2 - 0.5) < 1e-12
    assert abs(between_threshold(load_dataset("builtin:square")) - math.sqrt(2) / 4) < 1e-15


def test_linearized_gain_of_the_linear_schedule():
    """For alpha = 1 - t, sigma = t: lambda_k = 1 - 1/k + (1 - kh)/(k^3 h^2), computed independently."""
    K = 8
    h = F(1, K)
    product = mpmath.mpf(1)
    for k in range(1, K + 1):
        lam = 1 - F(1, k) + (1 - k * h) / (k**3 * h**2)
        product *= abs(mpmath.mpf(lam.numerator) / lam.denominator)
    assert abs(linearized_gain(builtin_schedule("linear"), K) - float(mpmath.log10(product))) < 1e-10


def test_band_width_is_certified_and_explained_by_the_gain():
    s = builtin_schedule("linear")
    b = band_width(s, 16)
    assert b.certified and b.monotone and not b.everything
    assert b.lower < b.upper <= b.lower * F(102, 100)
    assert abs(b.log10_width + b.gain_log10) < 1  # w G = O(1)
    # just inside the band the endpoint is between the atoms, just outside it is not
    from verify.sampling.ties import _classify

    inside, outside = _classify(s, 16, F(1), [b.lower, b.upper], F(1, 3), 60, F(1, 2))
    assert inside is True and outside is False


def test_exact_tie_ends_between_for_every_h_and_a_margin_helps():
    for name, K in (("linear", 32), ("linear-brownian", 16), ("vp-linear-sigma", 8)):
        e = exact_tie(builtin_schedule(name), K)
        assert e.x_zero and e.deviation_lower > 1 - 1e-12
    off = exact_tie(builtin_schedule("linear"), 32, start=(F(1, 10**3), F(1, 3)))
    assert not off.x_zero and off.deviation_lower < 1e-10


def test_tie_probability_shrinks():
    tp = tie_probability(builtin_schedule("trigonometric"), "euler", TWO_ATOMS, (4, 64), count=2000, seed=2)
    assert tp.counts[0] > 50 and tp.counts[1] == 0
    # on two atoms the band is |s| < w(h): the frequency at K = 4 matches P(|N(0,1)| < w) roughly
    w = 10 ** band_width(builtin_schedule("trigonometric"), 4).log10_width
    expected = math.erf(w / math.sqrt(2))
    lo, hi = tp.intervals[0]
    assert lo < 2 * expected and hi > expected / 2


# -- the checkers ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def results():
    from verify.checks.discretization import check_lly26_t2, check_lly26_t3

    ctx = RunContext(quick=True, seed=0, schedules=("linear-brownian",))
    return check_lly26_t2(ctx), check_lly26_t3(ctx)


def test_checkers_are_conditional_with_figures(results):
    t2, t3 = results
    assert t2.status is Verdict.CONDITIONAL and t3.status is Verdict.CONDITIONAL
    assert "sigma(t) = O(sqrt t)" in t2.condition and "margin" in t2.condition
    assert "zeta(t) = O(sigma sigma')" in t3.condition
    assert set(t2.figures) == {"lly26-t2-loglog.png", "lly26-t2-near-tie-band.png"}
    assert set(t3.figures) == {"lly26-t3-loglog.png"}
    for png in (*t2.figures.values(), *t3.figures.values()):
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
    for e in (*t2.evidence, *t3.evidence):
        assert e.passed is True and e.bound is not None and e.bound.holds()


def test_the_counterexample_is_exact(results):
    t2, _ = results
    cex = [e for e in t2.evidence if e.counterexample]
    assert len(cex) == 2  # the exact tie, and the falsification search's shrunk example
    found = next(e for e in cex if "falsification" in e.check).counterexample
    assert found["data"] == [["2"], ["-2"]] and found["start"] == ["0"]  # a tie, shrunk
    cex = [e for e in cex if "falsification" not in e.check]
    c = cex[0].counterexample
    assert c["X"] == [["-1", "0"], ["1", "0"]] and c["Z_start"] == ["0", "1/3"]
    assert ">= 1" in cex[0].data["deviation"]


# -- the in-law reading (verify/sampling/wasserstein.py, LLY26-T2-LAW / LLY26-T3-LAW) --------------

def test_law_distance_bounds_and_their_orders(sweeps):
    from verify.sampling.wasserstein import law_distance

    lb = law_distance(sweeps["linear-brownian"], TRIANGLE, boot=100)
    # the coupling cost is >= the distance to the nearest atom, start by start
    assert all(lo <= up + 1e-15 for lo, up in zip(lb.lower, lb.upper, strict=True))
    assert lb.reference == STEPS[-1] and lb.steps == STEPS[:-1] and lb.excluded == 0
    assert lb.holds and not lb.fails
    assert lb.uniform_p is not None and 0 <= lb.uniform_p <= 1
    qp = law_distance(sweeps["quarter-power"], TRIANGLE, boot=100)
    assert qp.fails and not qp.holds  # W_1 >= E dev ~ h^(1/4)


def test_the_in_law_checkers_reuse_the_sweep(results):
    from verify.checks import discretization
    from verify.checks.discretization_law import check_lly26_t2_law, check_lly26_t3_law

    ctx = RunContext(quick=True, seed=0, schedules=("linear-brownian",))
    before = dict(discretization._STUDIES)
    t2, t3 = check_lly26_t2_law(ctx), check_lly26_t3_law(ctx)
    assert discretization._STUDIES == before  # nothing re-run: the studies of LLY26-T2/T3
    for r in (t2, t3):
        assert r.status is Verdict.CONDITIONAL, [e.check for e in r.evidence if e.passed is not True]
        assert "sigma(t) = O(sqrt t)" in r.condition and "no margin" in r.condition
        assert all(e.passed is True and e.bound.holds() for e in r.evidence)
        checks = " ".join(e.check for e in r.evidence)
        assert "needs no margin" in checks and "needed in law too [quarter-power" in checks
    assert "zeta(t) = O(sigma sigma')" in t3.condition
