"""Training, DDIM sampling and the resumable sweep of the GMM laboratory (EDGE-PT)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from verify.cli.gmm import add_sweep_arguments, sweep_command
from verify.gmm import sweep as sweep_module
from verify.gmm.data import GMMError, GMMSetting, generate, paper_grid, process
from verify.gmm.denoisers import MixtureDenoiser
from verify.gmm.sampling import ddim, memorization_ratio
from verify.gmm.sweep import (
    SweepConfig,
    first_pass_sizes,
    locate_transition,
    refinement_sizes,
    run_cell,
)
from verify.gmm.training import (
    LOGIT_FLOOR,
    Adam,
    TrainingConfig,
    UpdateEMA,
    _AdamEMA,
    init_means,
    loss_and_grad,
    loss_and_grad_fast,
    train,
    wsd_learning_rate,
)

# -- the analytic gradient -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_problem():
    rng = np.random.default_rng(11)
    B, M, d = 24, 5, 3
    alpha = rng.uniform(0.2, 0.99, B)
    return dict(means=2.0 * rng.standard_normal((M, d)), x0=2.0 * rng.standard_normal((B, d)), alpha=alpha,
                sigma=np.sqrt(1 - alpha**2), eps=rng.standard_normal((B, d)))


@pytest.mark.parametrize("std", [0.05, 0.6, 1.7])
def test_gradient_matches_central_differences(small_problem, std):
    p = small_problem
    loss, g_means, g_std = loss_and_grad(p["means"], std, p["x0"], p["alpha"], p["sigma"], p["eps"])

    def f(means, s):
        return loss_and_grad(means, s, p["x0"], p["alpha"], p["sigma"], p["eps"])[0]

    h = 1e-6
    num = np.zeros_like(p["means"])
    for idx in np.ndindex(num.shape):
        up, down = p["means"].copy(), p["means"].copy()
        up[idx] += h
        down[idx] -= h
        num[idx] = (f(up, std) - f(down, std)) / (2 * h)
    num_std = (f(p["means"], std + h) - f(p["means"], std - h)) / (2 * h)
    assert np.abs(num - g_means).max() <= 1e-6 * max(1.0, np.abs(num).max())
    assert abs(num_std - g_std) <= 1e-6 * max(1.0, abs(num_std))
    assert np.abs(g_means).max() > 1e-3 and abs(g_std) > 1e-6  # not trivially zero


def test_loss_is_the_epsilon_prediction_error(small_problem):
    """The loss equals the mean squared error of eps_hat = (x - alpha x0_hat) / sigma against eps."""
    p, std = small_problem, 0.4
    loss = loss_and_grad(p["means"], std, p["x0"], p["alpha"], p["sigma"], p["eps"])[0]
    a, s = p["alpha"][:, None], p["sigma"][:, None]
    x = a * p["x0"] + s * p["eps"]
    den = MixtureDenoiser(p["means"], std**2)
    eps_hat = (x - a * den(x, p["alpha"], p["sigma"])) / s
    assert loss == pytest.approx(((eps_hat - p["eps"]) ** 2).sum(axis=1).mean(), rel=1e-10)


# -- optimizer pieces -------------------------------------------------------------------------------------

def test_adam_constant_gradient_steps_by_the_learning_rate():
    adam = Adam([(2,)])
    g = np.array([3.0, -0.5])
    for _ in range(5):
        u = adam.update([g], 0.01)[0]
        np.testing.assert_allclose(u, -0.01 * np.sign(g), rtol=1e-6)


def test_adam_minimizes_a_quadratic():
    adam, x = Adam([(3,)]), np.array([5.0, -4.0, 0.3])
    target = np.array([1.0, 2.0, -3.0])
    for _ in range(3000):
        x = x + adam.update([2 * (x - target)], 0.01)[0]
    np.testing.assert_allclose(x, target, atol=1e-2)


def test_update_ema_is_debiased():
    """Constant input passes unchanged; a unit step after one zero gives (1 - b^(k-1)) / (1 - b^k)."""
    beta = 0.99
    ema = UpdateEMA([(1,)], beta)
    for _ in range(4):
        np.testing.assert_allclose(ema.update([np.array([2.5])])[0], 2.5, rtol=1e-12)
    ema = UpdateEMA([(1,)], beta)
    ema.update([np.array([0.0])])
    for k in range(2, 8):
        out = ema.update([np.array([1.0])])[0][0]
        assert out == pytest.approx((1 - beta ** (k - 1)) / (1 - beta**k), rel=1e-12)


# -- the fast path of train() against the one-model reference ----------------------------------------------

@pytest.mark.parametrize("std", [1e-3, 0.05, 0.6, 1.7])
@pytest.mark.parametrize("shape", [(24, 5, 3), (400, 40, 30), (24, 1, 3)])
def test_fast_gradient_matches_the_reference(std, shape):
    """loss_and_grad_fast (transposed, floored logits, another summation order) = loss_and_grad to
    rounding; std = 1e-3 (the training start) puts nearly every logit below the floor."""
    B, M, d = shape
    rng = np.random.default_rng(B + M + d)
    alpha = rng.uniform(0.05, 0.99, B)
    args = (2.0 * rng.standard_normal((M, d)), std, 2.0 * rng.standard_normal((B, d)), alpha,
            np.sqrt(1 - alpha**2), rng.standard_normal((B, d)))
    loss, g, gs = loss_and_grad(*args)
    loss_f, g_f, gs_f = loss_and_grad_fast(*args)
    assert loss_f == pytest.approx(loss, rel=1e-12)
    assert np.abs(g_f - g).max() <= 1e-11 * np.abs(g).max()
    assert gs_f == pytest.approx(gs, rel=1e-11)


def test_logit_floor_is_below_double_rounding():
    """A weight raised to e^floor changes a normalised sum by at most M e^floor: far below one ulp."""
    assert np.exp(LOGIT_FLOOR) * 1e6 < np.finfo(float).eps


def test_fused_optimizer_equals_adam_then_update_ema_bit_for_bit():
    cfg = TrainingConfig.compressed(2000, 8)
    rng = np.random.default_rng(5)
    means = rng.standard_normal((7, 3))
    ref_means, std, ref_std = means.copy(), 1e-3, 1e-3
    fused = _AdamEMA(means.shape, cfg, np.dtype(float))
    adam = Adam([means.shape, ()], cfg.b1, cfg.b2, cfg.eps)
    ema = UpdateEMA([means.shape, ()], cfg.ema_decay)
    for _ in range(300):
        g = rng.standard_normal(means.shape) * 10 ** rng.uniform(-8, 6)
        gs, lr = float(rng.standard_normal() * 10 ** rng.uniform(-8, 6)), float(rng.uniform(0, 0.03))
        std = fused.step(means, g, std, gs, lr)
        um, us = ema.update(adam.update([g, np.asarray(gs)], lr))
        ref_means += um
        ref_std += float(us)
    assert np.array_equal(means, ref_means) and std == ref_std


def test_train_does_not_depend_on_the_number_of_blas_threads():
    """A threaded BLAS dot or matrix-vector product splits its sum by thread (B d = 12 000 here is
    above OpenBLAS's threading threshold); train() must give the same bits with 1 and 2 threads."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    data = generate(GMMSetting(30, 3, 50, seed=0))
    cfg = TrainingConfig.compressed(30, 8)
    runs = []
    for threads in (1, 2):
        with threadpoolctl.threadpool_limits(threads):
            runs.append(train(data, 40, cfg))
    assert np.array_equal(runs[0].denoiser.means, runs[1].denoiser.means) and runs[0].std == runs[1].std
    assert np.array_equal(runs[0].history, runs[1].history)


def test_measured_point_does_not_depend_on_the_process_blas_threads():
    """measure_point trains and samples with TRAINING_BLAS_THREADS whatever the process has (a user's
    OPENBLAS_NUM_THREADS, ``--jobs 1`` on many cores): the same record, bits and counts."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from verify.gmm.sweep import measure_point

    setting = GMMSetting(30, 3, 50, seed=0)
    config = SweepConfig(TrainingConfig.compressed(200, 8), 50, refine=False, resamples=100)
    records = []
    for threads in (1, 2):
        with threadpoolctl.threadpool_limits(threads):
            record = measure_point(setting, 40, config)
        records.append({k: v for k, v in record.items() if not k.endswith("_seconds")})
    assert records[0] == records[1]


def _reference_train(data, M, config, seed):
    """The one-model loop train() replaced: loss_and_grad, Adam, then UpdateEMA, same seeds and draws."""
    train_x = np.asarray(data.train, dtype=float)
    N, d = train_x.shape
    rng = np.random.default_rng([seed, M, 0x7EA1])
    means, _ = init_means(train_x, M, rng)
    std = float(config.init_std)
    alpha_grid, sigma_grid = process(config.schedule).alpha_sigma(config.grid())
    R = config.draws
    x0 = np.repeat(train_x, R, axis=0)
    noise = np.empty((N * R, d))
    adam = Adam([means.shape, ()], config.b1, config.b2, config.eps)
    ema = UpdateEMA([means.shape, ()], config.ema_decay)
    lrs = wsd_learning_rate(np.arange(config.steps), config.steps, config.peak_lr, config.final_lr,
                            config.warmup_fraction)
    for k in range(config.steps):
        ti = rng.integers(0, len(alpha_grid), N)
        a, s = np.repeat(alpha_grid[ti], R), np.repeat(sigma_grid[ti], R)
        rng.standard_normal(out=noise)
        _, gm, gs = loss_and_grad(means, std, x0, a, s, noise)
        um, us = ema.update(adam.update([gm, np.asarray(gs)], float(lrs[k])))
        means += um
        std += float(us)
    return means, std


@pytest.mark.parametrize("setting, steps, draws, init_std, sizes, rel", [
    (GMMSetting(6, 3, 12, seed=0), 200, 4, 0.3, (2, 6), 1e-12),  # a smooth start
    (GMMSetting(5, 2, 8, seed=1), 20, 2, 1e-3, (3, 8), 1e-10),  # the default start, a short run
])
def test_train_agrees_with_the_one_model_reference(setting, steps, draws, init_std, sizes, rel):
    """Same seeds, draws and steps: the trained means and s agree with the reference loop to rounding
    (a longer run from s = 1e-3 amplifies rounding without bound: the dynamics are chaotic there)."""
    data = generate(setting)
    cfg = TrainingConfig.compressed(steps, draws, init_std=init_std)
    for M in sizes:
        fast = train(data, M, cfg)
        means, std = _reference_train(data, M, cfg, setting.seed)
        assert np.abs(fast.denoiser.means - means).max() <= rel * np.abs(means).max()
        assert fast.std == pytest.approx(abs(std), rel=rel)


def test_wsd_schedule_shape():
    S = 1000
    k = np.arange(S)
    lr = wsd_learning_rate(k, S, 1e-3, 1e-6, 0.1)
    assert lr[0] == 0.0 and lr[100] == pytest.approx(1e-3)
    assert lr[-1] == pytest.approx(1e-3 + (1e-6 - 1e-3) * 899 / 900)  # 1e-6 is reached at step S
    assert wsd_learning_rate(S, S, 1e-3, 1e-6, 0.1) == pytest.approx(1e-6)
    assert np.all(np.diff(lr[:101]) > 0) and np.all(np.diff(lr[100:]) < 0)
    assert np.allclose(np.diff(lr[:100], 2), 0, atol=1e-18)
    assert np.allclose(np.diff(lr[101:], 2), 0, atol=1e-18)


def test_compressed_config_scales_every_time_constant():
    base, c = TrainingConfig(), TrainingConfig.compressed(2000)
    k = 50_000 / 2000
    assert c.peak_lr == pytest.approx(base.peak_lr * k) and c.b2 == pytest.approx(base.b2**k)
    assert c.b1 == pytest.approx(base.b1**k) and c.ema_decay == pytest.approx(base.ema_decay**k)
    # the memory of the second moment in emulated steps is unchanged
    assert 1 / (1 - c.b2) * k == pytest.approx(1 / (1 - base.b2), rel=0.02)
    paper = TrainingConfig.paper()
    assert (paper.steps, paper.draws, paper.peak_lr) == (50_000, 100, 1e-3)


def test_init_means_are_distinct_training_points():
    data = generate(GMMSetting(4, 2, 10, seed=3))
    rng = np.random.default_rng(0)
    means, idx = init_means(data.train, 7, rng)
    assert len(set(idx.tolist())) == 7 and np.array_equal(means, data.train[idx])
    means, idx = init_means(data.train, 13, rng)
    assert sorted(idx[:10].tolist()) == list(range(10)) and len(idx) == 13


def test_bad_input_raises_gmm_error():
    with pytest.raises(GMMError):
        TrainingConfig(steps=0)
    with pytest.raises(GMMError):
        TrainingConfig(dtype="float16")
    with pytest.raises(GMMError):
        TrainingConfig.compressed(100_000)
    with pytest.raises(GMMError):
        init_means(np.zeros((3, 2)), 0, np.random.default_rng(0))
    with pytest.raises(GMMError):
        ddim(lambda x, a, s: x, np.zeros((2, 2)), np.array([0.5]))
    with pytest.raises(GMMError):
        sweep_module.grid_settings("nope")


# -- training behaviour -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trained():
    """d = 20, K = 3, N = 40 from a partially memorizing start: M = 4 and M = N (1 000 compressed steps)."""
    data = generate(GMMSetting(20, 3, 40, seed=0))
    cfg = TrainingConfig.compressed(1000, 8)
    return data, {M: train(data, M, cfg) for M in (4, 40)}


def _to_true_means(means: np.ndarray, data) -> np.ndarray:
    return ((means[:, None, :] - data.means[None]) ** 2).sum(axis=2).min(axis=1)


def test_small_model_moves_toward_cluster_centres(trained):
    data, runs = trained
    r = runs[4]
    before = _to_true_means(data.train[r.init_indices], data)
    after = _to_true_means(r.denoiser.means, data)
    assert np.median(after) < 0.6 * np.median(before)
    assert r.std > 0.5  # the shared variance grows toward sigma_star^2 = 1
    assert r.history[-100:].mean() < 0.1 * r.history[:100].mean()


def test_full_model_stays_memorizing(trained):
    data, runs = trained
    r = runs[40]
    assert r.std < 0.05
    assert np.abs(r.denoiser.means - data.train[r.init_indices]).max() < 0.5


def test_memorization_ratio_separates_the_two_models(trained):
    data, runs = trained
    starts = np.random.default_rng(1).standard_normal((30, 20))
    assert memorization_ratio(ddim(runs[4].denoiser, starts), data.train) == 0.0
    assert memorization_ratio(ddim(runs[40].denoiser, starts), data.train) == 1.0


def test_training_is_deterministic_and_float32_runs():
    data = generate(GMMSetting(5, 2, 8, seed=1))
    cfg = TrainingConfig.compressed(40, 2)
    a, b = train(data, 3, cfg), train(data, 3, cfg)
    assert np.array_equal(a.denoiser.means, b.denoiser.means) and a.std == b.std
    calls = []
    c = train(data, 3, TrainingConfig.compressed(40, 2, dtype="float32", log_every=10),
              progress=lambda k, S, loss: calls.append(k))
    assert np.isfinite(c.denoiser.means).all() and calls == [10, 20, 30, 40]


# -- DDIM against the closed form of one Gaussian ------------------------------------------------------------

def _one_gaussian_factor():
    r"""Per-step factor f with x_{t'} - alpha' mu = f (x_t - alpha mu), derived: posterior mean by
    Gaussian conditioning, then the DDIM step x' = alpha' x0_hat + sigma' (x - alpha x0_hat) / sigma."""
    a, s, a2, s2, v, mu, z = sp.symbols("a s a2 s2 v mu z", positive=True)
    cov, var = a * v, a**2 * v + s**2  # Cov(x0, x_t), Var(x_t) for x0 ~ N(mu, v)
    x = a * mu + z
    x0_hat = mu + cov / var * (x - a * mu)
    x_next = a2 * x0_hat + s2 * (x - a * x0_hat) / s
    factor = sp.simplify((x_next - a2 * mu) / z)
    assert sp.simplify(sp.diff(factor, z)) == 0 and sp.simplify(sp.diff(factor, mu)) == 0
    return sp.lambdify((a, s, a2, s2, v), factor, "numpy")


def test_ddim_matches_the_closed_form_of_one_gaussian():
    factor = _one_gaussian_factor()
    rng = np.random.default_rng(4)
    mu, v = rng.standard_normal(3), 0.7
    starts = rng.standard_normal((6, 3))
    grid = paper_grid()[::-1]
    alpha, sigma = process().alpha_sigma(grid)
    prod = np.prod([factor(alpha[k], sigma[k], alpha[k + 1], sigma[k + 1], v) for k in range(len(grid) - 1)])
    expected = alpha[-1] * mu + prod * (starts - alpha[0] * mu)
    got = ddim(MixtureDenoiser(mu[None, :], v), starts)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    # not the exact flow: the continuous probability flow would give sqrt(alpha^2 v + sigma^2) ratios
    flow = np.sqrt(alpha[-1] ** 2 * v + sigma[-1] ** 2) / np.sqrt(alpha[0] ** 2 * v + sigma[0] ** 2)
    assert abs(prod - flow) > 1e-4


# -- transition location and refinement --------------------------------------------------------------------

def test_locate_transition_interpolates():
    Ms = list(range(10, 101, 10))
    k = [0, 0, 0, 0, 0, 0, 10, 30, 45, 50]  # ratios 0.2 at 70, 0.6 at 80, 0.9 at 90
    t = locate_transition(Ms, k, 50, 100, resamples=500)
    assert t.status == "ok"
    assert t.half == pytest.approx(0.775) and t.window == pytest.approx((0.65, 0.90))
    assert (t.start, t.end) == (60, 90)
    assert t.half_ci[0] <= t.half <= t.half_ci[1] and t.half_ci[1] - t.half_ci[0] < 0.15
    assert refinement_sizes(Ms, np.array(k) / 50) == [63, 66, 69, 72, 75, 78, 81, 84, 87]
    below = locate_transition(Ms, [30] * 10, 50, 100, resamples=10)
    above = locate_transition(Ms, [0] * 10, 50, 100, resamples=10)
    assert (below.status, above.status) == ("below", "above") and np.isnan(below.half)


def test_first_pass_sizes():
    assert first_pass_sizes(50) == [5, 10, 15, 20, 25, 30, 35, 40, 45, 50]
    assert first_pass_sizes(3) == [1, 2, 3]


# -- resumability -------------------------------------------------------------------------------------------

def _tiny_config() -> SweepConfig:
    return SweepConfig(TrainingConfig.compressed(30, 2), samples=5, refine=False, resamples=50)


def test_sweep_resumes_and_never_leaves_partial_files(tmp_path, monkeypatch):
    setting = GMMSetting(4, 2, 6, seed=0)
    config = _tiny_config()
    calls = []
    real_train = sweep_module.train

    def failing_train(data, M, *a, **kw):
        calls.append(M)
        if len(calls) == 3:
            raise RuntimeError("simulated crash")
        return real_train(data, M, *a, **kw)

    monkeypatch.setattr(sweep_module, "train", failing_train)
    with pytest.raises(RuntimeError):
        run_cell(setting, config, tmp_path)
    cell_dir = next(tmp_path.iterdir())
    files = sorted(p.name for p in cell_dir.iterdir())
    assert files == ["M0001.json", "M0002.json"]  # complete results only, no temporary files
    for name in files:
        assert json.loads((cell_dir / name).read_text())["M"] in (1, 2)
    calls.clear()
    monkeypatch.setattr(sweep_module, "train", lambda data, M, *a, **kw: (calls.append(M), real_train(
        data, M, *a, **kw))[1])
    first = run_cell(setting, config, tmp_path)
    assert calls == [3, 4, 5, 6] and first.reused == 2
    calls.clear()
    again = run_cell(setting, config, tmp_path)
    assert calls == [] and again.reused == 6
    assert [p["ratio"] for p in again.points] == [p["ratio"] for p in first.points]
    (cell_dir / "M0006.json").write_text('{"version": 1, "M": 6, "rat')  # a torn write from elsewhere
    run_cell(setting, config, tmp_path)
    assert calls == [6]
    assert (cell_dir / "cell.json").exists()


def test_sweep_command_json(tmp_path, capsys):
    p = argparse.ArgumentParser()
    add_sweep_arguments(p)
    args = p.parse_args(["--d", "4", "--K", "2", "--N", "6", "--steps", "30", "--draws", "2",
                         "--samples", "4", "--no-refine", "--out", str(tmp_path / "out"), "--quiet",
                         "--json"])
    assert sweep_command(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert len(summary["cells"]) == 1 and summary["cells"][0]["setting"]["N"] == 6
    assert Path(tmp_path / "out" / "summary.json").exists()
    bad = p.parse_args(["--N", "1", "--out", str(tmp_path / "o2"), "--quiet"])
    with pytest.raises(GMMError):
        sweep_command(bad)


# -- the EDGE-PT checker -------------------------------------------------------------------------------------

def test_check_edge_pt_runs_and_reports(monkeypatch):
    from verify.checks import edge_pt
    from verify.registry import RunContext
    from verify.verdicts import Verdict

    monkeypatch.setattr(edge_pt, "default_setting", lambda seed=0: GMMSetting(20, 3, 40, seed=seed))
    monkeypatch.setattr(edge_pt, "default_config", lambda quick=False: SweepConfig(
        TrainingConfig.compressed(600, 4), samples=30, refine=False, resamples=300))
    result = edge_pt.check_edge_pt.__wrapped__(RunContext(seed=0))
    assert result.status in (Verdict.CONDITIONAL, Verdict.INCONCLUSIVE)
    assert [e.passed for e in result.evidence][:2] == [True, True]
    assert result.figures["edge-pt-ratio.png"].startswith(b"\x89PNG")
    assert "M_1/2/N" in result.summary


def test_a_distant_transition_is_evidence_against():
    from verify.checks import edge_pt
    from verify.gmm.sweep import CellResult, Transition
    from verify.verdicts import Verdict, decide

    t = Transition(0.5, (0.46, 0.54), (0.4, 0.6), 20, 30, "ok")
    cell = CellResult(GMMSetting(4, 2, 50), [], t, sweep_module.predictions(50), 0.0, 0, "")
    ev = edge_pt._prediction(cell)
    assert ev.passed is False and not ev.counterexample
    assert decide([ev], "x")[0] is Verdict.INCONCLUSIVE
    near = CellResult(GMMSetting(4, 2, 50), [], Transition(0.8, (0.78, 0.82), (0.7, 0.9), 35, 45, "ok"),
                      sweep_module.predictions(50), 0.0, 0, "")
    assert edge_pt._prediction(near).passed is True
