"""verify.separation.dsm_gap: the float64 cubature against the mpmath quadrature (weighted mixture), an
exact 2-D reduction, the weighted score against the gradient of the log-density, Monte Carlo beside it."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from verify.separation import SeparationError, dsm_gap, gmm_score, mixture
from verify.separation.quadrature import gap_quadrature, random_training_set


@pytest.mark.parametrize("s", [Fraction(1, 10**4), Fraction(1, 10), Fraction(3)])
def test_cubature_matches_mpmath_quadrature_with_weights(s):
    data, means, cov = random_training_set(4, 1, 3)
    weights = [Fraction(1, 4), Fraction(3, 4)]
    ref = float(gap_quadrature(data, means, cov, s, digits=20, weights=weights).values["fisher"])
    got = dsm_gap(np.array(data, float), np.array(means, float), float(s), cov=np.array(cov, float),
                  weights=[1, 3])
    assert got.converged and not got.rigorous
    assert abs(got.value - ref) <= 1e-9 * ref
    assert got.error <= 1e-7 * ref
    equal = dsm_gap(np.array(data, float), np.array(means, float), float(s), cov=np.array(cov, float))
    assert abs(equal.value - ref) > 1e-6 * ref  # the weights matter


@pytest.mark.parametrize("s", [1e-4, 0.5, 3.0])
def test_2d_reduces_to_1d_plus_closed_form(s):
    """Data and means on a rotated line, covariance I: the orthogonal coordinate adds
    sigma^2 (1/sigma^2 - 1/(alpha^2 + sigma^2))^2 exactly."""
    rng = np.random.default_rng(1)
    x1 = 1.5 * rng.standard_normal((12, 1))
    mu1 = np.array([[-1.0], [1.2], [2.0]])
    w = [0.2, 0.5, 0.3]
    R = np.array([[0.6, -0.8], [0.8, 0.6]])
    X = np.hstack([x1, np.zeros_like(x1)]) @ R.T
    M = np.hstack([mu1, np.zeros((3, 1))]) @ R.T
    a2, v = np.exp(-s), -np.expm1(-s)
    exact = dsm_gap(x1, mu1, s, weights=w).value + v * (1 / v - 1 / (a2 + v)) ** 2
    got = dsm_gap(X, M, s, weights=w)
    assert abs(got.value - exact) <= 1e-9 * exact


def test_weighted_score_is_the_gradient_of_the_log_density():
    law = mixture([[0.0, 1.0], [2.0, -1.0], [-1.0, 0.5]], [[1.0, 0.3], [0.3, 0.6]], [0.5, 0.2, 0.3])
    s = 0.3
    alpha, var = np.exp(-s / 2), -np.expm1(-s)
    A = alpha**2 * law.cov + var * np.eye(2)
    Ai = np.linalg.inv(A)

    def log_p(x):  # the definition, written out: log sum_k w_k N(x; alpha mu_k, A)
        return np.log(sum(w * np.exp(-0.5 * (x - alpha * m) @ Ai @ (x - alpha * m))
                          for w, m in zip(law.weights, law.means, strict=True)))

    x, h = np.array([0.4, -0.2]), 1e-6
    fd = np.array([(log_p(x + h * e) - log_p(x - h * e)) / (2 * h) for e in np.eye(2)])
    assert np.allclose(gmm_score(x, s, law)[0], fd, atol=1e-7)


@pytest.mark.parametrize("reverse", [False, True])
def test_monte_carlo_agrees_within_its_interval(reverse):
    data, means, cov = random_training_set(6, 2, 5)
    args = (np.array(data, float), np.array(means, float), 0.2)
    q = dsm_gap(*args, cov=np.array(cov, float), weights=[2, 1], reverse=reverse)
    mc = dsm_gap(*args, cov=np.array(cov, float), weights=[2, 1], reverse=reverse, method="mc", draws=16000)
    assert abs(q.value - mc.value) <= 1.5 * mc.error


@pytest.mark.parametrize("kwargs, message", [
    (dict(method="quadrature", data=np.zeros((3, 3)), means=np.zeros((1, 3))), "use method='mc'"),
    (dict(method="simpson"), "method must be one of"),
    (dict(cov=[[1.0, 2.0], [2.0, 1.0]]), "not positive definite"),
    (dict(cov=[[1.0, 0.5], [0.0, 1.0]]), "not symmetric"),
    (dict(weights=[1.0, 0.0]), "positive"),
    (dict(s=0.0), "s must be a number in (0, 50]"),
    (dict(means=np.zeros((2, 3))), "the means d = 3"),
])
def test_bad_input_is_one_clear_error(kwargs, message):
    call = dict(data=np.array([[0.0, 1.0], [1.0, 0.0]]), means=np.array([[0.0, 0.0], [1.0, 1.0]]), s=0.1)
    call.update(kwargs)
    with pytest.raises(SeparationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        dsm_gap(call.pop("data"), call.pop("means"), call.pop("s"), **call)
