r"""SEP-P41 (Proposition 4.1: Loss-Gap = Fisher), SEP-P41-DECOMP (memverify's decomposition of the DSM
loss for every field, behind it) and SEP-C1 (Hessian identity) of Ye, Zhu, Tao, Chen (arXiv
2511.03202): exact SymPy residuals (:mod:`derivations.separation`) plus high-precision quadrature
(:mod:`verify.separation.quadrature`), the integrals shared by the first two."""

from __future__ import annotations

import time
from fractions import Fraction
from functools import lru_cache

import mpmath

from derivations.separation import SymbolicResult, c1_results, decomp_results, p41_results

from ..registry import RunContext
from ..separation.quadrature import (
    S_GRID,
    GapQuadrature,
    gap_quadrature,
    gap_quadrature_2d,
    random_training_set,
)
from ..verdicts import Bound, ClaimResult, Evidence, ExactZero, decide

__all__ = ["check_sep_p41", "check_sep_p41_decomp", "check_sep_c1", "QUAD_DIGITS", "S_GRID_2D",
           "P41_RESIDUALS", "DECOMP_RESIDUALS", "symbolic_evidence", "quadrature_evidence"]

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


#: the SEP-P41 residual (Loss-Gap - Fisher) and the SEP-P41-DECOMP residuals (the decomposition at the
#: two fields f = grad log p and f = grad log p_hat, and the noise term)
P41_RESIDUALS = ("gap - Fisher",)
DECOMP_RESIDUALS = ("L(true) - (Fisher + d/sigma^2 - J)", "L(empirical) - (d/sigma^2 - J)",
                    "E|z/sigma|^2 - d/sigma^2")


@lru_cache(maxsize=8)
def _quadratures(d: int, n: int, s_values: tuple[Fraction, ...], seed: int,
                 digits: int) -> tuple[tuple[list, list, list], tuple[GapQuadrature, ...]]:
    """The instance and its quadratures at every s, computed once per process (SEP-P41 and
    SEP-P41-DECOMP read different residuals of the same integrals)."""
    data, means, cov = random_training_set(n, d, seed)
    quad = gap_quadrature_2d if d == 2 else gap_quadrature
    return (data, means, cov), tuple(quad(data, means, cov, s, digits) for s in s_values)


def quadrature_evidence(d: int, n: int, s_values: tuple[Fraction, ...], seed: int,
                        digits: int = QUAD_DIGITS,
                        residuals: tuple[str, ...] = P41_RESIDUALS) -> list[Evidence]:
    """The named residuals at each s by quadrature, each relative to the loss scale, quadrature error
    included, below :math:`10^{-(\\text{digits}-5)}` (d = 2: the arb Gauss–Legendre x Gauss–Hermite rule
    :func:`gap_quadrature_2d`)."""
    (data, means, cov), quads = _quadratures(d, n, tuple(s_values), seed, digits)
    tol = mpmath.mpf(10) ** (-(digits - 5))
    out = []
    for s, q in zip(s_values, quads, strict=True):
        worst = max([abs(q.residuals[k]) for k in residuals] + [q.error]) / q.scale
        shown = (f"gap = {mpmath.nstr(q.gap, 12)}, Fisher = {mpmath.nstr(q.values['fisher'], 12)}"
                 if residuals == P41_RESIDUALS else
                 f"L(true) = {mpmath.nstr(q.values['loss_true'], 12)}, L(empirical) = "
                 f"{mpmath.nstr(q.values['loss_empirical'], 12)}, d/sigma^2 - J = "
                 f"{mpmath.nstr(q.values['noise'] - q.values['J'], 12)}")
        out.append(Evidence(
            check=f"quadrature d={d}, n={n}, K=2, s={s}: " + ", ".join(residuals),
            passed=True if worst < tol else None,
            detail=(f"{shown}; max relative residual (incl. quadrature error) {mpmath.nstr(worst, 3)} "
                    f"at {digits} digits"),
            bound=Bound(float(worst), float(tol),
                        quantity="max relative residual (quadrature error included)"),
            data={"s": str(s), "gap": mpmath.nstr(q.gap, 20), "fisher": mpmath.nstr(q.values["fisher"], 20),
                  "quadrature_error": mpmath.nstr(q.error, 3),
                  **{k: mpmath.nstr(q.residuals[k], 3) for k in residuals},
                  "data": [[str(v) for v in row] for row in data],
                  "means": [[str(v) for v in row] for row in means],
                  "cov": [[str(v) for v in row] for row in cov]},
        ))
    return out


