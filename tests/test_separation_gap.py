"""SEP-T43: the Monte Carlo loss gap against an independent quadrature, the asymptote, the
departure point, the CLI pieces and the check's verdict (including a forced failure)."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import pytest

from verify.checks import separation_gap
from verify.cli.separation import add_gap_arguments as add_arguments
from verify.cli.separation import gap_command as command
from verify.registry import RunContext
from verify.separation.gap import (
    DEPARTURE,
    asymptote,
    departure,
    loss_gap,
    mixture_law,
    nearest_neighbour,
    reverse_fisher,
    s_grid,
    scan_cell,
    t95,
)
from verify.separation.scores import MixtureLaw, SeparationError, coefficients, empirical_score, gmm_score
from verify.verdicts import Verdict

LAW_1D = MixtureLaw(np.array([[-2.0], [1.5]]), np.array([[0.7]]))
DATA_1D = np.array([[-2.3], [-1.1], [0.4], [1.9]])


def _quadrature_gap(s: float) -> float:
    """Fisher(P^_s, P_s) in 1-D by Gauss-Hermite (150 nodes per training point), independent of MC."""
    alpha, var = (float(v) for v in coefficients(s))
    z, w = np.polynomial.hermite_e.hermegauss(150)
    w = w / w.sum()
    total = 0.0
    for x in DATA_1D[:, 0]:
        X = (alpha * x + math.sqrt(var) * z)[:, None]
        diff = (empirical_score(X, s, DATA_1D) - gmm_score(X, s, LAW_1D))[:, 0]
        total += float((w * diff**2).sum())
    return total / len(DATA_1D)


@pytest.mark.parametrize("s", [0.05, 0.5, 2.0])
def test_monte_carlo_gap_matches_quadrature(s):
    rng = np.random.default_rng(1)
    values = [loss_gap(DATA_1D, s, LAW_1D, 4000, rng) for _ in range(10)]
    mean, half = t95(values)
    exact = _quadrature_gap(s)
    assert abs(mean - exact) <= half + 1e-3 * exact, (mean, half, exact)


def test_asymptote_is_d_over_expm1_and_general_eigenvalues():
    s = np.array([1e-4, 0.1, 1.0, 3.0])
    assert np.allclose(asymptote(s, [1.0] * 3), 3 / np.expm1(s), rtol=1e-12)
    alpha, var = coefficients(s)
    lams = [0.5, 2.0]
    expected = sum(1 / var - 1 / (alpha**2 * lam + var) for lam in lams)
    assert np.allclose(asymptote(s, lams), expected, rtol=1e-12)


def test_gap_is_exact_for_one_gaussian_component_and_far_apart_samples():
    # law N(0, I): A = I, so the score difference is -(alpha^2/sigma) z + alpha x_i up to exponentially
    # small softmax leakage: gap = alpha^4 d / sigma^2 + alpha^2 mean ||x_i||^2
    law = MixtureLaw(np.array([[0.0, 0.0]]), np.eye(2))
    data = 5 * np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0]])
    rng = np.random.default_rng(2)
    for s in (1e-4, 1e-2):
        alpha, var = (float(v) for v in coefficients(s))
        exact = alpha**4 * 2 / var + alpha**2 * 25
        mean, half = t95([loss_gap(data, s, law, 256, rng) for _ in range(8)])
        assert abs(mean - exact) <= half + 1e-9 * exact, (s, mean, half, exact)
    # with typical samples (mean ||x_i - mu||^2 = d) this is the asymptote d/(e^s - 1)
    assert 1 / (1 - math.exp(-0.01)) * math.exp(-0.02) * 2 + math.exp(-0.01) * 2 == pytest.approx(
        asymptote(0.01, [1.0, 1.0])[0], rel=1e-12)


def test_reverse_fisher_dominates_the_gap_at_small_s():
    law = mixture_law(2, 2, 0)
    rng = np.random.default_rng(3)
    data = law.sample(20, rng)
    assert reverse_fisher(data, 1e-3, law, 2000, rng) > 10 * loss_gap(data, 1e-3, law, 2000, rng)


def test_departure_interpolates_and_reports_none():
    s = [0.01, 0.1, 1.0]
    asym = [1.0, 1.0, 1.0]
    assert departure(s, [1.0, 1.0, 0.95], asym) is None
    # ratio 1.0 -> 0.8 between s = 0.1 and 1: crossing of 0.9 halfway in log s
    assert departure(s, [1.0, 1.0, 0.8], asym) == pytest.approx(math.sqrt(0.1), rel=1e-12)
    assert departure(s, [0.5, 0.4, 0.3], asym) == 0.01
    assert DEPARTURE == 0.9


def test_nearest_neighbour_and_t95():
    data = np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 5.0]])
    assert nearest_neighbour(data) == pytest.approx((5.0 + 1.0 + 1.0) / 3)
    mean, half = t95([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.302652729911275 / math.sqrt(3), rel=1e-9)


def test_scan_cell_has_intervals_and_a_departure():
    cell = scan_cell(2, 4, 200, s_grid("1e-4:1:6"), 3, 64, 0)
    assert len(cell.gap) == len(cell.half) == 6 and all(h > 0 for h in cell.half)
    assert cell.normalized[0] == pytest.approx(math.exp(-1e-4), rel=0.03)
    assert cell.departure is not None and 0.05 < cell.departure_ratio < 5
    assert json.loads(json.dumps(cell.to_json()))["n"] == 200


def test_s_grid_and_bad_input():
    assert s_grid("0.5,0.1") == [0.1, 0.5]
    assert s_grid("1e-3:1:4") == pytest.approx([1e-3, 1e-2, 1e-1, 1.0])
    for bad in ("0:1:3", "x", "-1", "1:2:0", "100"):
        with pytest.raises(SeparationError):
            s_grid(bad)
    with pytest.raises(SeparationError):
        scan_cell(2, 2, 1, [0.1], 2, 8, 0)


def _args(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    add_arguments(p)
    return p.parse_args(list(argv))


def test_command_json_and_text(capsys):
    assert command(_args("--d", "2", "--n", "10,20", "--s", "1e-3:1:3", "--datasets", "2", "--draws", "16",
                         "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["n"] for c in out["cells"]] == [10, 20]
    assert command(_args("--d", "2", "--n", "10", "--s", "0.01", "--datasets", "2", "--draws", "8",
                         "--reverse")) == 0
    assert "reverse" in capsys.readouterr().out
    with pytest.raises(SeparationError):
        command(_args("--d", "0"))
    with pytest.raises(SeparationError):
        command(_args("--means", "m.csv"))


def test_command_with_a_data_file(tmp_path, capsys):
    data = tmp_path / "data.csv"
    data.write_text("0,0\n3,4\n3,5\n")
    assert command(_args("--data", str(data), "--json")) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nearest_neighbour"] == pytest.approx(7 / 3) and "note" in out
    means = tmp_path / "means.csv"
    means.write_text("0,0\n3,4\n")
    assert command(_args("--data", str(data), "--means", str(means), "--s", "0.001", "--draws", "64",
                         "--json")) == 0
    row = json.loads(capsys.readouterr().out)["rows"][0]
    assert row["mc"]["value"] == pytest.approx(row["asymptote"], rel=0.05)
    assert row["quadrature"]["value"] == pytest.approx(row["asymptote"], rel=0.01) and row["agree"]
    with pytest.raises(SeparationError):
        command(_args("--data", str(tmp_path / "missing.csv")))
    bad = tmp_path / "bad.csv"
    bad.write_text("0,0,0\n1,1,1\n")
    with pytest.raises(SeparationError):
        command(_args("--data", str(data), "--means", str(bad)))


def test_check_is_conditional_and_can_fail(monkeypatch):
    ctx = RunContext(quick=True)
    result = separation_gap.check_sep_t43(ctx)
    assert result.status is Verdict.CONDITIONAL, [e.detail for e in result.evidence]
    assert result.figures["sep-gap.png"].startswith(b"\x89PNG")
    assert "log n <= d" in result.condition and "Assumption 4.2" in result.condition
    assert "outside the window" in result.condition  # failures past t1 / with log n > d are reported apart
    monkeypatch.setattr(separation_gap, "BOUND_FLOOR", 0.99)
    failed = separation_gap.check_sep_t43(ctx)
    assert failed.status is Verdict.INCONCLUSIVE and "inside the window" in failed.summary
    assert [e.passed for e in failed.evidence].count(False) == 1


def test_window_follows_theorem_4_3_with_unit_constants():
    s = [1e-4, 0.05, 0.2, 1.0]
    cell = scan_cell(8, 2, 10, s, 2, 8, 0)
    # sigma_t <= 8^-1/2 <=> 1 - e^-t <= 1/8 <=> t <= 0.1335; sigma_t >= e^-8 always here; log 10 <= 8
    assert separation_gap.in_window(cell).tolist() == [True, True, False, False]
    small_d = scan_cell(2, 2, 10, s, 2, 8, 0)  # log 10 > 2: never in the window
    assert not separation_gap.in_window(small_d).any()


def test_failures_outside_the_window_are_not_refutations():
    ctx = RunContext(quick=True)
    cells = separation_gap.gap_scan(ctx)
    evidence, summary = separation_gap._bound_evidence(cells)
    assert evidence.passed is True
    reasons = {r["reason"] for r in summary["outside_failures"]}
    assert reasons and reasons <= {"t > t1", "log n > d", "t < t0"}
    assert all(not r["in_window"] for r in summary["outside_failures"])


def test_assumption_evidence_fails_for_means_far_out(monkeypatch):
    from verify.separation import gap as gap_module

    good = separation_gap._assumption_evidence((2, 8), 0)
    assert all(e.passed for e in good)
    far = gap_module.mixture_law

    monkeypatch.setattr(separation_gap, "mixture_law", lambda d, K, seed: far(d, K, seed, scale=20.0))
    bad = separation_gap._assumption_evidence((2, 8), 0)
    assert [e.passed for e in bad] == [False, False]


def test_integrated_bound_reuses_the_scan_and_can_fail(monkeypatch):
    ctx = RunContext(quick=True)
    result = separation_gap.check_sep_t43_int(ctx)
    assert result.status is Verdict.CONDITIONAL, [e.detail for e in result.evidence]
    rows = result.evidence[-1].data["rows"]
    assert rows and all(r["rule_error"] < 0.01 and r["ratio_lower"] > 0.25 for r in rows)
    # the widest window of d = 8: t0 = 1e-4, t1 = the largest scanned t with sigma_t^2 <= 1/8
    assert rows[0]["t0"] == pytest.approx(1e-4) and rows[0]["t1"] < 0.1336
    assert "smallest over every scanned pair" in result.condition
    monkeypatch.setattr(separation_gap, "BOUND_FLOOR", 0.99)
    assert separation_gap.check_sep_t43_int(ctx).status is Verdict.INCONCLUSIVE


def test_log_trapezoid_integrates_d_over_t_exactly_and_the_asymptote_closely():
    from fractions import Fraction

    import mpmath

    from derivations.separation import integrated_asymptote
    from verify.separation.gap import log_trapezoid

    s = np.geomspace(1e-4, 1e-1, 9)
    assert log_trapezoid(s, 3 / s) == pytest.approx(3 * math.log(1e3), rel=1e-12)  # s g(s) constant
    with mpmath.workdps(30):
        exact = float(integrated_asymptote(Fraction(1, 10**4), Fraction(1, 10), [Fraction(1)] * 3))
    assert exact == pytest.approx(3 * math.log(math.expm1(-0.1) / math.expm1(-1e-4)), rel=1e-12)
    assert log_trapezoid(s, asymptote(s, [1.0] * 3)) == pytest.approx(exact, rel=1e-3)


def test_lipschitz_figure_is_png():
    from verify.figures.separation import lipschitz_figure

    png = lipschitz_figure({"a": ([0.1, 1.0], [10.0, 1.0]), "b": ([0.1, 1.0], [0.0, 2.0])}, "t")
    assert png.startswith(b"\x89PNG")
