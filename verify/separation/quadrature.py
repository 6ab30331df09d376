r"""High-precision quadrature of the DSM losses and the Fisher divergence of SEP-P41 (Ye convention).

With :math:`X=\alpha x_i+\sigma z`, :math:`z\sim\mathcal N(0,I_d)`:
:math:`\ell_s(x_i,f)=\mathbb E_z\lVert -z/\sigma-f(X)\rVert^2` and
:math:`\mathrm{Fisher}(\hat P_s,P_s)=\frac1n\sum_i\mathbb E_z
\lVert\nabla\log\hat p_s(X)-\nabla\log p_s(X)\rVert^2`.
The integrals are taken by vector-valued adaptive Gauss–Legendre (one pass gives
:math:`\ell(\nabla\log\hat p)`, :math:`\ell(\nabla\log p)`, Fisher, :math:`J` and
:math:`\mathbb E\lVert z/\sigma\rVert^2`) on :math:`|z_j|\le Z_c=\sqrt{2(\text{digits}+5)\ln10}+1`,
split at the
**breakpoints** where the softmax switches: the bisectors between :math:`\alpha x_j`, :math:`\alpha x_k`
and the mixture boundaries :math:`(x-\alpha\bar m_{kl})^\top A^{-1}(m_k-m_l)=0`. In 2-D the rule is
iterated (inner breakpoints where the boundary lines cross the current :math:`z_1`, outer ones at their
intersections). The error estimate is the sum over intervals of the difference of two GL degrees.
Nodes, breakpoints and the bookkeeping are mpmath at digits + 15; the integrand and each rule's sum
are python-flint ``arb`` at the same precision (constants converted exactly, ball midpoints
returned), so the values agree with an all-mpmath evaluation to the working precision.
That iterated 2-D path takes minutes; :func:`gap_quadrature_2d` (``arb``, rotated
Gauss–Legendre x Gauss–Hermite tensor rule) does d = 2 at 30 digits in seconds.
"""

from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import mpmath
from flint import arb, ctx
from mpmath.calculus.quadrature import GaussLegendre

from .scores import SeparationError

__all__ = ["GapQuadrature", "gap_quadrature", "gap_quadrature_2d", "plain_quad_gap", "random_training_set",
           "S_GRID"]

S_GRID: tuple[Fraction, ...] = (Fraction(1, 10**4), Fraction(1, 10**3), Fraction(1, 100), Fraction(1, 10),
                                Fraction(1, 2), Fraction(3))
NAMES = ("loss_empirical", "loss_true", "fisher", "J", "noise")


@lru_cache(maxsize=16)
def _nodes(degree: int, prec: int) -> tuple[tuple[mpmath.mpf, mpmath.mpf], ...]:
    with mpmath.workprec(prec):
        return tuple(GaussLegendre(mpmath.mp).calc_nodes(degree, prec))


def _gl(f, a, b, degree: int, prec: int) -> list:
    half, mid = (b - a) / 2, (b + a) / 2
    acc = None
    for x, w in _nodes(degree, prec):
        v = f(mid + half * x)
        acc = [w * c for c in v] if acc is None else [s + w * c for s, c in zip(acc, v, strict=True)]
    return [half * s for s in acc]


@lru_cache(maxsize=16)
def _gl_nodes_arb(degree: int, prec: int) -> tuple:
    return tuple((_arb(x), _arb(w)) for x, w in _nodes(degree, prec))


def _gl_arb(f, a, b, degree: int, prec: int) -> list:
    """:func:`_gl` for an integrand ``f`` taking and returning ``arb`` (context precision); ``a``, ``b``
    and the result are mpf (ball midpoints)."""
    a, b = _arb(a), _arb(b)
    half, mid = (b - a) / 2, (b + a) / 2
    acc = None
    for x, w in _gl_nodes_arb(degree, prec):
        v = f(mid + half * x)
        acc = [w * c for c in v] if acc is None else [s + w * c for s, c in zip(acc, v, strict=True)]
    return [_from_arb(half * s) for s in acc]


