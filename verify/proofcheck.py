r"""Re-check an endpoint certificate with ball arithmetic alone.

``memverify certificate check FILE`` reads a certificate written by
``memverify endpoint --certificate FILE`` and decides, independently of the engine (this module
imports nothing from :mod:`verify.engine`; only python-flint is shared), whether it proves its
statement: *the probability flow of the oracle velocity from* :math:`Z_1` *ends exactly at the
stated point*. It checks, in order:

1. the format and the SHA-256 digest (any edit of the file is rejected here);
2. the frame: :math:`\tilde X=(X-c)/s` is computed here, exactly, from the data and
   :math:`(c,s)`; any exact :math:`c` and :math:`s>0` are valid (translation and scale
   equivariance of the flow);
3. the chain: the first ball is the start with radius 0 at :math:`\ell=0`; each step starts
   where the previous one ended; :math:`\ell` advances by :math:`Hu` exactly;
4. every step, recomputed from its predictor polynomial :math:`\tilde z(u)`: the defect series
   of :math:`\tilde z'-f(\tilde z)`, its Cauchy tail on the stated disc (with the logits'
   variation along the polynomial), the pruned atoms and the logarithmic norm over the tube,
   the Gronwall bound, the margin, and that the stated ball contains the end;
5. the group: training-sample rows are exactly equal; an exact tie lists reflections (normal
   orthogonal to the start, permuting the data with multiplicities) that connect its locations;
6. the centred tail lemma at the last ball (group form), with the stated :math:`\varepsilon`;
7. the stated endpoint equals the centre of the group's locations in the original data.

The mathematics is stated in ``docs/engine.md``. A failed inequality, a malformed number or a
broken chain rejects the certificate with the reason.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from flint import arb, arb_mat, arb_series, arf, ctx, fmpq

__all__ = ["CheckResult", "CertificateRejected", "check_certificate"]

FORMAT = "memverify-endpoint-certificate/1"
_RATIONAL = re.compile(r"-?\d+(/\d+)?")


class CertificateRejected(ValueError):
    """The certificate does not prove its statement (the message says where and why)."""


@dataclass
class CheckResult:
    """An accepted certificate: what it proves and what checking it took."""

    statement: str
    endpoint: list[Fraction]
    rows: list[int]
    steps: int
    seconds: float


# ---------------------------------------------------------------- reading

#: longest number accepted (digits): far above any certificate the engine writes
_MAX_DIGITS = 4000


def _rational(text: Any, where: str) -> Fraction:
    if not isinstance(text, str) or len(text) > _MAX_DIGITS or not _RATIONAL.fullmatch(text):
        shown = text if not isinstance(text, str) or len(text) < 40 else text[:37] + "..."
        raise CertificateRejected(f"{where}: {shown!r} is not an exact rational p/q "
                                  f"(at most {_MAX_DIGITS} characters)")
    num, _, den = text.partition("/")
    if den and int(den) == 0:
        raise CertificateRejected(f"{where}: zero denominator")
    return Fraction(int(num), int(den) if den else 1)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CertificateRejected(f"{where}: not an object")
    return value


def _vector(items: Any, where: str, dim: int | None = None) -> list[Fraction]:
    if not isinstance(items, list):
        raise CertificateRejected(f"{where}: not a list")
    out = [_rational(v, f"{where}[{j}]") for j, v in enumerate(items)]
    if dim is not None and len(out) != dim:
        raise CertificateRejected(f"{where}: {len(out)} entries, expected {dim}")
    return out


def _ball(q: Fraction) -> arb:
    den = q.denominator
    if den & (den - 1) == 0:
        return arb(arf((q.numerator, -(den.bit_length() - 1))))
    return arb(fmpq(q.numerator, den))


def _hi(x: arb) -> arb:
    return x.upper()


def _norm(values: list[arb]) -> arb:
    acc = arb(0)
    for v in values:
        acc += _hi(abs(v)) ** 2
    return _hi(acc.sqrt())


# ---------------------------------------------------------------- one step

class _Step:
    """One recorded step, re-verified from its predictor (see the module docstring, item 4)."""

    def __init__(self, rows: list[list[Fraction]], raw: dict[str, Any], index: int):
        where = f"steps[{index}]"
        self.where = where
        n, d = len(rows), len(rows[0])
        self.ell = _rational(raw.get("ell"), where + ".ell")
        self.H = _rational(raw.get("H"), where + ".H")
        self.u = _rational(raw.get("u"), where + ".u")
        self.tau = _rational(raw.get("tau"), where + ".tau")
        self.margin = _rational(raw.get("margin"), where + ".margin")
        self.k = raw.get("leader")
        if not isinstance(self.k, int) or not 0 <= self.k < n:
            raise CertificateRejected(f"{where}.leader: not a row index")
        active = raw.get("active")
        self.active = list(range(n)) if active == "all" else active
        if (not isinstance(self.active, list) or not self.active
                or not all(isinstance(i, int) and 0 <= i < n for i in self.active)
                or len(set(self.active)) != len(self.active)):
            raise CertificateRejected(f"{where}.active: not a set of row indices")
        coeffs = raw.get("coefficients")
        if not isinstance(coeffs, list) or len(coeffs) < 2:
            raise CertificateRejected(f"{where}.coefficients: need a polynomial of degree >= 1")
        self.Z = [_vector(row, f"{where}.coefficients[{m}]", d) for m, row in enumerate(coeffs)]
        self.L = raw.get("length")
        if not isinstance(self.L, int) or self.L < len(self.Z) + 1 or self.L > 4096:
            raise CertificateRejected(f"{where}.length: must exceed the degree + 1 (and be <= 4096)")
        self.c_cov = _vector(raw.get("cov_centre"), where + ".cov_centre", d)
        self.gram_rows = raw.get("gram_rows", [])
        if (not isinstance(self.gram_rows, list) or len(set(self.gram_rows)) != len(self.gram_rows)
                or not all(isinstance(i, int) and 0 <= i < n for i in self.gram_rows)):
            raise CertificateRejected(f"{where}.gram_rows: not a set of row indices")
        self.centre_in = _vector(raw.get("centre_in"), where + ".centre_in", d)
        self.radius_in = _rational(raw.get("radius_in"), where + ".radius_in")
        self.centre_out = _vector(raw.get("centre_out"), where + ".centre_out", d)
        self.radius_out = _rational(raw.get("radius_out"), where + ".radius_out")
        for name in ("H", "u", "margin"):
            if not getattr(self, name) > 0:
                raise CertificateRejected(f"{where}.{name}: must be positive")
        if self.ell < 0 or self.radius_in < 0 or self.radius_out < 0:
            raise CertificateRejected(f"{where}: negative SNR or radius")
        if not self.tau > self.u:
            raise CertificateRejected(f"{where}: the Cauchy radius tau must exceed u")

    def verify(self, X: list[list[arb]]) -> None:
        """Raise :class:`CertificateRejected` unless the stated end ball is proven."""
        n, d = len(X), len(X[0])
        k, act = self.k, self.active
        ell0, H, u, tau, m = (_ball(v) for v in (self.ell, self.H, self.u, self.tau, self.margin))
        ell1 = ell0 + H * u
        Z = [[_ball(v) for v in row] for row in self.Z]
        p = len(Z) - 1
        # relative geometry: D_i = X_i - X_k, |D_i|^2 and |D_i|
        D = [[X[i][j] - X[k][j] for j in range(d)] for i in range(n)]
        D2 = []
        for row in D:
            acc = arb(0)
            for v in row:
                acc += v * v
            D2.append(acc)
        Dn = [v.sqrt() if v > 0 else (arb(0).union(_hi(v).sqrt()) if _hi(v) > 0 else arb(0))
              for v in D2]
        Dact = arb_mat([D[i] for i in act])
        Zcols = arb_mat([[Z[mm][j] for mm in range(p + 1)] for j in range(d)])
        inner = Dact * Zcols  # <Z_m, D_i>
        # logits along the predictor: G_i(u) = (l0 + H u) <z(u), D_i> - (l0 + H u)^2 |D_i|^2 / 2
        G = []
        for a, i in enumerate(act):
            g = [arb(0)] * (p + 2)
            for mm in range(p + 1):
                g[mm] += ell0 * inner[a, mm]
                g[mm + 1] += H * inner[a, mm]
            for mm, c in enumerate((ell0 * ell0, 2 * ell0 * H, H * H)):
                if mm < p + 2:
                    g[mm] -= c * D2[i] / 2
            G.append(g)

        def variation(a: int, r: arb) -> arb:
            acc, power = arb(0), arb(1)
            for mm in range(1, p + 2):
                power *= r
                acc += _hi(abs(G[a][mm])) * power
            return _hi(acc)

        old_cap = ctx.cap
        ctx.cap = max(old_cap, self.L)
        try:
            S = arb_series([0], prec=self.L)
            P = [arb_series([0], prec=self.L) for _ in range(d)]
            for a, i in enumerate(act):
                e = arb_series(G[a], prec=self.L).exp()
                S = S + e
                for j in range(d):
                    if D[i][j] != 0:
                        P[j] = P[j] + e * D[i][j]
            field = [(pj / S) * H for pj in P]
            for s in [S, *field]:
                if s.prec < self.L:
                    raise CertificateRejected(f"{self.where}: series truncated (internal)")
        finally:
            ctx.cap = old_cap
        low, power = arb(0), arb(1)
        fcs = [f.coeffs() for f in field]
        for mm in range(self.L):
            vec = []
            for j in range(d):
                fc = fcs[j]
                fj = fc[mm] if mm < len(fc) else arb(0)
                zj = (mm + 1) * Z[mm + 1][j] if mm + 1 <= p else arb(0)
                vec.append(zj - fj)
            low += _norm(vec) * power
            power *= u
        # Cauchy tail on |u| <= tau
        half_pi = arb.pi() / 2
        num, den = arb(0), arb(0)
        for a, i in enumerate(act):
            v = variation(a, tau)
            num += (G[a][0] + v).exp() * Dn[i]
            den += (G[a][0] - v).exp() * v.cos() if v < half_pi else -(G[a][0] + v).exp()
        if not den > 0:
            raise CertificateRejected(f"{self.where}: the softmax denominator may vanish on the "
                                      "Cauchy disc")
        ratio = u / tau
        tail = H * num / den * ratio ** self.L / (1 - ratio)
        # the tube: moving ball of radius m around the predictor (active), a fixed ball (pruned)
        move, power = arb(0), arb(1)
        for mm in range(1, p + 1):
            power *= u
            move += _norm(Z[mm]) * power
        R = _hi(move + m)
        ell_box = (ell0 + ell1) / 2 + arb(0, _hi((ell1 - ell0) / 2))
        upper, lower = [None] * n, [None] * n
        for a, i in enumerate(act):
            w = _hi(variation(a, u) + ell1 * m * Dn[i])
            upper[i], lower[i] = _hi(G[a][0] + w), (G[a][0] - w).lower()
        chosen = set(act)
        z0 = Z[0]
        for i in range(n):
            if i in chosen:
                continue
            dot = arb(0)
            for j in range(d):
                dot += z0[j] * D[i][j]
            g = ell_box * (dot + arb(0, R) * Dn[i]) - ell_box * ell_box * D2[i] / 2
            upper[i], lower[i] = g.upper(), g.lower()
        biggest = max((_hi(Dn[i]) for i in act), key=float)
        forcing = arb(0)
        for i in range(n):
            if i not in chosen:
                forcing += upper[i].exp() * (Dn[i] + biggest)
        forcing = _hi(H * forcing)
        total = arb(0)
        for v in lower:
            total += v.exp()
        wbar = []
        for v in upper:
            w = v.exp() / total.lower()
            wbar.append(arb(1) if w > 1 else _hi(w))
        c = [_ball(v) for v in self.c_cov]
        spread = []
        for i in range(n):
            acc = arb(0)
            for j in range(d):
                acc += (X[i][j] - c[j]) ** 2
            spread.append(_hi(acc))
        lam = arb(0)
        for i in range(n):
            lam += wbar[i] * spread[i]
        lam = _hi(lam)
        # lambda_max(A + B) <= lambda_max(A) + trace(B): A over the stated rows (Gershgorin on
        # either Gram matrix), B the rest
        top = set(self.gram_rows)
        if top:
            rest = arb(0)
            for i in range(n):
                if i not in top:
                    rest += wbar[i] * spread[i]
            V = arb_mat([[wbar[i].sqrt() * (X[i][j] - c[j]) for j in range(d)] for i in sorted(top)])
            for gram in (V.transpose() * V, V * V.transpose()):
                rows_sum = max((_hi(sum((abs(gram[a, b]) for b in range(gram.ncols())), arb(0)))
                                for a in range(gram.nrows())), key=float)
                if rows_sum + rest < lam:
                    lam = _hi(rows_sum + rest)
        mu = _hi(H * ell1 * lam)
        # Gronwall, the margin, and the end ball
        z_start = [_ball(cj) - ell0 * X[k][j] for j, cj in enumerate(self.centre_in)]
        e0 = _ball(self.radius_in) + _norm([a - b for a, b in zip(z_start, z0, strict=True)])
        err = _hi((mu * u).exp() * (e0 + u * (low + tail + forcing)))
        if not err < m:
            raise CertificateRejected(f"{self.where}: the error bound {err.upper().str(5)} is not below the "
                                      f"tube margin {float(self.margin):.3g}")
        end = []
        for j in range(d):
            acc = arb(0)
            for mm in range(p, -1, -1):
                acc = acc * u + Z[mm][j]
            end.append(acc + ell1 * X[k][j])
        gap = _norm([e - _ball(cj) for e, cj in zip(end, self.centre_out, strict=True)])
        if not err + gap <= _ball(self.radius_out):
            raise CertificateRejected(f"{self.where}: the stated end ball (radius "
                                      f"{float(self.radius_out):.3g}) does not contain the proven "
                                      f"enclosure (radius {float(err + gap):.3g})")


# ---------------------------------------------------------------- the certificate

def _reflect(v, u, uu, mid):
    t = 2 * sum((a - b) * c for a, b, c in zip(v, mid, u, strict=True)) / uu
    return tuple(a - t * c for a, c in zip(v, u, strict=True))


def _group_ok(rows: list[tuple[Fraction, ...]], start: list[Fraction], group: list[int],
              kind: str, pairs: list) -> list[tuple[Fraction, ...]]:
    """The group's distinct locations, after checking that its weights are equal for all SNRs."""
    n = len(rows)
    if not group or not all(isinstance(i, int) and 0 <= i < n for i in group):
        raise CertificateRejected("endpoint.rows: not row indices")
    locations = sorted(set(rows[i] for i in group))
    if sorted(group) != sorted(i for i in range(n) if rows[i] in locations):
        raise CertificateRejected("endpoint.rows: must hold every copy of its locations")
    counts: dict = {}
    for r in rows:
        counts[r] = counts.get(r, 0) + 1
    linked = {locations[0]}
    edges = []
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2
                and all(isinstance(i, int) and 0 <= i < n for i in pair)):
            raise CertificateRejected("reflections: pairs of row indices")
        a, b = rows[pair[0]], rows[pair[1]]
        u = tuple(x - y for x, y in zip(a, b, strict=True))
        uu = sum(x * x for x in u)
        if uu == 0 or sum(x * z for x, z in zip(u, start, strict=True)) != 0:
            raise CertificateRejected(f"reflections {pair}: the normal must be non-zero and "
                                      "orthogonal to the start")
        mid = tuple((x + y) / 2 for x, y in zip(a, b, strict=True))
        images: dict = {}
        for r in rows:
            img = _reflect(r, u, uu, mid)
            images[img] = images.get(img, 0) + 1
        if images != counts:
            raise CertificateRejected(f"reflections {pair}: does not permute the training set")
        edges.append((u, uu, mid))
    if kind == "training-sample":
        if len(locations) != 1:
            raise CertificateRejected("a training-sample endpoint must have one location")
        return locations
    if kind != "tie" or len(locations) < 2:
        raise CertificateRejected("endpoint.kind: 'training-sample' or 'tie' (with >= 2 locations)")
    frontier = [locations[0]]
    while frontier:
        loc = frontier.pop()
        for u, uu, mid in edges:
            img = _reflect(loc, u, uu, mid)
            if img not in linked:
                linked.add(img)
                frontier.append(img)
    if not set(locations) <= linked or not linked <= set(locations):
        raise CertificateRejected("reflections: the tie's locations are not exactly one orbit")
    return locations


