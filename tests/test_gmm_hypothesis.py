"""EDGE-HYP (a loss weighting decides memorization) and EDGE-WINDOW (the 10 % - 90 % transition window),
on synthetic trained curves: nothing is trained here (verify.gmm.hypothesis, verify.gmm.window,
verify.checks.edge_hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verify.gmm import GMMError
from verify.gmm.hypothesis import (
    GENERALIZES,
    MEMORIZES,
    UNDECIDED,
    loss_rule,
    non_monotone,
    search,
    trained_status,
)
from verify.gmm.losses import LossTable
from verify.gmm.window import crossings, decreases, transition_window
from verify.registry import RunContext
from verify.verdicts import ClaimResult, Evidence, Verdict

N = 50
SIZES = (5, 10, 20, 30, 35, 38, 40, 42, 45, 50)


# -- the window ------------------------------------------------------------------------------------

def test_crossings_interpolate_linearly():
    M = np.array([10.0, 20.0, 30.0])
    R = np.array([[0.0, 0.4, 1.0], [0.5, 0.6, 0.7], [0.0, 0.1, 0.2]])
    out = crossings(M, R, 0.5)
    assert out[0] == pytest.approx(20 + 0.1 / 0.6 * 10) and out[1] == -np.inf and out[2] == np.inf


def test_transition_window_and_its_width():
    counts = [0, 0, 0, 2, 5, 20, 30, 45, 48, 50]
    w = transition_window(SIZES, counts, 50, N, resamples=500)
    lo, half, hi = w.crossing
    assert lo < half < hi and w.width == pytest.approx(hi - lo)
    assert w.interval[1][0] <= half <= w.interval[1][1]
    assert w.width_interval[0] <= w.width <= w.width_interval[1]
    assert w.to_json()["crossing"][1] == pytest.approx(half)
    # levels not crossed: nan width
    flat = transition_window(SIZES, [0] * len(SIZES), 50, N, resamples=50)
    assert math.isnan(flat.width) and flat.to_json()["width"] is None
    with pytest.raises(GMMError):
        transition_window([5, 5], [0, 1], 50, N)
    with pytest.raises(GMMError):
        transition_window([5, 10], [0, 60], 50, N)


def test_decreases_needs_disjoint_intervals():
    assert decreases(SIZES, [0, 0, 0, 2, 5, 20, 30, 45, 48, 50], 50) == []
    assert decreases(SIZES, [0, 0, 0, 2, 5, 20, 30, 45, 44, 50], 50) == []  # within the noise
    assert (40, 42) in decreases(SIZES, [0, 0, 0, 2, 5, 20, 45, 10, 48, 50], 50)


# -- the hypothesis' parts -------------------------------------------------------------------------

def _table(crossing: float, R: int = 6, T: int = 4) -> LossTable:
    """Losses with L(pmem_M) - L(gen) = crossing - M/N at every time (and small noise)."""
    rng = np.random.default_rng(1)
    times = np.linspace(0.1, 0.9, T)
    labels = ["generalizing", "memorizing"] + [f"partial M={M}" for M in SIZES if M < N]
    batches = np.empty((len(labels), T, R))
    batches[0] = 1.0
    batches[1] = 1.0 + (crossing - 1.0)
    for i, M in enumerate([M for M in SIZES if M < N]):
        batches[2 + i] = 1.0 + (crossing - M / N) + 1e-4 * rng.standard_normal((T, R))
    psi = (1 - times**2) / times**2
    return LossTable(times, tuple(labels), batches, np.sqrt(1 - times**2), times, psi, 30, N, 1.0,
                     "vp-linear-sigma", {f"partial M={M}": M for M in SIZES if M < N})


def test_loss_rule_predicts_an_up_set():
    table = _table(0.79)
    delta, predicted = loss_rule(table, SIZES, np.ones(4))
    assert np.all(np.diff(delta.mean) < 0)
    assert list(predicted[:6]) == [GENERALIZES] * 6 and list(predicted[6:]) == [MEMORIZES] * 4  # 40/50 > 0.79
    with pytest.raises(GMMError):
        loss_rule(table, SIZES, np.zeros(4))
    with pytest.raises(GMMError):
        loss_rule(table, [7], np.ones(4))


def test_trained_status_and_the_obstruction():
    status = trained_status([0, 24, 26, 40], 50)
    assert list(status) == [GENERALIZES, UNDECIDED, UNDECIDED, MEMORIZES]
    assert non_monotone([5, 10, 20], np.array([MEMORIZES, UNDECIDED, GENERALIZES])) == [(5, 20)]
    assert non_monotone([5, 10], np.array([GENERALIZES, MEMORIZES])) == []


def test_search_finds_the_matching_weightings():
    counts = [0, 0, 0, 0, 0, 2, 10, 45, 48, 50]  # memorizes from M = 42
    family = {"one": np.ones(4), "late": np.array([0.0, 0.0, 0.0, 1.0])}
    found = search(_table(0.82), SIZES, counts, 50, family)
    assert found.matching == ["one", "late"] and not found.obstruction
    assert found.sides["one"].mstar == pytest.approx(0.82, abs=1e-3)
    wrong = search(_table(0.5), SIZES, counts, 50, family)  # the loss rule switches at M/N = 0.5
    assert wrong.matching == [] and set(wrong.sides["one"].mismatches) == {30, 35, 38, 40}


# -- the checkers, on a synthetic trained cell -----------------------------------------------------

def _cell(counts, transition=None):
    from verify.checks.edge_hypothesis import TrainedCell
    from verify.checks.edge_pt import default_config, default_setting

    ref = transition or {"half": math.nan, "window": [math.nan, math.nan], "start": None, "end": None}
    return TrainedCell(default_setting(0), SIZES, tuple(counts), 50, ref, default_config(True).training)


@pytest.fixture(scope="module")
def hyp_results():
    from verify.checks.edge_hypothesis import hypothesis_result

    ctx = RunContext(quick=True)
    up = hypothesis_result(ctx, _cell([0, 0, 0, 0, 0, 1, 25, 45, 48, 50]), 0.0)
    down = hypothesis_result(ctx, _cell([50, 48, 45, 10, 0, 0, 0, 0, 0, 0]), 0.0)
    return up, down


def test_edge_hyp_is_conditional_when_a_weighting_matches(hyp_results):
    up, _ = hyp_results
    assert up.status is Verdict.CONDITIONAL, up.summary
    match = next(e for e in up.evidence if "some weighting" in e.check)
    assert "uniform-x0" in match.data["matching"] and "one cell" in up.condition


def test_edge_hyp_reports_evidence_against_a_decreasing_curve(hyp_results):
    _, down = hyp_results
    assert down.status is Verdict.INCONCLUSIVE and down.summary.startswith("evidence against")
    assert any(e.passed is False and "up-set" in e.check for e in down.evidence)


def test_edge_window_on_a_synthetic_cell():
    from verify.checks.edge_hypothesis import window_result
    from verify.gmm.sweep import locate_transition

    counts = [0, 0, 0, 2, 5, 20, 30, 45, 48, 50]
    t = locate_transition(SIZES, counts, 50, N, 200, 0).to_json()
    res = window_result(_cell(counts, t), 0.0)
    assert res.status is Verdict.CONDITIONAL, res.summary
    assert "width" in res.summary and "no width to compare" in res.condition
    # a curve that goes down: the window is not well defined
    bad = window_result(_cell([0, 0, 0, 2, 5, 45, 10, 45, 48, 50], t), 0.0)
    assert bad.status is Verdict.INCONCLUSIVE


def test_trained_cell_reads_edge_pt_and_says_when_it_cannot(monkeypatch):
    from verify.checks import edge_hypothesis, edge_pt

    ratios = [c / 50 for c in (0, 0, 0, 2, 5, 20, 30, 45, 48, 50)]
    good = ClaimResult("EDGE-PT", Verdict.INCONCLUSIVE, "s", [
        Evidence("curve", None, "", data={"M": list(SIZES), "ratio": ratios}),
        Evidence("transition", None, "", data={"half": 0.8, "window": [0.7, 0.9], "start": 35, "end": 45})])
    monkeypatch.setattr(edge_pt, "check_edge_pt", lambda ctx: good)
    cell = edge_hypothesis.trained_cell(RunContext(quick=True))
    assert cell.Ms == SIZES and cell.counts[5] == 20 and cell.samples == 50
    empty = ClaimResult("EDGE-PT", Verdict.INCONCLUSIVE, "no cell", [Evidence("x", None, "")])
    monkeypatch.setattr(edge_pt, "check_edge_pt", lambda ctx: empty)
    reason = edge_hypothesis.trained_cell(RunContext(quick=True))
    assert isinstance(reason, str) and "no memorization curve" in reason
    res = edge_hypothesis.check_edge_window(RunContext(quick=True))
    assert res.status is Verdict.INCONCLUSIVE and "no trained cell" in res.summary