def adaptive_gl(f, points: list, tol, degree: int = 4, depth: int = 30,
                compare: int | None = None, rule=_gl) -> tuple[list, Any]:
    r"""Vector-valued :math:`\int f` over consecutive ``points`` (breakpoints included) by Gauss–Legendre
    of degree ``degree`` vs ``degree + 1`` (:math:`3\cdot2^{k-1}` nodes), bisecting where they differ by
    more than ``tol`` times the interval's share (only the first ``compare`` components, if given);
    returns (values, error estimate). ``rule=_gl_arb`` takes an ``arb`` integrand."""
    prec = mpmath.mp.prec
    total_len = points[-1] - points[0]
    total: list | None = None
    err = mpmath.mpf(0)
    stack = [(points[k], points[k + 1], 0) for k in range(len(points) - 1) if points[k + 1] > points[k]]
    while stack:
        a, b, lvl = stack.pop()
        lo = rule(f, a, b, degree, prec)
        hi = rule(f, a, b, degree + 1, prec)
        diff = max(abs(x - y) for x, y in zip(lo[:compare], hi[:compare], strict=True))
        if diff > tol * (b - a) / total_len and lvl < depth:
            m = (a + b) / 2
            stack += [(a, m, lvl + 1), (m, b, lvl + 1)]
            continue
        err += diff
        total = hi if total is None else [s + v for s, v in zip(total, hi, strict=True)]
    assert total is not None
    return total, err


def _mp(v: Any) -> mpmath.mpf:
    if isinstance(v, float):
        raise TypeError("a Python float reached high-precision code; pass Fractions or mpf")
    if isinstance(v, Fraction):
        return mpmath.mpf(v.numerator) / v.denominator
    return mpmath.mpf(v)


@dataclass(frozen=True)
class GapQuadrature:
    r"""Averages over the training set (each a :math:`\frac1n\sum_i\mathbb E_z`), at ``digits``."""

    s: Fraction
    d: int
    digits: int
    values: dict[str, mpmath.mpf]
    error: mpmath.mpf  # quadrature error estimate (max over the five integrals, summed over i)
    evaluations: int = 0
    residuals: dict[str, mpmath.mpf] = field(default_factory=dict)

    @property
    def gap(self) -> mpmath.mpf:
        return self.values["loss_true"] - self.values["loss_empirical"]

    @property
    def scale(self) -> mpmath.mpf:
        return max(mpmath.mpf(1), abs(self.values["loss_true"]), abs(self.values["noise"]))

    def worst_relative(self) -> mpmath.mpf:
        """Largest residual (and the quadrature error) relative to the loss scale."""
        return max([abs(r) for r in self.residuals.values()] + [self.error]) / self.scale


