r"""EDGE-HYP (the paper's hypothesis: a loss weighting decides memorization) and EDGE-WINDOW (the
transition window: from a 10 % to a 90 % memorization ratio, memorizing on average above 50 %), both
on the trained cell of EDGE-PT, whose result they read (same work group, computed once per run by
:func:`verify.checks.reused_within_a_run`; nothing is trained twice).

**EDGE-HYP** (:mod:`verify.gmm.hypothesis`). The cell's Monte-Carlo training losses of the generalizing
and partially memorizing denoisers at every trained size; the loss rule
:math:`\Delta_\lambda(M)\le0` for EDGE-45's weightings and the family :math:`\psi_t^p`,
:math:`p\in[-1,1]`; the trained models' status per size (Wilson 95 % against 1/2). Checks: the trained
memorization is an up-set of sizes (the family-independent part: no :math:`\lambda` can match
otherwise) and some searched :math:`\lambda` matches at every decided size. ``conditional`` on the one
cell and seed; a miss inside the family is ``inconclusive`` (the hypothesis quantifies over all
:math:`\lambda`).

**EDGE-WINDOW** (:mod:`verify.gmm.window`). The crossings of 10 %, 50 %, 90 % with Jeffreys-resampling
intervals and the window's width relative to :math:`N`. Checks: the window lies inside the measured
sizes; the curve is monotone within its sampling noise (the window is well defined); the crossings
agree with EDGE-PT's (:func:`verify.gmm.sweep.locate_transition`) and lie inside the authors' discrete
window (``start``: last size below 10 %, ``end``: first size at or above 90 %).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..registry import RunContext
from ..verdicts import Bound, ClaimResult, Evidence, Verdict, decide

__all__ = ["check_edge_hyp", "check_edge_window", "TrainedCell", "trained_cell", "hypothesis_result",
           "window_result"]

#: Agreement of the window's crossings with EDGE-PT's own (the same interpolation, computed apart).
AGREEMENT = 1e-9


@dataclass(frozen=True)
class TrainedCell:
    """What EDGE-PT measured: the cell, the sizes, the memorized counts of ``samples`` DDIM samples, and its
    transition (``half``, ``window``, ``start``, ``end``)."""

    setting: Any  # GMMSetting
    Ms: tuple[int, ...]
    counts: tuple[int, ...]
    samples: int
    transition: dict[str, Any]
    training: Any  # TrainingConfig

    def describe(self) -> str:
        s, tc = self.setting, self.training
        return (f"one cell (d = {s.d}, K = {s.K}, N = {s.N}, data seed {s.seed}), one training seed per M, "
                f"{tc.steps} compressed Adam steps standing for the authors' {tc.emulates}, {self.samples} "
                f"DDIM samples per model, {len(self.Ms)} sizes")


def trained_cell(ctx: RunContext) -> TrainedCell | str:
    """EDGE-PT's trained curve (its result is computed once per run), or the reason it has none."""
    from .edge_pt import check_edge_pt, default_config, default_setting

    result = check_edge_pt(ctx)
    curve = next((e.data for e in result.evidence if {"M", "ratio"} <= set(e.data)), None)
    transition = next((e.data for e in result.evidence if {"half", "window"} <= set(e.data)), None)
    if curve is None or transition is None:
        return f"EDGE-PT ({result.status.value}: {result.summary}) reports no memorization curve"
    config = default_config(ctx.quick)
    samples = int(curve.get("samples", config.samples))
    counts = [round(r * samples) for r in curve["ratio"]]
    if any(abs(r * samples - k) > 1e-6 for r, k in zip(curve["ratio"], counts, strict=True)):
        return f"EDGE-PT's ratios are not counts out of {samples} samples"
    return TrainedCell(default_setting(ctx.seed), tuple(int(M) for M in curve["M"]), tuple(counts), samples,
                       dict(transition), config.training)


def _no_cell(claim: str, reason: str, started: float) -> ClaimResult:
    return ClaimResult(claim, Verdict.INCONCLUSIVE, f"no trained cell to test: {reason}",
                       [Evidence("EDGE-PT's trained cell is available", None, reason)],
                       time.perf_counter() - started)


# -- EDGE-HYP ------------------------------------------------------------------------------------------------

def _losses(ctx: RunContext, cell: TrainedCell):
    from ..gmm import generate
    from ..gmm.data import process
    from ..gmm.losses import standard_denoisers, training_losses

    data = generate(cell.setting)
    N = cell.setting.N
    draws = 8 if ctx.quick else 16
    ctx.progress(f"EDGE-HYP: training losses of the partially memorizing denoisers at {len(cell.Ms)} sizes")
    denoisers = standard_denoisers(data, [M for M in cell.Ms if M < N])
    return training_losses(data, denoisers, cell.training.grid(), process(cell.training.schedule), draws,
                           np.random.default_rng([ctx.seed, 0x4E9]))


