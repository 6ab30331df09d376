r"""The four denoisers of the laboratory, as one family (numpy, float64, batched).

Every denoiser is the Bayes posterior mean of a Gaussian mixture with means
:math:`\mu_1..\mu_M` and one shared variance :math:`s^2` (derived symbolically in
:mod:`derivations.gmm`, claim EDGE-DEN):

.. math:: \hat x_0(x,t)=\sum_m w_m\Big[\mu_m+\frac{\alpha s^2}{\alpha^2s^2+\sigma^2}(x-\alpha\mu_m)\Big],
          w=\operatorname{softmax}_m\Big(\log\pi_m
          -\frac{\lVert x-\alpha\mu_m\rVert^2}{2(\alpha^2s^2+\sigma^2)}\Big),

with mixture weights :math:`\pi_m` (default equal). A shared covariance matrix :math:`\Sigma`
in place of :math:`s^2I` is the same formula coordinate by coordinate in :math:`\Sigma`'s
eigenbasis (:math:`\Sigma=Q\,\mathrm{diag}(\lambda)\,Q^\top`): the gain
:math:`\alpha\Sigma(\alpha^2\Sigma+\sigma^2I)^{-1}` and the logits
:math:`\log\pi_m-\frac12(x-\alpha\mu_m)^\top(\alpha^2\Sigma+\sigma^2I)^{-1}(x-\alpha\mu_m)`.

* generalizing: :math:`M=K`, the true means, :math:`s^2=\sigma_\star^2`;
* memorizing: :math:`M=N`, the training set, :math:`s^2=0`;
* partially memorizing: a subset of :math:`M` training points, :math:`s^2=0`;
* trainable: :math:`M` free means and one free variance.

Every denoiser also gives the other parametrizations of the same posterior (Tweedie):
:math:`\hat\varepsilon=(x-\alpha\hat x_0)/\sigma`, the score :math:`\nabla\log p_t(x)=
-\hat\varepsilon/\sigma=(\alpha\hat x_0-x)/\sigma^2` and the velocity
:math:`\hat v=\dot\alpha\hat x_0+\dot\sigma\hat\varepsilon` (:meth:`MixtureDenoiser.epsilon`,
:meth:`~MixtureDenoiser.score`, :meth:`~MixtureDenoiser.velocity`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import GMMData, GMMError

__all__ = ["MixtureDenoiser", "generalizing", "memorizing", "partially_memorizing", "denoise",
           "memorized_stack", "exp_shifted", "EXP_ZERO", "to_epsilon", "to_score", "to_velocity",
           "check_covariance", "covariance_eigenvalues"]


@dataclass(frozen=True)
class MixtureDenoiser:
    """Means (M, d), a shared variance :math:`s^2\\ge0` (a number, or a symmetric positive
    semi-definite (d, d) covariance matrix) and mixture weights (M,) (normalised; default equal),
    with a label for reports. Called, it is the :math:`\\hat x_0` prediction."""

    means: np.ndarray
    var: float | np.ndarray
    label: str = "mixture"
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.means.ndim != 2 or len(self.means) == 0:
            raise GMMError("a mixture denoiser needs a non-empty (M, d) array of means")
        if np.ndim(self.var) == 0:
            if not float(self.var) >= 0 or not np.isfinite(float(self.var)):
                raise GMMError(f"the shared variance must be finite and >= 0, got {self.var}")
        else:
            object.__setattr__(self, "var", check_covariance(self.var, self.means.shape[1]))
        if self.weights is not None:
            w = np.asarray(self.weights, dtype=float)
            if w.shape != (len(self.means),) or not np.all(np.isfinite(w)) or np.any(w <= 0):
                raise GMMError(f"mixture weights must be {len(self.means)} positive numbers")
            object.__setattr__(self, "weights", w / w.sum())

    @property
    def M(self) -> int:
        return len(self.means)

    @property
    def eigenvalues(self) -> np.ndarray:
        r"""The eigenvalues of the shared covariance (:math:`s^2` repeated d times when it is a number)."""
        return covariance_eigenvalues(self.var, self.means.shape[1])

    def __call__(self, x: np.ndarray, alpha, sigma) -> np.ndarray:
        return denoise(x, alpha, sigma, self.means, self.var, weights=self.weights)

    def epsilon(self, x: np.ndarray, alpha, sigma) -> np.ndarray:
        r""":math:`\hat\varepsilon=(x-\alpha\hat x_0)/\sigma`."""
        return to_epsilon(x, self(x, alpha, sigma), alpha, sigma)

    def score(self, x: np.ndarray, alpha, sigma) -> np.ndarray:
        r""":math:`\nabla\log p_t(x)=(\alpha\hat x_0-x)/\sigma^2` (Tweedie)."""
        return to_score(x, self(x, alpha, sigma), alpha, sigma)

    def velocity(self, x: np.ndarray, alpha, sigma, alpha_dot, sigma_dot) -> np.ndarray:
        r""":math:`\hat v=\dot\alpha\hat x_0+\dot\sigma\hat\varepsilon` (the flow-matching target)."""
        return to_velocity(x, self(x, alpha, sigma), alpha, sigma, alpha_dot, sigma_dot)


def _column(v, rows: int) -> np.ndarray:
    arr = np.asarray(v, dtype=float)
    return arr.reshape(-1, 1) if arr.ndim else np.full((rows, 1), float(arr))


def check_covariance(cov, d: int) -> np.ndarray:
    """A symmetric positive semi-definite (d, d) float64 matrix, or :class:`GMMError`."""
    c = np.asarray(cov, dtype=float)
    if c.shape != (d, d):
        raise GMMError(f"a covariance must be a ({d}, {d}) matrix, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise GMMError("the covariance has a non-finite entry")
    scale = max(float(np.abs(c).max()), np.finfo(float).tiny)
    if not np.allclose(c, c.T, rtol=0.0, atol=1e-12 * scale):
        raise GMMError("the covariance must be symmetric")
    c = (c + c.T) / 2
    if np.linalg.eigvalsh(c).min() < -1e-12 * scale:
        raise GMMError("the covariance must be positive semi-definite")
    return c


def covariance_eigenvalues(var, d: int) -> np.ndarray:
    """Eigenvalues (d,) of ``var`` (a number: repeated; a matrix: ascending, negatives from rounding set
    to 0)."""
    if np.ndim(var) == 0:
        return np.full(d, float(var))
    return np.maximum(np.linalg.eigvalsh(np.asarray(var, dtype=float)), 0.0)


def denoise(x: np.ndarray, alpha, sigma, means: np.ndarray, var,
            return_weights: bool = False, weights: np.ndarray | None = None):
    r""":math:`\hat x_0` at points ``x`` (B, d); ``alpha``, ``sigma`` scalars or per-row (B,);
    ``var`` a number :math:`s^2` or a shared (d, d) covariance; ``weights`` the mixture weights
    (normalised, default equal)."""
    x = np.asarray(x, dtype=float)
    if np.ndim(var) != 0:
        return _denoise_matrix(x, alpha, sigma, means, np.asarray(var, dtype=float), return_weights, weights)
    a, s = _scalar_or_column(alpha, len(x)), _scalar_or_column(sigma, len(x))
    tau2 = a * a * var + s * s  # scalar or (B, 1): variance of x_t given the component
    # logits -|x - a mu|^2 / (2 tau2), dropping the row constant |x|^2; one (B, M) array, updated in place
    logits = x @ means.T
    logits *= a / tau2
    logits -= (0.5 * a * a / tau2) * (means * means).sum(axis=1)
    if weights is not None:
        logits += np.log(np.asarray(weights, dtype=float))[None, :]
    logits -= logits.max(axis=1, keepdims=True)
    w = exp_shifted(logits)  # unnormalised weights
    total = w.sum(axis=1, keepdims=True)
    m = w @ means
    m /= total  # (B, d)
    gain = a * var / tau2
    # out = m + gain (x - a m), in one buffer (the same operations: products and sums commute exactly)
    out = a * m
    np.subtract(x, out, out=out)
    out *= gain
    out += m
    if return_weights:
        w /= total
        return out, w
    return out


#: Shifted logits at or below this have :math:`e^{\ell}<2^{-1075}`, half the smallest subnormal: their
#: float64 exponential is exactly 0.
EXP_ZERO = -746.0


def exp_shifted(logits: np.ndarray) -> np.ndarray:
    r""":math:`e^{\ell}` of shifted logits :math:`\ell\le0` (a C-contiguous array) in place, bit for bit
    ``np.exp``: when two fifths or more of the entries (judged on every 61st) lie at or below
    :data:`EXP_ZERO` (a nearly one-hot softmax at low noise) only the others go through ``exp`` and the
    rest are set to the 0 it gives (``exp`` is several times slower on a vector with an underflowing
    entry). Either way every entry is ``np.exp`` of itself."""
    if not logits.flags.c_contiguous:
        return np.exp(logits, out=logits)
    flat = logits.reshape(-1)  # a view
    probe = flat[::61]
    if 5 * np.count_nonzero(probe <= EXP_ZERO) < 2 * len(probe):
        return np.exp(logits, out=logits)
    keep = np.flatnonzero(np.logical_not(logits <= EXP_ZERO).reshape(-1))  # NaN stays with exp
    values = np.exp(flat[keep])
    flat.fill(0.0)
    flat[keep] = values
    return logits


def memorized_stack(x: np.ndarray, alpha: float, sigma: float, atoms: np.ndarray) -> np.ndarray:
    r"""The memorizing :math:`\hat x_0` (zero variance) of a stack of training subsets at once:
    batch :math:`r` of ``x`` (c, B, d) is denoised with the atoms ``atoms[r]`` (c, M, d),
    :math:`\hat x_0=\sum_mw_m\mu_m`,
    :math:`w=\operatorname{softmax}_m(-\lVert x-\alpha\mu_m\rVert^2/(2\sigma^2))`."""
    a, s2 = float(alpha), float(sigma) ** 2
    logits = np.matmul(x, atoms.transpose(0, 2, 1))  # (c, B, M)
    logits *= a / s2
    logits -= ((0.5 * a * a / s2) * (atoms * atoms).sum(axis=2))[:, None, :]
    logits -= logits.max(axis=2, keepdims=True)
    w = exp_shifted(logits)
    out = np.matmul(w, atoms)
    out /= w.sum(axis=2, keepdims=True)
    return out


def _scalar_or_column(v, rows: int):
    """A number as a float (broadcast for free), per-row values as a (rows, 1) column."""
    arr = np.asarray(v, dtype=float)
    return float(arr) if arr.ndim == 0 else arr.reshape(-1, 1)


def _denoise_matrix(x, alpha, sigma, means, cov, return_weights, weights):
    """:func:`denoise` for a covariance matrix: per coordinate in its eigenbasis."""
    lam, Q = np.linalg.eigh(cov)
    lam = np.maximum(lam, 0.0)
    xr, mr = x @ Q, means @ Q
    a, s = _column(alpha, len(x)), _column(sigma, len(x))
    tau2 = a * a * lam[None, :] + s * s  # (B, d): per-coordinate variance of x_t given the component
    logits = a * ((xr / tau2) @ mr.T) - 0.5 * a * a * ((1.0 / tau2) @ (mr * mr).T)
    if weights is not None:
        logits = logits + np.log(np.asarray(weights, dtype=float))[None, :]
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    m = w @ mr
    out = (m + a * lam[None, :] / tau2 * (xr - a * m)) @ Q.T
    return (out, w) if return_weights else out


def to_epsilon(x: np.ndarray, x0_hat: np.ndarray, alpha, sigma) -> np.ndarray:
    r""":math:`\hat\varepsilon=(x-\alpha\hat x_0)/\sigma`."""
    a, s = _column(alpha, len(x)), _column(sigma, len(x))
    return (x - a * x0_hat) / s


def to_score(x: np.ndarray, x0_hat: np.ndarray, alpha, sigma) -> np.ndarray:
    r"""The score :math:`(\alpha\hat x_0-x)/\sigma^2=-\hat\varepsilon/\sigma`."""
    return -to_epsilon(x, x0_hat, alpha, sigma) / _column(sigma, len(x))


def to_velocity(x: np.ndarray, x0_hat: np.ndarray, alpha, sigma, alpha_dot, sigma_dot) -> np.ndarray:
    r"""The velocity :math:`\dot\alpha\hat x_0+\dot\sigma\hat\varepsilon` of
    :math:`x_t=\alpha x_0+\sigma\varepsilon`."""
    return (_column(alpha_dot, len(x)) * x0_hat
            + _column(sigma_dot, len(x)) * to_epsilon(x, x0_hat, alpha, sigma))


def generalizing(data: GMMData) -> MixtureDenoiser:
    """The population-optimal denoiser (true means, covariance and weights)."""
    return MixtureDenoiser(data.means, data.covariance, "generalizing", data.weights)


def memorizing(data: GMMData) -> MixtureDenoiser:
    """The empirical (memorizing) denoiser: every training point, zero variance."""
    return MixtureDenoiser(data.train, 0.0, "memorizing")


def partially_memorizing(data: GMMData, M: int, rng: np.random.Generator) -> MixtureDenoiser:
    """A uniformly drawn subset of :math:`M` training points, zero variance."""
    if not 1 <= M <= data.setting.N:
        raise GMMError(f"partial memorization needs 1 <= M <= N = {data.setting.N}, got M = {M}")
    subset = rng.choice(data.setting.N, size=M, replace=False)
    return MixtureDenoiser(data.train[np.sort(subset)], 0.0, f"partial M={M}")
