r"""Code generation: the derived fields as callables, one printer per numeric target.

* ``mpmath`` — :func:`sympy.lambdify` with SymPy's mpmath printer and common-subexpression
  elimination. Rationals print as ``mpf(p)/mpf(q)``, so constants are exact to the working
  precision (no Python float enters). The precision is the ``dps`` given to
  :func:`compile_field` or to the call (evaluated under :func:`mpmath.workdps`); without one it
  is the caller's current ``mpmath.mp.dps``.
* ``numpy`` — the same expressions for float64 arrays (vectorised over points).
* ``arb`` — python-flint balls: the mpmath printer's output evaluated in a namespace whose
  ``mpf``, ``exp``, ``sqrt``… are :class:`flint.arb` operations, so every result is a rigorous
  enclosure at ``dps`` digits (default: the current ``flint.ctx.dps``).

The high-precision backends refuse Python floats (``docs/conventions.md``, "Precision
discipline"): inputs are exact rationals (``int``, ``Fraction``, ``Decimal``, decimal or ``p/q``
strings), converted with one rounding at the working precision, or numbers of the backend
(``mpmath.mpf``, taken as the exact binary number it is; ``flint.arb`` balls).

Besides the fields of :data:`derivations.fields.FIELD_NAMES`, ``"weights"`` compiles the
softmax weights :math:`w_i` themselves (``n`` values; the velocity is
:math:`\sum_i w_i b_i`). :func:`compile_schedule` / :meth:`Schedule.numeric
<derivations.schedules.Schedule.numeric>` evaluate :math:`\alpha,\sigma,\dot\alpha,\dot\sigma`.

Fields are emitted in the max-shifted log-space form
:math:`\sum_i e^{E_i-M}F_i/\sum_j e^{E_j-M}`, :math:`M=\max_j E_j`, which stays finite where
the explicit form underflows to 0/0 (e.g. :math:`t=10^{-30}`); the explicit form is available
for comparison (``form="explicit"``).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy as sp
from sympy.printing.pycode import MpmathPrinter

from .exact import PRECISION_DOC, InexactInputError, exact_rational, to_arb, to_mpf
from .fields import FIELD_NAMES, derive
from .schedules import Schedule, T

__all__ = ["BACKENDS", "COMPILED_NAMES", "CompiledField", "compile_field", "compile_arb",
           "ScheduleValues", "compile_schedule", "schedule_values", "to_mpf", "to_arb"]

BACKENDS = ("mpmath", "numpy", "arb")
#: What :func:`compile_field` compiles: every derived field, and the softmax weights.
COMPILED_NAMES: tuple[str, ...] = (*FIELD_NAMES, "weights")
#: Largest working precision accepted as ``dps`` (decimal digits).
MAX_DPS = 100_000


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


def _check_dps(dps: Any) -> int:
    if isinstance(dps, bool) or not isinstance(dps, int) or not 5 <= dps <= MAX_DPS:
        raise ValueError(f"dps={dps!r} must be an int in [5, {MAX_DPS}] (decimal digits)")
    return dps


@contextlib.contextmanager
def _working_precision(backend: str, dps: int | None) -> Iterator[None]:
    """mpmath: ``mpmath.workdps(dps)``; arb: ``flint.ctx.dps = dps`` (restored); None: unchanged."""
    if dps is None or backend == "numpy":
        yield
        return
    if backend == "mpmath":
        import mpmath

        with mpmath.workdps(dps):
            yield
        return
    from flint import ctx

    saved = ctx.prec
    ctx.dps = dps
    try:
        yield
    finally:
        ctx.prec = saved


def _to_backend(value: Any, backend: str, what: str) -> Any:
    """An input in the backend's number type; floats (and other inexact numbers) refused."""
    if backend == "mpmath":
        import mpmath

        if isinstance(value, mpmath.mpf):
            return value
        if isinstance(value, float):
            raise InexactInputError(f"{what} = {value!r} is a float: the mpmath backend takes exact "
                                    f"rationals or mpmath.mpf values ({PRECISION_DOC})")
        return to_mpf(exact_rational(value, what))
    from flint import arb, fmpq, fmpz

    if isinstance(value, arb):
        return value
    if isinstance(value, fmpq | fmpz):
        return arb(value)
    if isinstance(value, float):
        raise InexactInputError(f"{what} = {value!r} is a float: the arb backend takes exact "
                                f"rationals or flint.arb balls ({PRECISION_DOC})")
    return to_arb(exact_rational(value, what))


def _from_backend(value: Any, backend: str) -> Any:
    """A constant output (a plain int from the generated code) in the backend's number type."""
    if backend == "mpmath":
        import mpmath

        return value if isinstance(value, mpmath.mpf | mpmath.mpc) else mpmath.mpf(value)
    from flint import arb

    if isinstance(value, float):
        raise TypeError("a float leaked into ball evaluation")
    return value if isinstance(value, arb) else arb(value)


