r"""Scores in the convention of Ye, Zhu, Tao, Chen (arXiv 2511.03202): the OU process
:math:`dX=-\tfrac12X\,ds+dB`, :math:`\alpha_s=e^{-s/2}`, :math:`\sigma_s^2=1-e^{-s}`,
:math:`s\in(0,\infty)` (mapped onto the project convention in CONV-MAP).

* empirical score of :math:`\hat P_s=\frac1n\sum_i\mathcal N(\alpha x_i,\sigma^2I)`:
  :math:`\nabla\log\hat p_s(x)=-\sigma^{-2}\sum_iw_i(x)(x-\alpha x_i)`,
  :math:`w=\operatorname{softmax}(-\lVert x-\alpha x_i\rVert^2/2\sigma^2)`;
* true score of the Gaussian mixture :math:`\sum_kw_k\mathcal N(\mu_k,\Sigma)` (weights default
  to :math:`1/K`): :math:`\nabla\log p_s(x)=-\sum_k\pi_k(x)A^{-1}(x-\alpha\mu_k)`,
  :math:`\pi=\operatorname{softmax}(\log w_k-\tfrac12(x-\alpha\mu_k)^\top A^{-1}(x-\alpha\mu_k))`,
  :math:`A=\alpha^2\Sigma+\sigma^2I`.

Each is written twice: float64 batches (numpy, log-sum-exp) and mpmath at the caller's
precision for one point (exact rational inputs converted once; no float enters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

__all__ = ["SeparationError", "coefficients", "coefficients_mp", "empirical_score", "gmm_score",
           "empirical_score_mp", "gmm_score_mp", "MixtureLaw"]


class SeparationError(ValueError):
    """Bad input to the separation tools (one clear line)."""


def coefficients(s: float | np.ndarray) -> tuple[Any, Any]:
    r""":math:`(\alpha_s,\sigma_s^2)=(e^{-s/2},\,1-e^{-s})` in float64 (``-expm1`` keeps small s exact)."""
    s = np.asarray(s, dtype=float)
    return np.exp(-s / 2), -np.expm1(-s)


def coefficients_mp(s: Any) -> tuple[Any, Any]:
    r""":math:`(\alpha_s,\sigma_s^2)` in mpmath at the current precision (``s`` an mpf or a Fraction)."""
    import mpmath

    if isinstance(s, Fraction):
        s = mpmath.mpf(s.numerator) / s.denominator
    return mpmath.exp(-s / 2), -mpmath.expm1(-s)


@dataclass(frozen=True)
class MixtureLaw:
    r"""Gaussian mixture :math:`\sum_kw_k\mathcal N(\mu_k,\Sigma)`: means (K, d), a common covariance
    (d, d) and weights (K,), normalised to sum 1 (default: equal)."""

    means: np.ndarray
    cov: np.ndarray
    weights: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.means.ndim != 2 or self.cov.shape != (self.means.shape[1],) * 2:
            raise SeparationError("a mixture needs means (K, d) and a (d, d) covariance")
        K = len(self.means)
        w = np.full(K, 1.0 / K) if self.weights is None else np.asarray(self.weights, dtype=float)
        if w.shape != (K,) or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise SeparationError(f"mixture weights must be {K} positive numbers, got {np.ravel(w).tolist()}")
        object.__setattr__(self, "weights", w / w.sum())

    @property
    def d(self) -> int:
        return self.means.shape[1]

    @property
    def log_weights(self) -> np.ndarray:
        return np.log(self.weights)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n i.i.d. draws (labels drawn with the mixture weights)."""
        K = len(self.means)
        equal = bool(np.all(self.weights == self.weights[0]))  # the historical stream for equal weights
        labels = rng.integers(0, K, n) if equal else rng.choice(K, size=n, p=self.weights)
        chol = np.linalg.cholesky(self.cov)
        return self.means[labels] + rng.standard_normal((n, self.d)) @ chol.T


def _rows(x: Any) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    return arr.reshape(1, -1) if arr.ndim == 1 else arr


