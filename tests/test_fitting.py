"""Measurements and over/underfitting predicates of verify.sampling.fitting."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from derivations.schedules import builtin_schedule
from verify.sampling import SamplerSpec, parse_error, run_sampler
from verify.sampling.fitting import (
    FitMeasures,
    accumulated_error,
    classify,
    endpoint_deviation,
    error_ratio,
    fitted_slope,
    is_overfitting,
    is_underfitting,
    training_error_monte_carlo,
)

ATOM = [[Fraction(0), Fraction(0)]]
STARTS = np.array([[0.3, -0.7], [1.2, 0.4], [-0.5, 0.9]])


@pytest.fixture(scope="module")
def brownian_runs():
    """One atom on linear-brownian (m = X exactly): the same starts with and without an error."""
    sch = builtin_schedule("linear-brownian")
    spec = SamplerSpec(sch, "euler", 64, error="bounded:eps=1/2,direction=3/5|4/5")
    with_error = run_sampler(ATOM, STARTS, spec, record=True)
    oracle = run_sampler(ATOM, STARTS, SamplerSpec(sch, "euler", 64))
    return with_error, oracle


def test_accumulated_error_is_the_endpoint_shift_for_one_atom(brownian_runs):
    # one atom: m is exactly X on both paths, so Z_e - Z_0 = -h sum P_k e_k; for a constant direction
    # and positive factors P_k its norm is exactly sum |P_k| h |e_k|
    run, oracle = brownian_runs
    shift = np.linalg.norm(run.endpoints - oracle.endpoints, axis=1)
    eacc = accumulated_error(run)
    assert np.allclose(shift, eacc, rtol=1e-12, atol=0)
    assert (eacc > 0).all() and (eacc < 0.5).all()


def test_accumulated_error_linear_schedule_keeps_only_the_last_step():
    # linear: 1 - h a(h) = 0, so every earlier step is forgotten: E_acc^h = h |e(Z_h, h)|
    sch = builtin_schedule("linear")
    crit = run_sampler(ATOM, STARTS, SamplerSpec(sch, "euler", 32, error="critical:lambda=1/4"), record=True)
    assert np.allclose(accumulated_error(crit), 0.25, atol=1e-12)
    bounded = run_sampler(ATOM, STARTS, SamplerSpec(sch, "euler", 32, error="bounded:eps=1/2"), record=True)
    assert np.allclose(accumulated_error(bounded), 0.5 / 32, atol=1e-14)


def test_accumulated_error_needs_a_recorded_error_run():
    sch = builtin_schedule("linear")
    run = run_sampler(ATOM, STARTS, SamplerSpec(sch, "euler", 8, error="bounded:eps=1/2"))
    with pytest.raises(ValueError):
        accumulated_error(run)
    with pytest.raises(ValueError):
        error_ratio(run)


def test_error_ratio_of_the_critical_family_is_lambda():
    sch = builtin_schedule("trigonometric")
    run = run_sampler(ATOM, STARTS, SamplerSpec(sch, "euler", 16, error="critical:lambda=3/8"), record=True)
    times, ratio = error_ratio(run)
    assert times[0] == 1.0 and times[-1] == pytest.approx(1 / 16)
    assert np.allclose(ratio[1:], 0.375, rtol=1e-12)  # t = 1: sigma' = 0 for trigonometric


def test_endpoint_deviation_counts_divergence():
    X = [[0, 0], [2, 0]]
    ends = np.array([[0.01, 0.0], [1.0, 0.0], [np.inf, 0.0], [2.0, 0.04]])
    ed, mf, div = endpoint_deviation(X, ends, 0.05)
    assert math.isinf(ed) and div == pytest.approx(0.25) and mf == pytest.approx(0.5)
    ed, mf, div = endpoint_deviation(X, ends[[0, 1, 3]], 0.05)
    assert ed == pytest.approx((0.01 + 1.0 + 0.04) / 3) and div == 0


def test_fitted_slope():
    xs = [2.0**-k for k in range(3, 9)]
    slope, se = fitted_slope(xs, [3 * x**2 for x in xs])
    assert slope == pytest.approx(2) and se < 1e-10
    assert fitted_slope(xs[:2], [1.0, 2.0]) is None
    slope, _ = fitted_slope(xs, [1 / math.sqrt(x) for x in xs])
    assert slope == pytest.approx(-0.5)


def test_training_error_monte_carlo():
    sch = builtin_schedule("linear")
    X = [[Fraction(0), Fraction(0)], [Fraction(2), Fraction(0)]]
    value, half = training_error_monte_carlo(parse_error("bounded:eps=1/2"), sch, X, times=16, per_time=8)
    assert value == pytest.approx(0.25) and half < 1e-12  # constant |e|^2 = eps^2 on [0, 1]
    value, half = training_error_monte_carlo(parse_error("random:eps=1/2,modes=4,seed=2"), sch, X,
                                             times=64, per_time=16)
    assert 0 < value < 0.25 and 0 < half < value


def _measures(te, eds, ratio, diverged=None):
    hs = (1 / 64, 1 / 128, 1 / 256, 1 / 512)
    ts = tuple(2.0**-k for k in range(4, 10))
    return FitMeasures("synthetic", te, hs, tuple(eds), tuple(1.0 if e <= 0.05 else 0.0 for e in eds),
                       tuple(diverged or (0.0,) * 4), ts, tuple(ratio(t) for t in ts))


def test_predicates_on_synthetic_fields():
    bounded = _measures(0.25, [0.02, 0.01, 0.005, 0.0025], lambda t: 0.5 * t)
    assert is_overfitting(bounded).holds and not is_underfitting(bounded).holds
    assert classify(bounded) == "overfitting"
    oracle = _measures(0.0, [0.02, 0.01, 0.005, 0.0025], lambda t: 0.0)
    assert not is_overfitting(oracle).holds  # TE = 0: the oracle itself does not overfit
    critical = _measures(math.inf, [0.25, 0.25, 0.25, 0.25], lambda t: 0.25)
    assert classify(critical) == "neither"
    a = is_underfitting(critical)
    assert not a.holds and a.consequence is False
    growing = _measures(math.inf, [1.0, 1.41, 2.0, 2.83], lambda t: 0.1 / math.sqrt(t))
    a = is_underfitting(growing)
    assert a.holds and a.consequence is True and classify(growing) == "underfitting"
    blown = _measures(math.inf, [math.inf] * 4, lambda t: math.inf, diverged=(0.5, 0.7, 0.9, 1.0))
    a = is_underfitting(blown)
    assert a.holds and a.consequence is True
    # a small finite error that still lands within tau but diverges on a path is not overfitting
    leaky = _measures(0.25, [0.01, 0.01, 0.01, 0.01], lambda t: t, diverged=(0.0, 0.0, 0.0, 0.1))
    assert not is_overfitting(leaky).holds