class _Problem:
    """Training set, mixture and coefficients at one s, all mpf."""

    def __init__(self, data, means, cov, s: Fraction, weights=None) -> None:
        self.X = [[_mp(v) for v in row] for row in data]
        self.M = [[_mp(v) for v in row] for row in means]
        w = [mpmath.mpf(1)] * len(self.M) if weights is None else [_mp(v) for v in weights]
        if len(w) != len(self.M) or any(v <= 0 for v in w):
            raise SeparationError(f"weights must be {len(self.M)} positive numbers")
        self.logw = [mpmath.log(v / mpmath.fsum(w)) for v in w]
        d = len(self.X[0])
        if any(len(r) != d for r in self.X + self.M) or len(cov) != d or any(len(r) != d for r in cov):
            raise SeparationError("data, means and covariance must share the dimension d (1 or 2)")
        if d not in (1, 2):
            raise SeparationError(f"quadrature supports d = 1 or 2, got d = {d}")
        if not (isinstance(s, Fraction) and s > 0):
            raise SeparationError("s must be a positive Fraction")
        self.d = d
        sv = _mp(s)
        self.alpha = mpmath.exp(-sv / 2)
        self.var = -mpmath.expm1(-sv)
        self.sigma = mpmath.sqrt(self.var)
        S = mpmath.matrix([[_mp(v) for v in row] for row in cov])
        A = self.alpha**2 * S + self.var * mpmath.eye(d)
        if mpmath.det(S) <= 0 or S[0, 0] <= 0:
            raise SeparationError("covariance must be positive definite")
        Ai = A**-1
        self.Ainv = [[Ai[r, c] for c in range(d)] for r in range(d)]
        self.norm = 1 / mpmath.sqrt(2 * mpmath.pi) ** d

    def integrand(self, i: int):
        r"""The five integrands for atom ``i`` at :math:`z` (a list of ``arb``, context precision):
        :math:`\varphi\lVert t-\hat s\rVert^2`, :math:`\varphi\lVert t-s\rVert^2`,
        :math:`\varphi\lVert\hat s-s\rVert^2`, :math:`\varphi\lVert\hat s\rVert^2`,
        :math:`\varphi\lVert t\rVert^2`, :math:`t=-z/\sigma`, :math:`\hat s`, :math:`s` the two scores at
        :math:`\alpha x_i+\sigma z`. The constants are formed in mpf and converted exactly once; only
        midpoints are used, so exponentials take the midpoint of their argument (finite for any z)."""
        a, d = self.alpha, self.d
        var, sig, norm = _arb(self.var), _arb(self.sigma), _arb(self.norm)
        two_var = 2 * var
        base = [_arb(a * v) for v in self.X[i]]
        aX = [[_arb(a * v) for v in row] for row in self.X]
        aM = [[_arb(a * v) for v in row] for row in self.M]
        Ai = [[_arb(v) for v in row] for row in self.Ainv]
        logw = [_arb(v) for v in self.logw]
        dims = range(d)
        if d == 1:  # the same operations on scalars (the hot path of SEP-P41)
            b0, cX, cM, a00 = base[0], [c[0] for c in aX], [c[0] for c in aM], Ai[0][0]

            def f1(z: list) -> list:
                z0 = z[0]
                x = b0 + sig * z0
                diffs = [x - c for c in cX]
                lg = [-(u * u) / two_var for u in diffs]
                top = max(lg, key=arb.mid)
                w = [(v - top).mid().exp() for v in lg]
                g = -sum(wk * u for wk, u in zip(w, diffs, strict=True)) / (sum(w) * var)
                dfs = [x - c for c in cM]
                prs = [a00 * u for u in dfs]
                lq = [lw - p * u / 2 for lw, p, u in zip(logw, prs, dfs, strict=True)]
                top = max(lq, key=arb.mid)
                pi = [(v - top).mid().exp() for v in lq]
                q = -sum(pk * p for pk, p in zip(pi, prs, strict=True)) / sum(pi)
                t = -z0 / sig
                phi = norm * (-(z0 * z0) / 2).mid().exp()
                tg, tq, gq = t - g, t - q, g - q
                return [phi * (tg * tg), phi * (tq * tq), phi * (gq * gq), phi * (g * g), phi * (t * t)]

            return f1

        def f(z: list) -> list:
            x = [b + sig * zj for b, zj in zip(base, z, strict=True)]
            diffs = [[xj - cj for xj, cj in zip(x, c, strict=True)] for c in aX]
            lg = [-_dot(df, df) / two_var for df in diffs]
            top = max(lg, key=arb.mid)
            w = [(v - top).mid().exp() for v in lg]
            den = sum(w) * var
            g = [-sum(wk * df[j] for wk, df in zip(w, diffs, strict=True)) / den for j in dims]
            projs, lq = [], []
            for c, lw in zip(aM, logw, strict=True):
                df = [xj - cj for xj, cj in zip(x, c, strict=True)]
                pr = [_dot(row, df) for row in Ai]
                projs.append(pr)
                lq.append(lw - _dot(pr, df) / 2)
            top = max(lq, key=arb.mid)
            pi = [(v - top).mid().exp() for v in lq]
            tp = sum(pi)
            q = [-sum(pk * pr[j] for pk, pr in zip(pi, projs, strict=True)) / tp for j in dims]
            t = [-zj / sig for zj in z]
            phi = norm * (-_dot(z, z) / 2).mid().exp()
            tg = [tj - gj for tj, gj in zip(t, g, strict=True)]
            tq = [tj - qj for tj, qj in zip(t, q, strict=True)]
            gq = [gj - qj for gj, qj in zip(g, q, strict=True)]
            return [phi * _dot(tg, tg), phi * _dot(tq, tq), phi * _dot(gq, gq), phi * _dot(g, g),
                    phi * _dot(t, t)]

        return f

    def lines(self, i: int) -> list[tuple[list, mpmath.mpf]]:
        r"""Switching boundaries in z for atom i as :math:`n^\top z=c`."""
        a, sig, d = self.alpha, self.sigma, self.d
        out = []
        base = [a * v for v in self.X[i]]
        pairs = [(self.X, None), (self.M, self.Ainv)]
        for pts, metric in pairs:
            for j in range(len(pts)):
                for k in range(j + 1, len(pts)):
                    delta = [pts[j][r] - pts[k][r] for r in range(d)]
                    if metric is not None:
                        delta = [mpmath.fsum(metric[r][c] * delta[c] for c in range(d)) for r in range(d)]
                    mid = [a * (pts[j][r] + pts[k][r]) / 2 for r in range(d)]
                    # (base + sig z - mid) . delta = 0
                    nvec = [sig * dr for dr in delta]
                    c = mpmath.fsum(dr * (m - b) for dr, m, b in zip(delta, mid, base, strict=True))
                    if metric is not None:  # unequal weights shift the mixture boundary
                        c -= (self.logw[j] - self.logw[k]) / a
                    if max(abs(v) for v in nvec) > 0:
                        out.append((nvec, c))
        return out


