r"""SEP-DUP (Ye, Zhu, Tao, Chen, §5, after Theorem 5.1): with m duplicated samples the effective size
is n - m (the empirical score is cheaper to represent; memorization more likely).

What is checked is the sense in which the empirical objects depend on n - m points: the empirical law, its
score and hence the Loss-Gap of a data set D with m duplicates are those of its n - m distinct points
*weighted by their multiplicities* (exact SymPy residuals,
:func:`derivations.separation.duplicate_identities`, and the float64 score code on data with duplicates);
they coincide with the *unweighted* (n - m)-point objects only when every multiplicity is equal (an exact
nonzero difference otherwise). The network-size consequence (Theorem 5.1 with n - m) and "memorization
more likely" are not checked (SEP-T51 is out of scope).
"""

from __future__ import annotations

import time

import numpy as np

from ..registry import RunContext
from ..separation.scores import coefficients, empirical_score
from ..verdicts import Bound, ClaimResult, Evidence, ExactZero, Verdict, decide
from .separation_identities import symbolic_evidence

__all__ = ["check_sep_dup", "SCORE_TOLERANCE"]

#: float64 score on duplicated data against the multiplicity-weighted formula
SCORE_TOLERANCE = 1e-12


def _weighted_score(X: np.ndarray, s: float, atoms: np.ndarray, counts: np.ndarray) -> np.ndarray:
    r""":math:`-\sigma^{-2}\sum_jw_j(x-\alpha y_j)`, :math:`w=\operatorname{softmax}(\log c_j-\lVert x-\alpha
    y_j\rVert^2/2\sigma^2)` over the distinct points (dense numpy, written independently of the score
    code)."""
    alpha, var = (float(v) for v in coefficients(s))
    diff = X[:, None, :] - alpha * atoms[None, :, :]
    logits = np.log(counts)[None, :] - (diff**2).sum(axis=2) / (2 * var)
    logits -= logits.max(axis=1, keepdims=True)
    w = np.exp(logits)
    w /= w.sum(axis=1, keepdims=True)
    return -(w[:, :, None] * diff).sum(axis=1) / var


def _float_evidence(seed: int) -> Evidence:
    rng = np.random.default_rng([seed, 6, 7])
    atoms = rng.standard_normal((12, 2))
    counts = rng.integers(1, 5, len(atoms))
    data = np.repeat(atoms, counts, axis=0)[rng.permutation(int(counts.sum()))]
    worst, rows = 0.0, []
    for s in (1e-3, 1e-1, 1.0):
        alpha, var = (float(v) for v in coefficients(s))
        X = alpha * data[rng.integers(0, len(data), 64)] + np.sqrt(var) * rng.standard_normal((64, 2))
        got = empirical_score(X, s, data)
        want = _weighted_score(X, s, atoms, counts.astype(float))
        rel = float(np.max(np.abs(got - want)) / max(1.0, float(np.max(np.abs(want)))))
        worst = max(worst, rel)
        rows.append(f"t = {s:g}: {rel:.1e}")
    n, distinct = int(counts.sum()), len(atoms)
    return Evidence(
        f"empirical_score (float64) on n = {n} points with m = {n - distinct} duplicates = the weighted "
        "score of "
        f"its {distinct} distinct points", worst <= SCORE_TOLERANCE,
        "d = 2, multiplicities " + str(counts.tolist()) + ", 64 points of P^_t per t: largest relative "
        "deviation " + ", ".join(rows) + " (the screened sparse path at small t included)",
        bound=Bound(worst, SCORE_TOLERANCE, quantity="largest relative deviation"))


def check_sep_dup(ctx: RunContext) -> ClaimResult:
    """Exact identities for a data set with duplicates, the unequal-multiplicity difference, the float64
    code."""
    from derivations.separation import duplicate_identities

    started = time.perf_counter()
    ctx.progress("SEP-DUP: symbolic identities")
    sym = duplicate_identities()
    evidence = symbolic_evidence(sym[:3])
    last = sym[3]
    evidence.append(Evidence(
        f"symbolic: {last.name}", True if last.passed else None,
        f"{last.method}: score(0, 0, 1)(alpha/2) - score(0, 1)(alpha/2) + alpha/(6 sigma^2) = 0, so the two "
        "differ by -alpha/(6 sigma^2) != 0: duplicates are not the same as dropping them",
        bound=ExactZero(last.method) if last.passed else None,
        counterexample={"D": ["0", "0", "1"], "distinct": ["0", "1"], "x": "alpha_t/2",
                        "score_D - score_distinct": "-alpha_t/(6 sigma_t^2)"} if last.passed else None))
    evidence.append(_float_evidence(ctx.seed))
    status, text = decide(evidence, "SEP-DUP")
    result = ClaimResult("SEP-DUP", status, text, evidence, time.perf_counter() - started)
    if status is Verdict.VERIFIED:
        result.status = Verdict.CONDITIONAL
        result.condition = (
            "the effective size n - m counts distinct points: the empirical law, score and Loss-Gap of D "
            "are those of its n - m distinct points weighted by multiplicity (exact), equal to the "
            "unweighted (n - m)-point ones only when every multiplicity is equal (exact nonzero difference "
            "otherwise); the representation cost (Theorem 5.1 with n - m, out of scope) and 'memorization "
            "more likely' are not checked")
        result.summary = ("duplicates leave n - m distinct atoms with multiplicity weights (exact); the same "
                          "as n - m distinct points only for equal multiplicities")
    return result