def _quadrature_runs(ctx: RunContext, residuals: tuple[str, ...]) -> list[Evidence]:
    """1-D (n = 6, K = 2, six s in :math:`[10^{-4},3]`; quick: n = 3, three s) and, not quick, 2-D
    (n = 2, K = 2, s = 1/10 and 3)."""
    grid_1d = S_GRID[::2] if ctx.quick else S_GRID
    out = quadrature_evidence(1, 3 if ctx.quick else 6, grid_1d, ctx.seed, residuals=residuals)
    if not ctx.quick:
        out += quadrature_evidence(2, 2, S_GRID_2D, ctx.seed, residuals=residuals)
    return out


def check_sep_p41(ctx: RunContext) -> ClaimResult:
    r"""Proposition 4.1, :math:`\mathrm{Loss\text{-}Gap}_t=\mathrm{Fisher}(\hat P_t,P_t)`: the posterior-mean
    step and the Loss-Gap integrand identity in SymPy, then Loss-Gap - Fisher by quadrature (the 1-D and
    2-D mixtures of :func:`_quadrature_runs`)."""
    start = time.perf_counter()
    ctx.progress("SEP-P41: symbolic Loss-Gap integrand")
    evidence = symbolic_evidence(p41_results(ctx.quick))
    ctx.progress("SEP-P41: quadrature")
    evidence += _quadrature_runs(ctx, P41_RESIDUALS)
    status, summary = decide(evidence, "SEP-P41 Loss-Gap_t = Fisher(P^_t, P_t)")
    return ClaimResult("SEP-P41", status, summary, evidence, time.perf_counter() - start)


def check_sep_p41_decomp(ctx: RunContext) -> ClaimResult:
    r"""memverify's decomposition for every field f,
    :math:`\frac1n\sum_i\ell_t(x_i,f)=\mathbb E_{\hat P_t}\lVert f-\nabla\log\hat p_t\rVert^2+d/\sigma_t^2-J`:
    the pointwise decomposition and the noise moment in SymPy, then both decompositions (f the true and
    the empirical score) by the same quadratures as SEP-P41 (computed once)."""
    start = time.perf_counter()
    ctx.progress("SEP-P41-DECOMP: symbolic decomposition")
    evidence = symbolic_evidence(decomp_results(ctx.quick))
    ctx.progress("SEP-P41-DECOMP: quadrature")
    evidence += _quadrature_runs(ctx, DECOMP_RESIDUALS)
    status, summary = decide(evidence, "SEP-P41-DECOMP decomposition of the DSM loss for every f")
    return ClaimResult("SEP-P41-DECOMP", status, summary, evidence, time.perf_counter() - start)


def check_sep_c1(ctx: RunContext) -> ClaimResult:
    """Hessian identity: exact residuals for the empirical law (n = 2, 3 in d = 1; n = 2 in d = 2) and
    the two-component mixture (d = 1, 2), cross-checked at random rational points at 40 digits."""
    start = time.perf_counter()
    ctx.progress("SEP-C1: Hessian identities")
    evidence = symbolic_evidence(c1_results(ctx.quick))
    status, summary = decide(evidence, "SEP-C1 Hessian identity")
    return ClaimResult("SEP-C1", status, summary, evidence, time.perf_counter() - start)