def _dot(u: list, v: list):
    """Dot product of two short lists, summed left to right."""
    out = u[0] * v[0]
    for a, b in zip(u[1:], v[1:], strict=True):
        out += a * b
    return out


@contextmanager
def _arb_prec(prec: int):
    """python-flint's working precision (bits) set to ``prec`` inside the block."""
    old = ctx.prec
    ctx.prec = prec
    try:
        yield
    finally:
        ctx.prec = old


def _cut(digits: int) -> mpmath.mpf:
    return mpmath.sqrt(2 * (digits + 5) * mpmath.log(10)) + 1


def _breaks(lo, hi, cands) -> list:
    inner = sorted({c for c in cands if lo < c < hi})
    return [lo, *inner, hi]


def _residuals(values: dict[str, Any], dv: Any) -> dict[str, Any]:
    """The four SEP-P41 residuals from the five averaged integrals (dv = d / sigma^2)."""
    return {
        "gap - Fisher": values["loss_true"] - values["loss_empirical"] - values["fisher"],
        "L(true) - (Fisher + d/sigma^2 - J)": values["loss_true"] - (values["fisher"] + dv - values["J"]),
        "L(empirical) - (d/sigma^2 - J)": values["loss_empirical"] - (dv - values["J"]),
        "E|z/sigma|^2 - d/sigma^2": values["noise"] - dv,
    }


