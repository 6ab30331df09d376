r"""Schedule coefficients on a sampler's time grid, derived in SymPy and compiled twice.

A backward sampler needs, at each grid time :math:`t_k`, the coefficients of its drift, which
is affine in the state and in the denoiser :math:`m` (MATH.md §2):

.. math:: f(x,t) = a(t)\,x + c(t)\,m(x,t), \qquad
          f = b \ \text{(Euler)},\quad f = b - \zeta s \ \text{(Euler–Maruyama)} .

:math:`a, c` are read off the derived one-atom drift (:func:`derivations.stochastic.linear_drift`),
never typed in. The logits need :math:`\alpha,\sigma`, the error families
:math:`\dot\sigma/\sigma`, the noise :math:`2\zeta`. Every coefficient is compiled to float64
(numpy) and to python-flint balls evaluated at the exact rational grid times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np

__all__ = ["METHODS", "SamplerError", "CompiledSchedule", "compiled_schedule", "time_grid"]

#: Sampler names: the canonical two and their aliases on the command line.
METHODS: dict[str, str] = {"euler": "euler", "ode": "euler",
                           "euler-maruyama": "euler-maruyama", "sde": "euler-maruyama"}
NAMES = ("alpha", "sigma", "dsigma", "a", "c", "noise2")


class SamplerError(ValueError):
    """A sampler cannot run as asked (a singular coefficient, a bad grid, a bad error field)."""


def time_grid(steps: int, t_start: Fraction = Fraction(1)) -> list[Fraction]:
    r"""The exact grid :math:`t_k = k\,t_{\rm start}/K`, from :math:`k=K` down to :math:`k=1`
    (the time at which each step's field is evaluated; the last step lands on :math:`t=0`)."""
    if steps < 1:
        raise SamplerError(f"steps must be a positive integer, got {steps}")
    t_start = Fraction(t_start)
    if not 0 < t_start <= 1:
        raise SamplerError(f"t_start must lie in (0, 1], got {t_start}")
    return [t_start * k / steps for k in range(steps, 0, -1)]


@dataclass(frozen=True)
class CompiledSchedule:
    """The six coefficients of one (schedule, method, zeta), as float64 and as balls."""

    name: str
    method: str
    zeta_label: str
    expressions: dict[str, Any]
    _numpy: Any
    _arb: Any

    def floats(self, times: Sequence[Fraction]) -> dict[str, np.ndarray]:
        """Coefficients at ``times`` as float64 arrays; a non-finite value is a SamplerError."""
        t = np.array([float(v) for v in times])
        with np.errstate(all="ignore"):
            values = [np.broadcast_to(np.asarray(v, dtype=float), t.shape).copy()
                      for v in self._numpy(t)]
        out = dict(zip(NAMES, values, strict=True))
        for key, arr in out.items():
            bad = ~np.isfinite(arr)
            if bad.any():
                raise self._singular(key, times[int(np.argmax(bad))])
        return out

    def balls(self, times: Sequence[Fraction]) -> dict[str, list]:
        """Coefficients at the exact ``times`` as python-flint balls at the current precision."""
        out: dict[str, list] = {key: [] for key in NAMES}
        for t in times:
            values = self._arb([t])
            for key, v in zip(NAMES, values, strict=True):
                if not v.is_finite():
                    raise self._singular(key, t)
                out[key].append(v)
        return out

    def _singular(self, key: str, t: Fraction) -> SamplerError:
        return SamplerError(
            f"schedule '{self.name}': coefficient {key} = {self.expressions[key]} is not finite at "
            f"t = {t}; start the sampler below it (t_start < {t})")


@lru_cache(maxsize=64)
def compiled_schedule(schedule, method: str, zeta=None) -> CompiledSchedule:
    r"""Derive and compile the sampler coefficients of ``schedule`` for ``method``
    (``"euler"``: drift :math:`b`; ``"euler-maruyama"``: drift :math:`b-\zeta s`, noise
    :math:`\sqrt{2\zeta h}`). ``zeta`` is an expression in t, a family name of
    :data:`derivations.stochastic.ZETA_FAMILIES`, or None (the schedule's own)."""
    import sympy as sp

    from derivations.cache import common_subexpressions, simplified
    from derivations.codegen import compile_arb
    from derivations.schedules import T
    from derivations.stochastic import linear_drift, with_zeta

    if method not in METHODS:
        raise SamplerError(f"unknown sampler '{method}' (choose from {', '.join(METHODS)})")
    method = METHODS[method]
    if method == "euler":
        carried, label = with_zeta(schedule, "flow")
        label = "none (deterministic)"
    else:
        try:
            carried, label = with_zeta(schedule, zeta)
        except (KeyError, ValueError) as exc:
            raise SamplerError(str(exc).strip("'\"")) from None
    drift = linear_drift(carried, "backward")
    sigma = schedule.sigma
    exprs = {"alpha": schedule.alpha, "sigma": sigma, "dsigma": simplified(sp.diff(sigma, T)),
             "a": drift["a"], "c": drift["c"], "noise2": 2 * carried.diffusion}
    if method == "euler":
        exprs["noise2"] = sp.S.Zero
    if any(e.free_symbols - {T} for e in exprs.values()):
        raise SamplerError(f"schedule '{schedule.name}': coefficients must depend on t only")
    listed = [exprs[k] for k in NAMES]
    # cse from the persistent cache: the very code that cse=True generates
    fn_numpy = sp.lambdify([T], listed, modules="numpy", cse=common_subexpressions)
    return CompiledSchedule(schedule.name, method, label, exprs, fn_numpy, compile_arb([T], listed))
