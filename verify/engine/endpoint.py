r"""Certified endpoints of deterministic oracle generation (LLY25-T1, LLY26-T1, LLY-TIES).

:func:`certify_endpoint` integrates :math:`dy/d\ell=m(y,\ell)` from :math:`\ell=0`,
:math:`y=Z_1` (every schedule has :math:`\sigma(1)=1`, :math:`\ell(1)=0`) with Taylor steps in
ball arithmetic (:mod:`.taylor`), and after every step tries the tail lemma of
:mod:`.certificate` for the leading atom's symmetry orbit :math:`T`:

* :math:`|T|=1` and the lemma holds: the endpoint is the training sample :math:`X_k`, exactly;
* :math:`|T|>1` (an exact tie, proved by reflections in exact rationals) and the lemma holds:
  the endpoint is the centre of :math:`T`, not a training sample;
* the balls can no longer separate the leaders (the start is within the working precision of a
  tie set): status ``tie``, kind ``unresolved``.

A certified commit is re-checked at ``digits + 20``; a different verdict makes the result an
unresolved tie at the requested precision.

What is rigorous and what is estimated: the tail lemma, the symmetry certificates and the
exact-rational bookkeeping are proofs; the distance from the computed to the exact trajectory
at the commit (``eps``: Taylor truncation ×10, rounding at the working precision, propagated
with a Gronwall factor) is an estimate, so a certificate is as good as that estimate. The
re-check at ``digits + 20`` guards it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from numbers import Rational, Real
from typing import Any

from flint import arb, ctx

from .certificate import group_terms, orbit, symmetry_permutations, tail_certificate
from .taylor import FlowData, logits, taylor_step

__all__ = ["EndpointResult", "certify_endpoint", "EngineError"]

Vector = Sequence[Fraction]


class EngineError(ValueError):
    """Inputs the engine cannot take (shape mismatch, empty data)."""


@dataclass
class EndpointResult:
    """The outcome of one trajectory."""

    status: str  # "training-sample", "tie" or "undecided" (the step budget or the SNR cap ran out)
    index: int | None  # 0-based row reached; None for a tie
    tie_set: list[int]
    tie_kind: str | None  # "exact" (symmetry + certificate) or "unresolved" (precision)
    endpoint: list[str] | None  # decimal strings
    radius: str | None  # bound on |true endpoint - reported decimal endpoint|
    tail_radius: str | None  # R: |Z_t - alpha X_k| <= sigma(t) R after the commit
    commit_snr: str | None  # ell at which the certificate first held
    commit_t: str | None  # the same in the schedule's time (None without a schedule)
    digits: int
    steps: int
    evaluations: int  # per-atom field evaluations (atoms x Taylor orders)
    seconds: float
    detail: str = ""
    exact_endpoint: list[Fraction] | None = field(default=None, repr=False)
    path: list[tuple[float, list[float]]] | None = field(default=None, repr=False)  # (ell, y)
    #: certified, precision (too close to a tie for this precision), budget (steps ran out),
    #: snr-cap (no commit below the SNR cap), disagreement (two precisions committed differently)
    outcome: str = "certified"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("exact_endpoint")
        out.pop("path")
        return out


def _decimal(q: Fraction, digits: int) -> tuple[str, Fraction]:
    """``q`` rounded to ``digits`` significant digits, and the rounding error (exact)."""
    if q == 0:
        return "0", Fraction(0)
    from decimal import Context, Decimal

    dec = Context(prec=digits).divide(Decimal(q.numerator), Decimal(q.denominator))
    return str(dec), abs(Fraction(dec) - q)


def _norm_upper(v: Sequence[arb]) -> arb:
    return sum((abs(c).upper() ** 2 for c in v), arb(0)).sqrt().upper()


def _ell_of_commit(schedule, ell: arb, digits: int) -> str | None:
    if schedule is None:
        return None
    import mpmath
    import sympy as sp

    from derivations.schedules import T

    snr = sp.lambdify(T, schedule.snr, modules="mpmath")
    with mpmath.workdps(digits):
        target = mpmath.mpf(ell.mid().str(digits + 5, radius=False))
        lo, hi = mpmath.mpf(10) ** (-digits), 1 - mpmath.mpf(10) ** (-digits)
        try:
            t = mpmath.findroot(lambda tt: snr(tt) - target, (lo, hi), solver="anderson")
            if not lo <= t <= hi or abs(snr(t) - target) > abs(target) * mpmath.mpf(10) ** (8 - digits):
                raise ValueError("outside the bracket")
        except (ValueError, ZeroDivisionError):
            # the SNR of a validated schedule decreases strictly on (0, 1): bisection always converges
            for _ in range(int(3.5 * digits) + 20):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if snr(mid) > target else (lo, mid)
            t = (lo + hi) / 2
        return mpmath.nstr(t, 12)


def _run(data: list[list[Fraction]], start: list[Fraction], digits: int, order: int,
         max_steps: int, max_snr: Fraction, perms, path: list | None = None) -> dict[str, Any]:
    """Integrate at ``digits``: first with a loose truncation tolerance (16 digits, fewer and
    longer steps), then, if that cannot certify, with the full tolerance. The propagated error
    estimate enters the certificate, so a loose run only certifies when its error is small."""
    old = ctx.dps
    ctx.dps = digits
    try:
        work = {"steps": 0, "evaluations": 0}
        levels = (16, digits) if digits > 24 else (digits,)
        for tol_digits in levels:
            if path is not None:
                path.clear()
            loose_order = order if tol_digits == digits else max(12, (3 * tol_digits) // 5 + 6)
            run = _integrate(data, start, digits, loose_order, max_steps, max_snr, perms, path,
                             tol_digits=tol_digits)
            work["steps"] += run["steps"]
            work["evaluations"] += run["evaluations"]
            if run["kind"] == "certified":
                break
        return run | work
    finally:
        ctx.dps = old


def _integrate(data, start, digits, order, max_steps, max_snr, perms, path=None, *,
               tol_digits: int | None = None) -> dict[str, Any]:
    """Midpoint Taylor integration with a propagated error estimate ``eps``.

    ``eps`` bounds (as an estimate) the distance from the computed to the exact trajectory:
    per step ``eps <- eps * exp(L h) + truncation + rounding`` with ``L = ell trace Cov_w(X)``
    (the Jacobian of the flow is ``ell Cov_w(X)``; its trace bounds its norm). Near a tie ``L``
    grows like the true instability, so precision runs out exactly when it should.
    """
    from derivations.exact import to_arb

    flow = FlowData.from_rationals(data)
    n = len(data)
    y = [to_arb(v).mid() for v in start]
    eps = arb(10) ** (-digits) * (1 + _norm_upper(y))
    ell = arb(0)
    steps = evaluations = 0
    tol = arb(10) ** (-((tol_digits or digits) + 2))
    cutoff = arb(digits + 12) * arb(10).log() * 2
    ln_precision = float(digits) * 2.302585
    group: tuple[int, ...] = ()
    groups: dict[int, tuple] = {}  # leader -> (group, centre, exact terms, ball terms)
    while steps < max_steps:
        if path is not None:
            path.append((float(ell.mid()), [float(v.mid()) for v in y]))
        g = logits(flow, y, ell)
        k = max(range(n), key=lambda i: g[i].mid())
        if k not in groups:
            grp = orbit(k, perms, data)
            centre, exact_terms, _others = group_terms(data, grp)
            groups[k] = (grp, centre, [to_arb(c) for c in centre],
                         all(a > 0 for a, _, _ in exact_terms),
                         [(to_arb(a), to_arb(lam2).sqrt(), to_arb(dist2).sqrt())
                          for a, lam2, dist2 in exact_terms])
        group, centre, centre_ball, winnable, terms = groups[k]
        if ell > 0:
            if winnable:
                r = [yj - ell * cj for yj, cj in zip(y, centre_ball, strict=True)]
                rho = (_norm_upper(r) + eps).upper()
                cert = tail_certificate(rho, ell, terms, lambda v: v.exp())
                if cert is not None:
                    return {"kind": "certified", "group": group, "centre": centre, "ell": ell,
                            "R": cert[0], "steps": steps, "evaluations": evaluations,
                            "eps": eps}
        scale = max(1.0, float(_norm_upper(y)))
        if float(eps) > 1e-6 * scale:
            return {"kind": "unresolved", "group": _leaders(g, k, group, eps, ell, flow),
                    "ell": ell, "steps": steps, "evaluations": evaluations, "outcome": "precision"}
        if ell > to_arb(max_snr):
            return {"kind": "unresolved", "group": _leaders(g, k, group, eps, ell, flow),
                    "ell": ell, "steps": steps, "evaluations": evaluations, "outcome": "snr-cap"}
        top = g[k]
        active = [i for i in range(n) if (top - g[i]).lower() < cutoff]
        step = taylor_step(flow, y, ell, order, active)
        evaluations += step.evaluations
        steps += 1
        tol_f = float(tol) * scale
        h_f = min((tol_f / max(step.norm(p), 1e-300)) ** (1.0 / p) for p in (order - 1, order))
        h_f = min(h_f, 4.0 * (1.0 + float(ell.mid())))
        h = to_arb(Fraction(h_f))  # a step size is a choice: any exact dyadic is fine
        y_new = step.evaluate(h)
        trunc = sum(step.norm(p) * h_f**p for p in (order - 1, order)) * 10
        if len(active) < n:
            g_new = logits(flow, y_new, ell + h)
            top_new = max(g_new, key=lambda v: v.mid())
            worst = max(float((g_new[i] - top_new).mid()) for i in range(n) if i not in active)
            if worst > -float(cutoff) / 2:  # a pruned atom came close: redo with all atoms
                step = taylor_step(flow, y, ell, order, list(range(n)))
                evaluations += step.evaluations
                y_new = step.evaluate(h)
            elif worst > -ln_precision * 3:
                trunc += (n - len(active)) * math.exp(worst) * h_f * 10 * scale
        lipschitz = float((ell + h).mid()) * _weighted_spread(g, flow, active, k)
        growth = math.exp(min(lipschitz * h_f, 700.0))
        eps = (eps * growth + trunc + arb(10) ** (-digits) * scale).upper()
        y = [v.mid() for v in y_new]
        ell = ell + h
    return {"kind": "unresolved", "group": list(group), "ell": ell, "steps": steps,
            "evaluations": evaluations, "outcome": "budget"}


def _weighted_spread(g: list[arb], flow: FlowData, active: list[int], k: int) -> float:
    r""":math:`\operatorname{tr}\operatorname{Cov}_w(X)` at the step start (a float estimate)."""
    top = float(g[k].mid())
    w = {i: math.exp(max(float(g[i].mid()) - top, -700.0)) for i in active}
    total = sum(w.values())
    d = len(flow.rows[0])
    mean = [sum(w[i] * float(flow.rows[i][j].mid()) for i in active) / total for j in range(d)]
    return sum(w[i] * sum((float(flow.rows[i][j].mid()) - mean[j]) ** 2 for j in range(d))
               for i in active) / total


def _leaders(g, k, group, eps, ell, flow) -> list[int]:
    """The atoms whose logits are within the error estimate of the leader's."""
    spread = float(eps) * float(ell.mid() + 1) * 2 * max(
        float(sum((abs(v) for v in row), arb(0)).mid()) for row in flow.rows) + 1e-300
    lead = float(g[k].mid())
    tied = {*group, *[i for i in range(len(g)) if lead - float(g[i].mid()) <= spread]}
    if len(tied) < 2 and len(g) > 1:  # the rival the leader could not be certified against
        tied.add(max((i for i in range(len(g)) if i not in tied), key=lambda i: g[i].mid()))
    return sorted(tied)


