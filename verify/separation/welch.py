r"""Welch's two-sample t-test from reported summary statistics (means, standard deviations, run counts).

For means :math:`m_1,m_2`, standard deviations :math:`s_1,s_2` over :math:`n_1,n_2` runs, with
:math:`v_i=s_i^2/n_i`:

.. math::
    t=\frac{m_1-m_2}{\sqrt{v_1+v_2}},\qquad
    \nu=\frac{(v_1+v_2)^2}{v_1^2/(n_1-1)+v_2^2/(n_2-1)}\ \text{(Welch–Satterthwaite)},

and :math:`P(T_\nu>t)=\tfrac12I_{\nu/(\nu+t^2)}(\nu/2,1/2)` for :math:`t\ge0` (regularized incomplete beta).
:math:`t^2` and :math:`\nu` are exact rationals of the reported decimals; the tail is mpmath.
Used by SEP-PRUNE on Table 1 of Ye, Zhu, Tao, Chen: estimates from a paper's summary, never a verdict
on its experiment.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

__all__ = ["WelchResult", "welch_from_summary", "student_t_sf", "student_t_sf_by_quadrature",
           "student_t_quantile"]


def _frac(v: Fraction | int | str) -> Fraction:
    if isinstance(v, float):
        raise TypeError("pass the reported numbers exactly (Fraction, int or a decimal string)")
    return Fraction(v)


def student_t_sf(t: mpmath.mpf | float, df: mpmath.mpf | Fraction) -> mpmath.mpf:
    r""":math:`P(T_\nu>t)` by the regularized incomplete beta function (any real :math:`\nu>0`)."""
    nu = mpmath.mpf(df.numerator) / df.denominator if isinstance(df, Fraction) else mpmath.mpf(df)
    t = mpmath.mpf(t)
    tail = mpmath.betainc(nu / 2, mpmath.mpf(1) / 2, 0, nu / (nu + t * t), regularized=True) / 2
    return tail if t >= 0 else 1 - tail


def student_t_sf_by_quadrature(t: mpmath.mpf | float, df: mpmath.mpf | Fraction) -> mpmath.mpf:
    r""":math:`\int_t^\infty` of Student's density
    :math:`\frac{\Gamma((\nu+1)/2)}{\sqrt{\nu\pi}\,\Gamma(\nu/2)}(1+x^2/\nu)^{-(\nu+1)/2}`
    by mpmath quadrature (an independent reference for :func:`student_t_sf`)."""
    nu = mpmath.mpf(df.numerator) / df.denominator if isinstance(df, Fraction) else mpmath.mpf(df)
    c = mpmath.gamma((nu + 1) / 2) / (mpmath.sqrt(nu * mpmath.pi) * mpmath.gamma(nu / 2))
    return mpmath.quad(lambda x: c * (1 + x * x / nu) ** (-(nu + 1) / 2), [mpmath.mpf(t), mpmath.inf])


def student_t_quantile(p: float, df: mpmath.mpf | Fraction) -> mpmath.mpf:
    """Quantile of Student's t with real ``df`` (bisection on :func:`student_t_sf`, 0.5 <= p < 1)."""
    if not 0.5 <= p < 1:
        raise ValueError(f"need 0.5 <= p < 1, got {p}")
    lo, hi = mpmath.mpf(0), mpmath.mpf(1)
    while student_t_sf(hi, df) > 1 - p:
        lo, hi = hi, 2 * hi
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if student_t_sf(mid, df) > 1 - p else (lo, mid)
    return (lo + hi) / 2


@dataclass(frozen=True)
class WelchResult:
    """Welch's test of :math:`m_1-m_2` from summary statistics."""

    difference: Fraction  # m1 - m2
    variance: Fraction  # v1 + v2, the squared standard error of the difference
    t: mpmath.mpf
    df: Fraction  # Welch-Satterthwaite degrees of freedom
    p_greater: mpmath.mpf  # one-sided P(T > t): evidence that m1 > m2
    p_two_sided: mpmath.mpf
    interval: tuple[mpmath.mpf, mpmath.mpf]  # 95 % interval of m1 - m2

    def text(self) -> str:
        lo, hi = self.interval
        return (f"difference {float(self.difference):.2f} (95 % interval [{float(lo):.2f}, "
                f"{float(hi):.2f}]), t = {float(self.t):.2f}, df = {float(self.df):.2f}, one-sided p = "
                f"{mpmath.nstr(self.p_greater, 2)}, two-sided p = {mpmath.nstr(self.p_two_sided, 2)}")


def welch_from_summary(m1: Fraction | str, s1: Fraction | str, n1: int,
                       m2: Fraction | str, s2: Fraction | str, n2: int) -> WelchResult:
    """Welch's test of m1 > m2 (and two-sided) from means, standard deviations and run counts."""
    m1, s1, m2, s2 = (_frac(v) for v in (m1, s1, m2, s2))
    if n1 < 2 or n2 < 2 or s1 <= 0 or s2 <= 0:
        raise ValueError("need at least 2 runs per group and positive standard deviations")
    v1, v2 = s1**2 / n1, s2**2 / n2
    df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
    with mpmath.workdps(30):
        var = v1 + v2
        se = mpmath.sqrt(mpmath.mpf(var.numerator) / var.denominator)
        diff = mpmath.mpf((m1 - m2).numerator) / (m1 - m2).denominator
        t = diff / se
        upper = student_t_sf(abs(t), df)
        q = student_t_quantile(0.975, df)
        return WelchResult(m1 - m2, v1 + v2, t, df, student_t_sf(t, df), 2 * upper,
                           (diff - q * se, diff + q * se))
