r"""One validated step: an enclosure of every solution from a ball, for any predictor polynomial.

This is the engine's a-priori/a-posteriori piece (one swappable function, :func:`validate_step`).
Given the ball :math:`\lVert y(\ell_0)-c\rVert_2\le r`, a leader :math:`k`, the step
:math:`\ell=\ell_0+Hu`, :math:`u\in[0,u_1]`, and *any* polynomial :math:`\tilde z(u)` (a predictor;
its coefficients are exact dyadic rationals), write :math:`f(z,u)=H\,(F(z+\ell X_k,\ell)-X_k)` for
the relative field of :mod:`.geometry` and :math:`\delta=\tilde z'-f(\tilde z,u)` for the defect.
Then, with :math:`\mu\ge0` a bound of the logarithmic norm of :math:`\partial f/\partial z` over a
convex tube :math:`\mathcal T` that contains :math:`\tilde z` and the exact solutions,

.. math::
    \lVert z(u_1)-\tilde z(u_1)\rVert\le e^{\mu u_1}\Big(\lVert z(0)-\tilde z(0)\rVert
    +u_1\sup_{[0,u_1]}\lVert\delta\rVert\Big).

Every term is bounded rigorously:

* **defect, low orders** — the series of :math:`f\circ\tilde z` to length :math:`L` over the
  active atoms, in balls (one ``arb_mat`` product for the logits, ``arb_series.exp`` per atom,
  one product for the moments, a series division): :math:`\sum_{n<L}\lVert\delta_n\rVert u_1^n`;
* **defect, high orders (Cauchy)** — on the complex disc :math:`|u|\le\tau`,
  :math:`\lVert\tilde z(u)-\tilde z(0)\rVert\le R_c=\sum_{n\ge1}\lVert\tilde Z_n\rVert\tau^n`; each
  logit moves by at most :math:`\delta_i=H\tau|A_{i}|+(\ell_0+H\tau)R_c\lVert D_i\rVert
  +(\ell_0H\tau+H^2\tau^2/2)\lVert D_i\rVert^2`, so
  :math:`|\sum_ie^{G_i}|\ge\sum_i e^{G^0_i-\delta_i}\cos\delta_i` (terms with
  :math:`\delta_i\ge\pi/2` counted as :math:`-e^{G^0_i+\delta_i}`) and
  :math:`\lVert f\rVert\le M=H\sum_ie^{G^0_i+\delta_i}\lVert D_i\rVert/|\cdot|`;
  :math:`f\circ\tilde z`
  is holomorphic there and Cauchy's estimate gives
  :math:`\sum_{n\ge L}\lVert\delta_n\rVert u_1^n\le M(u_1/\tau)^L/(1-u_1/\tau)`;
* **pruned atoms** — over the tube, :math:`G_i\le\bar G_i` (interval evaluation), and leaving
  them out changes :math:`f` by at most
  :math:`H\sum_{i\notin A}e^{\bar G_i}(\lVert D_i\rVert+\max_{j\in A}\lVert D_j\rVert)`;
* **logarithmic norm** — :math:`\partial f/\partial z=H\ell\operatorname{Cov}_w(X)` is symmetric
  positive semi-definite, :math:`\operatorname{Cov}_w(X)\preceq\sum_iw_i(X_i-c)(X_i-c)^\top` for
  any :math:`c`, :math:`w_i\le\bar w_i=\min(1,e^{\bar G_i}/\sum_je^{\underline G_j})`; its largest
  eigenvalue is bounded by Gershgorin's theorem on the Gram matrix of the significant atoms plus
  the trace of the rest (the trace alone when that is already small);
* **the tube** — :math:`\mathcal T` is the ball around :math:`\tilde z(0)` of radius
  :math:`\sum_{n\ge1}\lVert\tilde Z_n\rVert u_1^n+m` with a margin :math:`m`; the bound holds for
  solutions that stay in it, and when the bound is :math:`<m` no solution can leave it first
  (continuity), so it holds.

The step is a proof about the exact flow of the exact data: data enter as balls, nothing is
estimated, and no midpoint is taken without adding its distance to the radius.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import repeat
from operator import mul, sub

from flint import arb, arb_mat, arb_series, ctx

from .geometry import Geometry, dyadic, exact_arb, norm_upper, upper_fraction

__all__ = ["StepRecord", "validate_step"]


@dataclass(frozen=True)
class StepRecord:
    """Everything needed to re-check one step (exact rationals), and what it proved."""

    ell: Fraction
    H: Fraction
    u: Fraction
    leader: int
    active: tuple[int, ...]
    coefficients: tuple[tuple[Fraction, ...], ...]  # predictor Z~_0..Z~_p (dyadic)
    length: int  # L, the series length of the defect
    tau: Fraction
    margin: Fraction
    cov_centre: tuple[Fraction, ...]
    gram_rows: tuple[int, ...]  # atoms of the Gershgorin part of the log-norm bound (any set is valid)
    centre_in: tuple[Fraction, ...]
    radius_in: Fraction
    centre_out: tuple[Fraction, ...]
    radius_out: Fraction
    # diagnostics (upper bounds, floats): not part of the proof
    defect: float = 0.0
    cauchy: float = 0.0
    pruned: float = 0.0
    mu: float = 0.0


@dataclass
class _Series:
    """The defect series over the active atoms (independent of :math:`u_1` and :math:`\\tau`)."""

    delta_norms: list[arb]  # |delta_n|, n < L
    G0: list[arb]  # G_i at u = 0, active atoms
    Gabs: arb_mat  # |G_{i,n}| (upper bounds; column 0 is zero): G_i(u) along the predictor


def _composition(geo: Geometry, k: int, active: tuple[int, ...], Z: list[list[arb]],
                 ell0: arb, H: arb, length: int) -> _Series:
    old_cap = ctx.cap
    ctx.cap = max(old_cap, length)  # python-flint truncates series at ctx.cap (default 10)
    try:
        return _composition_capped(geo, k, active, Z, ell0, H, length)
    finally:
        ctx.cap = old_cap


_ZERO = arb(0)
#: a step whose Gronwall error exceeds this is rejected before its margin is formed (exact conversion
#: of an infinite or astronomically large ball is impossible; such a step could never pass anyway)
_ERR_CAP = arb(2) ** 64


def _known(series: arb_series, length: int) -> list[arb]:
    """The first ``length`` coefficients of a series, refusing one truncated earlier (its
    missing coefficients are unknown, not zero)."""
    if series.prec < length:
        raise ArithmeticError(f"a series was truncated at order {series.prec} < {length}")
    c = series.coeffs()
    return c[:length] + [arb(0)] * (length - len(c))


def _composition_capped(geo: Geometry, k: int, active: tuple[int, ...], Z: list[list[arb]],
                        ell0: arb, H: arb, length: int) -> _Series:
    xk, dn2, _dn, _, _ = geo.leader(k)
    p = len(Z) - 1
    d = geo.d
    na = len(active)
    Xa = geo.submatrix(active)
    Zm = arb_mat(Z).transpose()  # d x (p + 1), column n = Z_n (exact copies)
    XkZ = arb_mat([xk]) * Zm
    A = Xa * Zm - arb_mat([[1]] * na) * XkZ  # <Z_n, D_i>
    width = p + 2  # G has p + 2 non-zero coefficients (l <z, D> has degree p + 1)
    if length < width:
        raise ValueError(f"the defect series (length {length}) must hold the logits' degree {p + 1}")
    pad, shift = _pad_shift(p + 1, width)
    c2 = arb_mat(1, width)
    for n, v in enumerate((ell0 * ell0, 2 * ell0 * H, H * H)):
        if n < width:
            c2[0, n] = v
    half = arb_mat([[dn2[i] / 2] for i in active])
    Gm = (A * pad) * ell0 + (A * shift) * H - half * c2
    flat = Gm.entries()
    rows = []
    for i in range(na):
        rows.append(_known(arb_series(flat[i * width:(i + 1) * width], prec=length).exp(), length))
    E = arb_mat(rows)
    S = arb_mat([[1] * na]) * E
    P = Xa.transpose() * E - arb_mat([[v] for v in xk]) * S
    inv = 1 / arb_series([S[0, n] for n in range(length)], prec=length)
    F = []
    for j in range(d):
        f = _known(arb_series([P[j, n] for n in range(length)], prec=length) * inv, length)
        F.append(list(map(mul, repeat(H, length), f)))
    delta_norms = []
    for n, F_n in enumerate(zip(*F, strict=True)):  # F_n = (F_{j,n})_j
        # delta_n = (n + 1) Z~_{n+1} - F_n (Z~_{n+1} = 0 beyond the degree p: |delta_n| = |F_n|)
        delta = map(sub, map(mul, repeat(n + 1, d), Z[n + 1]), F_n) if n < p else F_n
        delta_norms.append(_norm_upper_rounded(delta))
    Gabs = arb_mat([[_ZERO] + [v.abs_upper() for v in flat[i * width + 1:(i + 1) * width]]
                    for i in range(na)])
    return _Series(delta_norms, [Gm[i, 0] for i in range(na)], Gabs)


def _pad_shift(rows: int, width: int) -> tuple[arb_mat, arb_mat]:
    """The 0/1 matrices that place a series' coefficients at degree ``n`` (pad) and ``n + 1``
    (shift), built once per shape (read only)."""
    key = (rows, width)
    if key not in _PAD_SHIFT:
        pad = arb_mat(rows, width)
        shift = arb_mat(rows, width)
        for n in range(rows):
            if n < width:
                pad[n, n] = 1
            if n + 1 < width:
                shift[n, n + 1] = 1
        _PAD_SHIFT[key] = (pad, shift)
    return _PAD_SHIFT[key]


_PAD_SHIFT: dict[tuple[int, int], tuple[arb_mat, arb_mat]] = {}


def _norm_upper_rounded(vec) -> arb:
    r""":func:`.geometry.norm_upper` for balls already rounded to the working precision (results of
    ball arithmetic at ``ctx.prec``), where ``abs_upper`` is the same bound as ``abs(v).upper()``."""
    total = arb(0)
    for v in vec:
        total += v.abs_upper() ** 2
    return total.sqrt().upper()


def _variation(series: _Series, radius: arb) -> list[arb]:
    r"""Upper bounds of :math:`|G_i(u)-G_i(0)|` for complex :math:`|u|\le` ``radius``, along the
    predictor (:math:`\sum_{n\ge1}|G_{i,n}|\,\mathrm{radius}^n`; one matrix product)."""
    width = series.Gabs.ncols()
    col = arb_mat(width, 1)
    power = arb(1)
    for n in range(width):
        col[n, 0] = power if n else arb(0)
        power *= radius
    out = series.Gabs * col
    return [out[i, 0].upper() for i in range(out.nrows())]


def _cauchy(geo: Geometry, k: int, active: tuple[int, ...], series: _Series, H: arb, u: arb,
            tau: arb, length: int) -> arb | None:
    """Bound of :math:`\\sum_{n\\ge L}\\lVert\\delta_n\\rVert u^n`, or None when the disc of radius
    :math:`\\tau` is too large (the denominator may vanish there).

    On :math:`|u|\\le\\tau` each logit along the predictor moves by at most
    :math:`\\delta_i=\\sum_{n\\ge1}|G_{i,n}|\\tau^n` from :math:`G_i(0)` (it is a polynomial)."""
    _, _, dn, _, _ = geo.leader(k)
    spreads = _variation(series, tau)
    half_pi = arb.pi() / 2
    num = arb(0)
    den = arb(0)
    for idx, i in enumerate(active):
        spread = spreads[idx]
        g0 = series.G0[idx]
        num += (g0 + spread).exp() * dn[i]
        if spread < half_pi:
            den += (g0 - spread).exp() * spread.cos().lower()
        else:
            den -= (g0 + spread).exp()
    if not den > 0:
        return None
    ratio = u / tau
    if not ratio < 1:
        return None
    M = H * num / den
    return (M * ratio ** length / (1 - ratio)).upper()


def _tube(geo: Geometry, k: int, active: tuple[int, ...], series: _Series, z0: list[arb], R: arb,
          margin: arb, ell0: arb, H: arb, u: arb,
          cov_centre: list[arb]) -> tuple[arb, arb, tuple[int, ...]]:
    """(pruned-atom forcing bound, logarithmic-norm bound, the rows of the Gram part) over the tube,
    the bounds in :math:`u` units.

    Logits over the tube: for active atoms along the predictor (the polynomial's variation on
    :math:`[0,u_1]`) plus :math:`\\ell_{\\max}m\\lVert D_i\\rVert` for the margin :math:`m`; for
    pruned atoms by interval evaluation over the whole ball of radius :math:`R`."""
    xk, dn2, dn, _, _ = geo.leader(k)
    ell_hi = ell0 + H * u
    ell_int = (ell0 + ell_hi) / 2 + arb(0, ((ell_hi - ell0) / 2).upper())
    ell_sq = ell_int * ell_int
    position = {i: idx for idx, i in enumerate(active)}
    pruned_rows = [i for i in range(geo.n) if i not in position]
    gup: list[arb] = [arb(0)] * geo.n
    glo: list[arb] = [arb(0)] * geo.n
    moves = _variation(series, u)
    for idx, i in enumerate(active):
        width = (moves[idx] + ell_hi * margin * dn[i]).upper()
        gup[i] = (series.G0[idx] + width).upper()
        glo[i] = (series.G0[idx] - width).lower()
    if pruned_rows:
        col = arb_mat([[v] for v in z0])
        Xz = geo.X * col
        xkz = (arb_mat([xk]) * col)[0, 0]
        R_int = arb(0, R.upper())
        for i in pruned_rows:
            g = ell_int * (Xz[i, 0] - xkz + R_int * dn[i]) - ell_sq * dn2[i] / 2
            gup[i] = g.upper()
            glo[i] = g.lower()
    in_active = set(active)
    max_dn = max((dn[i].upper() for i in active), key=float)
    pruned = arb(0)
    pruned_mass = arb(0)
    for i in range(geo.n):
        if i not in in_active:
            e = gup[i].exp()
            pruned += e * dn[i]
            pruned_mass += e
    forcing = (H * (pruned + pruned_mass * max_dn)).upper()
    # log-norm: H * ell_hi * lambda_max(sum_i wbar_i (X_i - c)(X_i - c)^T)
    den = arb(0)
    for v in glo:
        den += v.exp()
    den = den.lower()
    wbar = []
    for v in gup:
        w = v.exp() / den
        wbar.append(arb(1) if w > 1 else w.upper())
    ccol = arb_mat([[v] for v in cov_centre])
    Xc = geo.X * ccol
    cc = arb(0)
    for v in cov_centre:
        cc += v * v
    dist2 = [(geo.sq[i] - 2 * Xc[i, 0] + cc) for i in range(geo.n)]
    trace = arb(0)
    for w, q in zip(wbar, dist2, strict=True):
        trace += w * q.upper()
    lam = trace.upper()
    top: list[int] = []
    scale = (H * ell_hi * u).upper()
    if (scale * lam) > arb(1) / 1000:
        order = sorted(range(geo.n), key=lambda i: -float(wbar[i] * dist2[i].upper()))
        top = [i for i in order[:min(geo.n, max(2 * geo.d, 64), 256)]
               if float(wbar[i]) > 1e-30]
        rest = arb(0)
        chosen = set(top)
        for i in range(geo.n):
            if i not in chosen:
                rest += wbar[i] * dist2[i].upper()
        rows = []
        for i in top:
            s = wbar[i].sqrt()
            rows.append([s * (geo.X[i, j] - cov_centre[j]) for j in range(geo.d)])
        gersh = arb(0)
        if rows:
            V = arb_mat(rows)
            # Gershgorin on both Gram matrices (V^T V is d x d, V V^T is |top| x |top|): both
            # have the same largest eigenvalue, and either may be the tighter bound
            bounds = []
            for gram in (V.transpose() * V, V * V.transpose()):
                size = gram.nrows()
                bounds.append(max((sum((abs(gram[a, b]) for b in range(size)), arb(0)).upper()
                                   for a in range(size)), key=float))
            gersh = min(bounds, key=float)
        refined = (gersh + rest).upper()
        if refined < lam:
            lam = refined
        else:
            top = []
    mu = (H * ell_hi * lam).upper()
    return forcing, mu, tuple(top)


def validate_step(geo: Geometry, k: int, active: tuple[int, ...], centre: list[Fraction],
                  radius: Fraction, ell0: Fraction, H: Fraction, coeffs: list[list[arb]],
                  u: Fraction, length: int, tol: float, cov_centre: list[Fraction],
                  taus: tuple[float, ...] = (2.5,),
                  cache: dict | None = None, keep: bool = False) -> tuple[StepRecord | None, str]:
    """Prove where every solution from the ball (``centre``, ``radius``) at ``ell0`` is at
    :math:`\\ell_0+Hu`; None (with the reason) when the bound exceeds ``tol`` per unit step.

    ``cache`` (a dict kept by the caller for one predictor) saves the defect series between
    attempts with smaller ``u``. ``coeffs`` are point balls (exact dyadics); ``keep`` stores them
    in the record (for a certificate file)."""
    if length < len(coeffs) - 1:
        raise ValueError("the defect series must be at least as long as the predictor's degree")
    xk, _, _, _, _ = geo.leader(k)
    ell0_b, H_b, u_b = exact_arb(ell0), exact_arb(H), exact_arb(u)
    cache = {} if cache is None else cache
    Z = coeffs
    z0 = [exact_arb(c) - ell0_b * x for c, x in zip(centre, xk, strict=True)]
    e0 = (exact_arb(radius) + norm_upper([a - b for a, b in zip(z0, Z[0], strict=True)])).upper()
    if "series" not in cache:
        cache["series"] = _composition(geo, k, active, Z, ell0_b, H_b, length)
    series = cache["series"]
    low = arb(0)
    power = arb(1)
    for n in range(length):
        low += series.delta_norms[n] * power
        power *= u_b
    low = low.upper()
    best = _best_tau(geo, k, active, series, Z, ell0_b, H_b, u, u_b, length, tol, cache, taus)
    if best is None:
        return None, "cauchy"
    tau, tail = best
    if "norms" not in cache:
        cache["norms"] = [norm_upper(Z[n]) for n in range(1, len(Z))]  # |Z~_n|, n >= 1
    move = arb(0)
    power = arb(1)
    for norm in cache["norms"]:
        power *= u_b
        move += norm * power
    defect = (low + tail).upper()
    if not defect * u_b < arb(tol):
        return None, "defect"
    c_b = [exact_arb(v) for v in cov_centre]
    margin = Fraction(2) ** (math.floor(math.log2(max(float(e0 + u_b * defect), 1e-300))) + 2)
    margin = max(margin, Fraction(1, 2**1000))
    for _ in range(3):
        R = move.upper() + exact_arb(margin)
        forcing, mu, gram_rows = _tube(geo, k, active, series, Z[0], R, exact_arb(margin), ell0_b, H_b,
                                       u_b, c_b)
        err = ((mu * u_b).exp() * (e0 + u_b * (defect + forcing))).upper()
        if err < exact_arb(margin):
            break
        if not err.is_finite() or not err < _ERR_CAP:  # hopeless step: reject it (a shorter one follows)
            return None, "tube"
        margin = upper_fraction(err) * 4
    else:
        return None, "tube"
    if not (u_b * forcing) < arb(tol) or not (mu * u_b) < 40:
        return None, "forcing" if not (u_b * forcing) < arb(tol) else "growth"
    # the end point: z~(u) + ell_end X_k, the midpoint exact and its distance in the radius
    ell1 = ell0 + H * u
    ell1_b = exact_arb(ell1)
    end = []
    for j in range(geo.d):
        acc = arb(0)
        for n in range(len(Z) - 1, -1, -1):
            acc = acc * u_b + Z[n][j]
        end.append(acc + ell1_b * xk[j])
    centre_out = tuple(dyadic(v) for v in end)
    spread = norm_upper([v - exact_arb(c) for v, c in zip(end, centre_out, strict=True)])
    # a relative 2^-16 of slack, so that an independent re-check rounding differently agrees
    radius_out = upper_fraction(((err + spread) * (1 + arb(2) ** -16)).upper())
    record = StepRecord(ell0, H, u, k, tuple(active),
                        tuple(tuple(dyadic(v) for v in r) for r in coeffs) if keep else (), length, tau,
                        margin, tuple(cov_centre), gram_rows, tuple(centre), radius, centre_out, radius_out,
                        float(defect), float(tail), float(forcing), float(mu))
    return record, ""


def _best_tau(geo, k, active, series, Z, ell0_b, H_b, u: Fraction, u_b, length, tol, cache, taus):
    """The Cauchy radius (a multiple of ``u``) with the smallest tail: start from the last good
    factor, widen by 3/2 while the tail shrinks, narrow when the first disc fails."""
    def tail_at(factor: float):
        tau = _quantize(u * Fraction(factor))
        return tau, _cauchy(geo, k, active, series, H_b, u_b, exact_arb(tau), length)

    factor = cache.get("factor", taus[0])
    tau, tail = tail_at(factor)
    tries = 1
    while tail is None and tries < 8:
        factor = 1 + (factor - 1) / 2
        tau, tail = tail_at(factor)
        tries += 1
    if tail is None:
        return None
    best = (tau, tail, factor)
    while float(best[1] * u_b) > tol * 0.05 and tries < 12:
        factor *= 1.5
        tau, tail = tail_at(factor)
        tries += 1
        if tail is None or not tail < best[1]:
            break
        best = (tau, tail, factor)
    cache["factor"] = best[2]
    return best[0], best[1]


def _quantize(q: Fraction, bits: int = 8) -> Fraction:
    """``q`` rounded down to ``bits`` significant bits (a short dyadic)."""
    if q <= 0:
        return q
    e = math.floor(math.log2(q.numerator) - math.log2(q.denominator)) - bits
    unit = Fraction(2) ** e
    return (q // unit) * unit
