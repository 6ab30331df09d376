r"""The four denoisers of the laboratory, as one family (numpy, float64, batched).

Every denoiser is the Bayes posterior mean of an isotropic Gaussian mixture with means
:math:`\mu_1..\mu_M` and one shared variance :math:`s^2` (derived symbolically in
:mod:`derivations.gmm`, claim EDGE-DEN):

.. math:: \hat x_0(x,t)=\sum_m w_m\Big[\mu_m+\frac{\alpha s^2}{\alpha^2s^2+\sigma^2}(x-\alpha\mu_m)\Big],
          w=\operatorname{softmax}_m\Big(-\frac{\lVert x-\alpha\mu_m\rVert^2}{2(\alpha^2s^2+\sigma^2)}\Big).

* generalizing: :math:`M=K`, the true means, :math:`s^2=\sigma_\star^2`;
* memorizing: :math:`M=N`, the training set, :math:`s^2=0`;
* partially memorizing: a subset of :math:`M` training points, :math:`s^2=0`;
* trainable: :math:`M` free means and one free variance.

The ε-prediction is :math:`\hat\varepsilon=(x-\alpha\hat x_0)/\sigma`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import GMMData, GMMError

__all__ = ["MixtureDenoiser", "generalizing", "memorizing", "partially_memorizing", "denoise",
           "to_epsilon"]


@dataclass(frozen=True)
class MixtureDenoiser:
    """Means (M, d) and a shared variance :math:`s^2\\ge0`, with a label for reports."""

    means: np.ndarray
    var: float
    label: str = "mixture"

    def __post_init__(self) -> None:
        if self.means.ndim != 2 or len(self.means) == 0:
            raise GMMError("a mixture denoiser needs a non-empty (M, d) array of means")
        if self.var < 0:
            raise GMMError(f"the shared variance must be >= 0, got {self.var}")

    @property
    def M(self) -> int:
        return len(self.means)

    def __call__(self, x: np.ndarray, alpha, sigma) -> np.ndarray:
        return denoise(x, alpha, sigma, self.means, self.var)


def _column(v, rows: int) -> np.ndarray:
    arr = np.asarray(v, dtype=float)
    return arr.reshape(-1, 1) if arr.ndim else np.full((rows, 1), float(arr))


def denoise(x: np.ndarray, alpha, sigma, means: np.ndarray, var: float,
            return_weights: bool = False):
    r""":math:`\hat x_0` at points ``x`` (B, d); ``alpha``, ``sigma`` scalars or per-row (B,)."""
    x = np.asarray(x, dtype=float)
    a, s = _column(alpha, len(x)), _column(sigma, len(x))
    tau2 = a * a * var + s * s  # (B, 1): variance of x_t given the component
    # logits -|x - a mu|^2 / (2 tau2), dropping the row constant |x|^2
    logits = (a * (x @ means.T) - 0.5 * a * a * (means * means).sum(axis=1)) / tau2  # (B, M)
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    m = w @ means  # (B, d)
    gain = a * var / tau2
    out = m + gain * (x - a * m)
    return (out, w) if return_weights else out


def to_epsilon(x: np.ndarray, x0_hat: np.ndarray, alpha, sigma) -> np.ndarray:
    r""":math:`\hat\varepsilon=(x-\alpha\hat x_0)/\sigma`."""
    a, s = _column(alpha, len(x)), _column(sigma, len(x))
    return (x - a * x0_hat) / s


def generalizing(data: GMMData) -> MixtureDenoiser:
    """The population-optimal denoiser (true means and variance)."""
    return MixtureDenoiser(data.means, data.var_star, "generalizing")


def memorizing(data: GMMData) -> MixtureDenoiser:
    """The empirical (memorizing) denoiser: every training point, zero variance."""
    return MixtureDenoiser(data.train, 0.0, "memorizing")


def partially_memorizing(data: GMMData, M: int, rng: np.random.Generator) -> MixtureDenoiser:
    """A uniformly drawn subset of :math:`M` training points, zero variance."""
    if not 1 <= M <= data.setting.N:
        raise GMMError(f"partial memorization needs 1 <= M <= N = {data.setting.N}, got M = {M}")
    subset = rng.choice(data.setting.N, size=M, replace=False)
    return MixtureDenoiser(data.train[np.sort(subset)], 0.0, f"partial M={M}")