def _tail(rows: list[tuple[Fraction, ...]], locations, centre: list[Fraction], radius: Fraction,
          ell: Fraction, eps: Fraction) -> None:
    r"""The centred tail lemma at the last ball: with :math:`r_0=c_{\mathrm{ball}}-\ell c_T` (exact),
    :math:`b_i=\min_{j\in T}\langle r_0,X_j-X_i\rangle`, :math:`f_i=\ell^2a_i+\ell(b_i-\varepsilon
    \lambda_i)`: every :math:`f_i'>0` and :math:`\rho_0+\sum_iD_ie^{-f_i}/f_i'<\varepsilon`."""
    d = len(centre)
    c = tuple(sum(loc[j] for loc in locations) / len(locations) for j in range(d))
    own = sum((c[j] - locations[0][j]) ** 2 for j in range(d))
    r0 = [centre[j] - ell * c[j] for j in range(d)]
    reach = min(sum(r0[j] * loc[j] for j in range(d)) for loc in locations)
    ellb, eb = _ball(ell), _ball(eps)
    if not eps > radius:
        raise CertificateRejected("tail: epsilon must exceed the radius of the last ball")
    total = arb(0)
    counts: dict = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    for row, weight in counts.items():
        if row in locations:
            continue
        a = (sum((c[j] - row[j]) ** 2 for j in range(d)) - own) / 2
        if a <= 0:
            raise CertificateRejected("tail: an atom outside the group is as close to its centre")
        lam = _ball(max(sum((loc[j] - row[j]) ** 2 for j in range(d)) for loc in locations)).sqrt()
        b = _ball(reach - sum(r0[j] * row[j] for j in range(d)))
        dist = _ball(sum((row[j] - c[j]) ** 2 for j in range(d))).sqrt()
        slope = 2 * ellb * _ball(a) + b - eb * lam
        if not slope > 0:
            raise CertificateRejected("tail: the lemma's slope is not positive at this SNR")
        total += weight * dist * (-(ellb * ellb * _ball(a) + ellb * (b - eb * lam))).exp() / slope
    if not _ball(radius) + total < eb:
        raise CertificateRejected("tail: radius + sum D_i exp(-f_i) / f_i' is not below epsilon")