def gap_quadrature(data: list[list[Fraction]], means: list[list[Fraction]], cov: list[list[Fraction]],
                   s: Fraction, digits: int = 30, degree: int = 4,
                   weights: list[Fraction] | None = None) -> GapQuadrature:
    r"""The five averaged integrals at ``s`` (``d`` = 1 or 2; mixture ``weights`` exact, default
    equal) and the SEP-P41 residuals
    :math:`\text{gap}-\text{Fisher}`, :math:`L(\nabla\log p)-(\text{Fisher}+d/\sigma^2-J)`,
    :math:`L(\nabla\log\hat p)-(d/\sigma^2-J)`, :math:`\mathbb E\lVert z/\sigma\rVert^2-d/\sigma^2`."""
    if digits < 15:
        raise SeparationError("digits must be >= 15")
    with mpmath.workdps(digits + 15), _arb_prec(mpmath.mp.prec):
        P = _Problem(data, means, cov, s, weights)
        zc = _cut(digits)
        tol = mpmath.mpf(10) ** (-(digits + 3)) / P.var
        acc = [mpmath.mpf(0)] * 5
        err = mpmath.mpf(0)
        count = [0]
        for i in range(len(P.X)):
            f0 = P.integrand(i)

            def f(z, f0=f0):
                count[0] += 1
                return f0(z)

            lines = P.lines(i)
            if P.d == 1:
                pts = _breaks(-zc, zc, [c / nv[0] for nv, c in lines])
                vals, e = adaptive_gl(lambda z, f=f: f([z]), pts, tol, degree, rule=_gl_arb)
            else:
                def inner(z1, f=f, lines=lines):
                    cands = [(c - nv[0] * z1) / nv[1] for nv, c in lines if nv[1] != 0]
                    z1a = _arb(z1)
                    v, e_in = adaptive_gl(lambda z2: f([z1a, z2]), _breaks(-zc, zc, cands), tol / zc, degree,
                                          rule=_gl_arb)
                    return [*v, e_in]

                outer_c = [c / nv[0] for nv, c in lines if nv[1] == 0]
                for (n1, c1), (n2, c2) in ((lines[p], lines[q]) for p in range(len(lines))
                                           for q in range(p + 1, len(lines))):
                    det = n1[0] * n2[1] - n1[1] * n2[0]
                    if det != 0:
                        outer_c.append((c1 * n2[1] - c2 * n1[1]) / det)
                out, e = adaptive_gl(inner, _breaks(-zc, zc, outer_c), tol, degree, compare=5)
                vals, e = out[:5], e + out[5]
            acc = [x + v for x, v in zip(acc, vals, strict=True)]
            err += e
        n = len(P.X)
        values = dict(zip(NAMES, [v / n for v in acc], strict=True))
        res = _residuals(values, P.d / P.var)
    return GapQuadrature(s, P.d, digits, values, err / n, count[0], res)


def plain_quad_gap(data, means, cov, s: Fraction, digits: int = 30) -> tuple[mpmath.mpf, mpmath.mpf]:
    """Baseline (1-D): mpmath's plain ``quad`` on the real line, no breakpoints, one call per integral
    and atom; returns (gap, Fisher)."""
    with mpmath.workdps(digits + 15), _arb_prec(mpmath.mp.prec):
        P = _Problem(data, means, cov, s)
        if P.d != 1:
            raise SeparationError("the plain baseline is 1-D only")
        gap = fis = mpmath.mpf(0)
        for i in range(len(P.X)):
            f = P.integrand(i)
            line = [-mpmath.inf, mpmath.inf]
            le, lt, fi = (mpmath.quad(lambda z, f=f, k=k: _from_arb(f([_arb(z)])[k]), line) for k in range(3))
            gap += lt - le
            fis += fi
        n = len(P.X)
        return gap / n, fis / n


def random_training_set(n: int, d: int, seed: int, k: int = 2) -> tuple[list, list, list]:
    r"""Exact rational instance: K = ``k`` means, covariance, and n samples of the mixture
    (samples drawn with Box–Muller in mpmath from a seeded generator, rounded to :math:`2^{-20}`)."""
    rng = random.Random(seed)
    means = [[Fraction(rng.randint(-1024, 1024), 512) for _ in range(d)] for _ in range(k)]
    if d == 1:
        cov = [[Fraction(rng.randint(64, 512), 512)]]
    else:
        a, b, c = Fraction(rng.randint(256, 512), 512), Fraction(rng.randint(256, 512), 512), \
            Fraction(rng.randint(-96, 96), 512)
        cov = [[a, c], [c, b]]
    with mpmath.workdps(30):
        L = mpmath.cholesky(mpmath.matrix([[_mp(v) for v in row] for row in cov]))
        data = []
        for _ in range(n):
            m = means[rng.randrange(k)]
            u = [mpmath.mpf(rng.getrandbits(53) + 1) / 2**53 for _ in range(2 * d)]
            g = [mpmath.sqrt(-2 * mpmath.log(u[2 * j])) * mpmath.cos(2 * mpmath.pi * u[2 * j + 1])
                 for j in range(d)]
            row = []
            for r in range(d):
                val = _mp(m[r]) + mpmath.fsum(L[r, c] * g[c] for c in range(d))
                row.append(Fraction(int(mpmath.nint(val * 2**20)), 2**20))
            data.append(row)
    return data, means, cov