#: Points x atoms per screening block and points x atoms x d per dense block (temporaries of a few MB).
_SCREEN_BLOCK, _DENSE_BLOCK = 1 << 20, 1 << 18
#: ``exp`` is exactly 0.0 in float64 below -745.2: an atom whose logit lies further than this below the
#: top one carries weight 0 and is skipped.
_UNDERFLOW = 750.0


def _kept_atoms(X: np.ndarray, aD: np.ndarray, var: float) -> np.ndarray:
    r"""Mask (B, n) of the atoms whose softmax weight can be nonzero in float64: from the expanded
    square :math:`Q=\lVert x\rVert^2-2x\cdot a_i+\lVert a_i\rVert^2` (one matrix product) with its
    rounding error :math:`\le\delta=8(d+4)\varepsilon(\lVert x\rVert^2+\max_i\lVert a_i\rVert^2)`,
    atom i is dropped when :math:`Q_i-\min_jQ_j>2\delta+2\cdot750\,\sigma^2`."""
    xx = np.einsum("bj,bj->b", X, X)
    aa = np.einsum("ij,ij->i", aD, aD)
    Q = X @ aD.T  # in place from here: (B, n) temporaries are the cost
    Q *= -2
    Q += xx[:, None]
    Q += aa[None, :]
    Q -= Q.min(axis=1, keepdims=True)
    slack = 16 * (aD.shape[1] + 4) * np.finfo(float).eps * (xx + aa.max()) + 2 * _UNDERFLOW * var
    return Q <= slack[:, None]


