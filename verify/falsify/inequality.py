r"""Falsifiable inequalities :math:`\mathrm{lhs}(e) \le \mathrm{rhs}(e)` and how a violation is decided.

A violation is decided rigorously from what ``evaluate`` returns (MATH.md §5):

* exact values (``int``, :class:`~fractions.Fraction`, ``fmpq``): the sign of
  :math:`\mathrm{lhs} - \mathrm{rhs}`;
* python-flint ``arb`` balls (exact values alongside are converted exactly): violated iff the ball
  :math:`\mathrm{lhs} - \mathrm{rhs}` lies strictly above 0, holds iff it lies in
  :math:`(-\infty, 0]`, undecided otherwise;
* mpmath numbers (no radius): evaluated at ``digits`` and ``digits + 20``; with
  :math:`\tau = 10^{-(\mathrm{digits}-5)} \max(|\mathrm{lhs}|, |\mathrm{rhs}|)` (plus the radius of any
  ``arb`` operand), undecided when the two differences differ by more than :math:`\tau` or
  :math:`|\mathrm{lhs} - \mathrm{rhs}| \le \tau`, else decided by the sign.

A Python ``float`` is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import flint
import mpmath
from flint import arb, fmpq, fmpz
from hypothesis.strategies import SearchStrategy

__all__ = ["Inequality", "Evaluation", "Decision", "decide"]

Verdict = Literal["violated", "holds", "undecided"]

#: Extra digits of the second mpmath evaluation.
_SECOND_PRECISION = 20
#: Relative agreement required of the two mpmath evaluations: 10^-(digits - _SLACK).
_SLACK = 5


@dataclass(frozen=True)
class Evaluation:
    r"""Both sides at one example: ``arb`` balls preferred, mpmath ``mpf`` or exact rationals allowed.

    ``detail`` holds anything worth reporting (JSON-able strings and numbers).
    """

    lhs: Any
    rhs: Any
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Inequality:
    r"""The statement :math:`\forall e:\ \mathrm{lhs}(e) \le \mathrm{rhs}(e)` over ``strategy``'s examples.

    * ``strategy`` draws an example: a dict of exact values (Fractions, ints, strings, nested
      lists/tuples of them);
    * ``evaluate(example, digits)`` returns an :class:`Evaluation` at ``digits`` significant digits
      (python-flint's and mpmath's working precisions are set to ``digits`` around the call);
    * ``margin(example)``, optional: a cheap float64 distance to a violation, used only to steer
      the search (smaller is closer);
    * ``params``: exact values that rebuild this inequality through the registry (replay files).
    """

    name: str
    claim: str | None
    strategy: SearchStrategy
    evaluate: Callable[[dict[str, Any], int], Evaluation]
    margin: Callable[[dict[str, Any]], float] | None = None
    description: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    r"""The verdict on one example at one precision.

    ``lhs``, ``rhs`` and ``difference`` are ``"mid +/- radius"`` decimal strings; ``score`` is
    :math:`(\mathrm{lhs}-\mathrm{rhs})/(|\mathrm{lhs}|+|\mathrm{rhs}|) \in [-1, 1]` in float64 (positive
    when violated), ``ratio`` is :math:`\mathrm{lhs}/\mathrm{rhs}` when :math:`\mathrm{rhs} > 0`; both
    only steer and summarise the search, and are None when not finite.
    """

    verdict: Verdict
    method: Literal["exact", "arb", "two-precision"]
    digits: int
    lhs: str
    rhs: str
    difference: str
    score: float | None = None
    ratio: float | None = None
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verdict": self.verdict, "method": self.method, "digits": self.digits,
                               "lhs": self.lhs, "rhs": self.rhs, "lhs_minus_rhs": self.difference}
        if self.reason:
            out["reason"] = self.reason
        if self.detail:
            out["detail"] = self.detail
        return out


@contextmanager
def _precision(digits: int) -> Iterator[None]:
    saved = flint.ctx.prec
    flint.ctx.dps = digits
    try:
        with mpmath.workdps(digits):
            yield
    finally:
        flint.ctx.prec = saved


def _evaluate(inequality: Inequality, example: dict[str, Any], digits: int) -> Evaluation:
    with _precision(digits):
        ev = inequality.evaluate(example, digits)
    if not isinstance(ev, Evaluation):
        raise TypeError(f"{inequality.name}: evaluate returned {type(ev).__name__}, not an Evaluation")
    return ev


def _kind(value: Any, side: str) -> str:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"{side} = {value!r} is a Python {type(value).__name__}; return an arb, an mpmath "
                        "mpf or an exact Fraction (see 'Precision discipline' in docs/conventions.md)")
    if isinstance(value, int | Fraction | fmpq | fmpz):
        return "exact"
    if isinstance(value, arb):
        return "arb"
    if isinstance(value, mpmath.mpf):
        return "mpf"
    raise TypeError(f"{side} = {value!r} ({type(value).__name__}) is not an arb, mpf or exact rational")


def _fraction(value: Any) -> Fraction:
    if isinstance(value, fmpq):
        return Fraction(int(value.p), int(value.q))
    return Fraction(int(value)) if isinstance(value, fmpz) else Fraction(value)


def _arb(value: Any) -> arb:
    if isinstance(value, arb):
        return value
    q = _fraction(value)
    return arb(fmpq(q.numerator, q.denominator))


def _trim(decimal: str) -> str:
    """Drop trailing zeros of a decimal mantissa: ``1.2500e-5`` -> ``1.25e-5``, ``2.000`` -> ``2``."""
    mantissa, e, exponent = decimal.partition("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + e + exponent


def _ball_text(x: arb, digits: int) -> str:
    if not x.is_finite():
        return str(x)
    return f"{_trim(x.mid().str(digits, radius=False))} +/- {x.rad().str(3, radius=False)}"


def _finite_float(x: Any) -> float | None:
    try:
        f = float(x)
    except (OverflowError, ValueError, TypeError):
        return None
    return f if math.isfinite(f) else None


def _score_arb(lhs: arb, rhs: arb, diff: arb) -> tuple[float | None, float | None]:
    if not (lhs.is_finite() and rhs.is_finite()):
        return None, None
    denominator = abs(lhs.mid()) + abs(rhs.mid())
    score = 0.0 if denominator.is_zero() else _finite_float((diff.mid() / denominator).mid())
    ratio = _finite_float((lhs.mid() / rhs.mid()).mid()) if rhs > 0 else None
    return score, ratio


def _decide_exact(ev: Evaluation, digits: int) -> Decision:
    lhs, rhs = _fraction(ev.lhs), _fraction(ev.rhs)
    diff = lhs - rhs
    verdict: Verdict = "violated" if diff > 0 else "holds"
    size = abs(lhs) + abs(rhs)
    score = float(diff / size) if size else 0.0
    ratio = _finite_float(lhs / rhs) if rhs > 0 else None
    with _precision(digits):
        texts = [_ball_text(_arb(v), digits) for v in (lhs, rhs, diff)]
    detail = {"exact": {"lhs": str(lhs), "rhs": str(rhs), "lhs_minus_rhs": str(diff)}} | ev.detail
    return Decision(verdict, "exact", digits, *texts, score=score, ratio=ratio, detail=detail)


def _decide_arb(ev: Evaluation, digits: int) -> Decision:
    with _precision(digits):
        lhs, rhs = _arb(ev.lhs), _arb(ev.rhs)
        diff = lhs - rhs
        if diff > 0:
            verdict: Verdict = "violated"
            reason = ""
        elif diff <= 0:
            verdict, reason = "holds", ""
        else:
            verdict = "undecided"
            reason = ("a side is not finite" if not diff.is_finite()
                      else f"the ball lhs - rhs contains 0 at {digits} digits")
        score, ratio = _score_arb(lhs, rhs, diff)
        texts = [_ball_text(v, digits) for v in (lhs, rhs, diff)]
    return Decision(verdict, "arb", digits, *texts, score=score, ratio=ratio, reason=reason,
                    detail=dict(ev.detail))


def _mpf_and_radius(value: Any) -> tuple[mpmath.mpf, mpmath.mpf]:
    if isinstance(value, mpmath.mpf):
        return value, mpmath.mpf(0)
    x = _arb(value)
    if not x.is_finite():
        return mpmath.mpf("nan"), mpmath.mpf(0)
    man, exp = x.mid().man_exp()
    rman, rexp = x.rad().man_exp() if not x.rad().is_zero() else (0, 0)
    return mpmath.mpf((int(man), int(exp))), mpmath.mpf((int(rman), int(rexp)))


def _decide_two_precision(first: Evaluation, second: Evaluation, digits: int) -> Decision:
    with mpmath.workdps(digits + _SECOND_PRECISION + 10):
        (l1, rl1), (r1, rr1) = _mpf_and_radius(first.lhs), _mpf_and_radius(first.rhs)
        (l2, rl2), (r2, rr2) = _mpf_and_radius(second.lhs), _mpf_and_radius(second.rhs)
        d1, d2 = l1 - r1, l2 - r2
        finite = all(mpmath.isfinite(v) for v in (l1, r1, l2, r2))
        tol = (max(abs(l2), abs(r2)) * mpmath.mpf(10) ** -(digits - _SLACK)
               + rl1 + rr1 + rl2 + rr2)
        reason = ""
        if not finite:
            verdict: Verdict = "undecided"
            reason = "a side is not finite"
        elif abs(d1 - d2) > tol:
            verdict = "undecided"
            reason = f"lhs - rhs differs between {digits} and {digits + _SECOND_PRECISION} digits"
        elif d2 > tol:
            verdict = "violated"
        elif d2 < -tol:
            verdict = "holds"
        else:
            verdict = "undecided"
            reason = f"|lhs - rhs| is within the {digits}-digit tolerance"
        score = ratio = None
        if finite:
            size = abs(l2) + abs(r2)
            score = 0.0 if size == 0 else _finite_float(d2 / size)
            ratio = _finite_float(l2 / r2) if r2 > tol else None

        def text(a: mpmath.mpf, b: mpmath.mpf, rad: mpmath.mpf) -> str:
            if not finite:
                return mpmath.nstr(b, 5)
            return f"{_trim(mpmath.nstr(b, digits))} +/- {_trim(mpmath.nstr(abs(a - b) + rad, 3))}"

        texts = [text(l1, l2, rl2), text(r1, r2, rr2), text(d1, d2, rl2 + rr2)]
    return Decision(verdict, "two-precision", digits, *texts, score=score, ratio=ratio, reason=reason,
                    detail=dict(second.detail))


def decide(inequality: Inequality, example: dict[str, Any], digits: int) -> Decision:
    """Evaluate ``inequality`` at ``example`` and decide whether it is violated at ``digits``."""
    ev = _evaluate(inequality, example, digits)
    kinds = {_kind(ev.lhs, "lhs"), _kind(ev.rhs, "rhs")}
    if "mpf" in kinds:
        second = _evaluate(inequality, example, digits + _SECOND_PRECISION)
        _kind(second.lhs, "lhs"), _kind(second.rhs, "rhs")
        return _decide_two_precision(ev, second, digits)
    if "arb" in kinds:
        return _decide_arb(ev, digits)
    return _decide_exact(ev, digits)