def check_edge_hyp(ctx: RunContext) -> ClaimResult:
    r"""Search the weightings for one whose loss rule matches the trained models' memorization."""
    started = time.perf_counter()
    cell = trained_cell(ctx)
    if isinstance(cell, str):
        return _no_cell("EDGE-HYP", cell, started)
    return hypothesis_result(ctx, cell, started)


def hypothesis_result(ctx: RunContext, cell: TrainedCell, started: float) -> ClaimResult:
    """EDGE-HYP on a given trained cell."""
    from ..gmm.hypothesis import GENERALIZES, MEMORIZES, THETAS, search

    table = _losses(ctx, cell)
    found = search(table, cell.Ms, cell.counts, cell.samples)
    N = cell.setting.N
    trained = dict(zip(found.Ms, found.trained, strict=True))
    gen = [M for M, s in trained.items() if s == GENERALIZES]
    mem = [M for M, s in trained.items() if s == MEMORIZES]
    decided = len(gen) + len(mem)
    gap = (f"last decided generalizing size {max(gen) if gen else '-'}, first decided memorizing size "
           f"{min(mem) if mem else '-'} (M/N {max(gen) / N if gen else math.nan:.2f} .. "
           f"{min(mem) / N if mem else math.nan:.2f})")
    evidence = [Evidence(
        "the trained memorization is an up-set of sizes (no decided memorizing model below a decided "
        "generalizing one): otherwise no weighting can match", not found.obstruction,
        f"{decided} of {len(found.Ms)} sizes decided (Wilson 95 % interval of the ratio against 1/2): "
        f"{len(gen)} generalize, {len(mem)} memorize; {gap}"
        + (f"; against: {found.obstruction[:5]}" if found.obstruction else ""),
        bound=Bound(len(found.obstruction), 0, quantity="pairs (memorizing M, generalizing M' > M)"),
        data={"M": list(found.Ms), "trained": found.trained.tolist()})]
    sides = found.sides
    named = {w: sides[w] for w in ("uniform-x0", "epsilon", "v")}
    matching = found.matching
    trange = found.theta_range()
    fewest = min(len(s.mismatches) for s in sides.values())
    named_text = "; ".join(f"{w}: {'matches' if s.matches else f'{len(s.mismatches)} mismatched size(s)'}, "
                           f"M*(lambda)/N = {s.mstar:.3f}" for w, s in named.items())
    family_text = (f"EDGE-45-PAPER's family psi^-theta (epsilon units) matches for theta in [{trange[0]:g}, "
                   f"{trange[1]:g}] (x0 weights psi^{1 - trange[1]:g} .. psi^{1 - trange[0]:g})" if trange
                   else f"no theta of EDGE-45-PAPER's family psi^-theta in [{THETAS[0]:g}, {THETAS[-1]:g}] "
                   "matches")
    stars = [sides[w].mstar for w in matching if math.isfinite(sides[w].mstar)]
    evidence.append(Evidence(
        "some weighting lambda (EDGE-45's three, EDGE-45-PAPER's family) predicts every decided size: "
        "memorizes iff "
        "L_N(pmem_M, lambda) <= L_N(gen, lambda)", True if matching else None,
        f"{len(matching)} of {len(sides)} weightings match; {named_text}; {family_text}"
        + (f"; their crossovers M*(lambda)/N span [{min(stars):.3f}, {max(stars):.3f}]" if stars else "")
        + f" (losses: {table.draws} noise batches on the {len(table.times)}-point grid, 95 % intervals)",
        bound=Bound(fewest, 0, quantity="fewest mismatched sizes over the weightings searched") if matching
        else None,
        data={"matching": matching, "theta_range": list(trange) if trange else None,
              "weightings": {w: {"mismatches": list(s.mismatches), "mstar": s.mstar if math.isfinite(s.mstar)
                                 else None, "delta": s.delta.mean.tolist(), "half": s.delta.half.tolist(),
                                 "predicted": s.predicted.tolist()}
                             for w, s in sides.items() if w in named or s.matches}}))
    status, text = decide(evidence, "EDGE-HYP")
    result = ClaimResult("EDGE-HYP", status, text, evidence, time.perf_counter() - started)
    if status is Verdict.VERIFIED:
        result.status = Verdict.CONDITIONAL
        result.condition = (
            f"{cell.describe()}; trained status decided at {decided} of {len(found.Ms)} sizes; losses of the "
            "partially memorizing denoiser averaged over uniform subsets. Searched: EDGE-45's weightings and "
            "EDGE-45-PAPER's family psi_t^-theta (epsilon units). Given the up-set (check 1, what could have "
            "failed for every lambda), a match only "
            f"needs some lambda's crossover inside the trained window ({gap}); the paper's stronger reading, "
            "one lambda for every cell (M* ~ 4/5 N across the grid), needs more cells than one")
        which = ", ".join(w for w in named if named[w].matches) or "none of EDGE-45's"
        result.summary = (f"a weighting decides memorization on this cell: {len(matching)} of {len(sides)} "
                          f"searched match ({which}{'; ' + family_text if trange else ''}); trained window "
                          f"{gap}")
    elif found.obstruction:
        result.summary = ("evidence against on this cell (not a refutation: one cell, one seed): the trained "
                          f"memorization is not an up-set of sizes, {found.obstruction[:3]}")
    else:
        result.summary = f"no searched weighting matches every decided size ({named_text}; {family_text})"
    return result


