"""EDGE-T31 as the paper states it: E over training sets of L_gen - L_mem = Theta(d var/(psi var + 1)) on
[0, kappa(d)], kappa(d) -> 1 (verify.gmm.expected_gap, verify.checks.edge_t31); and EDGE-T31-UNIT."""

from __future__ import annotations

import math

import numpy as np
import pytest

from verify.gmm import GMMError
from verify.gmm.expected_gap import BAND, GapSeries, gap_series, gap_times, holding_kappa
from verify.gmm.losses import Estimate
from verify.registry import RunContext
from verify.verdicts import Verdict

QUICK = RunContext(quick=True)


def test_the_grid_is_dense_near_one():
    t = gap_times()
    assert len(t) == 23 and np.all(np.diff(t) > 0) and t[0] == 0.001 and 0.998 < t[-1] < 1
    assert (t > 0.9).sum() >= 10


def test_holding_kappa_is_the_last_time_of_the_leading_run():
    times = np.array([0.1, 0.5, 0.8, 0.9, 0.95])
    est = Estimate(np.array([1.0, 0.9, 0.7, 0.3, 0.6]), np.array([0.01, 0.05, 0.1, 0.05, 0.01]))
    assert holding_kappa(times, est) == 0.8  # 0.3 leaves the band; 0.6 after it does not count
    assert holding_kappa(times, est, (0.85, 1.1)) == 0.5
    assert holding_kappa(times, Estimate(np.full(5, 0.1), np.zeros(5))) is None
    with pytest.raises(GMMError):
        holding_kappa(times, est, (0.0, 2.0))


def test_gap_series_is_one_at_low_noise_and_falls_near_t_one():
    s = gap_series(8, 2, 16, 3, 2, seed=4, times=[0.001, 0.3, 0.999])
    r = s.ratio
    assert s.per_set.shape == (3, 3)
    assert abs(r.mean[0] - 1) < 1e-3 and r.mean[-1] < 0.5
    assert s.kappa() in (0.3, 0.001) and s.next_time(s.kappa()) > s.kappa()
    assert math.isnan(s.scaled(None)) and s.to_json()["kappa"] == s.kappa()
    with pytest.raises(GMMError):
        gap_series(8, 2, 16, 1, 2, seed=0)


def _fake(d: int, kappa_index: int, times: np.ndarray) -> GapSeries:
    """A series whose ratio is 1 up to times[kappa_index] and 0.1 after it (4 identical sets)."""
    ratio = np.where(np.arange(len(times)) <= kappa_index, 1.0, 0.1)
    psi = (1 - times**2) / times**2
    return GapSeries(d, 3, 2 * d, 1.0, 4, 2, times, psi, d / (1 + psi), np.tile(ratio, (4, 1)))


def test_the_verdict_tells_a_growing_range_from_a_failure_inside_it(monkeypatch):
    from verify.checks import edge_t31

    times = gap_times()
    monkeypatch.setattr(edge_t31, "_figure", lambda series, st: b"")
    monkeypatch.setattr(edge_t31, "_study", lambda ctx, st: [_fake(d, k, times) for d, k in
                                                              ((10, 8), (20, 12), (50, 16))])
    good = edge_t31.check_edge_t31(QUICK)
    assert good.status is Verdict.CONDITIONAL and "fails outside the stated range only" in good.summary
    # the range shrinks at the largest d: the band fails where a smaller d already holds
    monkeypatch.setattr(edge_t31, "_study", lambda ctx, st: [_fake(d, k, times) for d, k in
                                                              ((10, 8), (20, 12), (50, 6))])
    bad = edge_t31.check_edge_t31(QUICK)
    assert bad.status is Verdict.INCONCLUSIVE and bad.summary.startswith("evidence against the statement")
    failed = {e.check for e in bad.evidence if e.passed is False}
    assert any("increases" in c for c in failed) and any("already covers" in c for c in failed)


def test_check_edge_t31_quick_is_conditional_with_kappa_increasing():
    from verify.checks.edge_t31 import check_edge_t31

    res = check_edge_t31(QUICK)
    assert res.status is Verdict.CONDITIONAL, res.summary
    band = next(e for e in res.evidence if "in the band" in e.check)
    kappas = [s["kappa"] for s in band.data["series"]]
    assert all(a < b for a, b in zip(kappas, kappas[1:], strict=False))
    assert all(BAND[0] <= min(s["ratio"][:1]) for s in band.data["series"])
    assert res.figures["edge-t31-theta.png"][:4] == b"\x89PNG"
    assert "Theta statement estimated on finitely many d" in res.condition


def test_a_wrong_scale_in_d_is_noticed(monkeypatch):
    """The statement's d-scaling: a gap measured per coordinate (a factor d lost) leaves the band."""
    from verify.checks import edge_t31
    from verify.gmm import expected_gap

    real = expected_gap.gap_series

    def per_coordinate(d, *args, **kw):
        s = real(d, *args, **kw)
        return GapSeries(s.d, s.K, s.N, s.var_star, s.sets, s.draws, s.times, s.psi, s.approx,
                         s.per_set / s.d)

    monkeypatch.setattr(edge_t31, "gap_series", per_coordinate)
    monkeypatch.setattr(edge_t31, "_figure", lambda series, st: b"")
    res = edge_t31.check_edge_t31(QUICK)
    assert res.status is Verdict.INCONCLUSIVE


def test_unit_reading_is_relabelled(monkeypatch):
    from verify.checks import edge_losses, edge_t31
    from verify.verdicts import ClaimResult, Evidence

    fake = ClaimResult("EDGE-T31", Verdict.CONDITIONAL, "s", [Evidence("e", None, "x")], 1.0, "c",
                       {"edge-losses.png": b"png"})
    monkeypatch.setattr(edge_losses, "check_edge_t31", lambda ctx: fake)
    res = edge_t31.check_edge_t31_unit(QUICK)
    assert res.id == "EDGE-T31-UNIT" and res.status is Verdict.CONDITIONAL and res.condition == "c"
    assert res.figures == {"edge-losses.png": b"png"} and fake.id == "EDGE-T31"
