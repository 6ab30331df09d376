r"""SEP-REVERSE: the *population* DSM losses and the reverse Fisher divergence by quadrature (1-D).

For data law :math:`P=\sum_kw_k\mathcal N(\mu_k,v)` and a training set :math:`x_1..x_n`, Ye convention
(:math:`\alpha_s=e^{-s/2}`, :math:`\sigma_s^2=1-e^{-s}`), the population DSM loss of a field :math:`f` is

.. math::
    L(f)=\mathbb E_{X_0\sim P}\,\mathbb E_z\big(-z/\sigma-f(\alpha X_0+\sigma z)\big)^2,

a double integral over :math:`(X_0,z)`. Per component, :math:`X_0=\mu_k+\sqrt v\,u` and the pair
:math:`(u,z)` is rotated (Jacobian 1) to :math:`w=(au+\sigma z)/r`, :math:`w_\perp=(-\sigma u+az)/r`,
:math:`a=\alpha\sqrt v`, :math:`r=\sqrt{a^2+\sigma^2}`, so that :math:`X=\alpha\mu_k+rw` and
:math:`z=(\sigma w+aw_\perp)/r`: the field depends on :math:`w` only and the integrand is a quadratic
polynomial in :math:`w_\perp`, integrated exactly by 3-node Gauss–Hermite; the outer :math:`w` integral is
adaptive Gauss–Legendre (:func:`~verify.separation.quadrature.adaptive_gl`) on
:math:`|w|\le Z_c`, split where the softmax weights switch (midpoints of the atoms :math:`\alpha x_i` and of
the component means). One pass gives :math:`L(\nabla\log\hat p_s)`, :math:`L(\nabla\log p_s)` and
:math:`\mathrm{Fisher}(P_s,\hat P_s)=\mathbb E_{X\sim P_s}(\nabla\log\hat p_s-\nabla\log p_s)^2`; SEP-REVERSE
says :math:`L(\nabla\log\hat p_s)-L(\nabla\log p_s)=\mathrm{Fisher}(P_s,\hat P_s)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import mpmath

from .quadrature import adaptive_gl
from .scores import SeparationError

__all__ = ["PopulationGap", "population_gap_quadrature"]

#: 3-node Gauss–Hermite for the standard normal weight: nodes 0, +-sqrt(3), weights 2/3, 1/6, 1/6 (exact
#: for polynomials of degree <= 5)
_GH3 = ((0, Fraction(2, 3)), (1, Fraction(1, 6)), (-1, Fraction(1, 6)))


@dataclass(frozen=True)
class PopulationGap:
    r"""Population DSM losses and the reverse Fisher divergence at one ``s`` (mpf at ``digits``)."""

    s: Fraction
    digits: int
    loss_empirical: mpmath.mpf  # L(grad log p_hat)
    loss_true: mpmath.mpf  # L(grad log p)
    reverse_fisher: mpmath.mpf  # E_{P_s} (grad log p_hat - grad log p)^2
    error: mpmath.mpf  # quadrature error estimate (sum over components of the two-rule differences)

    @property
    def gap(self) -> mpmath.mpf:
        """Population loss gap :math:`L(\\nabla\\log\\hat p_s)-L(\\nabla\\log p_s)`."""
        return self.loss_empirical - self.loss_true

    @property
    def residual(self) -> mpmath.mpf:
        """gap - reverse Fisher."""
        return self.gap - self.reverse_fisher

    def worst_relative(self) -> mpmath.mpf:
        """|residual| plus the quadrature error, relative to the loss scale max(1, L(true))."""
        return (abs(self.residual) + self.error) / max(mpmath.mpf(1), abs(self.loss_true))


def _mp(v: Fraction | int) -> mpmath.mpf:
    if isinstance(v, float):
        raise TypeError("a Python float reached high-precision code; pass Fractions")
    v = Fraction(v)
    return mpmath.mpf(v.numerator) / v.denominator


def _softmax_mean(x, centres: list, logw: list, scale) -> mpmath.mpf:
    r""":math:`\sum_i\pi_i(x-c_i)` with
    :math:`\pi=\operatorname{softmax}(\log w_i-(x-c_i)^2/(2\,\mathrm{scale}))`."""
    logits = [lw - (x - c) ** 2 / (2 * scale) for c, lw in zip(centres, logw, strict=True)]
    top = max(logits)
    e = [mpmath.exp(g - top) for g in logits]
    return mpmath.fsum(ei * (x - c) for ei, c in zip(e, centres, strict=True)) / mpmath.fsum(e)


def population_gap_quadrature(data: list[Fraction], means: list[Fraction], var: Fraction, s: Fraction,
                              digits: int = 20, weights: list[Fraction] | None = None) -> PopulationGap:
    r"""The population DSM losses of the empirical and the true score and
    :math:`\mathrm{Fisher}(P_s,\hat P_s)` for 1-D training ``data`` and the mixture
    :math:`\sum_kw_k\mathcal N(\mu_k,\mathrm{var})` (exact inputs)."""
    if not data or not means:
        raise SeparationError("need at least one training point and one component")
    if not (isinstance(s, Fraction) and s > 0) or Fraction(var) <= 0:
        raise SeparationError("s must be a positive Fraction and var positive")
    ws = [Fraction(1, len(means))] * len(means) if weights is None else [Fraction(w) for w in weights]
    if len(ws) != len(means) or any(w <= 0 for w in ws):
        raise SeparationError(f"weights must be {len(means)} positive numbers")
    with mpmath.workdps(digits + 10):
        sv = _mp(s)
        alpha, v_s = mpmath.exp(-sv / 2), -mpmath.expm1(-sv)
        sigma = mpmath.sqrt(v_s)
        v = _mp(var)
        a = alpha * mpmath.sqrt(v)
        r = mpmath.sqrt(a * a + v_s)
        A = alpha**2 * v + v_s
        atoms = [alpha * _mp(x) for x in data]
        centres = [alpha * _mp(m) for m in means]
        total = mpmath.fsum(_mp(w) for w in ws)
        logw = [mpmath.log(_mp(w) / total) for w in ws]
        flat = [mpmath.mpf(0)] * len(atoms)
        gh = [(mpmath.sqrt(3) * k, _mp(w)) for k, w in _GH3]
        zc = mpmath.sqrt(2 * (digits + 5) * mpmath.log(10)) + 1
        norm = 1 / mpmath.sqrt(2 * mpmath.pi)
        tol = mpmath.mpf(10) ** (-(digits + 3)) / v_s
        acc = [mpmath.mpf(0)] * 3
        err = mpmath.mpf(0)
        for mu, lw in zip(centres, logw, strict=True):

            def integrand(w, mu=mu):
                x = mu + r * w
                s_hat = -_softmax_mean(x, atoms, flat, v_s) / v_s
                s_true = -_softmax_mean(x, centres, logw, A) / A
                le = lt = mpmath.mpf(0)
                for node, weight in gh:  # w_perp
                    t = -(sigma * w + a * node) / (r * sigma)  # the DSM target -z/sigma
                    le += weight * (t - s_hat) ** 2
                    lt += weight * (t - s_true) ** 2
                phi = norm * mpmath.exp(-w * w / 2)
                return [phi * le, phi * lt, phi * (s_hat - s_true) ** 2]

            switches = [(atoms[i] + atoms[j]) / 2 for i in range(len(atoms))
                        for j in range(i + 1, len(atoms))]
            switches += [(centres[i] + centres[j]) / 2 for i in range(len(centres))
                         for j in range(i + 1, len(centres))]
            cuts = sorted({(c - mu) / r for c in switches if -zc < (c - mu) / r < zc})
            vals, e = adaptive_gl(integrand, [-zc, *cuts, zc], tol)
            w_k = mpmath.exp(lw)
            acc = [x + w_k * y for x, y in zip(acc, vals, strict=True)]
            err += w_k * e
        return PopulationGap(s, digits, +acc[0], +acc[1], +acc[2], +err)
