r"""Checks for the oracle-field claims: LLY25-P1, LLY25-P2 and CONV-SNR.

Each identity is decided three ways: symbolically for the generic schedule (undefined
:math:`\alpha,\beta,\gamma,\zeta`: a proof for every schedule) per component and for an
:math:`N=3, d=2` mixture; symbolically for each built-in schedule; and in ball arithmetic at
random exact-rational points (certified residual bounds). CONV-SNR adds an integration of the
probability flow *in t* for every built-in schedule, compared at equal SNR.
"""

from __future__ import annotations

import random
import time
from fractions import Fraction

import mpmath
import sympy as sp

from derivations.cache import cached, common_subexpressions, simplified, tree_key
from derivations.fields import derive
from derivations.identities import check_numeric, check_symbolic, identity
from derivations.schedules import BUILTIN_SCHEDULES, T, builtin_schedule, generic_schedule

from ..datasets import load_dataset
from ..registry import RunContext
from ..verdicts import Bound, ClaimResult, Evidence, ExactZero, decide
from .flow_reference import rk4_step

__all__ = ["check_lly25_p1", "check_lly25_p2", "check_conv_snr", "identity_evidence",
           "flow_agreement"]


def _schedules(ctx: RunContext) -> tuple[str, ...]:
    return ctx.schedules or BUILTIN_SCHEDULES


def identity_evidence(keys: tuple[str, ...], ctx: RunContext) -> list[Evidence]:
    """Symbolic and certified-numeric evidence for the identities ``keys``."""
    evidence: list[Evidence] = []
    targets = [generic_schedule(), *(builtin_schedule(s) for s in _schedules(ctx))]
    for key in keys:
        ident = identity(key)
        for schedule in targets:
            D = derive(schedule, 3, 2)
            for scope in ("component", "mixture"):
                ctx.progress(f"{key}: {schedule.name}, {scope}")
                res = check_symbolic(ident, D, scope)
                evidence.append(Evidence(
                    check=f"{key} [{schedule.name}, symbolic, {res.scope}]",
                    passed=True if res.zero else None,
                    detail=f"{res.method} ({res.seconds:.2f} s)",
                    bound=ExactZero(res.method) if res.zero else None,
                ))
            if schedule.generic:
                continue
            ctx.progress(f"{key}: {schedule.name}, ball arithmetic")
            num = check_numeric(ident, D, points=2 if ctx.quick else 4, digits=ctx.digits,
                                seed=ctx.seed)
            finite = num.max_relative != "non-finite"
            bound = (Bound(float(num.max_relative), float(num.tolerance), rigorous=True,
                           quantity="certified |lhs-rhs|/max(1,|lhs|,|rhs|)") if finite else None)
            evidence.append(Evidence(
                check=f"{key} [{schedule.name}, arb balls at {num.digits} digits, {num.points} "
                      "random rational points, mixture N=3, d=2]",
                passed=True if num.passed else (False if num.refuted_at else None),
                detail=f"certified |lhs-rhs|/max(1,|lhs|,|rhs|) <= {num.max_relative} "
                       f"({num.seconds:.2f} s)",
                bound=bound, counterexample=num.refuted_at,
            ))
    return evidence


def _result(claim_id: str, what: str, evidence: list[Evidence], start: float) -> ClaimResult:
    status, summary = decide(evidence, what)
    return ClaimResult(claim_id, status, summary, evidence, time.perf_counter() - start)


def check_lly25_p1(ctx: RunContext) -> ClaimResult:
    """Velocity by conditioning = softmax closed form; continuity equation."""
    start = time.perf_counter()
    evidence = identity_evidence(("paper-weights", "paper-velocity", "continuity"), ctx)
    return _result("LLY25-P1", "softmax weights, closed form and continuity equation", evidence, start)


def check_lly25_p2(ctx: RunContext) -> ClaimResult:
    """Score = grad log rho; velocity-score affine relation."""
    start = time.perf_counter()
    evidence = identity_evidence(("paper-score", "score-gradient", "velocity-score"), ctx)
    return _result("LLY25-P2", "stated score, score gradient and velocity-score relation", evidence, start)


# -- CONV-SNR: integrate the flow in (a regularised) t for each schedule ------------------------

_U = sp.Symbol("u", positive=True)