class CompiledField:
    r"""A derived field :math:`F(x,t;X)` compiled for a training-set shape ``(n, d)``.

    Call as ``field(x, t, X)`` (or ``field(x, t, X, dps=P)``) with ``x`` a length-d sequence,
    ``t`` a scalar in :math:`(0, 1]` and ``X`` an n-by-d nested sequence. It returns a list of
    ``d`` values (``n`` for ``"weights"``).

    * ``mpmath``: inputs are exact rationals (``int``, ``Fraction``, ``Decimal``, ``"0.1"``,
      ``"1/3"``), converted at the working precision, or ``mpmath.mpf`` values (taken as the
      exact binary numbers they are: make them at that precision, e.g. with :func:`to_mpf`
      inside ``mpmath.workdps``); a Python float raises
      :class:`~derivations.exact.InexactInputError`. The working precision is the call's
      ``dps``, else the field's :attr:`dps` (given to :func:`compile_field`), else the caller's
      current ``mpmath.mp.dps``; the evaluation runs under ``mpmath.workdps`` of it and returns
      ``mpf`` values.
    * ``arb``: the same exact inputs, or ``flint.arb`` balls; ``dps`` sets ``flint.ctx.dps`` for
      the call (default: the current one). Every value is a ball enclosing the exact result.
    * ``numpy``: float64 numbers or arrays (vectorised over the coordinates of ``x``); no
      ``dps``.
    """

    def __init__(self, schedule: Schedule, name: str, n: int, d: int, backend: str,
                 form: str = "shifted", dps: int | None = None):
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
        if form not in ("shifted", "explicit"):
            raise ValueError(f"form must be 'shifted' or 'explicit', not {form!r}")
        if name not in COMPILED_NAMES:
            raise ValueError(f"unknown field {name!r} (choose from {', '.join(COMPILED_NAMES)})")
        if dps is not None:
            if backend == "numpy":
                raise ValueError("dps is for the mpmath and arb backends (numpy is float64)")
            dps = _check_dps(dps)
        D = derive(schedule, n, d)
        if name == "weights":
            expr = D.velocity.weights(form)
        else:
            mixture = D[name]
            expr = {"shifted": mixture.shifted, "explicit": mixture.explicit}[form]()
        self.schedule, self.name, self.n, self.d, self.backend, self.form = (
            schedule, name, n, d, backend, form)
        #: the default working precision of the mpmath and arb backends (None: the caller's)
        self.dps = dps
        self.symbols = [*D.x, T, *[D.X[i, j] for i in range(n) for j in range(d)]]
        self.expression = expr
        self._fn = _lambdify(self.symbols, list(expr), backend)

    def with_dps(self, dps: int | None) -> CompiledField:
        """The same compiled field with another default working precision (no recompilation)."""
        if dps is not None:
            if self.backend == "numpy":
                raise ValueError("dps is for the mpmath and arb backends (numpy is float64)")
            dps = _check_dps(dps)
        clone = object.__new__(CompiledField)
        clone.__dict__.update(self.__dict__)
        clone.dps = dps
        return clone

    def __call__(self, x: Sequence, t, X: Sequence[Sequence], *, dps: int | None = None) -> list:
        flat = [v for row in X for v in row]
        if len(x) != self.d or len(flat) != self.n * self.d:
            raise ValueError(f"expected x in R^{self.d} and X of shape ({self.n}, {self.d})")
        if self.backend == "numpy":
            if dps is not None:
                raise ValueError("dps is for the mpmath and arb backends (numpy is float64)")
            self._check_time(t)
            return list(self._fn(*x, t, *flat))
        dps = self.dps if dps is None else _check_dps(dps)
        with _working_precision(self.backend, dps):
            xs = [_to_backend(v, self.backend, f"x[{j}]") for j, v in enumerate(x)]
            tt = _to_backend(t, self.backend, "t")
            self._check_time(tt)
            data = [_to_backend(v, self.backend, f"X[{k // self.d}][{k % self.d}]")
                    for k, v in enumerate(flat)]
            return [_from_backend(v, self.backend) for v in self._fn(*xs, tt, *data)]

    @staticmethod
    def _check_time(t) -> None:
        try:
            inside = bool(0 < t) and bool(t <= 1)
        except (TypeError, ValueError):  # numpy arrays of times: every entry must be inside
            import numpy as np

            inside = bool(np.all((np.asarray(t) > 0) & (np.asarray(t) <= 1)))
        if not inside:
            raise ValueError(f"t = {t}: the fields are defined for 0 < t <= 1 (sigma(0) = 0: the limits "
                             "t -> 0+ are in derivations.limits)")


