r"""Closed-form certificates for the end of an oracle trajectory (MATH.md §3).

In regular coordinates :math:`\ell=\alpha/\sigma`, :math:`y=Z/\sigma`, the probability flow is
:math:`dy/d\ell=\sum_i w_i X_i`, :math:`w=\operatorname{softmax}_i(\ell\langle y,X_i\rangle
-\ell^2\lVert X_i\rVert^2/2)`. Write :math:`y=\ell X_k+r`, :math:`\delta_i=X_k-X_i`,
:math:`\Delta_i=\lVert\delta_i\rVert`. Then, exactly,

.. math::
    \log\frac{w_k}{w_i} = \frac{\ell^2\Delta_i^2}{2} + \ell\langle r,\delta_i\rangle,\qquad
    \frac{dr}{d\ell} = \sum_{i\ne k} w_i(X_i - X_k).

**Tail lemma.** Let :math:`\lVert r(\ell_0)\rVert\le\rho` and :math:`R>\rho` with
:math:`\ell_0\Delta_i>R` for all :math:`i\ne k`. If

.. math::
    \rho + \sum_{i\ne k}\frac{e^{-g_i}}{\ell_0\Delta_i - R} < R,\qquad
    g_i=\ell_0\Delta_i\Big(\frac{\ell_0\Delta_i}{2}-R\Big),

then :math:`\lVert r(\ell)\rVert< R` for every :math:`\ell\ge\ell_0`; hence
:math:`Z_0=\lim y/\ell = X_k` exactly, and :math:`\lVert Z_t-\alpha(t)X_k\rVert\le\sigma(t)R`
for every :math:`t` with :math:`\ell(t)\ge\ell_0`.

*Proof.* While :math:`\lVert r\rVert\le R`, the log-odds exceed
:math:`f_i(\ell)=\ell\Delta_i(\ell\Delta_i/2-R)`, convex with :math:`f_i'(\ell_0)=
\Delta_i(\ell_0\Delta_i-R)>0`, so :math:`f_i(\ell)\ge g_i+(\ell-\ell_0)f_i'(\ell_0)` and
:math:`\int_{\ell_0}^\infty w_i\Delta_i\,d\ell\le\Delta_i e^{-g_i}/f_i'(\ell_0)`. The drift of
:math:`r` therefore moves it by less than :math:`R-\rho` in total, so the first exit from the
ball of radius :math:`R` never happens (continuity).

**Groups (exact ties).** If :math:`T` is a set of atoms whose weights are equal for every
:math:`\ell` (below: an orbit of symmetries), put :math:`c=\frac1{|T|}\sum_{j\in T}X_j` and
:math:`y=\ell c+r`. For :math:`i\notin T`, :math:`j\in T`:
:math:`\log\frac{w_j}{w_i}=\ell^2 a_i+\ell\langle r,X_j-X_i\rangle` with
:math:`a_i=\tfrac12(\lVert c-X_i\rVert^2-\lVert c-X_j\rVert^2)`, and
:math:`dr/d\ell=\sum_{i\notin T}w_i(X_i-c)`. The lemma above holds with
:math:`f_i=\ell^2a_i-\ell R\lambda_i`, :math:`\lambda_i=\max_{j\in T}\lVert X_j-X_i\rVert`,
drift sizes :math:`D_i=\lVert X_i-c\rVert`: if :math:`f_i'(\ell_0)>0` and
:math:`\rho+\sum_i D_ie^{-f_i(\ell_0)}/f_i'(\ell_0)<R` then :math:`Z_0=c` exactly. A single
atom is the case :math:`T=\{k\}`: :math:`a_i=\Delta_i^2/2`, :math:`\lambda_i=D_i=\Delta_i`.

**Centred form.** The ball need not be centred at :math:`\ell c`: if
:math:`\lVert r(\ell_0)-r_0\rVert\le\rho_0` and, with
:math:`b_i=\min_{j\in T}\langle r_0,X_j-X_i\rangle` and
:math:`f_i(\ell)=\ell^2a_i+\ell(b_i-\varepsilon\lambda_i)`, every :math:`f_i'(\ell_0)>0` and
:math:`\rho_0+\sum_iD_ie^{-f_i(\ell_0)}/f_i'(\ell_0)<\varepsilon`, then
:math:`\lVert r(\ell)-r_0\rVert<\varepsilon` for every :math:`\ell\ge\ell_0` and again
:math:`Z_0=c`. (While :math:`\lVert r-r_0\rVert\le\varepsilon`,
:math:`\langle r,X_j-X_i\rangle\ge b_i-\varepsilon\lambda_i`; the rest of the proof is the
same.) With :math:`r_0=0` it is the lemma above; a far start, whose :math:`r` stays near
:math:`Z_1`, commits as soon as its own offsets :math:`b_i` favour the group
(:func:`centred_tail_certificate`).

**Symmetries.** An affine reflection in the hyperplane through :math:`(X_a+X_b)/2` with normal
:math:`u=X_a-X_b` that permutes the training set (multiplicities included), with
:math:`\langle Z_1,u\rangle=0`, commutes with the flow after the translation
:math:`X\mapsto X-v`, :math:`y\mapsto y-\ell v` (which maps the flow onto the flow of the
translated data from the same :math:`Z_1`), so the weights of :math:`X_a` and :math:`X_b` are
equal for every :math:`\ell`.
The orbit of an atom under all such reflections is a set :math:`T` as above. Everything is
decided in exact rationals.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

__all__ = ["tail_certificate", "centred_tail_certificate", "symmetry_permutations", "orbit",
           "group_terms", "reflection_pairs"]

Vector = Sequence[Fraction]


def tail_certificate(rho: Any, ell0: Any, terms: Sequence[tuple[Any, Any, Any]],
                     exp: Callable[[Any], Any], *,
                     radii: Sequence[Any] | None = None) -> tuple[Any, Any] | None:
    r"""The smallest tried radius :math:`R` meeting the lemma, with its slack; None if none does.

    ``terms`` holds :math:`(a_i, \lambda_i, D_i)` per losing atom. Works with float, mpmath and
    flint ``arb`` numbers (with balls, a comparison that is not certain counts as failed). The
    radii tried are ``radii`` or :math:`\rho(1+2^{-j})` and :math:`2^j\rho`.
    """
    if not terms:
        return (rho, rho - rho)  # nothing else to lose against: r never moves
    if radii is None:
        base = rho if rho > 0 else ell0 * min(2 * a / lam for a, lam, _ in terms) / 8
        radii = [base + base / (1 << j) for j in range(8, 0, -1)]
        radii += [base * (1 << j) for j in range(1, 16)]
    for R in radii:
        if not R > rho:
            continue
        total = 0
        for a, lam, D in terms:
            slope = 2 * ell0 * a - R * lam
            if not slope > 0:
                break
            total = total + D * exp(-(ell0 * ell0 * a - ell0 * R * lam)) / slope
        else:
            slack = R - rho - total
            if slack > 0:
                return (R, slack)
    return None


def centred_tail_certificate(rho0: Any, ell0: Any, terms: Sequence[tuple[Any, Any, Any]],
                             offsets: Sequence[Any], exp: Callable[[Any], Any],
                             radii: Sequence[Any] | None = None) -> tuple[Any, Any] | None:
    r"""The first tried :math:`\varepsilon` meeting the centred lemma, with its slack.

    ``terms`` holds :math:`(a_i,\lambda_i,D_i)` and ``offsets`` the matching :math:`b_i`. The
    radii tried are ``radii`` or :math:`\rho_0(1+2^{-j})` and powers of two from
    :math:`2^{-200}` to :math:`2^{12}` (only those above :math:`\rho_0` count)."""
    if not terms:
        return (rho0 + rho0 + 1, rho0 + 1) if rho0 == 0 else (2 * rho0, rho0)
    if radii is None:
        one = ell0 * 0 + 1  # 1 in the caller's number type (float, mpmath or arb)
        grid = [one / (1 << j) for j in range(200, 60, -8)]
        grid += [one / (1 << -e) if e < 0 else one * (1 << e) for e in range(-60, 13)]
        radii = ([rho0 + rho0 / (1 << j) for j in range(8, 0, -1)] if rho0 > 0 else []) + grid
    for eps in radii:
        if not eps > rho0:
            continue
        total = 0
        for (a, lam, D), b in zip(terms, offsets, strict=True):
            slope = 2 * ell0 * a + b - eps * lam
            if not slope > 0:
                break
            total = total + D * exp(-(ell0 * ell0 * a + ell0 * (b - eps * lam))) / slope
        else:
            slack = eps - rho0 - total
            if slack > 0:
                return (eps, slack)
    return None


def _reflect(v: Vector, u: Vector, uu: Fraction, m: Vector) -> tuple[Fraction, ...]:
    """``v`` reflected in the hyperplane through ``m`` with normal ``u`` (``uu`` = |u|^2)."""
    c = 2 * sum((vj - mj) * uj for vj, mj, uj in zip(v, m, u, strict=True)) / uu
    return tuple(vj - c * uj for vj, uj in zip(v, u, strict=True))


def symmetry_permutations(data: Sequence[Vector], start: Vector) -> list[tuple[int, ...]]:
    r"""Permutations of the atoms induced by affine reflections that map the set onto itself
    (multiplicities included) and whose normal is orthogonal to ``start`` (exact rationals).

    Translating the data by :math:`-v` and :math:`y` by :math:`-\ell v` maps the flow onto the
    flow of the translated data with the same start (:math:`\ell=0` there), so a reflection in a
    hyperplane through :math:`v` with normal :math:`u` is a symmetry of the flow from
    :math:`Z_1` when it permutes the atoms and :math:`\langle Z_1,u\rangle=0`; norms may differ
    (two atoms: :math:`\langle Z_1,X_a-X_b\rangle=0` is an exact tie for any norms)."""
    rows = [tuple(Fraction(v) for v in row) for row in data]
    z = tuple(Fraction(v) for v in start)
    # The reflection swapping X_a and X_b has normal u = X_a - X_b and passes through their
    # midpoint; it fixes the start's direction only if <Z_1, X_a> = <Z_1, X_b>: only atoms sharing
    # that value are candidate pairs (O(N d) integer work over common denominators).
    classes: dict[int, list[int]] = {}
    for i, dot in enumerate(_scaled_dots(rows, z)):
        classes.setdefault(dot, []).append(i)
    candidates = [(a, b) for members in classes.values() if len(members) > 1
                  for ia, a in enumerate(members) for b in members[ia + 1:]]
    if not candidates:
        return []
    where: dict[tuple, list[int]] = {}
    for i, row in enumerate(rows):
        where.setdefault(row, []).append(i)
    perms: list[tuple[int, ...]] = []
    seen: set[tuple] = set()
    for a, b in candidates:
        u = tuple(x - y for x, y in zip(rows[a], rows[b], strict=True))
        uu = sum(c * c for c in u)
        if uu == 0:
            continue
        m = tuple((x + y) / 2 for x, y in zip(rows[a], rows[b], strict=True))
        scale = next(c for c in u if c != 0)
        key = (tuple(c / scale for c in u), sum(c * mj for c, mj in zip(u, m, strict=True)) / scale)
        if key in seen:  # the same hyperplane
            continue
        seen.add(key)
        perm = []
        for row in rows:
            image = _reflect(row, u, uu, m)
            if image not in where:
                break
            perm.append(where[image][0])
        else:
            if sorted(len(where[rows[p]]) for p in perm) == sorted(len(where[r]) for r in rows):
                perms.append(tuple(perm))
    return perms


def _scaled_dots(rows: Sequence[tuple[Fraction, ...]], z: tuple[Fraction, ...]) -> list:
    r""":math:`\langle X_i,Z_1\rangle` times one common positive integer :math:`T`, exactly (equal
    values stay equal): column :math:`j` is put over the lcm :math:`D_j` of its denominators, so
    :math:`X_{ij}z_j=(X_{ij}D_j)\,\mathrm{num}(z_j)\,(T/(D_jq_j))/T` with integers only."""
    from math import lcm

    cols = [j for j in range(len(z)) if z[j] != 0]
    dens = {j: lcm(*(row[j].denominator for row in rows)) for j in cols}
    T = lcm(*(dens[j] * z[j].denominator for j in cols)) if cols else 1
    out = [0] * len(rows)
    for j in cols:
        D = dens[j]
        mult = z[j].numerator * (T // (D * z[j].denominator))
        for i, row in enumerate(rows):
            v = row[j]
            out[i] += v.numerator * (D // v.denominator) * mult
    return out


def reflection_pairs(data: Sequence[Vector], start: Vector, group: Sequence[int]) -> list[tuple[int, int]]:
    """Pairs ``(a, b)`` of the group whose affine reflection (normal :math:`X_a-X_b` orthogonal to
    the start, through their midpoint) permutes the data: they connect the group's distinct
    locations (what a certificate of an exact tie lists)."""
    rows = [tuple(Fraction(v) for v in row) for row in data]
    z = tuple(Fraction(v) for v in start)
    counts: dict[tuple, int] = {}
    for row in rows:
        counts[row] = counts.get(row, 0) + 1
    reps = sorted({rows[i]: i for i in group}.values())
    pairs = []
    for ia, a in enumerate(reps):
        for b in reps[ia + 1:]:
            u = tuple(x - y for x, y in zip(rows[a], rows[b], strict=True))
            if sum(c * w for c, w in zip(u, z, strict=True)) != 0:
                continue
            uu = sum(c * c for c in u)
            m = tuple((x + y) / 2 for x, y in zip(rows[a], rows[b], strict=True))
            images: dict[tuple, int] = {}
            for row in rows:
                img = _reflect(row, u, uu, m)
                images[img] = images.get(img, 0) + 1
            if images == counts:
                pairs.append((a, b))
    return pairs


def orbit(k: int, perms: Sequence[tuple[int, ...]], data: Sequence[Vector]) -> tuple[int, ...]:
    """Atoms reachable from ``k`` by the permutations, plus exact duplicates of them."""
    found, frontier = {k}, [k]
    while frontier:
        i = frontier.pop()
        for p in perms:
            if p[i] not in found:
                found.add(p[i])
                frontier.append(p[i])
    locations = {tuple(Fraction(v) for v in data[i]) for i in found}
    return tuple(i for i, row in enumerate(data) if tuple(Fraction(v) for v in row) in locations)


GroupTerms = tuple[tuple[Fraction, ...], list[tuple[Fraction, Fraction, Fraction]], list[int]]


def group_terms(data: Sequence[Vector], group: Sequence[int]) -> GroupTerms:
    r"""Centre :math:`c` of the group and exact :math:`(a_i, \lambda_i^2, D_i^2)` of the others.

    Squared lengths are returned exactly; the caller takes square roots in its number type.
    Duplicates of group locations are part of the group.
    """
    rows = [tuple(Fraction(v) for v in row) for row in data]
    locs = sorted({rows[j] for j in group})
    d = len(rows[0])
    c = tuple(sum(loc[j] for loc in locs) / len(locs) for j in range(d))

    def sq(v: Vector) -> Fraction:
        return sum(x * x for x in v)

    rep = locs[0]
    own = sq(tuple(x - y for x, y in zip(c, rep, strict=True)))
    terms, others = [], []
    for i, row in enumerate(rows):
        if row in locs:
            continue
        a = (sq(tuple(x - y for x, y in zip(c, row, strict=True))) - own) / 2
        lam2 = max(sq(tuple(x - y for x, y in zip(loc, row, strict=True))) for loc in locs)
        dist2 = sq(tuple(x - y for x, y in zip(row, c, strict=True)))
        terms.append((a, lam2, dist2))
        others.append(i)
    return c, terms, others
