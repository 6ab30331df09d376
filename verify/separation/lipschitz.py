r"""Lipschitz constants of the empirical and the Gaussian score (SEP-LIP; proxy for SEP-T51/PRUNE).

Ye convention :math:`\alpha=e^{-s/2}`, :math:`\sigma^2=1-e^{-s}`. The Hessian of
:math:`\log\hat p_s` (Lemma C.1, SEP-C1) is

.. math:: H(x)=-\sigma^{-2}I+\alpha^2\sigma^{-4}\operatorname{Cov}_{w(x)}[x_I],

so :math:`\lVert H\rVert_2=\max(\sigma^{-2},\lambda_{\max}(H))` and the score's Lipschitz constant
on :math:`\mathbb R^d` is :math:`L(s)=\sup_x\lVert H(x)\rVert_2`. At a two-sample midpoint
:math:`x=\alpha(x_1+x_2)/2`:
:math:`H=-\sigma^{-2}I+\alpha^2\lVert x_1-x_2\rVert^2 uu^\top/(4\sigma^4)` (derived in
:func:`midpoint_symbolic`). For Gaussian data :math:`\mathcal N(\mu,\Sigma)`:
:math:`\nabla^2\log p_s=-A^{-1}`, :math:`A=\alpha^2\Sigma+\sigma^2I`, hence
:math:`\lVert\nabla^2\log p_s\rVert_2=1/(\sigma^2+\alpha^2\lambda_{\min}(\Sigma))`
(:func:`gaussian_symbolic`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .scores import SeparationError, _softmax, coefficients, coefficients_mp, empirical_score

__all__ = ["hessian_empirical", "hessian_empirical_mp", "fd_hessian_error", "midpoint_symbolic",
           "gaussian_symbolic", "gaussian_lipschitz", "midpoint_norm", "LipschitzMax",
           "empirical_lipschitz", "fit_exponent", "closest_pair", "contrast_table"]


# ---------------------------------------------------------------------------------------------
# Hessians
# ---------------------------------------------------------------------------------------------

def _weights(X: np.ndarray, s: float, D: np.ndarray, rows: int = 64) -> np.ndarray:
    r"""Softmax weights (B, n) of the atoms :math:`\alpha x_i` at points (B, d), formed in place by
    blocks of ``rows`` points: squared distances coordinate by coordinate on (rows, n) columns
    (numpy is slow on a short last axis; small temporaries spare the page faults)."""
    alpha, var = coefficients(s)
    aD = (alpha * D).T
    w = np.empty((len(X), len(D)))
    c = np.empty((min(rows, len(X)), len(D)))
    for k in range(0, len(X), rows):
        Xb, sq = X[k:k + rows], w[k:k + rows]
        np.subtract(Xb[:, 0, None], aD[0], out=sq)
        sq *= sq
        for j in range(1, len(aD)):
            cj = c[:len(Xb)]
            np.subtract(Xb[:, j, None], aD[j], out=cj)
            cj *= cj
            sq += cj
        sq /= -2 * var
        _softmax(sq)
    return w


def _posterior_cov(X: np.ndarray, s: float, D: np.ndarray) -> np.ndarray:
    r""":math:`\operatorname{Cov}_{w(x)}[x_I]` for points (B, d), shape (B, d, d)."""
    w = _weights(X, s, D)
    mean = w @ D
    second = np.einsum("bn,ni,nj->bij", w, D, D)
    return second - mean[:, :, None] * mean[:, None, :]


def hessian_empirical(x: Any, s: float, data: Any) -> np.ndarray:
    r""":math:`\nabla^2\log\hat p_s(x)=-\sigma^{-2}I+\alpha^2\sigma^{-4}\operatorname{Cov}_w[x_I]`,
    float64, points (B, d) -> (B, d, d)."""
    X = np.atleast_2d(np.asarray(x, dtype=float))
    D = np.atleast_2d(np.asarray(data, dtype=float))
    alpha, var = coefficients(s)
    d = D.shape[1]
    return -np.eye(d) / var + alpha**2 / var**2 * _posterior_cov(X, s, D)


def hessian_empirical_mp(x: Sequence[Any], s: Any, data: Sequence[Sequence[Any]]):
    r"""The same Hessian for one point in mpmath at the current precision (Fractions in)."""
    import mpmath

    def conv(v: Any):
        if isinstance(v, float):
            raise TypeError("a Python float reached high-precision code; pass Fractions or mpf")
        return mpmath.mpf(v.numerator) / v.denominator if isinstance(v, Fraction) else mpmath.mpf(v)

    xv = [conv(v) for v in x]
    D = [[conv(v) for v in row] for row in data]
    alpha, var = coefficients_mp(s)
    d = len(xv)
    logits = [-mpmath.fsum((xj - alpha * dj) ** 2 for xj, dj in zip(xv, row, strict=True)) / (2 * var)
              for row in D]
    top = max(logits)
    w = [mpmath.exp(v - top) for v in logits]
    total = mpmath.fsum(w)
    w = [wi / total for wi in w]
    mean = [mpmath.fsum(wi * row[j] for wi, row in zip(w, D, strict=True)) for j in range(d)]
    H = mpmath.matrix(d, d)
    for i in range(d):
        for j in range(d):
            cov = mpmath.fsum(wi * (row[i] - mean[i]) * (row[j] - mean[j])
                              for wi, row in zip(w, D, strict=True))
            H[i, j] = alpha**2 * cov / var**2 - (1 / var if i == j else 0)
    return H


def fd_hessian_error(x: Any, s: float, data: Any, h: float | None = None) -> float:
    r"""Max relative deviation of :func:`hessian_empirical` from central differences of
    :func:`~verify.separation.scores.empirical_score` (step :math:`h\sim10^{-4}\sigma`)."""
    X = np.atleast_2d(np.asarray(x, dtype=float))
    _, var = coefficients(s)
    h = float(1e-4 * np.sqrt(var)) if h is None else h
    d = X.shape[1]
    worst = 0.0
    for b in range(X.shape[0]):
        fd = np.empty((d, d))
        for k in range(d):
            e = np.zeros(d)
            e[k] = h
            up, down = empirical_score(X[b] + e, s, data)[0], empirical_score(X[b] - e, s, data)[0]
            fd[:, k] = (up - down) / (2 * h)
        H = hessian_empirical(X[b], s, data)[0]
        worst = max(worst, float(np.abs(fd - H).max() / np.abs(H).max()))
    return worst


# ---------------------------------------------------------------------------------------------
# Symbolic derivations
# ---------------------------------------------------------------------------------------------

def _is_zero(e) -> bool:
    """Exact zero test: exponents expanded (equal exponentials become one generator), then ``cancel``
    (numerator and denominator in canonical form, zero iff the rational function in the symbols and
    the exponentials is)."""
    import sympy as sp

    return sp.cancel(e.replace(sp.exp, lambda u: sp.exp(sp.expand(u)))) == 0


def midpoint_symbolic(d: int) -> tuple[bool, str]:
    r"""Derive :math:`\nabla^2\log(e^{-\lVert x-\alpha x_1\rVert^2/2v}+e^{-\lVert x-\alpha x_2\rVert^2/2v})`
    with SymPy (symbolic atoms, :math:`d\in\{1,2\}`), evaluate at :math:`x=\alpha(x_1+x_2)/2` and
    compare with :math:`-v^{-1}I+\alpha^2(x_1-x_2)(x_1-x_2)^\top/(4v^2)`; also the Hessian identity
    :math:`H=-v^{-1}I+\alpha^2v^{-2}\operatorname{Cov}_w` at a generic x. Returns (zero, detail)."""
    import sympy as sp

    if d not in (1, 2):
        raise SeparationError("midpoint_symbolic: d must be 1 or 2")
    a, v = sp.symbols("alpha v", positive=True)
    x = sp.Matrix(sp.symbols(f"y1:{d + 1}", real=True))
    x1 = sp.Matrix(sp.symbols(f"a1:{d + 1}", real=True))
    x2 = sp.Matrix(sp.symbols(f"b1:{d + 1}", real=True))
    E1 = -((x - a * x1).T * (x - a * x1))[0] / (2 * v)
    E2 = -((x - a * x2).T * (x - a * x2))[0] / (2 * v)
    logp = sp.log(sp.exp(E1) + sp.exp(E2))
    H = sp.hessian(logp, list(x))
    # Hessian identity at a generic point: weights w1 = e^{E1}/(e^{E1}+e^{E2})
    w1 = sp.exp(E1) / (sp.exp(E1) + sp.exp(E2))
    diff = x1 - x2
    cov = w1 * (1 - w1) * diff * diff.T
    ident = H - (-sp.eye(d) / v + a**2 / v**2 * cov)
    p1, p2 = sp.symbols("p1 p2", positive=True)
    ident = ident.subs({sp.exp(E1): p1, sp.exp(E2): p2})
    ident_zero = all(_is_zero(e) for e in ident)
    mid = {xi: a * (u + w) / 2 for xi, u, w in zip(x, x1, x2, strict=True)}
    Hm = H.subs(mid)
    target = -sp.eye(d) / v + a**2 / (4 * v**2) * diff * diff.T
    mid_zero = all(_is_zero(e) for e in (Hm - target))
    ok = ident_zero and mid_zero
    return ok, (f"d={d}: Hessian identity residual {'0' if ident_zero else 'nonzero'}; midpoint residual "
                f"{'0' if mid_zero else 'nonzero'} "
                "(H(alpha(x1+x2)/2) = -I/v + alpha^2 (x1-x2)(x1-x2)^T/(4v^2))")


def gaussian_symbolic(d: int = 2) -> tuple[bool, str]:
    r"""Derive :math:`\nabla^2\log\mathcal N(x;\alpha\mu,A)=-A^{-1}` (symbolic symmetric
    :math:`\Sigma`, :math:`d\le2`) and the spectrum map
    :math:`\det(A-\mu I)=\alpha^{2d}\det(\Sigma-\tfrac{\mu-\sigma^2}{\alpha^2}I)`, so the eigenvalues
    of :math:`A` are :math:`\sigma^2+\alpha^2\lambda_j` and
    :math:`\lVert A^{-1}\rVert_2=1/(\sigma^2+\alpha^2\lambda_{\min})`."""
    import sympy as sp

    if d not in (1, 2):
        raise SeparationError("gaussian_symbolic: d must be 1 or 2")
    a, v = sp.symbols("alpha v", positive=True)
    m = sp.Symbol("m")
    S = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"S{min(i, j)}{max(i, j)}", real=True))
    x = sp.Matrix(sp.symbols(f"y1:{d + 1}", real=True))
    mu = sp.Matrix(sp.symbols(f"m1:{d + 1}", real=True))
    A = a**2 * S + v * sp.eye(d)
    r = x - a * mu
    logp = -(r.T * A.inv() * r)[0] / 2 - sp.log(A.det()) / 2
    H = sp.hessian(logp, list(x))
    hess_zero = all(sp.simplify(e) == 0 for e in (H + A.inv()))
    lhs = (A - m * sp.eye(d)).det()
    rhs = a ** (2 * d) * (S - (m - v) / a**2 * sp.eye(d)).det()
    spec_zero = sp.expand(lhs - rhs) == 0
    return hess_zero and spec_zero, (f"d={d}: Hessian + A^-1 = {'0' if hess_zero else 'nonzero'}; "
                                     f"charpoly(A)(m) - alpha^{2 * d} charpoly(Sigma)((m-v)/alpha^2) = "
                                     f"{'0' if spec_zero else 'nonzero'}")


# ---------------------------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------------------------

def gaussian_lipschitz(s: float, cov: Any) -> float:
    r""":math:`1/(\sigma^2+\alpha^2\lambda_{\min}(\Sigma))`, float64."""
    alpha, var = coefficients(s)
    lam = float(np.linalg.eigvalsh(np.atleast_2d(np.asarray(cov, dtype=float))).min())
    if lam < 0:
        raise SeparationError("the covariance must be positive semi-definite")
    return float(1 / (var + alpha**2 * lam))


def midpoint_norm(s: float, gap2: float) -> float:
    r""":math:`\lVert H\rVert_2` at a two-sample midpoint:
    :math:`\max(\sigma^{-2},|\alpha^2r^2/4\sigma^4-\sigma^{-2}|)`."""
    alpha, var = coefficients(s)
    return float(max(1 / var, abs(alpha**2 * gap2 / (4 * var**2) - 1 / var)))


def closest_pair(D: np.ndarray) -> tuple[int, int, float]:
    """Indices and squared distance of the closest pair of distinct rows."""
    D = np.asarray(D, dtype=float)
    if len(D) < 2:
        raise SeparationError("at least two samples are needed")
    best = (0, 1, np.inf)
    for i in range(len(D) - 1):
        d2 = ((D[i + 1:] - D[i]) ** 2).sum(axis=1)
        j = int(np.argmin(d2))
        if d2[j] < best[2]:
            best = (i, i + 1 + j, float(d2[j]))
    if best[2] == 0:
        raise SeparationError("two samples coincide (duplicates make the closest spacing zero)")
    return best


def _top_cov(X: np.ndarray, s: float, D: np.ndarray, chunk: int = 256) -> np.ndarray:
    out = np.empty(len(X))
    for k in range(0, len(X), chunk):
        out[k:k + chunk] = np.linalg.eigvalsh(_posterior_cov(X[k:k + chunk], s, D))[:, -1]
    return out


@dataclass(frozen=True)
class LipschitzMax:
    r"""A numeric :math:`L(s)=\sup_x\lVert H(x)\rVert_2` with its maximizer (the value is attained
    there, so it is a lower bound for the supremum; the search is not exhaustive)."""

    s: float
    value: float
    maximizer: list[float]
    midpoint_bound: float  # ||H|| at the midpoint of the closest pair (a lower bound)
    min_gap2: float
    starts: int

    def to_json(self) -> dict[str, Any]:
        return {"s": self.s, "L": self.value, "maximizer": self.maximizer,
                "closest_midpoint_norm": self.midpoint_bound, "min_gap2": self.min_gap2,
                "starts": self.starts}


def _compass(X: np.ndarray, fx: np.ndarray, dirs: np.ndarray, step: np.ndarray, s: float, D: np.ndarray,
             iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """Vectorized compass search maximizing the top posterior-covariance eigenvalue; ``dirs`` (B, m, d)."""
    B, m, d = dirs.shape
    rows = np.arange(B)
    for _ in range(iterations):
        cand = X[:, None, :] + step[:, None, None] * dirs
        fc = _top_cov(cand.reshape(-1, d), s, D).reshape(B, m)
        b = fc.argmax(axis=1)
        best = fc[rows, b]
        up = best > fx
        X[up] = cand[rows, b][up]
        fx[up] = best[up]
        step[~up] /= 2
    return X, fx


def empirical_lipschitz(s: float, data: Any, *, neighbours: int = 6, random_starts: int = 32,
                        seed: int = 0, iterations: int = 40) -> LipschitzMax:
    r"""Multi-start maximization of :math:`\lambda_{\max}(\operatorname{Cov}_w)` (hence of
    :math:`\lVert H\rVert_2`). As :math:`\sigma\to0` the ridge of the maximum is the shared Voronoi
    face of two atoms (there :math:`w_i=w_j=\tfrac12` and :math:`\operatorname{Cov}_w\to
    \tfrac14(x_i-x_j)(x_i-x_j)^\top`), so the starts are the midpoints of each atom and its
    ``neighbours`` nearest, points on their bisecting hyperplane, and random points; a vectorized
    compass search inside the bisector, then in :math:`\mathbb R^d`, refines the best."""
    D = np.atleast_2d(np.asarray(data, dtype=float))
    if not np.isfinite(D).all():
        raise SeparationError("data must be finite")
    n, d = D.shape
    i0, j0, gap2 = closest_pair(D)
    alpha, var = (float(c) for c in coefficients(s))
    sigma = np.sqrt(var)
    k = min(neighbours, n - 1)
    pairs = set()
    for i in range(n):
        d2 = ((D - D[i]) ** 2).sum(axis=1)
        d2[i] = np.inf
        for j in np.argpartition(d2, k - 1)[:k]:
            pairs.add((min(i, int(j)), max(i, int(j))))
    P = np.array(sorted(pairs))
    mids = alpha * (D[P[:, 0]] + D[P[:, 1]]) / 2
    u = D[P[:, 1]] - D[P[:, 0]]
    r = np.linalg.norm(u, axis=1)
    u = u / r[:, None]
    if d > 1:  # orthonormal basis of each bisecting hyperplane: (pairs, d-1, d)
        Q = np.linalg.qr(np.concatenate([u[:, :, None], np.broadcast_to(np.eye(d), (len(P), d, d))], axis=2)
                         )[0][:, :, 1:d]
        basis = np.swapaxes(Q, 1, 2)
        ts = np.array([0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0])
        dirs = np.concatenate([basis, -basis], axis=1)  # (pairs, 2(d-1), d)
        offsets = (alpha * r)[:, None, None, None] * ts[None, :, None, None] * dirs[:, None]
        starts = mids[:, None, None, :] + offsets
        owner = np.repeat(np.arange(len(P)), len(ts) * dirs.shape[1])
        starts = starts.reshape(-1, d)
    else:
        dirs = np.zeros((len(P), 0, 1))
        starts, owner = mids, np.arange(len(P))
    f = _top_cov(starts, s, D)
    keep = np.argsort(f)[-min(len(f), 48):]
    X, fx = starts[keep].copy(), f[keep].copy()
    if d > 1:
        X, fx = _compass(X, fx, dirs[owner[keep]], alpha * r[owner[keep]] / 4, s, D, iterations)
    rng = np.random.default_rng(seed)
    lo, hi = alpha * D.min(axis=0), alpha * D.max(axis=0)
    extra = lo + (hi - lo) * rng.random((random_starts, d))
    X = np.vstack([X, extra])
    fx = np.concatenate([fx, _top_cov(extra, s, D)])
    full = np.broadcast_to(np.vstack([np.eye(d), -np.eye(d)]), (len(X), 2 * d, d))
    X, fx = _compass(X, fx, full, np.full(len(X), sigma / 4), s, D, iterations)
    top = int(np.argmax(fx))
    value = max(1 / var, alpha**2 * fx[top] / var**2 - 1 / var)
    mid_norm = float(np.linalg.norm(hessian_empirical(alpha * (D[i0] + D[j0]) / 2, s, D)[0], 2))
    return LipschitzMax(s=float(s), value=float(value), maximizer=[float(v) for v in X[top]],
                        midpoint_bound=mid_norm, min_gap2=gap2, starts=len(starts) + random_starts)


def fit_exponent(sigmas: Sequence[float], values: Sequence[float]) -> float:
    r"""Least-squares slope of :math:`\log L` against :math:`\log\sigma`."""
    return float(np.polyfit(np.log(np.asarray(sigmas)), np.log(np.asarray(values)), 1)[0])


def contrast_table(ns: Sequence[int] = (10, 100, 1000), ss: Sequence[float] = (1e-3, 1e-2, 1e-1, 1.0),
                   d: int = 2, seed: int = 0, cov: Any = None, neighbours: int = 3,
                   random_starts: int = 16) -> dict[str, Any]:
    r"""The SEP-T51/PRUNE proxy: :math:`L_{\rm emp}(s)/L_{\rm true}(s)` for data sets of size n drawn
    from :math:`\mathcal N(0,\Sigma)` (default :math:`\Sigma=\mathrm{diag}(1,\tfrac14,\dots)`)."""
    if d < 1 or min(ns) < 2 or min(ss) <= 0:
        raise SeparationError("contrast_table needs d >= 1, every n >= 2 and every s > 0")
    cov = np.diag([1.0] + [0.25] * (d - 1)) if cov is None else np.asarray(cov, dtype=float)
    chol = np.linalg.cholesky(cov)
    rng = np.random.default_rng(seed)
    rows = []
    for n in ns:
        D = rng.standard_normal((n, d)) @ chol.T
        for s in ss:
            lm = empirical_lipschitz(s, D, neighbours=neighbours, random_starts=random_starts, seed=seed)
            lt = gaussian_lipschitz(s, cov)
            rows.append({"n": n, "s": s, "L_emp": lm.value, "L_true": lt, "contrast": lm.value / lt,
                         "min_gap2": lm.min_gap2})
    return {"d": d, "seed": seed, "cov": cov.tolist(), "rows": rows}
