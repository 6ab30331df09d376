"""Mutants of the certified endpoint engine (verify/engine)."""

from __future__ import annotations

from ..mutant import Mutant

_GE = "verify/engine/geometry.py"
_EC = "verify/engine/enclosure.py"
_IN = "verify/engine/integrator.py"
_CE = "verify/engine/certificate.py"
_BA = "verify/engine/batch.py"

_ENDPOINTS = ("LLY25-T1", "LLY-TIES")

MUTANTS: list[Mutant] = [
    Mutant("ENG-GEOM-DN2", "engine", _GE,
           "            dn2 = [self.sq[i] - 2 * cross[i, 0] + self.sq[k] for i in range(self.n)]",
           "            dn2 = [self.sq[i] - cross[i, 0] + self.sq[k] for i in range(self.n)]",
           _ENDPOINTS,
           "|D_i|^2 = |X_i|^2 - <X_i, X_k> + |X_k|^2 (a factor 2 dropped): the relative logits and "
           "the flow the proofs are about are wrong",
           kind="factor"),
    Mutant("ENG-DEFECT-ORDER", "engine", _EC,
           "        delta = map(sub, map(mul, repeat(n + 1, d), Z[n + 1]), F_n) if n < p else F_n",
           "        delta = map(sub, map(mul, repeat(n, d), Z[n + 1]), F_n) if n < p else F_n",
           _ENDPOINTS,
           "defect coefficients with n Z_(n+1) instead of (n+1) Z_(n+1) (the derivative of the "
           "predictor off by one)",
           kind="grid"),
    Mutant("ENG-GRONWALL", "engine", _EC,
           "        err = ((mu * u_b).exp() * (e0 + u_b * (defect + forcing))).upper()",
           "        err = (e0 + u_b * (defect + forcing)).upper()",
           _ENDPOINTS,
           "step enclosure without the Gronwall factor exp(mu u) (an unsound ball wherever the flow "
           "expands)",
           kind="dropped"),
    Mutant("ENG-CAUCHY-POWER", "engine", _EC,
           "    return (M * ratio ** length / (1 - ratio)).upper()",
           "    return (M * ratio ** (2 * length) / (1 - ratio)).upper()",
           _ENDPOINTS,
           "Cauchy tail with (u/tau)^(2L) instead of (u/tau)^L (an unsound, too small remainder)",
           kind="exponent", ci=True),
    Mutant("ENG-COMMIT-CENTRE", "engine", _IN,
           "            r0 = [exact_arb(c) - ell_b * cj for c, cj in zip(centre, grp.centre_ball, strict=True)]",  # noqa: E501
           "            r0 = [exact_arb(c) + ell_b * cj for c, cj in zip(centre, grp.centre_ball, strict=True)]",  # noqa: E501
           _ENDPOINTS,
           "the tail lemma's r = y - l c taken as y + l c (sign)",
           kind="sign"),
    Mutant("ENG-CENTRED-SLOPE", "engine", _CE,
           "            slope = 2 * ell0 * a + b - eps * lam",
           "            slope = 2 * ell0 * a + b",
           _ENDPOINTS,
           "centred tail lemma without the -eps lambda_i of f_i' (commits before the drift is bounded)",
           kind="dropped"),
    Mutant("ENG-CENTRED-DIRECTION", "engine", _CE,
           "            if slack > 0:\n                return (eps, slack)",
           "            if slack > -eps:\n                return (eps, slack)",
           _ENDPOINTS,
           "centred tail lemma accepted when rho0 + sum < 2 eps instead of < eps",
           kind="direction"),
    Mutant("ENG-TAIL-SLOPE", "engine", _CE,
           "            slope = 2 * ell0 * a - R * lam",
           "            slope = 4 * ell0 * a - R * lam",
           _ENDPOINTS,
           "tail lemma with f_i'(l0) doubled (an unsound certificate that commits too early)",
           kind="factor"),
    Mutant("ENG-TAIL-EXPONENT", "engine", _CE,
           "            total = total + D * exp(-(ell0 * ell0 * a - ell0 * R * lam)) / slope",
           "            total = total + D * exp(-(ell0 * ell0 * a)) / slope",
           _ENDPOINTS,
           "tail lemma without the -l0 R lambda_i term of f_i(l0) (the drift of r ignored)",
           kind="dropped"),
    Mutant("ENG-TAIL-DIRECTION", "engine", _CE,
           "            if slack > 0:\n                return (R, slack)",
           "            if slack > -R:\n                return (R, slack)",
           _ENDPOINTS,
           "tail lemma accepted when rho + sum < 2R instead of < R",
           kind="direction"),
    Mutant("ENG-GROUP-CENTRE", "engine", _CE,
           "        a = (sq(tuple(x - y for x, y in zip(c, row, strict=True))) - own) / 2",
           "        a = (sq(tuple(x - y for x, y in zip(c, row, strict=True))) + own) / 2",
           _ENDPOINTS,
           "group log-odds coefficient a_i = (|c - X_i|^2 + |c - X_j|^2)/2 (sign)",
           kind="sign"),
    Mutant("ENG-SYMMETRY-MULTIPLICITY", "engine", _CE,
           "            if sorted(len(where[rows[p]]) for p in perm) == sorted(len(where[r]) for r in rows):",
           "            if True:",
           _ENDPOINTS,
           "a reflection that maps the locations onto each other is a symmetry even when it does not "
           "preserve multiplicities (duplicated atoms)",
           kind="dropped"),
    Mutant("ENG-BATCH-LOGIT", "engine", _BA,
           "        self.q = 0.5 * np.einsum(\"ij,ij->i\", self.X, self.X)",
           "        self.q = np.einsum(\"ij,ij->i\", self.X, self.X)",
           ("LLY25-T1",),
           "float64 batch mode with q_i = |X_i|^2 instead of |X_i|^2/2",
           kind="factor"),
]