def _softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (B, n) logits, in place."""
    logits -= logits.max(axis=1, keepdims=True)
    np.exp(logits, out=logits)
    logits /= logits.sum(axis=1, keepdims=True)
    return logits


def _dense(X: np.ndarray, aD: np.ndarray, var: float) -> np.ndarray:
    r""":math:`\sum_iw_i(x-a_i)` over every atom: (B, n, d) differences, or (B, n) columns for d <= 4
    (numpy is slow on short last axes)."""
    if aD.shape[1] <= 4:
        cols = [X[:, j, None] - aD[None, :, j] for j in range(aD.shape[1])]
        w = cols[0] * cols[0]
        for c in cols[1:]:
            w += c * c
        w = _softmax(w / (-2 * var))
        return np.stack([np.einsum("bn,bn->b", w, c) for c in cols], axis=1)
    diff = X[:, None, :] - aD[None, :, :]
    w = _softmax(np.einsum("bnd,bnd->bn", diff, diff) / (-2 * var))
    return np.einsum("bn,bnd->bd", w, diff)


def _sparse(X: np.ndarray, aD: np.ndarray, var: float, keep: np.ndarray) -> np.ndarray:
    r""":math:`\sum_iw_i(x-a_i)` over the kept (point, atom) pairs only (every point keeps one)."""
    counts = keep.sum(axis=1)
    b, i = np.nonzero(keep)  # grouped by point
    diff = X[b] - aD[i]
    w = np.einsum("kd,kd->k", diff, diff) / (-2 * var)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    w -= np.repeat(np.maximum.reduceat(w, starts), counts)
    np.exp(w, out=w)
    w /= np.repeat(np.add.reduceat(w, starts), counts)
    diff *= w[:, None]
    return np.add.reduceat(diff, starts, axis=0)


def _weighted_diffs(X: np.ndarray, aD: np.ndarray, var: float) -> np.ndarray:
    r""":math:`\sum_iw_i(x)(x-a_i)` for points (B, d), atoms :math:`a_i=\alpha x_i` (n, d): points whose
    screened atoms (:func:`_kept_atoms`) are at most a quarter of all go through :func:`_sparse`."""
    n = len(aD)
    out = np.empty_like(X)
    step = max(1, _SCREEN_BLOCK // n)
    for lo in range(0, len(X), step):
        Xb = X[lo:lo + step]
        keep = _kept_atoms(Xb, aD, var)
        counts = keep.sum(axis=1)
        sparse = (counts > 0) & (4 * counts <= n)
        rows = np.flatnonzero(sparse)
        if rows.size:
            out[lo + rows] = _sparse(Xb[rows], aD, var, keep[rows])
        rows = np.flatnonzero(~sparse)
        dense = max(1, _DENSE_BLOCK // aD.size)
        for k in range(0, rows.size, dense):
            out[lo + rows[k:k + dense]] = _dense(Xb[rows[k:k + dense]], aD, var)
    return out


def empirical_score(x: Any, s: float, data: Any) -> np.ndarray:
    r""":math:`\nabla\log\hat p_s` at points ``x`` (B, d) for training data (n, d), float64, in blocks
    of points. Atoms of zero float64 weight are screened out first (:func:`_kept_atoms`); the kept
    terms use the differences :math:`x-\alpha x_i` exactly as the dense sum does."""
    X, D = _rows(x), _rows(data)
    alpha, var = coefficients(s)
    num = _weighted_diffs(X, alpha * D, var)
    return -num / var


def gmm_score(x: Any, s: float, law: MixtureLaw) -> np.ndarray:
    r""":math:`\nabla\log p_s` of the Gaussian mixture at points ``x`` (B, d), float64."""
    X = _rows(x)
    alpha, var = coefficients(s)
    A = alpha**2 * law.cov + var * np.eye(law.d)
    Ainv = np.linalg.inv(A)
    diff = X[:, None, :] - alpha * law.means[None, :, :]  # (B, K, d)
    proj = diff @ Ainv  # (B, K, d)
    logits = law.log_weights[None, :] - 0.5 * (proj * diff).sum(axis=2)
    logits -= logits.max(axis=1, keepdims=True)
    pi = np.exp(logits)
    pi /= pi.sum(axis=1, keepdims=True)
    return -(pi[:, :, None] * proj).sum(axis=1)


def _mp_rows(rows: Sequence[Sequence[Any]]):
    import mpmath

    def conv(v):
        if isinstance(v, Fraction):
            return mpmath.mpf(v.numerator) / v.denominator
        if isinstance(v, float):
            raise TypeError("a Python float reached high-precision code; pass Fractions or mpf")
        return mpmath.mpf(v)

    return [[conv(v) for v in row] for row in rows]


def empirical_score_mp(x: Sequence[Any], s: Any, data: Sequence[Sequence[Any]]) -> list:
    r""":math:`\nabla\log\hat p_s(x)` for one point in mpmath (log-sum-exp weights)."""
    import mpmath

    (xv,) = _mp_rows([x])
    D = _mp_rows(data)
    alpha, var = coefficients_mp(s)
    diffs = [[xj - alpha * dj for xj, dj in zip(xv, row, strict=True)] for row in D]
    logits = [-mpmath.fsum(c * c for c in diff) / (2 * var) for diff in diffs]
    top = max(logits)
    w = [mpmath.exp(v - top) for v in logits]
    total = mpmath.fsum(w)
    return [-mpmath.fsum(wi * diff[j] for wi, diff in zip(w, diffs, strict=True)) / (total * var)
            for j in range(len(xv))]


def gmm_score_mp(x: Sequence[Any], s: Any, means: Sequence[Sequence[Any]],
                 cov: Sequence[Sequence[Any]], weights: Sequence[Any] | None = None) -> list:
    r""":math:`\nabla\log p_s(x)` of the Gaussian mixture for one point in mpmath (``weights``: exact
    positive numbers, normalised here; default equal)."""
    import mpmath

    (xv,) = _mp_rows([x])
    mu = _mp_rows(means)
    S = mpmath.matrix(_mp_rows(cov))
    alpha, var = coefficients_mp(s)
    d = len(xv)
    logw = [mpmath.mpf(0)] * len(mu) if weights is None else [mpmath.log(w) for w in _mp_rows([weights])[0]]
    A = alpha**2 * S + var * mpmath.eye(d)
    Ainv = A**-1
    projs, logits = [], []
    for m, lw in zip(mu, logw, strict=True):
        diff = mpmath.matrix([xj - alpha * mj for xj, mj in zip(xv, m, strict=True)])
        proj = Ainv * diff
        projs.append(proj)
        logits.append(lw - mpmath.fsum(diff[j] * proj[j] for j in range(d)) / 2)
    top = max(logits)
    pi = [mpmath.exp(v - top) for v in logits]
    total = mpmath.fsum(pi)
    return [-mpmath.fsum(p * proj[j] for p, proj in zip(pi, projs, strict=True)) / total for j in range(d)]
