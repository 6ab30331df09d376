r"""Certified endpoints of deterministic oracle generation (LLY25-T1, LLY26-T1, LLY-TIES).

:func:`certify_endpoint` integrates :math:`dy/d\ell=m(y,\ell)` from :math:`\ell=0`,
:math:`y=Z_1` (every schedule has :math:`\sigma(1)=1`, :math:`\ell(1)=0`) with validated steps
(:mod:`.integrator`: a predictor polynomial and a rigorous enclosure of every solution around it,
:mod:`.enclosure`), and after every step tries the tail lemma of :mod:`.certificate` for the
leading atom's symmetry orbit :math:`T`:

* :math:`|T|=1` and the lemma holds: the endpoint is the training sample :math:`X_k`, exactly;
* :math:`|T|>1` (an exact tie, proved by reflections in exact rationals) and the lemma holds:
  the endpoint is the centre of :math:`T`, not a training sample;
* the enclosure grows beyond what the precision can separate (the start is within the working
  precision of a tie set): status ``tie``, kind ``unresolved``; or the step budget or the SNR
  cap runs out: status ``undecided``.

Every certified answer is a theorem about the exact flow of the exact data: each step encloses
the solution rigorously (Cauchy bounds, a logarithmic-norm Gronwall bound, pruned atoms bounded),
the tail lemma and the symmetries are proved, and rational bookkeeping is exact. The optional
re-run at ``digits + 20`` (``recheck``) is no longer needed for soundness. What is proven is
stated in ``docs/engine.md``; ``certificate=True`` keeps the steps so that
:func:`verify.engine.write_certificate` can save a proof anyone can re-check
(``memverify certificate check``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from numbers import Rational, Real
from typing import Any

from flint import arb

from .certificate import symmetry_permutations
from .integrator import run_levels

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
    #: the proof (every validated step, the frame and the tail lemma's inputs) when requested
    proof: dict[str, Any] | None = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("exact_endpoint")
        out.pop("path")
        out.pop("proof")
        return out


def _decimal(q: Fraction, digits: int) -> tuple[str, Fraction]:
    """``q`` rounded to ``digits`` significant digits, and the rounding error (exact)."""
    if q == 0:
        return "0", Fraction(0)
    from decimal import Context, Decimal

    dec = Context(prec=digits).divide(Decimal(q.numerator), Decimal(q.denominator))
    return str(dec), abs(Fraction(dec) - q)


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


def _run(data, start, digits: int, order: int, max_steps: int, max_snr: Fraction, perms,
         path: list | None = None, record: bool = False) -> dict[str, Any]:
    """The validated passes of :mod:`.integrator` at ``digits``, as a plain dict."""
    run, work = run_levels(data, start, digits, order, max_steps, max_snr, perms, path, record)
    out = {"kind": run.kind, "group": run.group, "ell": _ball(run.ell), "steps": work["steps"],
           "evaluations": work["evaluations"], "outcome": run.outcome, "detail": run.detail,
           "records": run.records, "radius": run.radius}
    if run.kind == "certified":
        out |= {"centre": run.centre, "R": run.R, "rho": run.rho}
    return out


def certify_endpoint(data: Sequence[Vector], start: Vector, *, digits: int = 50, schedule=None,
                     order: int | None = None, max_steps: int = 20000,
                     max_snr: Fraction = Fraction(10**6), recheck: bool = False,
                     record_path: bool = False, certificate: bool = False) -> EndpointResult:
    """Decide where the oracle flow from ``Z_1 = start`` ends (see the module docstring).

    ``max_snr`` caps the SNR of the data rescaled to unit spread (a bound on work, not on units);
    ``recheck`` repeats a certified run at ``digits + 20`` (optional: every step is a proof);
    ``certificate`` keeps every step so that :func:`write_certificate` can save the proof."""
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
    data = _transform(data, shift, scale)
    perms = symmetry_permutations(data, start)
    path: list | None = [] if record_path else None
    run = _run(data, start, digits, order, max_steps, max_snr, perms, path, record=certificate)
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
            proof=_proof(original, start, shift, scale, digits, run) if certificate else None,
        )
    outcome = run.get("outcome", "precision")
    why = detail or (run.get("detail") and outcome == "precision" and
                     f"precision exhausted at {digits} digits before the leaders separated "
                     f"({run['detail']}): the start is within the working precision of a tie set "
                     "(raise --digits)") or {
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


def _proof(data, start, shift, scale, digits: int, run: dict[str, Any]) -> dict[str, Any]:
    """The certificate's content (exact rationals; see :mod:`.certfile`)."""
    from .certificate import reflection_pairs
    from .geometry import upper_fraction

    framed = _transform(data, shift, scale)
    group = sorted(run["group"])
    return {"data": data, "start": start, "shift": shift, "scale": scale, "digits": digits,
            "group": group, "centre": list(run["centre"]), "records": run["records"],
            "epsilon": upper_fraction(run["rho"]),
            "reflections": reflection_pairs(framed, start, group)}


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
    r"""An exact centre :math:`c` (a dyadic point near the centroid) and a power-of-two scale
    :math:`s` near the spread.

    The flow of :math:`\tilde X=(X-c)/s` from the same :math:`Z_1` is the flow of :math:`X` with
    :math:`\tilde\ell=s\ell`, :math:`\tilde y=y-\ell c` (translation and scale equivariance of
    :math:`dy/d\ell=\sum_i\operatorname{softmax}_i(\ell\langle y,X_i\rangle-\ell^2\lVert X_i\rVert^2/2)X_i`),
    so :math:`Z_0=s\tilde Z_0+c`, the commit SNR is :math:`\tilde\ell/s` and the tail radius is the
    same: step sizes depend on the geometry of the data, not on where it sits or its units. Any
    exact :math:`c` is valid; a short dyadic one keeps the rescaled data as simple as the input."""
    d = len(data[0])
    lo = [min(row[j] for row in data) for j in range(d)]
    hi = [max(row[j] for row in data) for j in range(d)]
    mids = [(a + b) / 2 for a, b in zip(lo, hi, strict=True)]
    spread = max(max(b - a for a, b in zip(lo, hi, strict=True)) / 2, Fraction(0))
    if spread == 0:
        return mids, Fraction(1)
    exponent = round(math.log2(spread.numerator) - math.log2(spread.denominator))
    unit = Fraction(2) ** (exponent - 30)
    centre = [Fraction(math.floor(m / unit)) * unit for m in mids]
    return centre, Fraction(2) ** exponent


def _transform(data: Sequence[Sequence[Fraction]], shift: Sequence[Fraction],
               scale: Fraction) -> list[list[Fraction]]:
    """:math:`(X-c)/s` exactly, column by column over a common denominator (integer work)."""
    from math import lcm

    n, d = len(data), len(data[0])
    out = [[Fraction(0)] * d for _ in range(n)]
    for j in range(d):
        c = shift[j]
        D = lcm(c.denominator, *(row[j].denominator for row in data))
        cn = c.numerator * (D // c.denominator)
        num_s, den_s = scale.numerator, scale.denominator  # s = num_s / den_s
        for i, row in enumerate(data):
            v = row[j]
            out[i][j] = Fraction((v.numerator * (D // v.denominator) - cn) * den_s, D * num_s)
    return out


def _isqrt_upper(q: Fraction) -> Fraction:
    """An upper bound of sqrt(q) as a fraction."""
    from math import isqrt

    scale = 10**40
    return Fraction(isqrt(q.numerator * scale * scale // q.denominator) + 1, scale)
