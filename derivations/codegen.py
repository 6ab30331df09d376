r"""Code generation: the derived fields as callables, one printer per numeric target.

* ``mpmath`` — :func:`sympy.lambdify` with SymPy's mpmath printer and common-subexpression
  elimination. Rationals print as ``mpf(p)/mpf(q)``, so constants are exact to the working
  precision of the caller's :func:`mpmath.workdps` (no Python float enters).
* ``numpy`` — the same expressions for float64 arrays (vectorised over points).
* ``arb`` — python-flint balls: the mpmath printer's output evaluated in a namespace whose
  ``mpf``, ``exp``, ``sqrt``… are :class:`flint.arb` operations, so every result is a rigorous
  enclosure at ``flint.ctx.dps`` digits.

Fields are emitted in the max-shifted log-space form
:math:`\sum_i e^{E_i-M}F_i/\sum_j e^{E_j-M}`, :math:`M=\max_j E_j`, which stays finite where
the explicit form underflows to 0/0 (e.g. :math:`t=10^{-30}`); the explicit form is available
for comparison (``form="explicit"``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from .exact import to_arb, to_mpf
from .fields import derive
from .schedules import Schedule, T

__all__ = ["BACKENDS", "CompiledField", "compile_field", "compile_arb", "to_mpf", "to_arb"]

BACKENDS = ("mpmath", "numpy", "arb")


def _ipow(x, n: int):
    """Integer power by repeated multiplication: flint 0.9's ``arb ** int`` is nan for a ball
    that contains 0 (e.g. a residual ``[+/- 1e-51] ** 2``)."""
    from flint import arb

    x = x if isinstance(x, arb) else arb(x)
    if n < 0:
        return 1 / _ipow(x, -n)
    result, base = arb(1), x
    while n:
        if n & 1:
            result = result * base
        base = base * base
        n >>= 1
    return result


class _ArbPrinter(MpmathPrinter):
    """The mpmath printer, with integer powers sent to :func:`_ipow`."""

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer and expr.exp not in (-1, 1):
            return f"mpmath.ipow({self._print(expr.base)}, {int(expr.exp)})"
        return super()._print_Pow(expr, rational=rational)


class _ArbNamespace:
    """Stands in for the ``mpmath`` module inside generated code: every operation is a ball."""

    def __getattr__(self, name: str):
        from flint import arb

        if name == "mpf":
            return arb
        if name == "pi":
            return arb.pi()
        if name == "e":
            return arb(1).exp()
        unary = ("exp", "log", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "atan",
                 "asin", "acos")
        if name in unary:
            method = getattr(arb, name)
            # coerce first: flint's unbound methods return nan for a plain int argument
            return lambda x: method(x if isinstance(x, arb) else arb(x))
        if name == "fabs":
            return abs
        if name == "ipow":
            return _ipow
        raise AttributeError(f"no ball-arithmetic counterpart of mpmath.{name}")


def _lambdify(symbols: Sequence[sp.Symbol], exprs, backend: str) -> Callable[..., Any]:
    if backend == "numpy":
        return sp.lambdify(symbols, exprs, modules="numpy", cse=True)
    if backend == "mpmath":
        import mpmath

        return sp.lambdify(symbols, exprs, modules=[{"mpmath": mpmath}, "mpmath"],
                           printer=MpmathPrinter, cse=True)
    if backend == "arb":
        return sp.lambdify(symbols, exprs, modules=[{"mpmath": _ArbNamespace()}],
                           printer=_ArbPrinter, cse=True)
    raise ValueError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")


def compile_arb(symbols: Sequence[sp.Symbol], exprs: Sequence[sp.Expr]) -> Callable[[Sequence], list]:
    """Ball evaluation of ``exprs`` at exact rational values of ``symbols``."""
    fn = _lambdify(list(symbols), list(exprs), "arb")

    def evaluate(values: Sequence[Fraction]) -> list:
        from flint import arb

        out = fn(*[to_arb(v) for v in values])
        if any(isinstance(v, float) for v in out):
            raise TypeError("a float leaked into ball evaluation")
        return [v if isinstance(v, arb) else arb(v) for v in out]

    evaluate.source = fn  # type: ignore[attr-defined]

    return evaluate


class CompiledField:
    r"""A derived field :math:`F(x,t;X)` compiled for a training-set shape ``(n, d)``.

    Call as ``field(x, t, X)`` with ``x`` a length-d sequence, ``t`` a scalar and ``X`` an
    n-by-d nested sequence, all already in the backend's number type (see :func:`to_mpf`,
    :func:`to_arb`); the numpy backend also takes arrays for the coordinates of ``x``.
    """

    def __init__(self, schedule: Schedule, name: str, n: int, d: int, backend: str,
                 form: str = "shifted"):
        D = derive(schedule, n, d)
        fields = D.fields()
        if name not in fields:
            raise ValueError(f"unknown field {name!r} (choose from {', '.join(fields)})")
        mixture = fields[name]
        expr = {"shifted": mixture.shifted, "explicit": mixture.explicit}[form]()
        self.schedule, self.name, self.n, self.d, self.backend, self.form = (
            schedule, name, n, d, backend, form)
        self.symbols = [*D.x, T, *[D.X[i, j] for i in range(n) for j in range(d)]]
        self.expression = expr
        self._fn = _lambdify(self.symbols, list(expr), backend)

    def __call__(self, x: Sequence, t, X: Sequence[Sequence]) -> list:
        flat = [v for row in X for v in row]
        if len(x) != self.d or len(flat) != self.n * self.d:
            raise ValueError(f"expected x in R^{self.d} and X of shape ({self.n}, {self.d})")
        try:
            inside = bool(0 < t) and bool(t <= 1)
        except (TypeError, ValueError):  # numpy arrays of times: every entry must be inside
            import numpy as np

            inside = bool(np.all((np.asarray(t) > 0) & (np.asarray(t) <= 1)))
        if not inside:
            raise ValueError(f"t = {t}: the fields are defined for 0 < t <= 1 (sigma(0) = 0: the limits "
                             "t -> 0+ are in derivations.limits)")
        return list(self._fn(*x, t, *flat))


def compile_field(schedule: Schedule | str, name: str, n: int, d: int, backend: str = "mpmath",
                  form: str = "shifted") -> CompiledField:
    """A cached :class:`CompiledField`; ``schedule`` is a :class:`Schedule` or a built-in name."""
    if isinstance(schedule, str):
        from .schedules import builtin_schedule

        schedule = builtin_schedule(schedule)
    return _compiled(schedule, name, n, d, backend, form)


@lru_cache(maxsize=128)
def _compiled(schedule: Schedule, name: str, n: int, d: int, backend: str, form: str) -> CompiledField:
    return CompiledField(schedule, name, n, d, backend, form)