# --------------------------------------------------------------------------------------------------
# fast 2-D path: python-flint ``arb`` on tensor-product Gauss–Legendre panels


def _arb(v: mpmath.mpf):
    """Exact conversion of an mpf to an arb ball of radius 0 (signed mantissa times a power of two)."""
    sign, man, exp, _ = v._mpf_
    return arb((-int(man) if sign else int(man), int(exp)))


def _from_arb(v) -> mpmath.mpf:
    man, exp = v.mid().man_exp()
    return mpmath.ldexp(mpmath.mpf(int(man)), int(exp))


@lru_cache(maxsize=16)
def _arb_nodes(m: int, dps: int) -> tuple:
    old = ctx.dps
    ctx.dps = dps
    try:
        return tuple(arb.legendre_p_root(m, k, weight=True) for k in range(m))
    finally:
        ctx.dps = old


def _panel_nodes(edges: list, m: int, dps: int) -> list[tuple]:
    """(node, weight) of m-point Gauss–Legendre on every panel between consecutive ``edges``."""
    out = []
    for a, b in zip(edges[:-1], edges[1:], strict=False):
        half, mid = (b - a) / 2, (b + a) / 2
        out += [(mid + half * x, half * w) for x, w in _arb_nodes(m, dps)]
    return out


@lru_cache(maxsize=8)
def _hermite_nodes(n: int, dps: int) -> tuple:
    r"""Nodes and weights of :math:`\int e^{-u^2/2}f(u)\,du\approx\sum_k w_kf(u_k)` (Gauss–Hermite,
    Golub–Welsch in mpmath at ``dps``, converted exactly to arb)."""
    with mpmath.workdps(dps):
        X, W = mpmath.gauss_quadrature(n, "hermite")
        r2 = mpmath.sqrt(2)
        return tuple((_arb(r2 * X[k]), _arb(r2 * W[k])) for k in range(n))


def _edges(lo, hi, width, cands) -> list:
    r"""Uniform panels of length :math:`\le` ``width`` on [lo, hi], split again at every breakpoint
    ``(c, b)`` and graded geometrically towards it (:math:`c\pm b2^k`, b = distance of the softmax
    poles from the real axis)."""
    k = int(((hi - lo) / width).ceil().unique_fmpz())
    pts = [lo + (hi - lo) * j / k for j in range(k + 1)]
    for c, b in cands:
        if not ((c > lo) and (c < hi)):
            continue
        pts.append(c)
        step = b / 2
        while step.mid() < width.mid():
            pts += [p for p in (c - step, c + step) if (p > lo) and (p < hi)]
            step = 2 * step
    pts = sorted(pts, key=lambda v: v.mid())
    out = [pts[0]]
    for p in pts[1:]:
        if (p - out[-1]).mid() > width.mid() / 10**6:
            out.append(p)
    return out


