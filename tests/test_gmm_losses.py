"""Training losses of the GMM laboratory (Monte Carlo, quadrature) and the crossover M*/N."""

from __future__ import annotations

import argparse
import json
from fractions import Fraction

import numpy as np
import pytest

from verify.cli.gmm import add_crossover_arguments, add_losses_arguments, crossover_command, losses_command
from verify.gmm import GMMSetting, generalizing, generate, memorizing, process
from verify.gmm.crossover import (
    c_profile,
    classify,
    crossover_slope,
    exact_paper_grid,
    excess_root,
    holding_range,
    loss_factor,
    measured_crossover,
    nearest_memorized_c,
    predicted_mstar,
    relative_error,
)
from verify.gmm.data import GMMError, paper_grid
from verify.gmm.denoisers import MixtureDenoiser
from verify.gmm.losses import (
    Estimate,
    Partial,
    quadrature_loss,
    quadrature_losses,
    standard_denoisers,
    t_quantile,
    training_losses,
)
from verify.statistics import binomial_test

TIMES = (0.05, 0.4, 0.9)


def _table(data, dens, times, draws, seed, **kw):
    return training_losses(data, dens, times, process(), draws, np.random.default_rng(seed), **kw)


@pytest.fixture(scope="module")
def small():
    """d = 1 and d = 2 instances with Monte Carlo and quadrature at three times."""
    out = {}
    for d in (1, 2):
        data = generate(GMMSetting(d, 2, 3, 1.0, seed=4))
        dens = [generalizing(data), memorizing(data)]
        table = _table(data, dens, TIMES, 600, 11)
        quad = {den.label: quadrature_losses(data, den, TIMES, digits=20) for den in dens}
        out[d] = (data, table, quad)
    return out


@pytest.fixture(scope="module")
def paperlike():
    """A reduced laboratory cell (d = 20, K = 4, N = 40) with partial memorization."""
    data = generate(GMMSetting(20, 4, 40, 1.0, seed=2))
    Ms = [16, 24, 28, 32, 36]
    table = _table(data, standard_denoisers(data, Ms), paper_grid(), 24, 5)
    return data, table


# -- quadrature and Monte Carlo --------------------------------------------------------------------------

#: 95 % half-width -> Bonferroni over the 12 comparisons at family level 0.005 (z = 3.46).
WIDEN = 3.46 / 1.96


@pytest.mark.parametrize("d", [1, 2])
def test_monte_carlo_interval_contains_quadrature(small, d):
    data, table, quad = small[d]
    for label, (values, errors) in quad.items():
        est = table.loss(label)
        assert (errors < 1e-6 * np.maximum(values, 1e-30) + 1e-12).all(), (label, errors)
        for k in range(len(TIMES)):
            gap = abs(est.mean[k] - values[k])
            allowed = WIDEN * est.half[k] + errors[k] + 1e-12
            assert gap <= allowed, (d, label, TIMES[k], est.mean[k], values[k])


def test_quadrature_one_dimension_matches_two_precisions():
    data = generate(GMMSetting(1, 3, 4, 1.0, seed=7))
    den = memorizing(data)
    a, s = float(np.sqrt(1 - 0.3**2)), 0.3
    lo, err_lo = quadrature_loss(data, den, a, s, digits=15)
    hi, err_hi = quadrature_loss(data, den, a, s, digits=30)
    assert abs(lo - hi) <= err_lo + 1e-14 * hi
    assert err_hi < 1e-20


def test_quadrature_of_one_gaussian_is_the_mmse():
    """K = 1 (no mixture): the loss of x_i is g^2 s^2 d + (1 - g a)^2 |x_i - mu|^2."""
    data = generate(GMMSetting(2, 1, 2, 1.0, seed=3))
    den = generalizing(data)
    t = 0.6
    a, s = float(np.sqrt(1 - t * t)), t
    g = a / (a * a + s * s)
    exact = np.mean([g * g * s * s * 2 + (1 - g * a) ** 2 * ((x - data.means[0]) ** 2).sum()
                     for x in data.train])
    value, err = quadrature_loss(data, den, a, s)
    assert abs(value - exact) <= err + 1e-12


def test_quadrature_rejects_high_dimension():
    data = generate(GMMSetting(3, 2, 3))
    with pytest.raises(GMMError):
        quadrature_loss(data, memorizing(data), 0.5, 0.5)


def test_interval_coverage_is_near_95_percent():
    """40 independent MC runs of the d = 1 memorizing loss at t = 0.4: the count of intervals that
    contain the quadrature value is consistent with 95 % (binomial test, level 0.001)."""
    data = generate(GMMSetting(1, 2, 3, 1.0, seed=9))
    den = memorizing(data)
    (ref,), _ = quadrature_losses(data, den, (0.4,), digits=20)
    hits = 0
    for r in range(40):
        est = _table(data, [den], (0.4,), 40, 1000 + r).loss("memorizing")
        hits += bool(abs(est.mean[0] - ref) <= est.half[0])
    assert binomial_test(hits, 40, Fraction(95, 100)) > 1e-3, hits
    assert hits >= 30


