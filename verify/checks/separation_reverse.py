r"""SEP-REVERSE (Ye, Zhu, Tao, Chen, §4, after Proposition 4.1): the reverse divergence
:math:`\mathrm{Fisher}(P_t,\hat P_t)=\mathbb E_{X\sim P_t}\lVert\nabla\log\hat p_t-\nabla\log p_t\rVert^2`
is the generalization error of the empirical score, a different quantity from the Loss-Gap.

memverify's reading: the population DSM loss gap
:math:`\mathbb E_{X_0\sim P}[\ell_t(X_0,\nabla\log\hat p_t)-\ell_t(X_0,\nabla\log p_t)]
=\mathrm{Fisher}(P_t,\hat P_t)`
(the excess population loss of the empirical score). Decided by an exact SymPy residual
(:func:`derivations.separation.reverse_gap_is_fisher`), a quadrature of the double integral in 1-D
(:mod:`verify.separation.reverse`) and, from SEP-T43's scan (reused), the comparison with the Loss-Gap.
"""

from __future__ import annotations

import time
from fractions import Fraction

import mpmath

from ..registry import RunContext
from ..separation.gap import GapCell
from ..separation.quadrature import random_training_set
from ..separation.reverse import population_gap_quadrature
from ..verdicts import Bound, ClaimResult, Evidence, decide
from .separation_gap import gap_scan
from .separation_identities import symbolic_evidence

__all__ = ["check_sep_reverse", "REVERSE_DIGITS", "REVERSE_S"]

#: working digits of the population quadrature (residuals must be below 10^-(digits - 5))
REVERSE_DIGITS = 15
#: the times of the quadrature (quick: the second only)
REVERSE_S: tuple[Fraction, ...] = (Fraction(1, 100), Fraction(1, 2))


def _quadrature_evidence(ctx: RunContext) -> list[Evidence]:
    data, means, cov = random_training_set(4, 1, ctx.seed)
    xs, ms, var = [r[0] for r in data], [m[0] for m in means], cov[0][0]
    tol = mpmath.mpf(10) ** (-(REVERSE_DIGITS - 5))
    out = []
    for s in REVERSE_S[1:] if ctx.quick else REVERSE_S:
        q = population_gap_quadrature(xs, ms, var, s, REVERSE_DIGITS)
        worst = q.worst_relative()
        out.append(Evidence(
            f"quadrature d=1, n=4, K=2, t={s}: population loss gap - Fisher(P_t, P^_t)",
            True if worst < tol else None,
            f"L(grad log p^) - L(grad log p) = {mpmath.nstr(q.gap, 12)}, Fisher(P_t, P^_t) = "
            f"{mpmath.nstr(q.reverse_fisher, 12)} (L(grad log p) = {mpmath.nstr(q.loss_true, 8)}); relative "
            f"residual incl. quadrature error {mpmath.nstr(worst, 3)} at {REVERSE_DIGITS} digits; double "
            "integral over (X_0, z), inner exact (3-node Gauss-Hermite), outer adaptive Gauss-Legendre",
            bound=Bound(float(worst), float(tol), quantity="relative residual (quadrature error included)"),
            data={"t": str(s), "gap": mpmath.nstr(q.gap, 20),
                  "reverse_fisher": mpmath.nstr(q.reverse_fisher, 20),
                  "loss_true": mpmath.nstr(q.loss_true, 20), "error": mpmath.nstr(q.error, 3),
                  "data": [str(v) for v in xs], "means": [str(v) for v in ms], "var": str(var)}))
    return out


def _versus_gap_evidence(cell: GapCell) -> Evidence:
    rev, rev_half = cell.reverse[0], cell.reverse_half[0]
    gap, half = cell.gap[0], cell.half[0]
    rows = [{"t": s, "gap": g, "reverse": r} for s, g, r in zip(cell.s, cell.gap, cell.reverse, strict=True)]
    return Evidence(
        f"a different quantity: E_D Fisher(P_t, P^_t) exceeds E_D Loss-Gap_t at t = {cell.s[0]:.3g} "
        f"(d={cell.d}, n={cell.n})", rev - rev_half > gap + half,
        f"E_D E_P_t = {rev:.4g} +- {rev_half:.2g} against E_D E_P^_t (the Loss-Gap) = {gap:.4g} +- "
        f"{half:.2g}; ratio {rev / gap:.3g} (P_t puts mass between the training points, where the empirical "
        "score is "
        "steep)",
        bound=Bound((rev - rev_half) / (gap + half), 1, ">",
                    quantity="(reverse - half-width) / (gap + half-width)"),
        data={"rows": rows})


def check_sep_reverse(ctx: RunContext) -> ClaimResult:
    r"""The population loss gap of the empirical score equals :math:`\mathrm{Fisher}(P_t,\hat P_t)`:
    exact residual, 1-D quadrature at t = 1/100 and 1/2, and the comparison with the Loss-Gap."""
    from derivations.separation import reverse_gap_is_fisher

    started = time.perf_counter()
    ctx.progress("SEP-REVERSE: symbolic population identity")
    evidence = symbolic_evidence([reverse_gap_is_fisher()])
    ctx.progress("SEP-REVERSE: quadrature")
    evidence += _quadrature_evidence(ctx)
    cell = next(c for c in gap_scan(ctx) if c.reverse)
    evidence.append(_versus_gap_evidence(cell))
    status, text = decide(evidence, "SEP-REVERSE E_P[l_t(grad log p^) - l_t(grad log p)] = Fisher(P_t, P^_t)")
    return ClaimResult("SEP-REVERSE", status, text, evidence, time.perf_counter() - started)
