"""Mutants of the Gaussian-mixture laboratory (verify/gmm, derivations/gmm.py)."""

from __future__ import annotations

from ..mutant import Mutant

_CR = "verify/gmm/criterion.py"
_DN = "verify/gmm/denoisers.py"
_SA = "verify/gmm/sampling.py"
_DA = "verify/gmm/data.py"
_DG = "derivations/gmm.py"
_LO = "verify/gmm/losses.py"

MUTANTS: list[Mutant] = [
    Mutant("GMM-CRITERION-CONSTANT", "gmm", _CR,
           "    return 9.0 * d1 < d2",
           "    return 3.0 * d1 < d2",
           ("EDGE-DEF22",),
           "memorization criterion with the plain-distance 1/3 applied to squared distances",
           kind="constant", ci=True),
    Mutant("GMM-CRITERION-DIRECTION", "gmm", _CR,
           "    return 9.0 * d1 < d2",
           "    return 9.0 * d1 > d2",
           ("EDGE-DEF22", "EDGE-PT"),
           "memorization criterion with the inequality reversed",
           kind="direction"),
    Mutant("GMM-DENOISER-GAIN", "gmm", _DN,
           "    gain = a * var / tau2",
           "    gain = var / tau2",
           ("EDGE-DEN",),
           "posterior-mean gain s^2/(alpha^2 s^2 + sigma^2) without its alpha",
           kind="factor"),
    Mutant("GMM-DENOISER-LOGIT", "gmm", _DN,
           "    logits -= (0.5 * a * a / tau2) * (means * means).sum(axis=1)",
           "    logits -= (0.5 * a / tau2) * (means * means).sum(axis=1)",
           ("EDGE-DEN", "EDGE-T31"),
           "mixture posterior logits with alpha |mu|^2/2 instead of alpha^2 |mu|^2/2",
           kind="exponent"),
    Mutant("GMM-DDIM-STEP", "gmm", _SA,
           "        x = (s2 / s) * x + a2 * (1.0 - a * s2 / (a2 * s)) * xh",
           "        x = (s2 / s) * x + a2 * (1.0 - s2 / s) * xh",
           ("EDGE-PT",),
           "deterministic DDIM step without the alpha ratio in the data coefficient",
           kind="dropped"),
    Mutant("GMM-MEANS-RADIUS", "gmm", _DA,
           "    means = np.sqrt(setting.d) * g / np.linalg.norm(g, axis=1, keepdims=True)",
           "    means = g / np.linalg.norm(g, axis=1, keepdims=True)",
           ("EDGE-T31", "EDGE-45"),
           "cluster means on the unit sphere instead of the sqrt(d) sphere (clusters no longer separated)",
           kind="factor"),
    Mutant("GMM-SNR", "gmm", _DA,
           '                "psi": alpha**2 / sigma**2}',
           '                "psi": alpha / sigma}',
           ("EDGE-T31", "EDGE-45"),
           "the laboratory's SNR psi = alpha/sigma instead of alpha^2/sigma^2",
           kind="exponent"),
    Mutant("GMM-MMSE-DEFINITION", "gmm", _DG,
           "    mmse = sp.factor(stats.E(sp.expand((post_mean.subs(X_COORD, xt) - x0) ** 2)))",
           "    mmse = sp.factor(stats.E(sp.expand((post_mean.subs(X_COORD, xt) - x0) ** 2)) / 2)",
           ("EDGE-DEN", "EDGE-T31", "EDGE-MSTAR"),
           "the single-Gaussian MMSE halved",
           kind="factor"),
    Mutant("GMM-PARTIAL-SUBSETS", "gmm", _LO,
           "                    out = memorized_stack(x, a, s, X[subsets])",
           "                    out = memorized_stack(x, a, s, X[subsets[:, :max(1, den.M // 2)]])",
           ("EDGE-T32", "EDGE-45"),
           "partial memorization with half of the drawn subset (M/2 memorized points instead of M)",
           kind="grid"),
]