def _u_velocity(schedule, n: int, d: int):
    r"""The flow in :math:`u=\sqrt{1-t}`: :math:`dZ/du = -2u\,b(Z, 1-u^2)`, simplified per
    component so that an integrable singularity of :math:`\dot\alpha` at :math:`t=1` cancels
    (each ``simplify`` kept in the persistent cache under the ``srepr`` of its input)."""
    D = derive(schedule, n, d)
    field = D.velocity
    sub = {T: 1 - _U**2}
    logits = tuple(simplified(e.subs(sub)) for e in field.logits)
    comps = tuple(sp.Matrix([simplified(-2 * _U * c.subs(sub)) for c in comp])
                  for comp in field.components)
    field_u = type(field)("velocity_u", logits, comps)
    # the max-shifted form (derivations.fields: Max of the logits is slow) as derived from these trees
    shifted = cached("fields.shifted", tree_key(logits, tuple(tuple(c) for c in comps)),
                     lambda: list(field_u.shifted()))
    symbols = [*D.x, _U, *[D.X[i, j] for i in range(n) for j in range(d)]]
    return sp.lambdify(symbols, shifted, modules="mpmath", cse=common_subexpressions)


def _rk4(fn, z0, u_end, steps: int, data_flat, path: list | None = None):
    h = u_end / steps
    z = list(z0)
    u = mpmath.mpf(0)
    if path is not None:
        path.append((u, z))

    def f(uu, zz):
        return fn(*zz, uu, *data_flat)

    for _ in range(steps):
        z = rk4_step(f, u, z, h)
        u += h
        if path is not None:
            path.append((u, z))
    return z


def flow_agreement(schedules: tuple[str, ...], data: list[list[Fraction]], start: list[Fraction],
                   snr_target: Fraction = Fraction(1), steps: int = 40, digits: int = 30) -> dict:
    r"""Integrate :math:`\dot Z=b(Z,t)` from :math:`t=1` to :math:`\ell(t)=\ell_\star` for each
    schedule (RK4 in :math:`u=\sqrt{1-t}` with ``steps``, ``2 steps`` and ``4 steps``, and a
    two-level Richardson tableau whose last correction is the error estimate), and return
    :math:`y=Z/\sigma` per schedule with its error estimate."""
    n, d = len(data), len(data[0])
    out: dict[str, dict] = {}
    with mpmath.workdps(digits):
        data_flat = [mpmath.mpf(q.numerator) / q.denominator for row in data for q in row]
        z0 = [mpmath.mpf(q.numerator) / q.denominator for q in start]
        target = mpmath.mpf(snr_target.numerator) / snr_target.denominator
        for name in schedules:
            schedule = builtin_schedule(name)
            snr = sp.lambdify(T, schedule.snr, modules="mpmath")
            sigma = sp.lambdify(T, schedule.sigma, modules="mpmath")
            t_end = mpmath.findroot(lambda tt, snr=snr: snr(tt) - target,
                                    (mpmath.mpf(1) / 10**6, 1 - mpmath.mpf(1) / 10**6),
                                    solver="anderson")
            u_end = mpmath.sqrt(1 - t_end)
            fn = _u_velocity(schedule, n, d)
            # Richardson tableau over RK4 with steps, 2 steps, 4 steps (error O(h^6)).
            path: list = []
            runs = [_rk4(fn, z0, u_end, steps * 2**k, data_flat, path if k == 0 else None)
                    for k in range(3)]
            r1 = [[b + (b - a) / 15 for a, b in zip(runs[k], runs[k + 1], strict=True)]
                  for k in range(2)]
            extrapolated = [b + (b - a) / 31 for a, b in zip(r1[0], r1[1], strict=True)]
            err = max(abs(a - b) for a, b in zip(r1[0], r1[1], strict=True)) / 31
            s = sigma(t_end)
            trajectory = [(snr(1 - u**2), [v / sigma(1 - u**2) for v in z]) for u, z in path]
            out[name] = {"t_end": t_end, "y": [v / s for v in extrapolated], "error": err / s,
                         "trajectory": trajectory}
    return out


#: agreement required between the flows of the schedules and the stated flow (both at 30 digits)
FLOW_TOLERANCE = 1e-9


