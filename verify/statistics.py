r"""Small exact-enough statistics for the statistical checks (no SciPy): the normal and
:math:`\chi^2` laws, Kolmogorov–Smirnov, Pearson's :math:`\chi^2`, binomial and Wilson intervals.

Every p-value here is compared with a level of at least :math:`10^{-6}`, far above the float64
error of these formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from functools import lru_cache

import mpmath
import numpy as np

__all__ = ["Z95", "normal_cdf", "chi2_cdf", "chi2_quantile", "chi_square_uniform", "kolmogorov_sf",
           "ks_test", "binomial_test", "wilson"]

#: The two-sided 95 % normal quantile.
Z95 = 1.959963984540054


def normal_cdf(x: np.ndarray) -> np.ndarray:
    r""":math:`\Phi(x)=\tfrac12\operatorname{erfc}(-x/\sqrt2)`."""
    flat = np.ravel(np.asarray(x, dtype=float))
    return np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in flat]).reshape(np.shape(x))


def chi2_cdf(x: np.ndarray | float, d: int) -> np.ndarray:
    r""":math:`P(\chi^2_d\le x)=P(d/2,x/2)` (regularized lower gamma) in float64: the finite sum
    :math:`1-e^{-y}\sum_{j<d/2}y^j/j!` for even :math:`d`, from
    :math:`\operatorname{erf}\sqrt y` downwards for odd :math:`d` (:math:`y=x/2`)."""
    y = np.maximum(np.asarray(x, dtype=float), 0.0) / 2
    if d % 2 == 0:
        term, total = np.ones_like(y), np.zeros_like(y)
        for j in range(d // 2):
            if j:
                term = term * y / j
            total = total + term
        return 1 - np.exp(-y) * total
    out = np.array([math.erf(math.sqrt(v)) for v in np.ravel(y)]).reshape(y.shape)
    a = 0.5
    while a < d / 2:
        with np.errstate(divide="ignore"):
            out = out - np.exp(a * np.log(y) - y - math.lgamma(a + 1))
        a += 1
    return np.clip(out, 0.0, 1.0)


@lru_cache(maxsize=64)
def chi2_quantile(p: float, d: int) -> float:
    r"""The :math:`p`-quantile of :math:`\chi^2_d` (bisection on mpmath's regularized
    :math:`\gamma(d/2,x/2)` at 30 digits)."""
    if not 0 < p < 1:
        raise ValueError(f"quantile level must lie in (0, 1), got {p}")
    with mpmath.workdps(30):
        target = mpmath.mpf(p)
        lo, hi = mpmath.mpf(0), mpmath.mpf(d) + 10
        while mpmath.gammainc(mpmath.mpf(d) / 2, 0, hi / 2, regularized=True) < target:
            hi *= 2
        for _ in range(120):
            mid = (lo + hi) / 2
            if mpmath.gammainc(mpmath.mpf(d) / 2, 0, mid / 2, regularized=True) < target:
                lo = mid
            else:
                hi = mid
        return float((lo + hi) / 2)


def chi_square_uniform(counts: list[int] | np.ndarray) -> tuple[float, float]:
    r"""Pearson's :math:`X^2=\sum (O-E)^2/E` against equal cell probabilities and its p-value
    :math:`Q(\tfrac{k-1}2, \tfrac{X^2}2)` (regularized upper incomplete gamma, mpmath)."""
    obs = np.asarray(counts, dtype=float)
    expected = obs.sum() / len(obs)
    stat = float(((obs - expected) ** 2 / expected).sum())
    df = len(obs) - 1
    p = mpmath.gammainc(mpmath.mpf(df) / 2, mpmath.mpf(stat) / 2, mpmath.inf, regularized=True)
    return stat, float(p)


def kolmogorov_sf(lam: float) -> float:
    r""":math:`P(K>\lambda)` for the Kolmogorov distribution:
    :math:`2\sum_{k\ge1}(-1)^{k-1}e^{-2k^2\lambda^2}`, or for small :math:`\lambda` the dual series
    :math:`1-\frac{\sqrt{2\pi}}\lambda\sum_{k\ge1}e^{-(2k-1)^2\pi^2/(8\lambda^2)}`."""
    with mpmath.workdps(30):
        lam_m = mpmath.mpf(lam)
        if lam_m <= 0:
            return 1.0
        if lam_m < 1:
            s = mpmath.nsum(lambda k: mpmath.exp(-(2 * k - 1) ** 2 * mpmath.pi**2 / (8 * lam_m**2)),
                            [1, mpmath.inf])
            return float(1 - mpmath.sqrt(2 * mpmath.pi) / lam_m * s)
        s = mpmath.nsum(lambda k: (-1) ** (k - 1) * mpmath.exp(-2 * k**2 * lam_m**2), [1, mpmath.inf])
        return float(min(1, max(0, 2 * s)))


def ks_test(samples: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> tuple[float, float]:
    r"""One-sample Kolmogorov–Smirnov statistic :math:`D_n` against ``cdf`` and its asymptotic
    p-value :math:`P(K > (\sqrt n + 0.12 + 0.11/\sqrt n) D_n)` (Stephens 1970)."""
    x = np.sort(np.asarray(samples, dtype=float))
    n = len(x)
    f = np.asarray(cdf(x), dtype=float)
    i = np.arange(1, n + 1)
    d = float(max(np.max(i / n - f), np.max(f - (i - 1) / n)))
    rn = math.sqrt(n)
    return d, kolmogorov_sf((rn + 0.12 + 0.11 / rn) * d)


def binomial_test(k: int, n: int, p: Fraction) -> float:
    r"""Two-sided binomial test of :math:`k` successes in :math:`n` trials at rate :math:`p`:
    the total probability of the outcomes no more likely than :math:`k` (log-gamma pmf, a
    relative :math:`10^{-7}` tie tolerance, as in SciPy's ``binomtest``)."""
    p = Fraction(p)
    if not 0 < p < 1 or not 0 <= k <= n:
        raise ValueError(f"binomial test needs 0 < p < 1 and 0 <= k <= n, got p={p}, k={k}, n={n}")
    j = np.arange(n + 1)
    lg = np.vectorize(math.lgamma)
    logpmf = (math.lgamma(n + 1) - lg(j + 1) - lg(n - j + 1) + j * math.log(p)
              + (n - j) * math.log1p(-float(p)))
    pmf = np.exp(logpmf)
    return float(min(1.0, pmf[pmf <= pmf[k] * (1 + 1e-7)].sum()))


def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    r"""Wilson score interval for a binomial proportion :math:`k/n`."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)