def certify_endpoint(data: Sequence[Vector], start: Vector, *, digits: int = 50, schedule=None,
                     order: int | None = None, max_steps: int = 20000,
                     max_snr: Fraction = Fraction(10**6), recheck: bool = True,
                     record_path: bool = False) -> EndpointResult:
    """Decide where the oracle flow from ``Z_1 = start`` ends (see the module docstring).

    ``max_snr`` caps the SNR of the data rescaled to unit spread (a bound on work, not on units)."""
    begin = time.perf_counter()
    data = [[_exact(v, f"data[{i}][{j}]") for j, v in enumerate(row)] for i, row in enumerate(data)]
    start = [_exact(v, f"start[{j}]") for j, v in enumerate(start)]
    if not data:
        raise EngineError("the training set is empty")
    d = len(data[0])
    if any(len(row) != d for row in data):
        raise EngineError("training samples have different dimensions")
    if len(start) != d:
        raise EngineError(f"the start has dimension {len(start)}, the training set {d}")
    order = order or max(12, min(80, (3 * digits) // 5 + 6))
    original = data
    shift, scale = _frame(data)
    data = [[(v - c) / scale for v, c in zip(row, shift, strict=True)] for row in data]
    perms = symmetry_permutations(data, start)
    path: list | None = [] if record_path else None
    run = _run(data, start, digits, order, max_steps, max_snr, perms, path)
    if path is not None:  # back to the caller's frame: l = l~/s, y = y~ + l c
        s_f, c_f = float(scale), [float(c) for c in shift]
        path[:] = [(e / s_f, [v + e / s_f * c for v, c in zip(y, c_f, strict=True)]) for e, y in path]
    if "ell" in run:
        run["ell"] = run["ell"] / _ball(scale)
    detail = ""
    if run["kind"] == "certified" and recheck:
        check = _run(data, start, digits + 20, order, max_steps, max_snr, perms)
        if check["kind"] != "certified" or sorted(check["group"]) != sorted(run["group"]):
            detail = (f"at {digits} digits the flow committed to {run['group']}, at {digits + 20} "
                      f"digits to {check.get('group')}: the start is within the working precision "
                      "of a tie set")
            if check["kind"] != "certified" and check.get("outcome") in ("budget", "snr-cap"):
                detail = (f"certified to {run['group']} at {digits} digits, but the re-check at "
                          f"{digits + 20} digits ran out of "
                          + ("steps" if check["outcome"] == "budget" else f"SNR (cap {max_snr})")
                          + " before it committed")
            run = {"kind": "unresolved", "group": sorted({*run["group"], *check.get("group", [])}),
                   "ell": run["ell"], "steps": run["steps"] + check["steps"],
                   "evaluations": run["evaluations"] + check["evaluations"],
                   "outcome": check.get("outcome") if check["kind"] != "certified" else "disagreement"}
        else:
            run["steps"] += check["steps"]
            run["evaluations"] += check["evaluations"]
    seconds = time.perf_counter() - begin
    ell = run["ell"]
    commit = ell.mid().str(10, radius=False) if run["kind"] == "certified" else None
    if run["kind"] == "certified":
        group = run["group"]
        centre = [scale * v + c for v, c in zip(run["centre"], shift, strict=True)]
        pieces = [_decimal(c, digits) for c in centre]
        radius = sum(e * e for _, e in pieces)
        radius_str = "0" if radius == 0 else _decimal(Fraction(_isqrt_upper(radius)), 3)[0]
        locations = {tuple(original[i]) for i in group}
        exact_tie = len(locations) > 1
        return EndpointResult(
            status="tie" if exact_tie else "training-sample",
            index=None if exact_tie else min(group),
            tie_set=sorted(group) if exact_tie else [],
            tie_kind="exact" if exact_tie else None,
            endpoint=[p for p, _ in pieces], radius=radius_str,
            tail_radius=run["R"].upper().str(6, radius=False),
            commit_snr=commit, commit_t=_ell_of_commit(schedule, ell, 30) if schedule else None,
            digits=digits, steps=run["steps"], evaluations=run["evaluations"], seconds=seconds,
            detail=("exact tie: affine reflections with normals orthogonal to the start permute these "
                    "atoms; the endpoint is their centre" if exact_tie else
                    ("duplicated atom: rows " + ", ".join(map(str, sorted(group))) if len(group) > 1
                     else "")),
            exact_endpoint=centre, path=path,
        )
    outcome = run.get("outcome", "precision")
    why = detail or {
        "precision": f"precision exhausted at {digits} digits before the leaders separated: the start "
                     "is within the working precision of a tie set (raise --digits)",
        "budget": f"the step budget ({max_steps} steps) ran out before a commit (raise --max-steps)",
        "snr-cap": f"no commit below SNR {max_snr} (of the data rescaled to unit spread)",
        "disagreement": "the runs at two precisions committed differently",
    }[outcome]
    if outcome in ("budget", "snr-cap"):
        return EndpointResult(
            status="undecided", index=None, tie_set=[], tie_kind=None, endpoint=None, radius=None,
            tail_radius=None, commit_snr=None, commit_t=None, digits=digits, steps=run["steps"],
            evaluations=run["evaluations"], seconds=seconds, detail=why, path=path, outcome=outcome)
    return EndpointResult(
        status="tie", index=None, tie_set=list(run["group"]), tie_kind="unresolved", endpoint=None,
        radius=None, tail_radius=None, commit_snr=None, commit_t=None, digits=digits,
        steps=run["steps"], evaluations=run["evaluations"], seconds=seconds, detail=why, path=path,
        outcome=outcome)


def _exact(value: Any, where: str) -> Fraction:
    """An exact rational (int, Fraction, SymPy or NumPy integer/Rational, or a string such as "1/10"
    or "0.1"); a float is refused: pass ``Fraction(x)`` for its exact binary value."""
    if isinstance(value, bool):
        raise EngineError(f"{where} = {value!r} is a bool, not a number")
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, str):
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise EngineError(f"{where} = {value!r} is not an exact rational") from None
    if isinstance(value, Real):
        raise EngineError(f"{where} = {value!r} is a float: pass Fraction({value!r}) for its exact binary "
                          "value, or the decimal as a string")
    raise EngineError(f"{where} = {value!r} is not an exact rational")


def _ball(q: Fraction) -> arb:
    return arb(q.numerator) / q.denominator


def _frame(data: Sequence[Sequence[Fraction]]) -> tuple[list[Fraction], Fraction]:
    r"""An exact centre :math:`c` (the centroid) and a power-of-two scale :math:`s` near the spread.

    The flow of :math:`\tilde X=(X-c)/s` from the same :math:`Z_1` is the flow of :math:`X` with
    :math:`\tilde\ell=s\ell`, :math:`\tilde y=y-\ell c` (translation and scale equivariance of
    :math:`dy/d\ell=\sum_i\operatorname{softmax}_i(\ell\langle y,X_i\rangle-\ell^2\lVert X_i\rVert^2/2)X_i`),
    so :math:`Z_0=s\tilde Z_0+c`, the commit SNR is :math:`\tilde\ell/s` and the tail radius is the
    same: step sizes depend on the geometry of the data, not on where it sits or its units."""
    n, d = len(data), len(data[0])
    centre = [sum(row[j] for row in data) / n for j in range(d)]
    spread = max(abs(v - c) for row in data for v, c in zip(row, centre, strict=True))
    if spread == 0:
        return centre, Fraction(1)
    exponent = round(math.log2(spread.numerator) - math.log2(spread.denominator))
    return centre, Fraction(2) ** exponent


def _isqrt_upper(q: Fraction) -> Fraction:
    """An upper bound of sqrt(q) as a fraction."""
    from math import isqrt

    scale = 10**40
    return Fraction(isqrt(q.numerator * scale * scale // q.denominator) + 1, scale)