def gap_quadrature_2d(data: list[list[Fraction]], means: list[list[Fraction]], cov: list[list[Fraction]],
                      s: Fraction, digits: int = 30,
                      orders: tuple[tuple[int, int], tuple[int, int]] = ((24, 40), (32, 56)),
                      width: Fraction = Fraction(2), weights: list[Fraction] | None = None) -> GapQuadrature:
    r"""d = 2 version of :func:`gap_quadrature` in python-flint ``arb`` (ball arithmetic at
    digits + 15). :math:`z` is rotated (:math:`\varphi` is invariant) so that the steepest switching
    line is :math:`u_1=c`; the outer :math:`u_1\in[-Z_c,Z_c]` is cut into Gauss–Legendre panels of
    length :math:`\le` ``width``, split at the line and at the line crossings and graded geometrically
    towards them (down to half the distance :math:`b=\pi/|\partial_{u_1}\Delta\text{logit}|` of the
    softmax poles); the inner :math:`u_2` (left with the softer switches only) is Gauss–Hermite.
    ``orders`` = ((GL points per panel, GH points), ...) for a low and a high rule; the value is the
    high one and the error estimate the largest component-wise difference of the two."""
    if digits < 15:
        raise SeparationError("digits must be >= 15")
    if not (isinstance(width, Fraction) and width > 0):
        raise SeparationError("width must be a positive Fraction")
    dps = digits + 15
    old = ctx.dps
    ctx.dps = dps
    try:
        with mpmath.workdps(dps):
            P = _Problem(data, means, cov, s, weights)
            if P.d != 2:
                raise SeparationError("gap_quadrature_2d needs d = 2")
            zc = _arb(_cut(digits))
            a, var, sig = _arb(P.alpha), _arb(P.var), _arb(P.sigma)
            Ai = [[_arb(v) for v in row] for row in P.Ainv]
            aX = [[a * _arb(v) for v in row] for row in P.X]
            aM = [[a * _arb(v) for v in row] for row in P.M]
            wM = [_arb(mpmath.exp(v)) for v in P.logw]
            norm = 1 / (2 * arb.pi())
            n_data = len(P.X) * (len(P.X) - 1) // 2
            lines_all = []
            for i in range(len(P.X)):
                # slope of the logit difference across the line: alpha/sigma^2 (data) or alpha (mixture)
                lines_all.append([([_arb(v) for v in nv], _arb(c), a / var if j < n_data else a)
                                  for j, (nv, c) in enumerate(P.lines(i))])
        # rotate z so the steepest switching line is orthogonal to the outer axis (phi is invariant)
        steep = max(lines_all[0], key=lambda ln: (ln[2] * (ln[0][0] ** 2 + ln[0][1] ** 2).sqrt()).mid(),
                    default=None)
        e0, e1 = arb(1), arb(0)
        if steep is not None:
            nrm = (steep[0][0] ** 2 + steep[0][1] ** 2).sqrt()
            e0, e1 = steep[0][0] / nrm, steep[0][1] / nrm

        def rot(v: list) -> list:  # R^T v with R = [[e0, -e1], [e1, e0]]
            return [e0 * v[0] + e1 * v[1], -e1 * v[0] + e0 * v[1]]

        aX = [rot(v) for v in aX]
        aM = [rot(v) for v in aM]
        c0, c1 = rot([Ai[0][0], Ai[1][0]]), rot([Ai[0][1], Ai[1][1]])  # R^T Ai, by columns
        r0, r1 = rot([c0[0], c1[0]]), rot([c0[1], c1[1]])  # rows of R^T Ai, rotated: (R^T Ai R)^T
        Ai = [[r0[0], r1[0]], [r0[1], r1[1]]]
        pi = arb.pi()
        tiny = arb(10) ** (-digits)
        lines_all = [[(rot(nv), c, k) for nv, c, k in lines] for lines in lines_all]
        wd = arb(width.numerator) / width.denominator
        results = []
        count = 0
        zero, mhalf, m2v = arb(0), arb(-1) / 2, -(2 * var)  # -X/(2 var) = X/m2v, -X/2 = mhalf X exactly
        (a00, a01), (a10, a11) = Ai
        for m, nh in orders:
            inner = _hermite_nodes(nh, dps)
            acc = [arb(0)] * 5
            for i, lines in enumerate(lines_all):
                base = aX[i]
                cX = [[base[0] - c[0], base[1] - c[1]] for c in aX]
                cM = [[base[0] - c[0], base[1] - c[1]] for c in aM]
                flat = [abs(nv[1]) < tiny * (abs(nv[0]) + abs(nv[1])) for nv, _, _ in lines]
                outer_c = [(c / nv[0], pi / abs(k * nv[0]))
                           for (nv, c, k), fl in zip(lines, flat, strict=True) if fl]
                for p in range(len(lines)):
                    for q in range(p + 1, len(lines)):
                        (n1, c1, k1), (n2, c2, k2) = lines[p], lines[q]
                        det = n1[0] * n2[1] - n1[1] * n2[0]
                        if abs(det) > tiny * (1 + abs(n1[0] * n2[1])):
                            b = min((pi / abs(k1 * n1[0] + tiny), pi / abs(k2 * n2[0] + tiny)),
                                    key=lambda v: v.mid())
                            outer_c.append(((c1 * n2[1] - c2 * n1[1]) / det, b))
                # the u2 (inner) and u1 (outer) parts of every term, formed once and shared by the grid
                col = []
                for z2, w2 in inner:
                    s2, t2 = sig * z2, -z2 / sig
                    col.append((w2, t2, t2 * t2, [(u1, u1 * u1) for u1 in (c[1] + s2 for c in cX)],
                                [(u1, a01 * u1, a11 * u1) for u1 in (c[1] + s2 for c in cM)]))
                for z1, w1 in _panel_nodes(_edges(-zc, zc, wd, outer_c), m, dps):
                    g1 = w1 * (-z1 * z1 / 2).exp() * norm
                    s1 = sig * z1
                    t1 = -z1 / sig
                    t1sq = t1 * t1
                    hX = [(u0, u0 * u0) for u0 in (c[0] + s1 for c in cX)]
                    hM = [(u0, a00 * u0, a10 * u0, wk)
                          for u0, wk in zip((c[0] + s1 for c in cM), wM, strict=True)]
                    r0 = r1 = r2 = r3 = r4 = zero
                    for w2, t2, t2sq, vX, vM in col:
                        tw = g_0 = g_1 = zero
                        for (u0, u0sq), (u1, u1sq) in zip(hX, vX, strict=True):
                            wk = ((u0sq + u1sq) / m2v).exp()
                            tw += wk
                            g_0 += wk * u0
                            g_1 += wk * u1
                        den = -(tw * var)
                        g_0, g_1 = g_0 / den, g_1 / den
                        tp = q_0 = q_1 = zero
                        for (u0, a00u0, a10u0, wk), (u1, a01u1, a11u1) in zip(hM, vM, strict=True):
                            p0 = a00u0 + a01u1
                            p1 = a10u0 + a11u1
                            pk = wk * ((p0 * u0 + p1 * u1) * mhalf).exp()
                            tp += pk
                            q_0 += pk * p0
                            q_1 += pk * p1
                        tp = -tp
                        q_0, q_1 = q_0 / tp, q_1 / tp
                        e0, e1 = t1 - g_0, t2 - g_1
                        f0, f1 = t1 - q_0, t2 - q_1
                        h0, h1 = g_0 - q_0, g_1 - q_1
                        r0 += w2 * (e0 * e0 + e1 * e1)
                        r1 += w2 * (f0 * f0 + f1 * f1)
                        r2 += w2 * (h0 * h0 + h1 * h1)
                        r3 += w2 * (g_0 * g_0 + g_1 * g_1)
                        r4 += w2 * (t1sq + t2sq)
                    count += len(col)
                    acc = [x + g1 * v for x, v in zip(acc, (r0, r1, r2, r3, r4), strict=True)]
            results.append(acc)
        n = len(lines_all)
        with mpmath.workdps(dps):
            lo = [_from_arb(v) / n for v in results[0]]
            hi = [_from_arb(v) / n for v in results[-1]]
            err = max(abs(x - y) for x, y in zip(lo, hi, strict=True))
            values = dict(zip(NAMES, hi, strict=True))
            res = _residuals(values, P.d / P.var)
        return GapQuadrature(s, 2, digits, values, err, count, res)
    finally:
        ctx.dps = old
