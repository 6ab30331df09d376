"""Hypothesis strategies for exact inputs to the memverify oracle fields.

Every strategy here yields exact values (:class:`fractions.Fraction`), never floats, so that
what a test feeds to the high-precision code is exactly what it meant (MATH.md §5). They are
meant to be reused in your own test suites::

    from hypothesis import given
    from verify.strategies import near_ties, points, schedules, times, training_sets

    @given(schedules(), training_sets(n=3, d=2), points(2), times())
    def test_denoiser_is_a_convex_combination(schedule, X, x, t):
        ...  # X: tuple of 3 rows of 2 Fractions, x: 2 Fractions, t: Fraction in (0, 1)

    @given(near_ties(d=2, max_k=30))
    def test_ties(tie):
        # equal-norm atoms tie.nearest and tie.other are exactly tied at tie.exact_tie_point
        # and tie.nearest wins by a margin of order 10**-tie.k at tie.offset_point
        ...

Bounds may be given as ``int``, :class:`~fractions.Fraction`, :class:`~decimal.Decimal` or a
decimal string (``"0.25"``); a ``float`` bound is refused, because its exact binary value is
rarely the number that was meant.

Strategies:

* :func:`rationals` — a Fraction in a closed interval, with bounded denominator;
* :func:`times` — a time strictly inside (0, 1);
* :func:`points` — a point of R^d;
* :func:`training_sets` — n atoms of R^d (distinct by default);
* :func:`schedules` — a validated built-in :class:`~derivations.schedules.Schedule`;
* :func:`near_ties` — a :class:`NearTie`: two equal-norm atoms, an exact tie point and an
  offset point where one of them is nearest by a margin of order 10^-k.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

__all__ = [
    "NearTie",
    "near_ties",
    "points",
    "rationals",
    "schedules",
    "times",
    "training_sets",
]

Row = tuple[Fraction, ...]

#: Above this many candidate denominators the valid ones are not listed in advance.
_LISTED_DENOMINATORS = 100_000


def _exact(value, what: str) -> Fraction:
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidArgument(f"{what}={value!r}: give an int, Fraction, Decimal or decimal string, "
                              "not a float (its exact binary value is rarely the number meant)")
    if not isinstance(value, int | Fraction | Decimal | str):
        raise InvalidArgument(f"{what}={value!r} is not an exact number")
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise InvalidArgument(f"{what}={value!r} is not an exact number") from exc


def _positive_int(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(f"{what}={value!r} must be a positive int")
    return value


def _size(value, what: str) -> st.SearchStrategy[int]:
    """An int >= 1 or a strategy for one."""
    if isinstance(value, st.SearchStrategy):
        return value
    return st.just(_positive_int(value, what))


def rationals(min_value=-2, max_value=2, max_denominator: int = 16) -> st.SearchStrategy[Fraction]:
    """Fractions ``q`` with ``min_value <= q <= max_value`` and denominator ``<= max_denominator``.

    Examples shrink towards small denominators and towards zero (or the bound nearest to it).
    """
    lo, hi = _exact(min_value, "min_value"), _exact(max_value, "max_value")
    max_denominator = _positive_int(max_denominator, "max_denominator")
    if lo > hi:
        raise InvalidArgument(f"min_value={lo} > max_value={hi}")

    def fits(q: int) -> bool:
        return math.ceil(lo * q) <= math.floor(hi * q)

    if lo == hi:
        if lo.denominator > max_denominator:
            raise InvalidArgument(f"{lo} has a denominator above max_denominator={max_denominator}")
        return st.just(lo)
    # Every q >= 1/(hi - lo) fits; smaller ones are checked one by one.
    always = min(max_denominator, math.ceil(1 / (hi - lo)))
    if always <= _LISTED_DENOMINATORS:
        small = [q for q in range(1, always + 1) if fits(q)]
        if not small and always == max_denominator:
            raise InvalidArgument(f"no fraction in [{lo}, {hi}] has a denominator "
                                  f"<= {max_denominator}")
        parts = [st.sampled_from(small)] if small else []
        if always < max_denominator:
            parts.append(st.integers(always + 1, max_denominator))
        denominators = st.one_of(*parts)
    else:
        denominators = st.integers(1, max_denominator).filter(fits)

    @st.composite
    def draw_fraction(draw) -> Fraction:
        q = draw(denominators)
        p_lo, p_hi = math.ceil(lo * q), math.floor(hi * q)
        if p_lo <= 0 <= p_hi:  # shrink towards 0
            p = draw(st.integers(p_lo, p_hi))
        elif p_lo > 0:
            p = p_lo + draw(st.integers(0, p_hi - p_lo))
        else:
            p = p_hi - draw(st.integers(0, p_hi - p_lo))
        return Fraction(p, q)

    return draw_fraction()


def times(min_value=Fraction(1, 100), max_value=Fraction(99, 100), *,
          max_denominator: int = 1000) -> st.SearchStrategy[Fraction]:
    """Times ``t`` with ``min_value <= t <= max_value``, strictly inside (0, 1)."""
    lo, hi = _exact(min_value, "min_value"), _exact(max_value, "max_value")
    if not (0 < lo <= hi < 1):
        raise InvalidArgument(f"need 0 < min_value <= max_value < 1, got [{lo}, {hi}]")
    return rationals(lo, hi, max_denominator)


def points(d, *, elements: st.SearchStrategy[Fraction] | None = None) -> st.SearchStrategy[Row]:
    """A point of R^d as a tuple of ``d`` Fractions (``d`` an int or a strategy for one)."""
    sizes = _size(d, "d")
    elements = rationals() if elements is None else elements
    return sizes.flatmap(lambda k: st.tuples(*[elements] * k))


def training_sets(n=None, d=None, distinct: bool = True, *,
                  elements: st.SearchStrategy[Fraction] | None = None
                  ) -> st.SearchStrategy[tuple[Row, ...]]:
    """``n`` atoms of R^d as a tuple of ``n`` rows of ``d`` Fractions.

    ``n`` defaults to ``integers(1, 4)`` and ``d`` to ``integers(1, 3)``; either may be an int.
    With ``distinct`` (the default) no two rows are equal.
    """
    n_s = _size(st.integers(1, 4) if n is None else n, "n")
    d_s = _size(st.integers(1, 3) if d is None else d, "d")
    elements = rationals() if elements is None else elements

    @st.composite
    def draw_set(draw) -> tuple[Row, ...]:
        k, dim = draw(n_s), draw(d_s)
        rows = draw(st.lists(st.tuples(*[elements] * dim), min_size=k, max_size=k,
                             unique=bool(distinct)))
        return tuple(rows)

    return draw_set()


def schedules(names=None) -> st.SearchStrategy:
    """A validated built-in :class:`~derivations.schedules.Schedule` (all built-ins by default)."""
    from derivations.schedules import BUILTIN_SCHEDULES, builtin_schedule

    chosen = tuple(BUILTIN_SCHEDULES if names is None else ([names] if isinstance(names, str)
                                                            else names))
    if not chosen:
        raise InvalidArgument("names is empty")
    unknown = [name for name in chosen if name not in BUILTIN_SCHEDULES]
    if unknown:
        raise InvalidArgument(f"unknown schedule(s) {', '.join(map(repr, unknown))} "
                              f"(built-in: {', '.join(BUILTIN_SCHEDULES)})")
    return st.sampled_from(chosen).map(builtin_schedule)


# -- near ties ----------------------------------------------------------------------------------

def _dot(u, v) -> Fraction:
    return sum((a * b for a, b in zip(u, v, strict=True)), Fraction(0))


def _sub(u, v) -> Row:
    return tuple(a - b for a, b in zip(u, v, strict=True))


def _sq_dist(u, v) -> Fraction:
    diff = _sub(u, v)
    return _dot(diff, diff)


@dataclass(frozen=True)
class NearTie:
    r"""A training set with an exact two-atom tie and a point just off it.

    * ``training_set[nearest]`` and ``training_set[other]`` have equal norms, so at
      ``exact_tie_point`` (on their perpendicular bisector, which passes through the origin)
      their logits :math:`-\lVert x-\alpha X_i\rVert^2/2\sigma^2` are identical for every t.
    * ``offset_point = exact_tie_point + 10**-k * direction`` with
      ``direction = X_nearest - X_other``: there ``nearest`` is the unique nearest atom, by a
      squared-distance margin of ``2 * 10**-k * |direction|^2``.
    * Any further atom is strictly farther from both points than the tied pair.

    The invariants are checked exactly on construction.
    """

    training_set: tuple[Row, ...]
    nearest: int
    other: int
    exact_tie_point: Row
    offset_point: Row
    k: int
    direction: Row

    def __post_init__(self) -> None:
        X, a, b = self.training_set, self.nearest, self.other
        if a == b or not (0 <= a < len(X) and 0 <= b < len(X)):
            raise ValueError("nearest and other must be two distinct atom indices")
        if X[a] == X[b] or _dot(X[a], X[a]) != _dot(X[b], X[b]):
            raise ValueError("the tied atoms must be distinct and of equal norm")
        if self.direction != _sub(X[a], X[b]):
            raise ValueError("direction must be X[nearest] - X[other]")
        x = self.exact_tie_point
        if _dot(x, self.direction) != 0:
            raise ValueError("the exact tie point must lie on the perpendicular bisector")
        if self.offset_point != tuple(c + self.offset * u for c, u in zip(x, self.direction,
                                                                         strict=True)):
            raise ValueError("offset_point must be exact_tie_point + 10**-k * direction")
        for point, winners in ((x, (a, b)), (self.offset_point, (a,))):
            dists = [_sq_dist(point, row) for row in X]
            best = min(dists)
            if tuple(i for i, v in enumerate(dists) if v == best) != tuple(sorted(winners)):
                raise ValueError(f"nearest atoms at {point} are not {winners}")

    @property
    def n(self) -> int:
        """Number of atoms."""
        return len(self.training_set)

    @property
    def d(self) -> int:
        """Dimension."""
        return len(self.exact_tie_point)

    @property
    def offset(self) -> Fraction:
        """The offset scale ``10**-k``."""
        return Fraction(1, 10**self.k)

    @property
    def tie(self) -> tuple[int, int]:
        """The tied pair at the exact tie point, in increasing index order."""
        return (min(self.nearest, self.other), max(self.nearest, self.other))

    @property
    def margin(self) -> Fraction:
        """Squared-distance margin of ``nearest`` over ``other`` at the offset point."""
        return (_sq_dist(self.offset_point, self.training_set[self.other])
                - _sq_dist(self.offset_point, self.training_set[self.nearest]))


def near_ties(d=2, max_k: int = 100, *, far_atom: bool | None = None,
              elements: st.SearchStrategy[Fraction] | None = None) -> st.SearchStrategy[NearTie]:
    """A :class:`NearTie` in R^d (``d`` an int or a strategy) with ``1 <= k <= max_k``.

    The second atom is the mirror image of the first in a hyperplane through the origin
    (a rational Householder reflection), so both have the same norm exactly; the tie point is
    a point of that hyperplane. ``far_atom`` adds (True), omits (False) or draws (None) a
    third atom far from both points. The atoms come in a random order.
    """
    d_s = _size(d, "d")
    max_k = _positive_int(max_k, "max_k")
    elements = rationals() if elements is None else elements
    far_s = st.booleans() if far_atom is None else st.just(bool(far_atom))

    @st.composite
    def draw_tie(draw) -> NearTie:
        dim = draw(d_s)
        vec = st.tuples(*[elements] * dim)
        xa = draw(vec.filter(any))
        # A mirror normal not orthogonal to X_a, so that the reflection moves X_a.
        v = draw(vec.filter(lambda w: _dot(w, xa) != 0))
        c = 2 * _dot(xa, v) / _dot(v, v)
        xb = tuple(p - c * q for p, q in zip(xa, v, strict=True))
        w = draw(vec)
        x = tuple(p - _dot(w, v) / _dot(v, v) * q for p, q in zip(w, v, strict=True))
        k = draw(st.integers(1, max_k))
        u = _sub(xa, xb)
        eps = Fraction(1, 10**k)
        x_off = tuple(p + eps * q for p, q in zip(x, u, strict=True))
        atoms = [xa, xb]
        if draw(far_s):
            big = max(abs(c) for row in (x, x_off, xa) for c in row)
            radius = 10 * dim * (big + 1)
            sign = draw(st.sampled_from((1, -1)))
            axis = draw(st.integers(0, dim - 1))
            atoms.append(tuple(Fraction(sign * radius if j == axis else 0) for j in range(dim)))
        order = draw(st.permutations(range(len(atoms))))
        training_set = tuple(atoms[i] for i in order)
        return NearTie(training_set=training_set, nearest=order.index(0), other=order.index(1),
                       exact_tie_point=x, offset_point=x_off, k=k, direction=u)

    return draw_tie()