def test_memorizing_loss_vanishes_at_low_noise(paperlike):
    _, table = paperlike
    mem = table.loss("memorizing")
    gen = table.loss("generalizing")
    low = table.times < 0.3
    assert (mem.mean[low] < 1e-12 * gen.mean[low]).all()
    assert mem.mean[-1] > 0.5 * gen.mean[-1]  # at t = 0.999 both are ~ the data variance


def test_one_gaussian_generalizing_loss_is_the_derived_mmse_in_expectation():
    """K = 1 without the control variate: the MC interval contains the exact conditional value, whose
    mean over training sets is d var/(1 + psi var) (checked with N = 4000)."""
    var = 0.7
    data = generate(GMMSetting(3, 1, 4000, var, seed=1))
    t = np.array([0.3, 0.7])
    vals = process()(t)
    a, s = vals["alpha"], vals["sigma"]
    table = _table(data, [generalizing(data)], t, 40, 3, control_variate=False)
    est = table.loss("generalizing")
    g = a * var / (a * a * var + s * s)
    spread = ((data.train - data.means[0]) ** 2).sum(axis=1)
    conditional = (1 - g * a) ** 2 * spread.mean() + g * g * s * s * 3
    assert (np.abs(est.mean - conditional) <= est.half).all()
    derived = 3 * var / (1 + vals["psi"] * var)
    se = (1 - g * a) ** 2 * spread.std() / np.sqrt(len(spread))
    assert (np.abs(conditional - derived) <= 4 * se).all()
    with_cv = _table(data, [generalizing(data)], t, 4, 3).loss("generalizing")
    assert np.allclose(with_cv.mean, conditional, rtol=1e-10) and (with_cv.half < 1e-8).all()


def test_control_variate_keeps_the_mean_and_shrinks_the_interval(paperlike):
    data, _ = paperlike
    t = (0.2, 0.6)
    plain = _table(data, [generalizing(data)], t, 30, 8, control_variate=False).loss("generalizing")
    cv = _table(data, [generalizing(data)], t, 30, 8).loss("generalizing")
    assert (np.abs(plain.mean - cv.mean) <= plain.half + cv.half).all()
    assert cv.half[0] < 0.1 * plain.half[0] and cv.half[1] < 0.5 * plain.half[1]


def test_partial_with_all_points_is_the_memorizing_loss():
    data = generate(GMMSetting(4, 2, 10, seed=5))
    table = _table(data, [memorizing(data), Partial(10)], (0.3, 0.8), 6, 1)
    assert np.allclose(table.loss("partial M=10").mean, table.loss("memorizing").mean, rtol=1e-12)


def test_trainable_denoiser_and_labels():
    data = generate(GMMSetting(4, 2, 10, seed=5))
    trained = MixtureDenoiser(data.train[:3] * 0.9, 0.2, "trained M=3")
    table = _table(data, [trained, memorizing(data)], (0.5,), 4, 1)
    assert table.loss("trained M=3").mean[0] > table.loss("memorizing").mean[0]
    with pytest.raises(GMMError):
        table.loss("nope")
    with pytest.raises(GMMError):
        _table(data, [memorizing(data), memorizing(data)], (0.5,), 4, 1)
    with pytest.raises(GMMError):
        _table(data, [Partial(11)], (0.5,), 4, 1)
    with pytest.raises(GMMError):
        _table(data, [memorizing(data)], (0.5,), 1, 1)


def test_t_quantile_known_values():
    assert t_quantile(0.975, 1) == pytest.approx(12.7062, abs=1e-4)
    assert t_quantile(0.975, 10) == pytest.approx(2.2281, abs=1e-4)
    assert t_quantile(0.975, 100000) == pytest.approx(1.95996, abs=1e-4)


# -- approximations and C --------------------------------------------------------------------------------

def test_relative_error_and_c_profile(paperlike):
    data, table = paperlike
    rel = relative_error(table)
    assert abs(rel.mean[0]) < 1e-3  # the low-noise gap is the derived MMSE
    cs = c_profile(table)
    assert sorted(cs) == [16, 24, 28, 32, 36]
    # C at the lowest noise level is the noise-free nearest-memorized-neighbour constant
    for M in (16, 32):
        nn = nearest_memorized_c(data, M, 300, np.random.default_rng(M))
        e = cs[M]
        assert abs(float(nn.mean) - e.mean[0]) <= 1.5 * np.hypot(float(nn.half), e.half[0])