def compile_field(schedule: Schedule | str, name: str, n: int, d: int, backend: str = "mpmath",
                  form: str = "shifted", dps: int | None = None) -> CompiledField:
    """A cached :class:`CompiledField`; ``schedule`` is a :class:`Schedule` or a built-in name.

    ``name`` is one of :data:`COMPILED_NAMES` (a derived field, or ``"weights"``); ``dps`` is the
    default working precision of the mpmath and arb backends (see :class:`CompiledField`).
    """
    if isinstance(schedule, str):
        from .schedules import builtin_schedule

        schedule = builtin_schedule(schedule)
    compiled = _compiled(schedule, name, n, d, backend, form)
    return compiled if dps is None else _with_dps(compiled, dps)


@lru_cache(maxsize=128)
def _compiled(schedule: Schedule, name: str, n: int, d: int, backend: str, form: str) -> CompiledField:
    return CompiledField(schedule, name, n, d, backend, form)


@lru_cache(maxsize=128)
def _with_dps(field: CompiledField, dps: int) -> CompiledField:
    return field.with_dps(dps)


# -- the schedule's coefficients ----------------------------------------------------------------

@dataclass(frozen=True)
class ScheduleValues:
    r""":math:`\alpha(t)`, :math:`\sigma(t)` and their time derivatives at one exact time.

    mpmath ``mpf`` values (at ``dps`` digits) or ``flint.arb`` balls enclosing the exact values;
    ``t`` is the exact time. Unpacks as ``alpha, sigma, alpha_dot, sigma_dot = values``.
    """

    t: Fraction
    alpha: Any
    sigma: Any
    alpha_dot: Any
    sigma_dot: Any
    backend: str
    dps: int

    def __iter__(self) -> Iterator[Any]:
        return iter((self.alpha, self.sigma, self.alpha_dot, self.sigma_dot))

    def as_dict(self) -> dict[str, Any]:
        """``{"alpha": ..., "sigma": ..., "alpha_dot": ..., "sigma_dot": ...}``."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name in ("alpha", "sigma", "alpha_dot", "sigma_dot")}


@lru_cache(maxsize=64)
def compile_schedule(schedule: Schedule, backend: str = "mpmath") -> tuple[Callable[..., Any], ...]:
    r"""The generated functions of ``t`` for :math:`\alpha, \sigma, \dot\alpha, \dot\sigma` of a
    concrete schedule, for the ``mpmath`` or ``arb`` backend (inputs already in the backend's
    type; prefer :func:`schedule_values`, which converts, checks and sets the precision)."""
    if schedule.generic:
        raise ValueError("numeric values need a concrete schedule (the generic one has undefined "
                         "alpha(t), sigma(t))")
    if backend not in ("mpmath", "arb"):
        raise ValueError(f"backend must be 'mpmath' or 'arb', not {backend!r}")
    exprs = [schedule.alpha, schedule.sigma, sp.diff(schedule.alpha, T), sp.diff(schedule.sigma, T)]
    return tuple(_lambdify([T], e, backend) for e in exprs)


def schedule_values(schedule: Schedule, t: Any, backend: str = "mpmath", dps: int = 50) -> ScheduleValues:
    r""":math:`\alpha, \sigma, \dot\alpha, \dot\sigma` of ``schedule`` at the exact time ``t``.

    ``t`` is an exact rational in :math:`[0, 1]` (``int``, ``Fraction``, ``Decimal``, SymPy
    ``Rational``, ``"0.3"`` or ``"3/10"``); a float raises
    :class:`~derivations.exact.InexactInputError`. ``backend="mpmath"`` evaluates under
    ``mpmath.workdps(dps)`` (one rounding of ``t``, then ``dps``-digit arithmetic);
    ``backend="arb"`` gives balls at ``dps`` digits that enclose the exact values. A coefficient
    that is not finite at ``t`` (e.g. :math:`\dot\alpha(1)` of ``vp-linear-sigma``) is
    ``mpmath.nan`` or a non-finite ball, the others are still given; the one-sided limits at
    the ends are in :mod:`derivations.limits`.
    """
    q = exact_rational(t, "t")
    if not 0 <= q <= 1:
        raise ValueError(f"t = {q}: a schedule is defined on [0, 1]")
    dps = _check_dps(dps)
    fns = compile_schedule(schedule, backend)
    with _working_precision(backend, dps):
        tt = to_mpf(q) if backend == "mpmath" else to_arb(q)
        values = [_evaluate_or_nan(fn, tt, backend) for fn in fns]
    return ScheduleValues(q, *values, backend=backend, dps=dps)


def _evaluate_or_nan(fn: Callable[..., Any], t: Any, backend: str) -> Any:
    """``fn(t)`` in the backend's type; not finite (a division by zero, a complex value): nan."""
    if backend == "mpmath":
        import mpmath

        try:
            value = _from_backend(fn(t), backend)
        except (ZeroDivisionError, ValueError):
            return mpmath.nan
        return value if isinstance(value, mpmath.mpf) else mpmath.nan
    from flint import arb

    try:
        return _from_backend(fn(t), backend)
    except (ZeroDivisionError, ValueError):
        return arb("nan")
