r"""SEP-P41 (DSM loss decomposition, Loss-Gap = Fisher) and SEP-C1 (Hessian identity) of
Ye, Zhu, Tao, Chen (arXiv 2511.03202): exact SymPy residuals (:mod:`derivations.separation`) plus
high-precision quadrature (:mod:`verify.separation.quadrature`)."""

from __future__ import annotations

import time
from fractions import Fraction

import mpmath

from derivations.separation import SymbolicResult, c1_results, p41_results

from ..registry import RunContext
from ..separation.quadrature import S_GRID, gap_quadrature, gap_quadrature_2d, random_training_set
from ..verdicts import Bound, ClaimResult, Evidence, ExactZero, decide

__all__ = ["check_sep_p41", "check_sep_c1", "QUAD_DIGITS", "S_GRID_2D", "symbolic_evidence",
           "quadrature_evidence"]

QUAD_DIGITS = 30
S_GRID_2D: tuple[Fraction, ...] = (Fraction(1, 10), Fraction(3))


def symbolic_evidence(results: list[SymbolicResult]) -> list[Evidence]:
    """One Evidence per exact residual (numeric cross-check folded in)."""
    out = []
    for r in results:
        out.append(Evidence(
            check=f"symbolic: {r.name}",
            passed=True if r.passed else None,
            detail=f"{r.method}; max |residual| at {r.points} random rational points = "
                   f"{mpmath.nstr(r.numeric_max, 3)} ({r.seconds:.2f} s)",
            bound=ExactZero(f"{r.method}; numeric cross-check {mpmath.nstr(r.numeric_max, 3)} < 1e-25")
            if r.passed else None,
        ))
    return out


def quadrature_evidence(d: int, n: int, s_values: tuple[Fraction, ...], seed: int,
                        digits: int = QUAD_DIGITS) -> list[Evidence]:
    """SEP-P41 at each s by quadrature: every residual relative to the loss scale below
    :math:`10^{-(\\text{digits}-5)}`, quadrature error estimate included (d = 2: the arb
    Gauss–Legendre x Gauss–Hermite rule :func:`gap_quadrature_2d`)."""
    data, means, cov = random_training_set(n, d, seed)
    tol = mpmath.mpf(10) ** (-(digits - 5))
    quad = gap_quadrature_2d if d == 2 else gap_quadrature
    out = []
    for s in s_values:
        q = quad(data, means, cov, s, digits)
        worst = q.worst_relative()
        out.append(Evidence(
            check=f"quadrature d={d}, n={n}, K=2, s={s}",
            passed=True if worst < tol else None,
            detail=(f"gap = {mpmath.nstr(q.gap, 12)}, Fisher = {mpmath.nstr(q.values['fisher'], 12)}; "
                    f"max relative residual (incl. quadrature error) {mpmath.nstr(worst, 3)} "
                    f"at {digits} digits"),
            bound=Bound(float(worst), float(tol),
                        quantity="max relative residual (quadrature error included)"),
            data={"s": str(s), "gap": mpmath.nstr(q.gap, 20), "fisher": mpmath.nstr(q.values["fisher"], 20),
                  "quadrature_error": mpmath.nstr(q.error, 3),
                  **{k: mpmath.nstr(v, 3) for k, v in q.residuals.items()},
                  "data": [[str(v) for v in row] for row in data],
                  "means": [[str(v) for v in row] for row in means],
                  "cov": [[str(v) for v in row] for row in cov]},
        ))
    return out


def check_sep_p41(ctx: RunContext) -> ClaimResult:
    r"""Decomposition derived symbolically, then Loss-Gap = Fisher and both decompositions by quadrature
    (1-D, n = 6, K = 2 over six s in :math:`[10^{-4},3]`; quick: n = 3, three s) and, not quick, in 2-D
    (n = 2, K = 2, s = 1/10 and 3, python-flint arb rule, a few seconds per s)."""
    start = time.perf_counter()
    ctx.progress("SEP-P41: symbolic decomposition")
    evidence = symbolic_evidence(p41_results(ctx.quick))
    ctx.progress("SEP-P41: 1-D quadrature")
    grid_1d = S_GRID[::2] if ctx.quick else S_GRID
    evidence += quadrature_evidence(1, 3 if ctx.quick else 6, grid_1d, ctx.seed)
    if not ctx.quick:
        ctx.progress("SEP-P41: 2-D quadrature")
        evidence += quadrature_evidence(2, 2, S_GRID_2D, ctx.seed)
    status, summary = decide(evidence, "SEP-P41 decomposition and Loss-Gap = Fisher")
    return ClaimResult("SEP-P41", status, summary, evidence, time.perf_counter() - start)


def check_sep_c1(ctx: RunContext) -> ClaimResult:
    """Hessian identity: exact residuals for the empirical law (n = 2, 3 in d = 1; n = 2 in d = 2) and
    the two-component mixture (d = 1, 2), cross-checked at random rational points at 40 digits."""
    start = time.perf_counter()
    ctx.progress("SEP-C1: Hessian identities")
    evidence = symbolic_evidence(c1_results(ctx.quick))
    status, summary = decide(evidence, "SEP-C1 Hessian identity")
    return ClaimResult("SEP-C1", status, summary, evidence, time.perf_counter() - start)
