"""The denoisers' other parametrizations (epsilon, score, velocity) and mixture weights, against the
definitions written out here: the log-density's gradient and the component-wise posterior mean."""

from __future__ import annotations

import numpy as np
import pytest

from verify.gmm import GMMError, MixtureDenoiser

MEANS = np.array([[0.0, 1.0], [2.0, -1.0], [-1.5, 0.5]])
W = np.array([0.5, 0.2, 0.3])
X = np.array([[0.4, -0.2], [1.0, 1.0], [-2.0, 0.3]])


def _log_p(x, alpha, sigma, var, weights):
    tau2 = alpha**2 * var + sigma**2
    comps = [w * np.exp(-((x - alpha * m) ** 2).sum() / (2 * tau2))
             for w, m in zip(weights, MEANS, strict=True)]
    return np.log(sum(comps))


@pytest.mark.parametrize("var", [0.0, 0.37])
@pytest.mark.parametrize("weights", [None, W])
def test_score_is_the_gradient_of_the_log_density(var, weights):
    den = MixtureDenoiser(MEANS, var, weights=weights)
    alpha, sigma, h = 0.8, 0.6, 1e-6
    w = np.full(3, 1 / 3) if weights is None else W
    for x in X:
        fd = [(_log_p(x + h * e, alpha, sigma, var, w) - _log_p(x - h * e, alpha, sigma, var, w)) / (2 * h)
              for e in np.eye(2)]
        assert np.allclose(den.score(x[None], alpha, sigma)[0], fd, atol=1e-7)
    assert np.allclose(den.epsilon(X, alpha, sigma), -sigma * den.score(X, alpha, sigma))


def test_weighted_posterior_mean_component_by_component():
    den = MixtureDenoiser(MEANS, 0.37, weights=W * 7)  # normalised on construction
    alpha, sigma = 0.7, 0.5
    tau2 = alpha**2 * 0.37 + sigma**2
    for x in X:
        resp = np.array([w * np.exp(-((x - alpha * m) ** 2).sum() / (2 * tau2))
                         for w, m in zip(W, MEANS, strict=True)])
        resp /= resp.sum()
        post = sum(r * (m + alpha * 0.37 / tau2 * (x - alpha * m)) for r, m in zip(resp, MEANS, strict=True))
        assert np.allclose(den(x[None], alpha, sigma)[0], post, atol=1e-12)


def test_velocity_of_the_linear_interpolant():
    """x_t = (1 - t) x0 + t eps: v = E[eps - x0 | x_t] = eps_hat - x0_hat."""
    den = MixtureDenoiser(MEANS, 0.2, weights=W)
    t = 0.3
    v = den.velocity(X, 1 - t, t, -1.0, 1.0)
    assert np.allclose(v, den.epsilon(X, 1 - t, t) - den(X, 1 - t, t))
    assert np.allclose((1 - t) * den(X, 1 - t, t) + t * den.epsilon(X, 1 - t, t), X)


@pytest.mark.parametrize("weights", [[1.0, 2.0], [1.0, -1.0, 1.0], [0.0, 1.0, 1.0]])
def test_bad_weights_are_refused(weights):
    with pytest.raises(GMMError, match="positive"):
        MixtureDenoiser(MEANS, 0.1, weights=np.array(weights))