def check_certificate(source: str | Path | dict[str, Any]) -> CheckResult:
    """Verify a certificate (a path or the parsed document); raise :class:`CertificateRejected`.

    A malformed document (a field of the wrong type, a number the arithmetic cannot take) is
    rejected with the error, never reported as an internal failure."""
    try:
        return _check(source)
    except CertificateRejected:
        raise
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ArithmeticError,
            RecursionError) as exc:
        raise CertificateRejected(f"malformed certificate: {type(exc).__name__}: {exc}") from None


def _check(source: str | Path | dict[str, Any]) -> CheckResult:
    begin = time.perf_counter()
    if isinstance(source, dict):
        doc = source
    else:
        try:
            doc = json.loads(Path(source).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CertificateRejected(f"cannot read the certificate: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise CertificateRejected(f"not a {FORMAT} document")
    body = {k: v for k, v in doc.items() if k != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    if hashlib.sha256(canonical).hexdigest() != doc.get("sha256"):
        raise CertificateRejected("the SHA-256 digest does not match: the file was altered")
    data = doc.get("data")
    if not isinstance(data, list) or not data:
        raise CertificateRejected("data: not a non-empty list of rows")
    d = len(data[0]) if isinstance(data[0], list) else 0
    if d == 0:
        raise CertificateRejected("data: rows must be non-empty lists")
    original = [tuple(_vector(row, f"data[{i}]", d)) for i, row in enumerate(data)]
    start = _vector(doc.get("start"), "start", d)
    frame = _object(doc.get("frame"), "frame")
    shift = _vector(frame.get("shift"), "frame.shift", d)
    scale = _rational(frame.get("scale"), "frame.scale")
    if not scale > 0:
        raise CertificateRejected("frame.scale must be positive")
    rows = [tuple((v - c) / scale for v, c in zip(row, shift, strict=True)) for row in original]
    steps_raw = doc.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise CertificateRejected("steps: the proof needs at least one step")
    digits = doc.get("digits", 50)
    prec = int(3.33 * digits) + 64 if isinstance(digits, int) and 5 <= digits <= 2000 else 230
    old = ctx.prec
    ctx.prec = prec
    try:
        X = [[_ball(v) for v in row] for row in rows]
        ell, centre, radius = Fraction(0), list(start), Fraction(0)
        for index, raw in enumerate(steps_raw):
            if not isinstance(raw, dict):
                raise CertificateRejected(f"steps[{index}]: not an object")
            step = _Step([list(r) for r in rows], raw, index)
            if step.ell != ell or step.centre_in != centre or step.radius_in != radius:
                raise CertificateRejected(f"steps[{index}]: does not start where the previous step ended")
            step.verify(X)
            ell, centre, radius = step.ell + step.H * step.u, step.centre_out, step.radius_out
        endpoint = _object(doc.get("endpoint"), "endpoint")
        group = endpoint.get("rows")
        locations = _group_ok(rows, start, group if isinstance(group, list) else [], endpoint.get("kind"),
                              doc.get("reflections") or [])
        eps = _rational(_object(doc.get("tail"), "tail").get("epsilon"), "tail.epsilon")
        _tail(rows, locations, centre, radius, ell, eps)
    finally:
        ctx.prec = old
    point = _vector(endpoint.get("point"), "endpoint.point", d)
    orig_locs = sorted(set(original[i] for i in group))
    truth = [sum(loc[j] for loc in orig_locs) / len(orig_locs) for j in range(d)]
    if point != truth:
        raise CertificateRejected("endpoint.point is not the centre of the group's locations")
    statement = ("the probability flow of the oracle velocity field from Z_1 = start ends at "
                 + (f"training sample {min(group)}" if endpoint.get("kind") == "training-sample"
                    else f"the centre of rows {sorted(group)} (an exact tie)") + ", exactly")
    if doc.get("statement") != statement:
        raise CertificateRejected("statement: does not say what the certificate proves")
    return CheckResult(statement, point, sorted(group), len(steps_raw), time.perf_counter() - begin)