def test_classify_and_holding_range():
    est = Estimate(np.array([0.0, 0.005, 0.02, 0.0]), np.array([0.001, 0.004, 0.001, 0.1]))
    status = classify(est, -0.01, 0.01)
    assert list(status) == ["holds", "holds", "fails", "undecided"]
    assert holding_range(np.array([0.1, 0.2, 0.3, 0.4]), status) == (0.1, 0.2)
    assert holding_range(np.array([0.1]), np.array(["fails"])) is None


# -- crossover -------------------------------------------------------------------------------------------

def test_closed_form_crossover_is_exact_on_the_grid():
    grid = exact_paper_grid()
    assert [float(t) for t in grid] == pytest.approx(list(paper_grid()), abs=1e-15)
    mean_t2 = sum(t * t for t in grid) / 26  # A_t = t^2 for VP with var = 1
    assert crossover_slope("uniform-x0", 1) == 1 - mean_t2
    assert crossover_slope("uniform-x0", 2) == 1 - mean_t2 / 2
    assert float(mean_t2) == pytest.approx(0.33964036, abs=1e-12)
    assert predicted_mstar(200, "uniform-x0", 2.0) == pytest.approx(200 * float(1 - mean_t2 / 2))


def test_loss_factors_match_the_conversion_table():
    import sympy as sp

    from derivations.schedules import T

    assert sp.simplify(loss_factor("epsilon") - (1 - T**2) / T**2) == 0
    assert sp.simplify(loss_factor("v") - 1 / (T**2 * (1 - T**2))) == 0
    assert loss_factor("uniform-x0") == 1


def test_crossover_formula_against_a_brute_force_root():
    """Random positive weights and C_t on a random rational grid: bisection on the weighted excess
    equation agrees with the SymPy-solved closed form."""
    rng = np.random.default_rng(0)
    times = sorted({Fraction(int(k), 997) for k in rng.integers(1, 996, 9)})
    Cs = [Fraction(int(c), 100) for c in rng.integers(100, 200, len(times))]
    var = Fraction(3, 2)
    psi = [(1 - t * t) / (t * t) for t in times]
    lam = psi  # epsilon weights

    def excess_gap(m: float) -> float:
        gen = sum(float(w) / (1 + float(p * var)) for w, p in zip(lam, psi, strict=True))
        part = sum(float(w * c) * (1 - m) for w, c in zip(lam, Cs, strict=True))
        return part - gen

    lo, hi = 0.0, 1.0
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if excess_gap(mid) > 0 else (lo, mid)
    slope = crossover_slope("epsilon", Cs, var, times)
    assert isinstance(slope, Fraction)
    assert float(slope) == pytest.approx(lo, abs=1e-12)


def test_measured_crossover_against_dense_interpolation(paperlike):
    _, table = paperlike
    est = measured_crossover(table, "uniform-x0", "losses")
    means = {label: table.loss(label).mean for label in table.labels}
    target = (means["generalizing"] - means["memorizing"]).sum()
    Ms = sorted(table.M.values())
    excess = [(means[f"partial M={M}"] - means["memorizing"]).sum() for M in Ms]
    grid = np.linspace(Ms[0], table.N, 200001)
    curve = np.interp(grid, [*Ms, table.N], [*excess, 0.0])
    brute = grid[np.argmin(np.abs(curve - target))] / table.N
    assert float(est.mean) == pytest.approx(brute, abs=1e-4)
    assert 0 < float(est.half) < 0.05
    assert np.isnan(excess_root([10, 20], [5.0, 4.0], 100.0, 40))


def test_crossover_rejects_bad_input():
    with pytest.raises(GMMError):
        crossover_slope("elbo")
    with pytest.raises(GMMError):
        crossover_slope("uniform-x0", C=0)
    with pytest.raises(GMMError):
        crossover_slope("uniform-x0", C=[1, 2])
    with pytest.raises(GMMError):
        predicted_mstar(0)


# -- command line ----------------------------------------------------------------------------------------

def _run(add, command, argv, capsys):
    p = argparse.ArgumentParser()
    add(p)
    code = command(p.parse_args(argv))
    return code, capsys.readouterr().out


def test_losses_command_json(capsys):
    code, out = _run(add_losses_arguments, losses_command,
                     ["--d", "6", "--K", "2", "--N", "12", "--draws", "4", "--M", "6", "9", "--json"], capsys)
    assert code == 0
    obj = json.loads(out)
    assert set(obj["losses"]) == {"generalizing", "memorizing", "partial M=6", "partial M=9"}
    assert len(obj["t31_relative_error"]["mean"]) == 26 and set(obj["C"]) == {"6", "9"}
    code, out = _run(add_losses_arguments, losses_command,
                     ["--d", "6", "--K", "2", "--N", "12", "--draws", "4", "--M", "6"], capsys)
    assert code == 0 and "T31 rel err" in out and "C(t)" in out


