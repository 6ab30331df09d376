"""Mutants of the separation claims (verify/separation, derivations/separation.py)."""

from __future__ import annotations

from ..mutant import Mutant

_SC = "verify/separation/scores.py"
_LI = "verify/separation/lipschitz.py"
_GA = "verify/separation/gap.py"
_DS = "derivations/separation.py"

MUTANTS: list[Mutant] = [
    Mutant("SEP-OU-RATE", "separation", _SC,
           "    return np.exp(-s / 2), -np.expm1(-s)",
           "    return np.exp(-s), -np.expm1(-s)",
           ("SEP-LIP", "SEP-T43"),
           "OU signal coefficient e^{-s} instead of e^{-s/2} (float64)",
           kind="time"),
    Mutant("SEP-EMPIRICAL-SCORE-SCALE", "separation", _SC,
           "    return -num / var",
           "    return -num / np.sqrt(var)",
           ("SEP-LIP", "SEP-T43"),
           "empirical score divided by sigma instead of sigma^2",
           kind="exponent"),
    Mutant("SEP-MIDPOINT-FACTOR", "separation", _LI,
           "    return float(max(1 / var, abs(alpha**2 * gap2 / (4 * var**2) - 1 / var)))",
           "    return float(max(1 / var, abs(alpha**2 * gap2 / (2 * var**2) - 1 / var)))",
           ("SEP-LIP",),
           "two-sample midpoint Hessian with r^2/2 instead of r^2/4",
           kind="constant", ci=True),
    Mutant("SEP-GAUSSIAN-LIPSCHITZ", "separation", _LI,
           "    return float(1 / (var + alpha**2 * lam))",
           "    return float(1 / (var + alpha * lam))",
           ("SEP-LIP",),
           "Gaussian Lipschitz constant 1/(sigma^2 + alpha lambda_min) instead of alpha^2",
           kind="exponent"),
    Mutant("SEP-CONTROL-VARIATE-MEAN", "separation", _GA,
           "    return float(sq.mean() + np.trace(B @ B))",
           "    return float(sq.mean() + np.trace(B))",
           ("SEP-T43",),
           "Monte-Carlo gap: control variate with mean tr B instead of tr B^2 (a biased estimator)",
           kind="dropped"),
    Mutant("SEP-ASYMPTOTE-RATE", "separation", _DS,
           "    a2, var = mpmath.exp(-sv), -mpmath.expm1(-sv)",
           "    a2, var = mpmath.exp(-sv / 2), -mpmath.expm1(-sv)",
           ("SEP-T43",),
           "small-s asymptote with alpha^2 = e^{-s/2} instead of e^{-s}",
           kind="time"),
]
