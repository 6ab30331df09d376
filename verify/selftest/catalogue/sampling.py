"""Mutants of the samplers and the discretization / estimation-error mathematics (verify/sampling,
derivations/discretization.py, derivations/estimation.py)."""

from __future__ import annotations

from ..mutant import Mutant

_CO = "verify/sampling/coefficients.py"
_SA = "verify/sampling/samplers.py"
_NO = "verify/sampling/noise.py"
_ER = "verify/sampling/errors.py"
_DE = "verify/sampling/decomposition.py"
_FI = "verify/sampling/fitting.py"
_DD = "derivations/discretization.py"
_DS = "derivations/estimation.py"
_WA = "verify/sampling/wasserstein.py"

MUTANTS: list[Mutant] = [
    Mutant("SAMP-GRID-OFF-BY-ONE", "sampling", _CO,
           "    return [t_start * k / steps for k in range(steps, 0, -1)]",
           "    return [t_start * k / steps for k in range(steps + 1, 1, -1)]",
           ("LLY26-T2", "LLY26-DECOMP"),
           "time grid shifted by one step: the field is evaluated at t_{k+1} (the last step from t = 2h)",
           kind="grid"),
    Mutant("SAMP-NOISE-FACTOR", "sampling", _CO,
           '"a": drift["a"], "c": drift["c"], "noise2": 2 * carried.diffusion}',
           '"a": drift["a"], "c": drift["c"], "noise2": carried.diffusion}',
           ("LLY26-T3", "LLY26-DECOMP"),
           "Euler-Maruyama noise sqrt(zeta h) instead of sqrt(2 zeta h)",
           kind="factor"),
    Mutant("SAMP-BROWNIAN-COUPLING", "sampling", _NO,
           "        return self.draws.reshape(steps, r, self.paths, self.d).sum(axis=1) / np.sqrt(r)",
           "        return self.draws.reshape(steps, r, self.paths, self.d).sum(axis=1) / r",
           ("LLY26-T3",),
           "coarse Brownian increments: the sum of r fine draws divided by r instead of sqrt(r)",
           kind="factor"),
    Mutant("SAMP-FLOAT-LOGIT-CONSTANT", "sampling", _SA,
           "        offset = (alpha * alpha / (sigma * sigma))[:, None] * half_sq",
           "        offset = (alpha / (sigma * sigma))[:, None] * half_sq",
           ("LLY26-T2", "LLY26-T3"),
           "float64 sampler logits with alpha |X|^2/2 instead of alpha^2 |X|^2/2",
           kind="exponent"),
    Mutant("SAMP-CRITICAL-PROFILE", "sampling", _ER,
           "        g = scale * float(s.dsigma) / float(s.sigma)",
           "        g = scale * float(s.dsigma)",
           ("LLY25-C2", "LLY25-T3"),
           "critically scaled error without its 1/sigma (float64 path)",
           kind="dropped"),
    Mutant("SAMP-GROWING-EXPONENT", "sampling", _ER,
           "                g *= float(s.sigma) ** (-kappa)",
           "                g *= float(s.sigma) ** (-2 * kappa)",
           ("LLY25-T3",),
           "growing error with sigma^(-2 kappa) instead of sigma^(-kappa) (float64 path)",
           kind="exponent"),
    Mutant("SAMP-ESTIMATION-TERM-SIGN", "sampling", _DE,
           '        est = np.zeros_like(Z0) if e is None else -h * np.einsum("k,kmd->md", co.P, e)',
           '        est = np.zeros_like(Z0) if e is None else h * np.einsum("k,kmd->md", co.P, e)',
           ("LLY26-DECOMP",),
           "the estimation term of the decomposition with the wrong sign (+h sum P_k e_k)",
           kind="sign"),
    Mutant("SAMP-FIT-SLOPE", "sampling", _FI,
           "    slope = float(((lx - mx) * (ly - my)).sum()) / sxx",
           "    slope = float(((lx - mx) * (ly - my)).sum()) / (2 * sxx)",
           ("LLY25-T3", "LLY26-T4"),
           "log-log slope fitted at half its value (rates of convergence)",
           kind="factor"),
    Mutant("SAMP-LAST-STEP-EXPONENT", "sampling", _DD,
           "    exponent = sp.Min(p + A.order, D.order)",
           "    exponent = sp.Max(p + A.order, D.order)",
           ("LLY26-T2", "LLY26-T3"),
           "derived last-step exponent max(p + ord A, ord D) instead of the min",
           kind="direction"),
    Mutant("SAMP-ONE-ATOM-VARIANCE", "sampling", _DD,
           "            gain, coef, var = a_k * gain, a_k * coef + d_k, a_k * a_k * var + q_k",
           "            gain, coef, var = a_k * gain, a_k * coef + d_k, a_k * var + q_k",
           ("LLY26-T3", "LLY26-DECOMP"),
           "exact discrete one-atom law: the variance propagated by a_k instead of a_k^2",
           kind="exponent"),
    Mutant("SAMP-SHIFT-SIGN", "sampling", _DS,
           "    template_u = None if tpl is None else -_SIG ** (tpl[0] + 1) * _DSIG ** (tpl[1] - 1)",
           "    template_u = None if tpl is None else _SIG ** (tpl[0] + 1) * _DSIG ** (tpl[1] - 1)",
           ("LLY25-C2", "LLY25-T3"),
           "Eq. 9 shift lim +g sigma/sigma' instead of -g sigma/sigma' (critical: +1 instead of -1)",
           kind="sign"),
    Mutant("SAMP-LAW-REFERENCE", "sampling", _WA,
           "    ref = sweep.nearest[-1]",
           "    ref = sweep.nearest[0]",
           ("LLY26-T2-LAW", "LLY26-T3-LAW"),
           "in-law bound: the oracle's atoms read from the coarsest step size instead of the finest",
           kind="grid"),
]
