"""The GMM laboratory on the researcher's own problem (issue 13, item 2): a shared covariance matrix,
mixture weights, your training set, your time grid and weighting, fixed partial-memorization
subsets and the numerator reading. Each quantity is checked against its definition written out here
independently (full-matrix Gaussian conditioning, the multivariate normal density, the trace formula
of the MMSE), never against the package's own formula."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest

from verify.cli import main
from verify.gmm import GMMError, MixtureDenoiser
from verify.gmm.crossover import (
    crossover_slope,
    exact_paper_grid,
    generalizing_excess,
    measured_crossover,
    table_excess,
    weighting_values,
)
from verify.gmm.data import problem, process
from verify.gmm.losses import Partial, standard_denoisers, training_losses

MEANS = np.array([[0.0, 0.0], [3.0, 0.5], [-1.0, 2.5]])
COV = np.array([[1.0, 0.4], [0.4, 0.6]])
W = np.array([0.2, 0.5, 0.3])


def _posterior_mean(x, alpha, sigma, means, cov, weights):
    """E[x0 | x_t = x] for x0 ~ sum_k w_k N(mu_k, cov), x_t = alpha x0 + sigma eps, by full-matrix
    Gaussian conditioning and the multivariate normal density (no eigenbasis)."""
    d = len(x)
    S = alpha**2 * cov + sigma**2 * np.eye(d)
    Sinv = np.linalg.inv(S)
    dens, comps = [], []
    for w, mu in zip(weights, means, strict=True):
        r = x - alpha * mu
        dens.append(w * np.exp(-0.5 * r @ Sinv @ r) / np.sqrt(np.linalg.det(2 * np.pi * S)))
        comps.append(mu + alpha * cov @ Sinv @ r)
    dens = np.array(dens)
    return (dens[:, None] * np.array(comps)).sum(axis=0) / dens.sum()


def _log_density(x, alpha, sigma, means, cov, weights):
    S = alpha**2 * cov + sigma**2 * np.eye(len(x))
    Sinv = np.linalg.inv(S)
    return np.log(sum(w * np.exp(-0.5 * (x - alpha * mu) @ Sinv @ (x - alpha * mu))
                      / np.sqrt(np.linalg.det(2 * np.pi * S)) for w, mu in zip(weights, means, strict=True)))


# -- the denoiser with a covariance matrix --------------------------------------------------------------

@pytest.mark.parametrize("alpha,sigma", [(0.9, 0.3), (0.5, 1.2), (1.0, 0.05)])
def test_matrix_covariance_posterior_mean(alpha, sigma):
    den = MixtureDenoiser(MEANS, COV, weights=W)
    rng = np.random.default_rng(3)
    X = rng.normal(0, 2, (6, 2))
    for x in X:
        assert np.allclose(den(x[None], alpha, sigma)[0], _posterior_mean(x, alpha, sigma, MEANS, COV, W),
                           atol=1e-11)


def _rotated(eigenvalues, seed):
    Q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(eigenvalues),) * 2))
    return Q @ np.diag(eigenvalues) @ Q.T


COV3 = _rotated([1.0, 1.0, 0.3], 11)  # a repeated eigenvalue, a non-symmetric eigenbasis
MEANS3 = np.array([[0.0, 0.0, 0.0], [2.0, -1.0, 0.5], [0.5, 1.5, -2.0], [-1.0, -1.0, 1.0]])


def test_matrix_covariance_posterior_mean_in_three_dimensions():
    w = np.array([0.1, 0.4, 0.3, 0.2])
    den = MixtureDenoiser(MEANS3, COV3, weights=w)
    for x in np.random.default_rng(4).normal(0, 2, (6, 3)):
        expected = _posterior_mean(x, 0.7, 0.5, MEANS3, COV3, w)
        assert np.allclose(den(x[None], 0.7, 0.5)[0], expected, atol=1e-11)


def test_matrix_score_is_the_gradient_of_the_log_density():
    den = MixtureDenoiser(MEANS, COV, weights=W)
    alpha, sigma, h = 0.8, 0.6, 1e-6
    for x in np.array([[0.4, -0.2], [1.0, 1.0], [-2.0, 0.3]]):
        fd = [(_log_density(x + h * e, alpha, sigma, MEANS, COV, W)
               - _log_density(x - h * e, alpha, sigma, MEANS, COV, W)) / (2 * h) for e in np.eye(2)]
        assert np.allclose(den.score(x[None], alpha, sigma)[0], fd, atol=1e-7)


def test_isotropic_matrix_agrees_with_the_number():
    rng = np.random.default_rng(5)
    X = rng.normal(0, 2, (20, 2))
    a, s = rng.uniform(0.1, 1, 20), rng.uniform(0.1, 1, 20)
    assert np.allclose(MixtureDenoiser(MEANS, 0.7)(X, a, s), MixtureDenoiser(MEANS, 0.7 * np.eye(2))(X, a, s),
                       atol=1e-12)


@pytest.mark.parametrize("cov,match", [(np.array([[1.0, 0.5], [0.4, 1.0]]), "symmetric"),
                                       (np.array([[1.0, 2.0], [2.0, 1.0]]), "semi-definite"),
                                       (np.eye(3), "matrix"),
                                       (np.array([[np.nan, 0], [0, 1]]), "non-finite")])
def test_bad_covariances_are_refused(cov, match):
    with pytest.raises(GMMError, match=match):
        MixtureDenoiser(MEANS, cov)


# -- your problem -----------------------------------------------------------------------------------------

def test_problem_draws_from_the_mixture_with_its_weights():
    data = problem(MEANS, COV, W, N=6000, seed=1)
    assert data.train.shape == (6000, 2) and data.setting.K == 3
    counts = np.bincount(data.labels, minlength=3) / 6000
    assert np.allclose(counts, W, atol=0.03)
    resid = data.train - MEANS[data.labels]
    assert np.allclose(np.cov(resid.T), COV, atol=0.06)
    assert data.trace == pytest.approx(1.6) and data.var_star == pytest.approx(0.8)


def test_problem_labels_a_given_training_set_by_its_most_probable_component():
    X = np.array([[0.1, 0.0], [2.9, 0.6], [-1.1, 2.4], [1.5, 0.3]])
    data = problem(MEANS, COV, W, train=X)
    post = [[w * np.exp(-0.5 * (x - m) @ np.linalg.inv(COV) @ (x - m)) for w, m in zip(W, MEANS, strict=True)]
            for x in X]
    assert data.labels.tolist() == np.argmax(post, axis=1).tolist()
    assert np.array_equal(data.train, X) and data.setting.N == 4


@pytest.mark.parametrize("kwargs,match", [
    ({"N": 5, "train": np.zeros((3, 2))}, "not both"),
    ({}, "N >= 1"),
    ({"N": 5, "weights": [1, 2]}, "3 positive"),
    ({"N": 5, "cov": -1.0}, "positive"),
    ({"N": 5, "cov": np.diag([1.0, 0.0])}, "positive definite"),
    ({"train": np.zeros((3, 3))}, "columns"),
])
def test_problem_refuses_bad_input(kwargs, match):
    with pytest.raises(GMMError, match=match):
        problem(MEANS, **kwargs)


# -- the derived excess and closed-form crossover with a covariance -------------------------------------

def test_generalizing_excess_with_a_covariance_is_the_mmse_trace():
    """E|x0 - E[x0|x_t]|^2 for x0 ~ N(mu, Sigma) is tr(sigma^2 Sigma (alpha^2 Sigma + sigma^2 I)^-1)."""
    for t in (0.05, 0.4, 0.9):
        a, s = np.sqrt(1 - t * t), t
        mmse = np.trace(s * s * COV @ np.linalg.inv(a * a * COV + s * s * np.eye(2)))
        value = generalizing_excess(2, 0.0, np.array([a * a / (s * s)]), np.linalg.eigvalsh(COV))[0]
        assert value == pytest.approx(mmse, rel=1e-12)


def test_generalizing_excess_with_a_repeated_eigenvalue():
    for t in (0.1, 0.7):
        a, s = np.sqrt(1 - t * t), t
        mmse = np.trace(s * s * COV3 @ np.linalg.inv(a * a * COV3 + s * s * np.eye(3)))
        value = generalizing_excess(3, 0.0, np.array([a * a / (s * s)]), np.linalg.eigvalsh(COV3))[0]
        assert value == pytest.approx(mmse, rel=1e-12)
        exact = generalizing_excess(3, 0.0, np.array([a * a / (s * s)]), [1.0, 0.3, 1.0])[0]  # exact repeats
        assert exact == pytest.approx(mmse, rel=1e-12)


def test_crossover_with_a_covariance_against_the_direct_formula():
    """1 - sum_t lam_t A_t / (C sum_t lam_t), A_t = tr(Sigma (I + psi Sigma)^-1) / tr Sigma (uniform-x0)."""
    times = [float(t) for t in exact_paper_grid()]
    A = [np.trace(COV @ np.linalg.inv(np.eye(2) + (1 - t * t) / t**2 * COV)) / np.trace(COV) for t in times]
    for C in (1, 2):
        direct = 1 - sum(A) / (C * len(times))
        got = crossover_slope("uniform-x0", C, eigenvalues=np.linalg.eigvalsh(COV))
        assert got == pytest.approx(direct, rel=1e-10)


def test_equal_eigenvalues_give_the_exact_isotropic_slope():
    isotropic = crossover_slope("uniform-x0", 2, 0.5)
    assert crossover_slope("uniform-x0", 2, eigenvalues=[0.5, 0.5, 0.5]) == isotropic
    assert isinstance(crossover_slope("uniform-x0", 2, eigenvalues=[0.5, 0.5]), Fraction)


# -- your weighting and your grid --------------------------------------------------------------------------

def test_a_weighting_expression_equal_to_a_named_one_gives_the_same_crossover():
    """On vp-linear-sigma (alpha^2 = 1 - t^2, sigma = t) the epsilon weighting is psi = (1 - t^2)/t^2."""
    assert crossover_slope("(1 - t^2)/t^2", 2) == crossover_slope("epsilon", 2)
    assert crossover_slope("1", 1) == crossover_slope("uniform-x0", 1)
    assert crossover_slope("t^2", 2) != crossover_slope("uniform-x0", 2)


@pytest.mark.parametrize("expr", ["t - 1/2", "log(t - 2)", "0", "x"])
def test_bad_weighting_expressions_are_refused(expr):
    with pytest.raises(GMMError):
        weighting_values(expr, np.array([0.1, 0.5, 0.9]))


def test_the_paper_grid_given_as_a_range_is_the_default(capsys):
    assert main(["gmm", "crossover", "--C", "2", "--json"]) == 0
    default = json.loads(capsys.readouterr().out)
    assert main(["gmm", "crossover", "--C", "2", "--json", "--t-grid", "0.001:0.999:26"]) == 0
    given = json.loads(capsys.readouterr().out)
    assert [r["exact"] for r in default["readings"]] == [r["exact"] for r in given["readings"]]
    assert main(["gmm", "crossover", "--C", "2", "--json", "--t-grid", "0.1:0.9:5"]) == 0
    other = json.loads(capsys.readouterr().out)
    assert other["times"] == [0.1, 0.3, 0.5, 0.7, 0.9]
    assert other["readings"][0]["exact"] != default["readings"][0]["exact"]


# -- fixed subsets, the control variate and the numerator reading ---------------------------------------

def test_a_fixed_subset_is_the_memorizing_denoiser_of_that_subset():
    data = problem(MEANS, COV, W, N=12, seed=2)
    subset = (1, 4, 5, 9)
    dens = [Partial(4, subset=subset), MixtureDenoiser(data.train[list(subset)], 0.0, "direct")]
    table = training_losses(data, dens, [0.1, 0.5], process(), 4, np.random.default_rng(0))
    assert np.array_equal(table.batches[0], table.batches[1])


def test_a_fixed_subset_has_fields_and_a_redrawn_one_does_not():
    data = problem(MEANS, COV, W, N=12, seed=2)
    model = Partial(3, subset=(0, 5, 7)).model(data)
    x = np.array([[0.3, 0.1]])
    assert np.allclose(model.score(x, 0.6, 0.8), (0.6 * model(x, 0.6, 0.8) - x) / 0.64)
    with pytest.raises(GMMError, match="redrawn"):
        Partial(3).model(data)


def test_fixed_subsets_are_nested_and_seeded():
    data = problem(MEANS, COV, N=20, seed=4)
    first = standard_denoisers(data, [5, 10, 15], "fixed")
    again = standard_denoisers(data, [5, 10, 15], "fixed")
    subsets = [set(p.subset) for p in first[2:]]
    assert subsets[0] < subsets[1] < subsets[2]
    assert [p.subset for p in first[2:]] == [p.subset for p in again[2:]]
    with pytest.raises(GMMError, match="distinct"):
        Partial(3, subset=(1, 1, 2))


def test_the_matrix_control_variate_is_unbiased():
    """With and without the oracle control variate the generalizing loss agrees (paired draws)."""
    data = problem(MEANS, COV, W, N=30, seed=6)
    args = (data, standard_denoisers(data), [0.2, 0.6, 0.95], process(), 400)
    cv = training_losses(*args, np.random.default_rng(1)).loss("generalizing")
    plain = training_losses(*args, np.random.default_rng(1), control_variate=False).loss("generalizing")
    assert np.all(np.abs(cv.mean - plain.mean) <= 1.5 * (cv.half + plain.half))
    assert np.all(cv.half < plain.half)  # it does reduce the variance


def test_numerator_reading_against_its_formula():
    data = problem(MEANS, COV, W, N=25, seed=7)
    table = training_losses(data, standard_denoisers(data), None, process(), 16, np.random.default_rng(2))
    diff = table.difference("generalizing", "memorizing").mean
    for C in (1.0, 2.0, 3.5):
        est = measured_crossover(table, "uniform-x0", "numerator", C=C)
        assert est.mean == pytest.approx(1 - diff.sum() / (C * np.trace(COV) * len(diff)), rel=1e-12)
        assert est.half > 0
    assert table_excess(table) == pytest.approx(generalizing_excess(2, 0, table.psi, np.linalg.eigvalsh(COV)))


# -- the command line on your files ----------------------------------------------------------------------

@pytest.fixture()
def files(tmp_path):
    np.savetxt(tmp_path / "means.csv", MEANS, delimiter=",")
    np.savetxt(tmp_path / "cov.csv", COV, delimiter=",")
    X = problem(MEANS, COV, W, N=30, seed=8).train
    np.savetxt(tmp_path / "train.csv", X, delimiter=",")
    return tmp_path


def test_crossover_on_your_files(files, capsys):
    argv = ["gmm", "crossover", "--data", str(files / "train.csv"), "--means", str(files / "means.csv"),
            "--cov", str(files / "cov.csv"), "--weights", "0.2,0.5,0.3", "--t-grid", "0.02:0.98:8",
            "--M", "6", "12", "18", "24", "--subsets", "fixed", "--draws", "8", "--weighting", "t",
            "--C", "2", "numerator", "losses", "--json"]
    assert main(argv) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["problem"]["N"] == 30 and out["problem"]["trace_cov"] == pytest.approx(1.6)
    assert out["subsets"] == "fixed" and out["M"] == [6, 12, 18, 24] and len(out["times"]) == 8
    assert [(r["reading"], r["constant"]) for r in out["readings"]] == [
        ("closed", "2"), ("numerator", "2"), ("losses", None)]
    closed = crossover_slope("t", 2, times=[Fraction(1, 50) + k * Fraction(96, 700) for k in range(8)],
                             eigenvalues=np.linalg.eigvalsh(COV))
    assert out["readings"][0]["mstar_over_N"] == pytest.approx(float(closed), rel=1e-12)


def test_losses_on_your_files(files, capsys):
    argv = ["gmm", "losses", "--data", str(files / "train.csv"), "--means", str(files / "means.csv"),
            "--cov", "0.5", "--t-grid", "0.1,0.5", "--M", "10", "--draws", "4"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "your problem: d = 2, K = 3, N = 30" in text and "var = 0.5" not in text
    assert "covariance 0.5" in text and "partial subsets: redraw" in text
