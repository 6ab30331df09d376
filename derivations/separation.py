r"""Identities of Ye, Zhu, Tao, Chen (arXiv 2511.03202) derived in SymPy, Ye convention
:math:`\alpha=e^{-s/2}`, :math:`\sigma^2=1-e^{-s}` (CONV-MAP, :mod:`derivations.conventions`).

* **SEP-P41** — the posterior over the atom index is the softmax of the kernels, so
  :math:`\mathbb E[-(X-\alpha x_I)/\sigma^2\mid X]=\nabla\log\hat p_s(X)`; expanding the square,
  :math:`\frac1n\sum_i\ell_s(x_i,s)=\mathbb E_{\hat P_s}\lVert s-\nabla\log\hat p_s\rVert^2
  +d/\sigma^2-J(\hat P_s)`, hence :math:`\text{Loss-Gap}_s=\mathrm{Fisher}(\hat P_s,P_s)`.
* **SEP-C1** — :math:`\nabla^2\log p_s=-\sigma^{-2}I+\alpha^2\sigma^{-4}\operatorname{Cov}[X_0\mid X_s=x]`
  for the empirical law and the Gaussian mixture (posterior by Gaussian conditioning).
* **small-s asymptote** — :math:`\sum_j(\sigma^{-2}-(\alpha^2\lambda_j+\sigma^2)^{-1})`.

Every residual is decided exactly (kernels :math:`e^{E_i}` replaced by positive symbols after
differentiation, numerator expanded) and cross-checked at random rational points in mpmath.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import mpmath
import sympy as sp

from .identities import residual_is_zero

__all__ = ["SymbolicResult", "posterior_mean_is_score", "dsm_decomposition", "loss_gap_is_fisher",
           "hessian_identity_empirical", "hessian_identity_gmm", "small_s_expectation",
           "small_s_asymptote", "p41_results", "decomp_results", "c1_results", "all_results",
           "reverse_gap_is_fisher", "integrated_asymptote", "integrated_asymptote_derivation",
           "duplicate_identities"]

ALPHA, SIGMA = sp.symbols("alpha sigma", positive=True)
Z = sp.Symbol("z", real=True)


@dataclass(frozen=True)
class SymbolicResult:
    """A residual decided exactly plus its numeric cross-check at random rational points."""

    name: str
    zero: bool
    method: str
    numeric_max: mpmath.mpf  # max |residual| over the rational points, at `digits`
    points: int
    seconds: float

    @property
    def passed(self) -> bool:
        """Exactly zero and below 1e-25 at every rational point."""
        return self.zero and self.numeric_max < mpmath.mpf(10) ** (-25)

    @property
    def holds(self) -> bool:
        """The pass flag, named as on every result object of :mod:`derivations` (``passed``)."""
        return self.passed


def _rand_q(rng: random.Random, lo: int = -3, hi: int = 3) -> sp.Rational:
    return sp.Rational(rng.randint(lo * 64, hi * 64), 64) + sp.Rational(1, 997)


def _numeric(residual: sp.Expr, free: list[sp.Symbol], points: int, digits: int, seed: int,
             positive: tuple[sp.Symbol, ...] = ()) -> mpmath.mpf:
    r"""max :math:`|r|` at random rationals (``alpha``, ``sigma`` in (0,1), ``positive`` in (0,2))."""
    rng = random.Random(seed)
    worst = mpmath.mpf(0)
    with mpmath.workdps(digits):
        for _ in range(points):
            sub: dict[sp.Symbol, sp.Rational] = {}
            for v in free:
                if v in (ALPHA, SIGMA):
                    sub[v] = sp.Rational(rng.randint(5, 95), 100)
                elif v in positive:
                    sub[v] = sp.Rational(rng.randint(20, 200), 100)
                else:
                    sub[v] = _rand_q(rng)
            val = sp.N(residual.xreplace(sub), digits + 10)
            worst = max(worst, abs(mpmath.mpf(sp.re(val))) + abs(mpmath.mpf(sp.im(val))))
    return worst


def _result(name: str, residual: sp.Expr, kernels: tuple | None, free: list[sp.Symbol], start: float,
            points: int, digits: int, seed: int, positive: tuple[sp.Symbol, ...] = ()) -> SymbolicResult:
    zero, method = residual_is_zero(residual, kernels)
    worst = _numeric(residual, free, points, digits, seed, positive)
    return SymbolicResult(name, zero, method, worst, points, time.perf_counter() - start)


def _empirical(n: int, d: int):
    """Symbolic atoms ``a[i][j]``, point ``x``, logits, kernels and their positive symbols."""
    x = sp.symbols(f"x1:{d + 1}", real=True)
    a = [sp.symbols(f"a{i + 1}_1:{d + 1}", real=True) for i in range(n)]
    logits = tuple(-sum((x[j] - ALPHA * a[i][j]) ** 2 for j in range(d)) / (2 * SIGMA**2) for i in range(n))
    ps = tuple(sp.symbols(f"p1:{n + 1}", positive=True))
    return x, a, logits, ps


def posterior_mean_is_score(n: int = 3, points: int = 4, digits: int = 40, seed: int = 0) -> SymbolicResult:
    r"""d = 1: :math:`\sum_iw_i\,(-(x-\alpha a_i)/\sigma^2)`
    :math:`-\partial_x\log\sum_i\mathcal N(x;\alpha a_i,\sigma^2)`
    with :math:`w_i=\mathcal N_i/\sum_j\mathcal N_j` (Bayes with the uniform prior on the atoms)."""
    start = time.perf_counter()
    x, a, logits, ps = _empirical(n, 1)
    dens = [sp.exp(e) / sp.sqrt(2 * sp.pi * SIGMA**2) for e in logits]  # N(x; alpha a_i, sigma^2)
    prior = sp.Rational(1, n)
    joint = [prior * k for k in dens]
    w = [j / sp.Add(*joint) for j in joint]
    cond_mean = sp.Add(*[wi * (-(x[0] - ALPHA * ai[0]) / SIGMA**2) for wi, ai in zip(w, a, strict=True)])
    score = sp.diff(sp.log(sp.Add(*joint)), x[0])
    free = [x[0], ALPHA, SIGMA, *[ai[0] for ai in a]]
    return _result(f"E[-(X - alpha x_I)/sigma^2 | X] = d/dx log p_hat (n = {n}, d = 1)",
                   cond_mean - score, (logits, ps), free, start, points, digits, seed)


def dsm_decomposition(n: int = 3) -> list[SymbolicResult]:
    r"""The decomposition per component: pointwise in :math:`x`,
    :math:`\sum_iw_i(t_i-s)^2=(s-g)^2+\sum_iw_it_i^2-g^2` with :math:`g=\sum_iw_it_i` (weights
    :math:`w_i=p_i/\sum p_j`, targets :math:`t_i`, field value :math:`s` all symbolic); integrating
    against :math:`\hat p_s` gives the three terms, and
    :math:`\int\mathcal N(x;\alpha a,\sigma^2)(x-\alpha a)^2\sigma^{-4}dx=\sigma^{-2}` (per dimension)."""
    start = time.perf_counter()
    ps = sp.symbols(f"p1:{n + 1}", positive=True)
    t = sp.symbols(f"t1:{n + 1}", real=True)
    s = sp.Symbol("s_val", real=True)
    w = [p / sp.Add(*ps) for p in ps]
    g = sp.Add(*[wi * ti for wi, ti in zip(w, t, strict=True)])
    lhs = sp.Add(*[wi * (ti - s) ** 2 for wi, ti in zip(w, t, strict=True)])
    rhs = (s - g) ** 2 + sp.Add(*[wi * ti**2 for wi, ti in zip(w, t, strict=True)]) - g**2
    free = [*ps, *t, s]
    out = [_result(f"pointwise decomposition sum_i w_i (t_i - s)^2 (n = {n})", lhs - rhs, None, free, start,
                   4, 40, 1, positive=tuple(ps))]
    start = time.perf_counter()
    a = sp.Symbol("a", real=True)
    xx = sp.Symbol("x", real=True)
    kern = sp.exp(-(xx - ALPHA * a) ** 2 / (2 * SIGMA**2)) / sp.sqrt(2 * sp.pi * SIGMA**2)
    second = sp.integrate(kern * (xx - ALPHA * a) ** 2 / SIGMA**4, (xx, -sp.oo, sp.oo))
    out.append(_result("E_{X|X0=a} ((X - alpha a)/sigma^2)^2 = 1/sigma^2 (each dimension)",
                       second - 1 / SIGMA**2, None, [ALPHA, SIGMA, a], start, 4, 40, 2))
    return out


def loss_gap_is_fisher(n: int = 3, points: int = 3, digits: int = 40, seed: int = 3) -> SymbolicResult:
    r"""The loss gap of any field :math:`f` is a weighted square, pointwise in :math:`x` (d = 1):

    .. math::
        rac1n\sum_i\mathcal N_i(x)ig[(f-t_i)^2-(\hat s-t_i)^2ig]-\hat p(x)(f-\hat s)^2=0,

    with :math:`\mathcal N_i=\mathcal N(x;lpha a_i,\sigma^2)`, :math:`\hat p=rac1n\sum_i\mathcal N_i`,
    the DSM targets :math:`t_i=-(x-lpha a_i)/\sigma^2` and :math:`\hat s=\partial_x\log\hat p`
    differentiated directly (:math:`f` a free value). Integrated over :math:`x` the first term is
    :math:`L(f)-L(
abla\log\hat p)` and the second :math:`\mathbb E_{\hat P}(f-
abla\log\hat p)^2`;
    at :math:`f=
abla\log p` this is Loss-Gap :math:`=\mathrm{Fisher}(\hat P,P)`. It holds only
    because :math:`\sum_i\mathcal N_it_i=n\hat p\,\hat s` (the score is the posterior mean of the
    targets)."""
    start = time.perf_counter()
    x, a, logits, ps = _empirical(n, 1)
    dens = [sp.exp(e) / sp.sqrt(2 * sp.pi * SIGMA**2) for e in logits]
    p_hat = sp.Add(*dens) / n
    targets = [-(x[0] - ALPHA * ai[0]) / SIGMA**2 for ai in a]
    s_hat = sp.diff(sp.log(p_hat), x[0])
    f = sp.Symbol("f", real=True)
    gap = sp.Add(*[k * ((f - t) ** 2 - (s_hat - t) ** 2) for k, t in zip(dens, targets, strict=True)]) / n
    res = gap - p_hat * (f - s_hat) ** 2
    free = [x[0], f, ALPHA, SIGMA, *[ai[0] for ai in a]]
    return _result(f"Loss-Gap integrand (1/n) sum_i N_i[(f - t_i)^2 - (s_hat - t_i)^2] = p_hat (f - s_hat)^2 "
                   f"for every f (n = {n}, d = 1)", res, (logits, ps), free, start, points, digits, seed)


def _cov_from_posterior(weights: list[sp.Expr], means: list[sp.Matrix], covs: list[sp.Matrix]) -> sp.Matrix:
    r""":math:`\operatorname{Cov}=\sum_kw_k(C_k+m_km_k^\top)-\bar m\bar m^\top`."""
    mbar = sp.zeros(*means[0].shape)
    second = sp.zeros(means[0].shape[0], means[0].shape[0])
    for w, m, c in zip(weights, means, covs, strict=True):
        mbar += w * m
        second += w * (c + m * m.T)
    return second - mbar * mbar.T


def hessian_identity_empirical(n: int, d: int, points: int = 3, digits: int = 40,
                               seed: int = 4) -> SymbolicResult:
    r"""Empirical law: Hessian of :math:`\log\sum_ie^{E_i}` against
    :math:`-\sigma^{-2}I+\alpha^2\sigma^{-4}\operatorname{Cov}_w[a_I]` (softmax posterior)."""
    start = time.perf_counter()
    x, a, logits, ps = _empirical(n, d)
    total = sp.Add(*[sp.exp(e) for e in logits])
    hess = sp.hessian(sp.log(total), x)
    w = [sp.exp(e) / total for e in logits]
    cov = _cov_from_posterior(w, [sp.Matrix(ai) for ai in a], [sp.zeros(d, d)] * n)
    rhs = -sp.eye(d) / SIGMA**2 + ALPHA**2 / SIGMA**4 * cov
    res = hess - rhs
    zero, method = True, "numerator expands to 0"
    for entry in res:
        z, m = residual_is_zero(entry, (logits, ps))
        if not z:
            zero, method = False, m
    free = [*x, ALPHA, SIGMA, *[v for ai in a for v in ai]]
    worst = max(_numeric(entry, free, points, digits, seed) for entry in res)
    return SymbolicResult(f"Hessian identity, empirical law n = {n}, d = {d}", zero, method, worst, points,
                          time.perf_counter() - start)


def gaussian_conditioning(mean: sp.Matrix, cov: sp.Matrix) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    r"""Law of :math:`X_0\mid X=x` for :math:`X_0\sim\mathcal N(m,\Sigma)`, :math:`X=\alpha X_0+\sigma Z`:
    the joint covariance blocks are read off the linear map :math:`(\xi,Z)\mapsto(X_0,X)` and the
    Schur complement gives mean, covariance and the marginal covariance :math:`A` of X."""
    d = mean.shape[0]
    x = sp.Matrix(sp.symbols(f"x1:{d + 1}", real=True))
    L = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"L{i}{j}") if i >= j else 0)  # Sigma = L L^T
    # rows: X0 = m + L xi, X = alpha m + alpha L xi + sigma Z; columns: (xi, Z)
    M0 = L.row_join(sp.zeros(d, d))
    M1 = (ALPHA * L).row_join(SIGMA * sp.eye(d))
    blocks = (M0 * M0.T, M0 * M1.T, M1 * M1.T)
    LLt = L * L.T
    expected = (LLt, ALPHA * LLt, ALPHA**2 * LLt + SIGMA**2 * sp.eye(d))
    if any((b - e).applyfunc(sp.expand) != sp.zeros(d, d) for b, e in zip(blocks, expected, strict=True)):
        raise AssertionError("joint covariance blocks of (X0, X) not as derived")
    c00, c01, c11 = cov, ALPHA * cov, ALPHA**2 * cov + SIGMA**2 * sp.eye(d)  # L L^T = Sigma
    A = c11
    Ainv = A.inv()
    cmean = mean + c01 * Ainv * (x - ALPHA * mean)
    ccov = c00 - c01 * Ainv * c01.T
    return cmean, ccov, A


def hessian_identity_gmm(d: int, points: int = 3, digits: int = 40, seed: int = 5) -> SymbolicResult:
    r"""Two-component equal-weight mixture, common covariance (symbolic :math:`v` in 1-D, symbolic
    2x2 :math:`\Sigma` in 2-D): Hessian of :math:`\log\sum_k\mathcal N(x;\alpha m_k,A)` against
    :math:`-\sigma^{-2}I+\alpha^2\sigma^{-4}\operatorname{Cov}[X_0\mid X=x]`."""
    start = time.perf_counter()
    x = sp.Matrix(sp.symbols(f"x1:{d + 1}", real=True))
    if d == 1:
        v = sp.Symbol("v", positive=True)
        cov = sp.Matrix([[v]])
        pos: tuple[sp.Symbol, ...] = (v,)
    else:
        s11, s22 = sp.symbols("s11 s22", positive=True)
        s12 = sp.Symbol("s12", real=True)
        cov = sp.Matrix([[s11, s12], [s12, s22]])
        pos = (s11, s22)
    means = [sp.Matrix(sp.symbols(f"m{k + 1}_1:{d + 1}", real=True)) for k in range(2)]
    conds = [gaussian_conditioning(m, cov) for m in means]
    A = conds[0][2]
    Ainv = A.inv()
    logits = tuple(sp.expand((-(x - ALPHA * m).T * Ainv * (x - ALPHA * m) / 2)[0, 0]) for m in means)
    ps = tuple(sp.symbols("q1:3", positive=True))
    total = sp.Add(*[sp.exp(e) for e in logits])  # det A and (2 pi) factors cancel (common covariance)
    hess = sp.hessian(sp.log(total), list(x))
    w = [sp.exp(e) / total for e in logits]
    cov_post = _cov_from_posterior(w, [c[0] for c in conds], [c[1] for c in conds])
    res = hess - (-sp.eye(d) / SIGMA**2 + ALPHA**2 / SIGMA**4 * cov_post)
    zero, method = True, "numerator expands to 0"
    for entry in res:
        z, m = residual_is_zero(entry, (logits, ps))
        if not z:
            zero, method = False, m
    free = [*x, ALPHA, SIGMA, *[c for m in means for c in m], *sorted(cov.free_symbols, key=str)]
    # keep Sigma positive definite at the sample points: |s12| small against s11, s22 >= 0.2
    if d == 2:
        res = res.subs(sp.Symbol("s12", real=True), sp.Symbol("s12", real=True) / 10)
    worst = max(_numeric(entry, free, points, digits, seed, pos) for entry in res)
    return SymbolicResult(f"Hessian identity, Gaussian mixture K = 2, d = {d}", zero, method, worst, points,
                          time.perf_counter() - start)


def small_s_expectation(points: int = 4, digits: int = 40, seed: int = 6) -> list[SymbolicResult]:
    r"""1-D, one component :math:`\mathcal N(\mu,\lambda)`, posterior on the generating sample:
    the score difference at :math:`X=\alpha x_i+\sigma z` is linear in :math:`z`; its mean square over
    :math:`z\sim\mathcal N(0,1)`, :math:`x_i\sim\mathcal N(\mu,\lambda)` is
    :math:`\sigma^{-2}-(\alpha^2\lambda+\sigma^2)^{-1}`; with :math:`\lambda=1`, :math:`d/(e^s-1)`."""
    start = time.perf_counter()
    lam = sp.Symbol("lambda", positive=True)
    mu, xi, u = sp.symbols("mu x_i u", real=True)
    A = ALPHA**2 * lam + SIGMA**2
    X = ALPHA * xi + SIGMA * Z
    diff = -(X - ALPHA * xi) / SIGMA**2 - (-(X - ALPHA * mu) / A)  # empirical minus true score
    expected_form = -(1 / SIGMA - SIGMA / A) * Z + ALPHA * (xi - mu) / A
    out = [_result("score difference is linear in z", diff - expected_form, None,
                   [Z, xi, mu, ALPHA, SIGMA, lam], start, points, digits, seed, (lam,))]
    start = time.perf_counter()
    phi = sp.exp(-Z**2 / 2) / sp.sqrt(2 * sp.pi)
    moments = [sp.integrate(Z**k * phi, (Z, -sp.oo, sp.oo)) for k in range(3)]  # 1, 0, 1
    # x_i = mu + sqrt(lambda) u with u ~ N(0, 1) independent of z: expectation of a polynomial
    poly = sp.Poly(sp.expand(diff.subs(xi, mu + sp.sqrt(lam) * u) ** 2), Z, u)
    mean_sq = sp.Add(*[c * moments[i] * moments[j] for (i, j), c in poly.terms()])
    out.append(_result("E||diff||^2 = 1/sigma^2 - 1/(alpha^2 lambda + sigma^2)",
                       mean_sq - (1 / SIGMA**2 - 1 / A), None, [ALPHA, SIGMA, lam], start, points, digits,
                       seed, (lam,)))
    start = time.perf_counter()
    s = sp.Symbol("s", positive=True)
    ye = {ALPHA: sp.exp(-s / 2), SIGMA: sp.sqrt(1 - sp.exp(-s))}
    res = (1 / SIGMA**2 - 1 / A).subs(lam, 1).subs(ye) - 1 / (sp.exp(s) - 1)
    zero = sp.simplify(res) == 0
    rng = random.Random(seed)
    with mpmath.workdps(digits):
        worst = max(abs(mpmath.mpf(sp.N(res.subs(s, sp.Rational(rng.randint(1, 300), 100)), digits + 10)))
                    for _ in range(points))
    out.append(SymbolicResult("Sigma = I: gap asymptote = d/(e^s - 1) per dimension", zero,
                              "simplifies to 0" if zero else "nonzero", worst, points,
                              time.perf_counter() - start))
    return out


def _mpf(v: Fraction | mpmath.mpf) -> mpmath.mpf:
    """``v`` as an mpf at the current precision; a Python float is refused (precision discipline)."""
    if isinstance(v, float):
        raise TypeError("a Python float reached high-precision code; pass Fractions or mpf")
    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    return mpmath.mpf(v)


def small_s_asymptote(s: Fraction | mpmath.mpf, eigenvalues: list[Fraction] | list[mpmath.mpf]) -> mpmath.mpf:
    r""":math:`\sum_j\big(\sigma_s^{-2}-(\alpha_s^2\lambda_j+\sigma_s^2)^{-1}\big)` in mpmath at the
    current precision (Fractions or mpf in; Python floats rejected)."""

    sv = _mpf(s)
    a2, var = mpmath.exp(-sv), -mpmath.expm1(-sv)
    return mpmath.fsum(1 / var - 1 / (a2 * _mpf(lam) + var) for lam in eigenvalues)


def reverse_gap_is_fisher(points: int = 3, digits: int = 40, seed: int = 7) -> SymbolicResult:
    r"""SEP-REVERSE: the *population* DSM loss gap of any field :math:`f` against the true score is the
    Fisher divergence under the true noised law, pointwise in :math:`x` (d = 1, equal-weight two-component
    mixture :math:`\tfrac12\sum_k\mathcal N(m_k,v)`, all symbolic):

    .. math::
        \tfrac12\sum_k\mathcal N(x;\alpha m_k,A)\,\mathbb E\big[(f-t)^2-(s-t)^2\,\big|\,X=x,k\big]
        -p_t(x)(f-s)^2=0,\qquad t=-\frac{x-\alpha X_0}{\sigma^2},\ s=\partial_x\log p_t,

    with the law of :math:`X_0\mid X=x,k` (mean and variance) from :func:`gaussian_conditioning` and
    :math:`A=\alpha^2v+\sigma^2`. Integrated over :math:`x`: :math:`\mathbb E_{X_0\sim P}[\ell_t(X_0,f)-
    \ell_t(X_0,\nabla\log p_t)]=\mathbb E_{P_t}(f-\nabla\log p_t)^2`; at :math:`f=\nabla\log\hat p_t` this
    is :math:`\mathrm{Fisher}(P_t,\hat P_t)`. The conditional moments of :math:`X_0` up to order 2 enter
    (the :math:`t^2` terms cancel in the difference)."""
    start = time.perf_counter()
    v = sp.Symbol("v", positive=True)
    means = [sp.Matrix([sp.Symbol(f"m{k + 1}", real=True)]) for k in range(2)]
    conds = [gaussian_conditioning(m, sp.Matrix([[v]])) for m in means]
    x = sp.Symbol("x1", real=True)  # the point of gaussian_conditioning
    A = conds[0][2][0, 0]
    logits = tuple(-(x - ALPHA * m[0]) ** 2 / (2 * A) for m in means)
    qs = tuple(sp.symbols("q1:3", positive=True))
    dens = [sp.exp(e) / sp.sqrt(2 * sp.pi * A) for e in logits]
    p_t = sp.Add(*dens) / 2
    score = sp.diff(sp.log(p_t), x)
    f, x0, s_val = sp.Symbol("f", real=True), sp.Symbol("X0", real=True), sp.Symbol("s_val", real=True)
    target = -(x - ALPHA * x0) / SIGMA**2
    poly = sp.Poly(sp.expand((f - target) ** 2 - (s_val - target) ** 2), x0)  # the score enters as a value
    population = sp.Integer(0)
    for (cmean, ccov, _), dk in zip(conds, dens, strict=True):
        moments = (sp.Integer(1), cmean[0, 0], ccov[0, 0] + cmean[0, 0] ** 2)  # E[X0^j | X = x, k]
        population += dk / 2 * sp.Add(*[c * moments[j] for (j,), c in poly.terms()])
    res = (population - p_t * (f - s_val) ** 2).subs(s_val, score)
    free = [x, f, ALPHA, SIGMA, v, *[m[0] for m in means]]
    return _result("population Loss-Gap integrand sum_k w_k N_k E[(f - t)^2 - (s - t)^2 | X, k] = "
                   "p_t (f - s)^2 for every f (K = 2, d = 1; X0 | X by Gaussian conditioning)", res,
                   (logits, qs), free, start,
                   points, digits, seed, positive=(v,))


_S, _LAM = sp.Symbol("s", positive=True), sp.Symbol("lambda", positive=True)


def _asymptote_integrand() -> sp.Expr:
    r"""One eigen-direction of the small-s asymptote in Ye's convention, :math:`\sigma_s^{-2}-
    (\alpha_s^2\lambda+\sigma_s^2)^{-1}`, :math:`\alpha_s^2=e^{-s}`, :math:`\sigma_s^2=1-e^{-s}`."""
    a2, var = sp.exp(-_S), 1 - sp.exp(-_S)
    return 1 / var - 1 / (a2 * _LAM + var)


@lru_cache(maxsize=1)
def _antiderivative() -> sp.Expr:
    r"""An antiderivative in :math:`s` by ``sympy.integrate`` of the integrand rewritten over
    :math:`e^s` (:math:`e^s/(e^s-1)-e^s/(e^s+\lambda-1)`, real for :math:`s,\lambda>0`)."""
    u = sp.exp(_S)
    return sp.integrate(u / (u - 1) - u / (u + _LAM - 1), _S)


def integrated_asymptote_derivation() -> SymbolicResult:
    r"""SEP-T43-INT: :math:`\partial_sF=` the asymptote's integrand exactly, for the antiderivative
    :math:`F` of :func:`_antiderivative` (so :math:`\int_{t_0}^{t_1}=\sum_j[F]_{t_0}^{t_1}`); at
    :math:`\lambda=1` it is :math:`d\log(1-e^{-s})+\text{const}`, whose value at :math:`t_0` is
    :math:`d\log t_0+O(t_0)`: the paper's :math:`d\log(1/t_0)` term."""
    start = time.perf_counter()
    F = _antiderivative()
    res = sp.diff(F, _S) - _asymptote_integrand()
    return _result("d/ds of the antiderivative F(s, lambda) = 1/sigma_s^2 - 1/(alpha_s^2 lambda + sigma_s^2)",
                   res, None, [_S, _LAM], start, 3, 40, 9, positive=(_S, _LAM))


def integrated_asymptote(t0: Fraction | mpmath.mpf, t1: Fraction | mpmath.mpf,
                         eigenvalues: list[Fraction] | list[mpmath.mpf]) -> mpmath.mpf:
    r""":math:`\int_{t_0}^{t_1}\sum_j(\sigma_s^{-2}-(\alpha_s^2\lambda_j+\sigma_s^2)^{-1})\,ds` in mpmath at
    the current precision, from the derived antiderivative (Fractions or mpf in; floats rejected)."""

    F = sp.lambdify((_S, _LAM), _antiderivative(), "mpmath")
    return mpmath.fsum(F(_mpf(t1), _mpf(lam)) - F(_mpf(t0), _mpf(lam)) for lam in eigenvalues)


def duplicate_identities(points: int = 3, digits: int = 40, seed: int = 8) -> list[SymbolicResult]:
    r"""SEP-DUP (d = 1, all symbolic). For :math:`D=(y_1,y_1,y_2,y_3,y_3,y_3)` (n = 6, m = 3 duplicates,
    n - m = 3 distinct points, multiplicities :math:`c=(2,1,3)` counted from D):

    1. :math:`\hat p_D=\sum_j\frac{c_j}n\mathcal N(\alpha y_j,\sigma^2)` and
       :math:`\nabla\log\hat p_D=\sum_jw_j\,(-(x-\alpha y_j)/\sigma^2)` with
       :math:`w_j\propto c_j\mathcal N(x;\alpha y_j,\sigma^2)` (the law, score and hence Loss-Gap of D are
       those of the n - m distinct points weighted by multiplicity);
    2. with equal multiplicities, :math:`(y_1,y_1,y_2,y_2,y_3,y_3)`, the score is the *unweighted* empirical
       score of :math:`(y_1,y_2,y_3)`;
    3. otherwise it is not: for :math:`D=(0,0,1)` against :math:`(0,1)` the scores differ at the midpoint
       :math:`x=\alpha/2` by exactly :math:`-\alpha/(6\sigma^2)` (the residual below is the difference
       minus that value)."""
    x = sp.Symbol("x1", real=True)
    y = sp.symbols("y1:4", real=True)

    def kern(a: sp.Expr) -> sp.Expr:
        return sp.exp(-(x - ALPHA * a) ** 2 / (2 * SIGMA**2)) / sp.sqrt(2 * sp.pi * SIGMA**2)

    def grouped(sample: list) -> tuple[list, dict]:
        counts: dict = {}
        for a in sample:
            counts[a] = counts.get(a, 0) + 1
        weights = {a: sp.Rational(counts[a], len(sample)) for a in counts}
        return list(counts), weights

    def weighted_score(distinct: list, weights: dict) -> sp.Expr:
        w = [weights[a] * kern(a) for a in distinct]
        terms = [wi * (-(x - ALPHA * a) / SIGMA**2) for wi, a in zip(w, distinct, strict=True)]
        return sp.Add(*terms) / sp.Add(*w)

    logits = tuple(-(x - ALPHA * a) ** 2 / (2 * SIGMA**2) for a in y)
    ps = tuple(sp.symbols("p1:4", positive=True))
    free = [x, ALPHA, SIGMA, *y]
    out = []
    start = time.perf_counter()
    sample = [y[0], y[0], y[1], y[2], y[2], y[2]]
    distinct, weights = grouped(sample)
    p_D = sp.Add(*[kern(a) for a in sample]) / len(sample)
    p_w = sp.Add(*[weights[a] * kern(a) for a in distinct])
    out.append(_result("p_hat of D = (y1, y1, y2, y3, y3, y3) = sum_j (c_j/n) N(alpha y_j, sigma^2), "
                       "c = (2, 1, 3)",
                       p_D - p_w, (logits, ps), free, start, points, digits, seed))
    start = time.perf_counter()
    out.append(_result("score of D = posterior-weighted score over its n - m = 3 distinct points, "
                       "w_j ~ c_j N_j",
                       sp.diff(sp.log(p_D), x) - weighted_score(distinct, weights), (logits, ps), free, start,
                       points, digits, seed))
    start = time.perf_counter()
    even = [y[0], y[0], y[1], y[1], y[2], y[2]]
    p_even = sp.Add(*[kern(a) for a in even]) / len(even)
    plain = weighted_score(list(y), {a: sp.Rational(1, 3) for a in y})
    out.append(_result("equal multiplicities (y1, y1, y2, y2, y3, y3): score = unweighted empirical score of "
                       "(y1, y2, y3)", sp.diff(sp.log(p_even), x) - plain, (logits, ps), free, start, points,
                       digits, seed))
    start = time.perf_counter()
    zero, one = sp.Integer(0), sp.Integer(1)
    d_dup, w_dup = grouped([zero, zero, one])
    d_two, w_two = grouped([zero, one])
    gap = (weighted_score(d_dup, w_dup) - weighted_score(d_two, w_two)).subs(x, ALPHA / 2)
    out.append(_result("unequal multiplicities: score(0, 0, 1) - score(0, 1) at x = alpha/2 equals "
                       "-alpha/(6 sigma^2) (nonzero)", gap + ALPHA / (6 * SIGMA**2), None, [ALPHA, SIGMA],
                       start,
                       points, digits, seed))
    return out


@lru_cache(maxsize=4)
def _posterior_means(quick: bool) -> tuple[SymbolicResult, ...]:
    return (posterior_mean_is_score(2), *(() if quick else (posterior_mean_is_score(3),)))


def p41_results(quick: bool = False) -> list[SymbolicResult]:
    r"""SEP-P41 (Loss-Gap = Fisher): the posterior-mean step and the Loss-Gap integrand identity
    (``quick``: n = 2 only for the posterior mean). Computed once per process (SEP-P41-DECOMP shares the
    posterior-mean step)."""
    return [*_posterior_means(quick), _loss_gap_identity()]


def decomp_results(quick: bool = False) -> list[SymbolicResult]:
    r"""SEP-P41-DECOMP (the decomposition for every field f): the posterior-mean step, the pointwise
    decomposition and the noise second moment :math:`d/\sigma^2`."""
    return [*_posterior_means(quick), *_decompositions()]


@lru_cache(maxsize=1)
def _loss_gap_identity() -> SymbolicResult:
    return loss_gap_is_fisher()


@lru_cache(maxsize=1)
def _decompositions() -> tuple[SymbolicResult, ...]:
    return tuple(dsm_decomposition(3))


def c1_results(quick: bool = False) -> list[SymbolicResult]:
    """SEP-C1 residuals (``quick``: the d = 1, n/K = 2 cases only)."""
    c1 = [hessian_identity_empirical(2, 1), hessian_identity_gmm(1)]
    if not quick:
        c1 += [hessian_identity_empirical(3, 1), hessian_identity_empirical(2, 2), hessian_identity_gmm(2)]
    return c1


def all_results(quick: bool = False) -> dict[str, list[SymbolicResult]]:
    """Every SEP-P41, SEP-C1 and small-s residual (``quick``: the cheaper cases only)."""
    return {"SEP-P41": p41_results(quick), "SEP-P41-DECOMP": decomp_results(quick),
            "SEP-C1": c1_results(quick),
            "asymptote": small_s_expectation(), "SEP-REVERSE": [reverse_gap_is_fisher()],
            "SEP-T43-INT": [integrated_asymptote_derivation()], "SEP-DUP": duplicate_identities()}