# -- EDGE-WINDOW ---------------------------------------------------------------------------------------------

def check_edge_window(ctx: RunContext) -> ClaimResult:
    """The 10 % / 50 % / 90 % crossings of the trained curve, their intervals and the window's width."""
    started = time.perf_counter()
    cell = trained_cell(ctx)
    if isinstance(cell, str):
        return _no_cell("EDGE-WINDOW", cell, started)
    return window_result(cell, started)


def window_result(cell: TrainedCell, started: float) -> ClaimResult:
    """EDGE-WINDOW on a given trained cell."""
    from ..gmm.window import decreases, transition_window

    N = cell.setting.N
    w = transition_window(cell.Ms, cell.counts, cell.samples, N, seed=cell.setting.seed)
    lo, half, hi = w.crossing
    inside = all(math.isfinite(v) for v in w.crossing)
    Mmin, Mmax = min(cell.Ms) / N, max(cell.Ms) / N
    evidence = [Evidence(
        "the window lies inside the measured sizes (the ratio is below 10 % at the smallest size and reaches "
        "90 %)", inside,
        f"crossings M/N: 10 % at {lo:.3f}, 50 % at {half:.3f}, 90 % at {hi:.3f} (sizes {Mmin:.2f} .. "
        f"{Mmax:.2f})",
        bound=Bound(lo, (Mmin, Mmax), "in", quantity="the 10 % crossing inside the measured range")
        if inside else None, data=w.to_json())]
    down = decreases(cell.Ms, cell.counts, cell.samples)
    evidence.append(Evidence(
        "the ratio is monotone in M within its sampling noise (the window is well defined)", not down,
        f"{len(down)} significant decrease(s) (disjoint Wilson 95 % intervals) among {len(cell.Ms)} sizes"
        + (f": {down[:5]}" if down else ""),
        bound=Bound(len(down), 0, quantity="pairs M < M' with r(M') significantly below r(M)")))
    ref = cell.transition
    theirs = [ref.get("window", [math.nan, math.nan])[0], ref.get("half", math.nan),
              ref.get("window", [math.nan, math.nan])[1]]
    theirs = [math.nan if v is None else float(v) for v in theirs]
    diff = max((abs(a - b) for a, b in zip(w.crossing, theirs, strict=True)), default=math.inf)
    start, end = ref.get("start"), ref.get("end")
    bracket = (start is None or start <= lo * N + 1e-9) and (end is None or hi * N <= end + 1e-9)
    ok = inside and math.isfinite(diff) and diff <= AGREEMENT and bracket
    evidence.append(Evidence(
        "the crossings agree with EDGE-PT's and lie inside the authors' discrete window",
        ok if inside else None,
        f"EDGE-PT: 10 % at {theirs[0]:.4f}, 50 % at {theirs[1]:.4f}, 90 % at {theirs[2]:.4f} (largest "
        f"difference {diff:.1e}); authors' window start = {start} (last size below 10 %), end = {end} (first "
        f"size at or above 90 %): {'contains' if bracket else 'does NOT contain'} "
        f"[{lo * N:.2f}, {hi * N:.2f}]",
        bound=Bound(diff, AGREEMENT, quantity="largest |crossing - EDGE-PT's crossing| (M/N)")
        if ok else None))
    status, text = decide(evidence, "EDGE-WINDOW")
    result = ClaimResult("EDGE-WINDOW", status, text, evidence, time.perf_counter() - started)
    i_lo, i_half, i_hi = w.interval
    numbers = (f"window M/N {lo:.3f} [{i_lo[0]:.3f}, {i_lo[1]:.3f}] .. {hi:.3f} [{i_hi[0]:.3f}, "
               f"{i_hi[1]:.3f}], width {w.width:.3f} N [{w.width_interval[0]:.3f}, "
               f"{w.width_interval[1]:.3f}]; memorizing on average from M/N = {half:.3f} "
               f"[{i_half[0]:.3f}, {i_half[1]:.3f}]")
    if status is Verdict.VERIFIED:
        result.status = Verdict.CONDITIONAL
        result.condition = (f"{cell.describe()}; 95 % intervals from the ratios' sampling noise (Jeffreys "
                            "resampling), not the training or data randomness; the paper defines the window, "
                            "it gives no width to compare with")
        result.summary = f"the trained ratio rises monotonically through a window: {numbers}"
    else:
        result.summary = f"{text}: {numbers}"
    return result