def test_crossover_command(capsys):
    code, out = _run(add_crossover_arguments, crossover_command, ["--C", "1", "--json"], capsys)
    rows = json.loads(out)["readings"]
    assert code == 0 and {r["weighting"] for r in rows} == {"uniform-x0", "epsilon", "v"}
    uniform = next(r for r in rows if r["weighting"] == "uniform-x0")
    assert Fraction(uniform["exact"]) == crossover_slope("uniform-x0", 1)
    code, out = _run(add_crossover_arguments, crossover_command,
                     ["--weighting", "uniform-x0", "--d", "8", "--K", "2", "--N", "20", "--draws", "4"],
                     capsys)
    assert code == 0 and "losses" in out and "measured" in out


def test_commands_raise_gmm_error_on_bad_input(capsys):
    p = argparse.ArgumentParser()
    add_losses_arguments(p)
    with pytest.raises(GMMError):
        losses_command(p.parse_args(["--N", "10", "--M", "11"]))
    with pytest.raises(GMMError):
        losses_command(p.parse_args(["--draws", "1"]))


# -- the checkers on a reduced cell ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def reduced_checks():
    from verify.checks import edge_losses as el
    from verify.registry import RunContext

    mp = pytest.MonkeyPatch()
    mp.setattr(el, "PAPER", (20, 4, 40))
    mp.setattr(el, "_CACHE", {})
    reduced = el._Settings(16, (0.2, 0.6, 0.7, 0.8, 0.9), (10, 20), (40,), (0.5,), 8, 40, 100, 0, False)
    mp.setattr(el, "_settings", lambda ctx: reduced)
    ctx = RunContext(quick=True, seed=1)
    out = {"T31": el.check_edge_t31(ctx), "T32": el.check_edge_t32(ctx), "45": el.check_edge_45(ctx)}
    mp.setattr(el, "TOLERANCE_45", 1e-9)
    out["45-strict"] = el.check_edge_45(ctx)
    mp.undo()
    return out


def test_checkers_report_evidence_and_figures(reduced_checks):
    from verify.verdicts import Verdict

    t31 = reduced_checks["T31"]
    assert t31.status is Verdict.CONDITIONAL, t31.summary
    assert t31.condition.startswith("t in [0.001") and "edge-losses.png" in t31.figures
    assert t31.figures["edge-losses.png"][:4] == b"\x89PNG"
    assert any("quadrature" in e.check and e.passed for e in t31.evidence)
    t32 = reduced_checks["T32"]
    assert t32.status in (Verdict.CONDITIONAL, Verdict.INCONCLUSIVE) and "edge-c.png" in t32.figures
    assert any("nearest-memorized-neighbour" in e.check and e.passed for e in t32.evidence)
    r45 = reduced_checks["45"]
    rows = next(e for e in r45.evidence if "within" in e.check).data["readings"]
    assert any(r["weighting"] == "uniform-x0" and r["C"] == "2" for r in rows)


def test_edge_45_is_not_conditional_when_no_reading_matches(reduced_checks):
    from verify.verdicts import Verdict

    strict = reduced_checks["45-strict"]
    assert strict.status is Verdict.INCONCLUSIVE and "no reading reproduces 4/5" in strict.summary


def test_stacked_memorizing_denoiser_matches_one_subset_at_a_time():
    """The batched partial-memorization path equals the memorizing denoiser of each subset."""
    from verify.gmm.denoisers import denoise, memorized_stack

    rng = np.random.default_rng(7)
    X = rng.standard_normal((12, 3))
    subsets = np.stack([rng.choice(12, size=5, replace=False) for _ in range(4)])
    x = rng.standard_normal((4, 12, 3))
    for a, s in ((0.9, 0.3), (0.2, 1.5), (0.999, 0.01)):
        stacked = memorized_stack(x, a, s, X[subsets])
        for r in range(4):
            np.testing.assert_allclose(stacked[r], denoise(x[r], a, s, X[subsets[r]], 0.0), rtol=1e-12,
                                       atol=1e-13)


def test_exp_shifted_is_numpy_exp_bit_for_bit():
    from verify.gmm.denoisers import EXP_ZERO, exp_shifted

    rng = np.random.default_rng(3)
    for scale in (1.0, 50.0, 700.0, 1e4, 1e8):  # no underflow .. nearly one-hot
        lg = -scale * rng.random((37, 53))
        lg[::5, 3] = 0.0
        lg[2, :4] = [EXP_ZERO, np.nextafter(EXP_ZERO, 0.0), -720.0, np.nan]
        lg[3, 0] = -np.inf
        want = np.exp(lg)
        got = exp_shifted(lg.copy())
        assert got.tobytes() == want.tobytes()
        transposed = lg.T.copy().T  # not C-contiguous: plain exp
        assert exp_shifted(transposed).tobytes() == want.tobytes()
