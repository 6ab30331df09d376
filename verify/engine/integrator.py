r"""Validated integration of the oracle flow from :math:`\ell=0`, :math:`y=Z_1`: every step a proof.

The state is a ball :math:`\lVert y(\ell)-c\rVert_2\le r` (:math:`c` exact dyadic, :math:`r` an
exact upper bound) that contains the exact solution. Each step takes a predictor polynomial
(:mod:`.predictor`: float64 at the loose level, the ball recurrences of :mod:`.taylor` at the
full level) and proves the next ball with :func:`.enclosure.validate_step`. After each step the
tail lemma (:mod:`.certificate`) is tried for the leader's orbit with
:math:`\rho=\lVert c-\ell c_T\rVert+r`; when it holds, the endpoint is a theorem.

Two levels: a *loose* one (float64 predictor, 14-digit steps, 100-bit balls: cheap, enough
wherever the flow is not close to a tie) and a *full* one (ball predictor, steps to the working
precision). Both are rigorous; the loose one simply gives up sooner near ties.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, arb_mat, ctx

from .certificate import centred_tail_certificate, group_terms, orbit
from .enclosure import StepRecord, validate_step
from .geometry import Geometry, exact_arb, norm_upper
from .predictor import float_predictor
from .taylor import FlowData, taylor_step

__all__ = ["Level", "LOOSE", "full_level", "integrate"]


@dataclass(frozen=True)
class Level:
    """How hard one pass works: tolerance digits, predictor, order and ball precision (bits)."""

    name: str
    tol_digits: int
    predictor: str  # "float" or "ball"
    order: int
    length: int
    prec: int


#: a step below this fraction of 1 + SNR, 50 times in a row, ends the pass (the defect does not
#: shrink with the step: the predictor and the field disagree, or the precision is exhausted)
_COLLAPSE = Fraction(1, 2**24)

LOOSE = Level("loose", 13, "float", 20, 32, 64)


def full_level(digits: int, order: int) -> Level:
    """The full-precision pass at ``digits`` with Taylor ``order``."""
    return Level("full", digits, "ball", order, 2 * order,
                 int(digits * 3.33) + 24)


@dataclass
class _Group:
    members: tuple[int, ...]
    centre: tuple[Fraction, ...]
    centre_ball: list[arb]
    winnable: bool
    terms: list[tuple[arb, arb, arb]]
    others: list[int]  # the atom of each term
    floats: np.ndarray | None = None  # (a, lambda, D) in float64, for the screen


@dataclass
class Trajectory:
    """What one pass produced (the proof steps are kept when ``record`` is set)."""

    kind: str  # "certified" or "unresolved"
    group: list[int]
    ell: Fraction
    steps: int = 0
    evaluations: int = 0
    centre: tuple[Fraction, ...] | None = None  # of the group, when certified
    R: arb | None = None
    rho: arb | None = None
    radius: Fraction = Fraction(0)
    outcome: str = "certified"
    detail: str = ""
    records: list[StepRecord] = field(default_factory=list)


def integrate(data: Sequence[Sequence[Fraction]], start: Sequence[Fraction], level: Level, *,
              perms, max_steps: int, max_snr: Fraction, path: list | None = None,
              record: bool = False) -> Trajectory:
    """One validated pass (see the module docstring)."""
    old = ctx.prec
    ctx.prec = level.prec
    try:
        return _integrate(data, start, level, perms, max_steps, max_snr, path, record)
    finally:
        ctx.prec = old


def _integrate(data, start, level: Level, perms, max_steps, max_snr, path, record) -> Trajectory:
    geo = Geometry.from_rationals(data)
    flow = None
    if level.predictor == "ball":
        flow = FlowData([[geo.X[i, j] for j in range(geo.d)] for i in range(geo.n)], geo.X,
                        [v / 2 for v in geo.sq])
    n = geo.n
    centre = [Fraction(v) for v in start]
    radius = Fraction(0)
    ell = Fraction(0)
    H = Fraction(1, 16)
    groups: dict[int, _Group] = {}
    places: dict[tuple, list[int]] = {}
    if not perms:
        for i, row in enumerate(data):
            places.setdefault(tuple(row), []).append(i)
    records: list[StepRecord] = []
    steps = evaluations = 0
    cutoff = level.tol_digits * math.log(10) + math.log(n + 1) + 8
    tiny = 0
    last = None  # what re-proving a shorter last step needs
    while steps < max_steps:
        yf = np.array([float(v) for v in centre])
        ellf = float(ell)
        if path is not None:
            path.append((ellf, yf.tolist()))
        logits = ellf * (geo.floats @ yf) - ellf * ellf * (geo.floats ** 2).sum(axis=1) / 2
        k = int(np.argmax(logits))
        if k not in groups:
            groups[k] = _group(data, k, perms, geo, places)
        grp = groups[k]
        ell_b = exact_arb(ell)
        if ell > 0 and grp.winnable:
            r0 = [exact_arb(c) - ell_b * cj for c, cj in zip(centre, grp.centre_ball, strict=True)]
            cert = _commit(geo, grp, r0, radius, ell_b)
            if cert is not None:
                if last is not None:  # the first SNR inside the last step at which the lemma holds
                    refined = _earliest_commit(geo, grp, last, level)
                    if refined is not None:
                        rec, cert = refined
                        centre, radius, ell = list(rec.centre_out), rec.radius_out, rec.ell + rec.H * rec.u
                        if record:
                            records[-1] = rec
                eps, tail_R = cert
                return Trajectory("certified", list(grp.members), ell, steps, evaluations,
                                  grp.centre, tail_R, eps, radius, records=records)
        xk, dn2_b, _, dfl, dn2f = geo.leader(k)
        z0f = yf - ellf * geo.floats[k]
        scale = 1.0 + float(np.linalg.norm(z0f))
        if float(radius) > 1e-3 * scale:
            return _unresolved(grp, logits, k, ell, steps, evaluations, radius, "precision",
                               f"the enclosure radius reached {float(radius):.3g} at SNR {ellf:.6g}",
                               records, ellf, geo)
        if ell > max_snr:
            return _unresolved(grp, logits, k, ell, steps, evaluations, radius, "snr-cap", "",
                               records, ellf, geo)
        rel = logits - logits[k]
        active = tuple(int(i) for i in np.nonzero(rel > -cutoff)[0])
        tol = 10.0 ** (-level.tol_digits) * scale
        # the covariance centre: the weighted mean at the step start (any point is valid)
        w = np.exp(np.clip(rel[list(active)], -700, 0))
        mean = (w @ geo.floats[list(active)]) / w.sum()
        cov_centre = [Fraction(float(v)) for v in mean]
        taken = None
        for _attempt in range(12):
            coeffs = _predict(level, flow, geo, k, active, centre, ell, H, dfl, dn2f, z0f, xk)
            evaluations += len(active) * level.order
            if coeffs is None:
                H /= 4
                continue
            norms = [max(abs(float(v)) for v in row) for row in coeffs]
            u_est = min((tol / max(norms[m], 1e-300)) ** (1.0 / m) for m in (level.order - 1, level.order))
            u = _short(Fraction(min(u_est * 0.7, 1.0)))
            cache: dict = {}
            reason = ""
            while u > Fraction(1, 2**12):
                rec, reason = validate_step(geo, k, active, centre, radius, ell, H, coeffs, u,
                                            level.length, tol, cov_centre, cache=cache, keep=record)
                if rec is not None:
                    taken = (rec, u_est)
                    break
                u = _short(u * Fraction(5, 8))
            if taken is not None:
                break
            H /= 16
        if taken is None:
            return _unresolved(grp, logits, k, ell, steps, evaluations, radius, "precision",
                               f"no validated step at SNR {ellf:.6g} ({reason})", records, ellf, geo)
        rec, u_est = taken
        last = (k, active, list(centre), radius, ell, rec.H, coeffs, tol, cov_centre, cache, rec.u,
                record)
        if record:
            records.append(rec)
        steps += 1
        tiny = tiny + 1 if rec.H * rec.u < (1 + ell) * _COLLAPSE else 0
        if tiny >= 50:
            return _unresolved(grp, logits, k, ell, steps, evaluations, radius, "precision",
                               f"the validated step size collapsed below {float(_COLLAPSE):.1e} "
                               f"(1 + SNR) for 50 steps at SNR {ellf:.6g}", records, ellf, geo)
        centre = list(rec.centre_out)
        radius = rec.radius_out
        ell = ell + rec.H * rec.u
        # the next step from the proven defect: err ~ h^(p+1), aim at a quarter of the tolerance
        spent = max(rec.defect * float(rec.u), 1e-300) / tol
        factor = min(1.5, max(0.5, (0.25 / spent) ** (1.0 / (level.order + 1))))
        H = _short(rec.H * rec.u * Fraction(factor))
    return Trajectory("unresolved", list(groups[k].members) if k in groups else [],
                      ell, steps, evaluations, radius=radius, outcome="budget", records=records)


def _earliest_commit(geo: Geometry, grp: _Group, last, level: Level, rounds: int = 10):
    """Bisect the last step's length for the first SNR at which the tail lemma holds: each trial
    re-proves the shorter step from the same predictor (the defect series is cached), so the
    commit SNR is a proven one and not a step-grid artefact. None if nothing shorter commits."""
    k, active, centre, radius, ell0, H, coeffs, tol, cov_centre, cache, u_full, keep = last
    lo, hi, best = Fraction(0), u_full, None
    for _ in range(rounds):
        u = _short((lo + hi) / 2, bits=16)
        if not lo < u < hi:
            break
        rec, _why = validate_step(geo, k, active, centre, radius, ell0, H, coeffs, u, level.length, tol,
                                  cov_centre, cache=cache, keep=keep)
        cert = None
        if rec is not None:
            ell = rec.ell + rec.H * rec.u
            r0 = [exact_arb(c) - exact_arb(ell) * cj for c, cj in
                  zip(rec.centre_out, grp.centre_ball, strict=True)]
            cert = _commit(geo, grp, r0, rec.radius_out, exact_arb(ell))
        if cert is None:
            lo = u
        else:
            hi, best = u, (rec, cert)
    return best


def _commit(geo: Geometry, grp: _Group, r0: list[arb], radius: Fraction, ell: arb):
    r"""The centred tail lemma (:func:`.certificate.centred_tail_certificate`) at the current ball:
    :math:`(\varepsilon, R)` with :math:`R=\lVert r_0\rVert+\varepsilon` the tail radius, or None."""
    col = arb_mat([[v] for v in r0])
    dots = geo.X * col  # <r0, X_i>
    low = dots[grp.members[0], 0]
    for j in grp.members[1:]:
        low = low.min(dots[j, 0])  # a ball containing min_j <r0, X_j>
    offsets = [low - dots[i, 0] for i in grp.others]
    radii = _screen_radii(float(radius), float(ell.mid()), grp, offsets)
    if radii is not None and not radii:
        return None
    cert = centred_tail_certificate(exact_arb(radius), ell, grp.terms, offsets, lambda v: v.exp(),
                                    radii=radii)
    if cert is None:
        return None
    return cert[0], (norm_upper(r0) + cert[0]).upper()


#: the centred lemma's radii tried by the screen: tiny ones for starts at rest, then every power of
#: two up to 2^12 (a small epsilon needs a later commit, a large one a steeper slope)
_EPS_GRID = np.unique(np.concatenate([2.0 ** -np.arange(200, 60, -8, dtype=float),
                                      2.0 ** np.arange(-60, 13, dtype=float)]))


def _screen_radii(rho0: float, ell: float, grp: _Group, offsets: list[arb]) -> list[arb] | None:
    """The lemma's radii worth proving, found in float64 first (a screen: the proof is the ball
    evaluation that follows); None when floats cannot judge (over/underflow)."""
    if grp.floats is None:
        grp.floats = np.array([[float(t[j].mid()) for t in grp.terms] for j in range(3)])
    a, lam, D = grp.floats
    b = np.array([float(v.mid()) for v in offsets])
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return None
    eps = _EPS_GRID if rho0 <= 0 else np.unique(np.concatenate(
        [rho0 * (1 + 2.0 ** -np.arange(8, 0, -1)), _EPS_GRID[_EPS_GRID > rho0]]))
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        slope = 2 * ell * a + b - eps[:, None] * lam  # candidates x terms
        total = np.sum(D * np.exp(-(ell * ell * a + ell * (b - eps[:, None] * lam))) / slope, axis=1)
    good = np.all(slope > 0, axis=1) & np.isfinite(total) & (total < 0.5 * (eps - rho0))
    if not good.any():
        return []
    exact = Fraction(float(eps[int(np.argmax(good))]))
    return [exact_arb(exact), exact_arb(exact * 2)]


def _predict(level: Level, flow, geo: Geometry, k: int, active, centre, ell, H, dfl, dn2f, z0f, xk):
    """Predictor coefficients :math:`\\tilde Z_0..\\tilde Z_p` (exact dyadics) or None."""
    if level.predictor == "float":
        Z = float_predictor(dfl[list(active)], dn2f[list(active)], z0f, float(ell), float(H),
                            level.order)
        if not np.all(np.isfinite(Z)):
            return None
        return [[arb(float(v)) for v in row] for row in Z]
    # only the midpoints are used; extra bits keep the recurrences' ball growth out of them
    old = ctx.prec
    ctx.prec = old + 96
    try:
        y = [exact_arb(c) for c in centre]
        step = taylor_step(flow, y, exact_arb(ell), level.order, list(active))
    finally:
        ctx.prec = old
    Hb = exact_arb(H)
    out = []
    power = arb(1)
    for m, row in enumerate(step.coefficients[:level.order + 1]):
        vals = []
        for j, v in enumerate(row):
            if m == 0:
                v = v - exact_arb(ell) * xk[j]
            elif m == 1:
                v = v - xk[j]
            vals.append(v * power)
        if not all(v.is_finite() for v in vals):
            return None
        out.append([v.mid() for v in vals])
        power *= Hb
    return out


def _short(q: Fraction, bits: int = 8) -> Fraction:
    """``q`` rounded down to a dyadic with ``bits`` significant bits (at least 2^-40)."""
    if q <= 0:
        return Fraction(1, 2**40)
    e = math.floor(math.log2(q.numerator) - math.log2(q.denominator)) - bits
    unit = Fraction(2) ** e
    return max((q // unit) * unit, unit)


def _group(data, k: int, perms, geo: Geometry | None = None,
           places: dict[tuple, list[int]] | None = None) -> _Group:
    members = tuple(places[tuple(data[k])]) if places else orbit(k, perms, data)
    if len(members) == 1 and geo is not None:
        # a single atom (no duplicate): a_i = |D_i|^2 / 2 > 0, lambda_i = D_i = |D_i|
        _, dn2, dn, _, _ = geo.leader(k)
        others = [i for i in range(geo.n) if i != k]
        return _Group(members, tuple(data[k]), [exact_arb(c) for c in data[k]], True,
                      [(dn2[i] / 2, dn[i], dn[i]) for i in others], others)
    centre, exact_terms, others = group_terms(data, members)
    return _Group(members, centre, [exact_arb(c) for c in centre],
                  all(a > 0 for a, _, _ in exact_terms),
                  [(exact_arb(a), exact_arb(lam2).sqrt(), exact_arb(dist2).sqrt())
                   for a, lam2, dist2 in exact_terms], others)


def _unresolved(grp: _Group, logits: np.ndarray, k: int, ell: Fraction, steps: int, evaluations: int,
                radius: Fraction, outcome: str, detail: str, records, ellf: float,
                geo: Geometry) -> Trajectory:
    """The leaders the ball cannot separate: every atom whose logit can reach the leader's
    within the enclosure (at least one rival besides the leader)."""
    spread = float(radius) * (ellf + 1) * 2 * float(np.abs(geo.floats).sum(axis=1).max()) + 1e-300
    lead = logits[k]
    tied = {*grp.members, *[int(i) for i in np.nonzero(lead - logits <= spread)[0]]}
    if len(tied) < 2 and len(logits) > 1:
        rival = max((i for i in range(len(logits)) if i not in tied), key=lambda i: logits[i])
        tied.add(int(rival))
    return Trajectory("unresolved", sorted(tied), ell, steps, evaluations, radius=radius,
                      outcome=outcome, detail=detail, records=records)


def run_levels(data, start, digits: int, order: int, max_steps: int, max_snr: Fraction, perms,
               path: list | None = None, record: bool = False) -> tuple[Trajectory, dict[str, Any]]:
    """The loose pass, then (if it cannot certify) the full pass; work is summed."""
    work = {"steps": 0, "evaluations": 0}
    levels = [LOOSE, full_level(digits, order)] if digits > LOOSE.tol_digits + 6 else \
        [full_level(digits, order)]
    run = None
    for level in levels:
        if path is not None:
            path.clear()
        run = integrate(data, start, level, perms=perms, max_steps=max_steps, max_snr=max_snr,
                        path=path, record=record)
        work["steps"] += run.steps
        work["evaluations"] += run.evaluations
        if run.kind == "certified" or run.outcome == "snr-cap":
            break
    assert run is not None
    return run, work