def stated_flow(data: list[list[Fraction]], start: list[Fraction], ell_end: Fraction,
                steps: int = 40, digits: int = 30) -> dict:
    r"""The stated regular-coordinate flow (:func:`derivations.statements.stated_regular_field`)
    from :math:`y(0)=Z_1` to :math:`\ell_{\rm end}`: RK4 in :math:`\ell` with ``steps``, ``2 steps``
    and ``4 steps`` and a two-level Richardson tableau (its last correction is the error)."""
    from derivations.fields import data_symbols, space_symbols
    from derivations.statements import stated_regular_field

    n, d = len(data), len(data[0])
    y, X, ell = space_symbols(d), data_symbols(n, d), sp.Symbol("ell")
    field = sp.lambdify([ell, *y, *X], list(stated_regular_field(y, ell, X)), modules="mpmath")
    with mpmath.workdps(digits):
        flat = [mpmath.mpf(q.numerator) / q.denominator for row in data for q in row]
        y0 = [mpmath.mpf(q.numerator) / q.denominator for q in start]
        end = mpmath.mpf(ell_end.numerator) / ell_end.denominator

        def rk4(k: int) -> list:
            h, yy, ll = end / k, list(y0), mpmath.mpf(0)

            def f(l0, v):
                return field(l0, *v, *flat)
            for _ in range(k):
                k1 = f(ll, yy)
                k2 = f(ll + h / 2, [a + h / 2 * b for a, b in zip(yy, k1, strict=True)])
                k3 = f(ll + h / 2, [a + h / 2 * b for a, b in zip(yy, k2, strict=True)])
                k4 = f(ll + h, [a + h * b for a, b in zip(yy, k3, strict=True)])
                yy = [a + h / 6 * (b1 + 2 * b2 + 2 * b3 + b4)
                      for a, b1, b2, b3, b4 in zip(yy, k1, k2, k3, k4, strict=True)]
                ll += h
            return yy

        runs = [rk4(steps * 2**k) for k in range(3)]
        r1 = [[b + (b - a) / 15 for a, b in zip(runs[k], runs[k + 1], strict=True)] for k in range(2)]
        y_end = [b + (b - a) / 31 for a, b in zip(r1[0], r1[1], strict=True)]
        err = max(abs(a - b) for a, b in zip(r1[0], r1[1], strict=True)) / 31
    return {"y": y_end, "error": err}


def check_conv_snr(ctx: RunContext) -> ClaimResult:
    """Regular-coordinate identity, SNR-only logits, and equal flows at equal SNR."""
    start = time.perf_counter()
    evidence = identity_evidence(("regular-coordinates", "snr-logits"), ctx)
    names = _schedules(ctx)
    if len(names) >= 2:
        rng = random.Random(ctx.seed)
        data = load_dataset("builtin:triangle")
        z1 = [Fraction(rng.randint(-20, 20), 10), Fraction(rng.randint(-20, 20), 10)]
        ctx.progress("CONV-SNR: integrating the flows in t")
        flows = flow_agreement(names, data, z1, steps=24 if ctx.quick else 40)
        reference = stated_flow(data, z1, Fraction(1), steps=24 if ctx.quick else 40)
        with mpmath.workdps(30):
            ref = reference["y"]
            spread = max(max(abs(a - b) for a, b in zip(f["y"], ref, strict=True))
                         for f in flows.values())
            integration = max(f["error"] for f in flows.values()) + reference["error"]
            bound = float(spread + 2 * integration)
            evidence.append(Evidence(
                check=f"flows of {', '.join(names)} from Z_1 = ({z1[0]}, {z1[1]}) to SNR 1, "
                      "integrated in t (RK4 in u = sqrt(1-t), 2-level Richardson), against the stated "
                      "regular-coordinate flow dy/dl = sum softmax(-|y - l X_i|^2/2) X_i integrated in l",
                passed=True if bound < FLOW_TOLERANCE else None,
                detail="y = Z/sigma of every schedule agrees with the stated flow: max |y_s - y_stated| "
                       f"{mpmath.nstr(spread, 3)}, integration errors <= {mpmath.nstr(integration, 3)}",
                bound=Bound(bound, FLOW_TOLERANCE, quantity="max |y_s - y_stated| + 2 x integration error"),
                data={name: [mpmath.nstr(v, 20) for v in f["y"]] for name, f in flows.items()}
                | {"stated": [mpmath.nstr(v, 20) for v in ref]},
            ))
        from ..figures import flows_figure

        figure = flows_figure(flows, f"CONV-SNR: oracle flows of {len(names)} schedules, "
                                     "integrated in t, in regular coordinates")
    result = _result("CONV-SNR", "regular coordinates", evidence, start)
    if len(names) >= 2:
        result.figures["conv-snr-flows.png"] = figure
    return result
