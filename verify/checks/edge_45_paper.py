r"""EDGE-45-PAPER: the paper's reading of "M⋆ ≈ (4/5)N" — the *measured* transition over a grid of
cells, with a loss weighting *fitted by regression* (train and test error :math:`\le2\times10^{-4}`).

EDGE-45 (its sibling) computes the crossover of *prescribed* weightings; this claim is the paper's
experiment (:mod:`verify.gmm.weighting_fit`). Training a grid takes minutes to hours, so the claim
is decided from a **committed record set** of the reduced grid
(``verify/data/edge45_reduced/edge45-records.json``, written by
``memverify gmm fit-weighting --grid reduced --out DIR`` at the code of this version, not in the run)
which the run **re-analyses**: every transition is recomputed from the recorded memorization counts,
the weighting is fitted and the train/test errors and the slope are computed in the run. The cell
d = 30, K = 3, N = 50 of that grid is EDGE-PT's cell with EDGE-PT's training, so the run's own
trained cell (EDGE-PT's result, read through :func:`verify.checks.edge_hypothesis.trained_cell`; same
work group, trained once per run) re-derives that record at the records' seed; at another seed it
is one more cell, held out.

Checks:

1. the recorded transitions equal those recomputed in the run from the recorded counts;
2. the run's trained cell reproduces its record (seed of the records: identical on the same code and
   machine; elsewhere, since training is chaotic near the transition, its :math:`M_{1/2}/N` inside the
   record's 95 % interval and no count off by more than
   :data:`~verify.gmm.weighting_fit.COUNT_TOLERANCE` of the samples) or lies within the band of 4/5
   (another seed); skipped under ``--quick`` (EDGE-PT then trains another schedule);
3. every cell's 95 % interval of :math:`M_{\rm pt}/N` lies within :data:`TOLERANCE` of 4/5;
4. the slope of :math:`M_{\rm pt}=sN` (95 % interval) lies within :data:`TOLERANCE` of 4/5;
5. and 6. the fitted weighting's train and test mean squared errors (in :math:`M/N`) are at most
   :data:`~verify.gmm.weighting_fit.PAPER_ERROR`.

Verdict: ``conditional`` (reduced grid, compressed training, our reading of the fit and of the
error metric, records not computed in the run) when all pass; otherwise ``inconclusive``.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..gmm.weighting_fit import (
    COUNT_TOLERANCE,
    FOUR_FIFTHS,
    PAPER_ERROR,
    RECORDS_NAME,
    FitCell,
    agreement,
    analyse_records,
    error_allowance,
    load_records,
    numerics,
    transition_sigma,
)
from ..registry import RunContext
from ..verdicts import Bound, ClaimResult, Evidence, Verdict, decide

__all__ = ["check_edge_45_paper", "RECORDS", "TOLERANCE", "REPRODUCE"]

#: The committed record set of the reduced grid.
RECORDS = Path(__file__).resolve().parents[1] / "data" / "edge45_reduced" / RECORDS_NAME
#: Band around 4/5 (EDGE-45's tolerance).
TOLERANCE = 0.02
#: How the records are reproduced.
REPRODUCE = "memverify gmm fit-weighting --grid reduced --out DIR"


def _recomputed(analysis: dict[str, Any]) -> Evidence:
    checks = analysis["transitions"]
    bad = [c["cell"] for c in checks if not c["equal"]]
    return Evidence(
        "the recorded transitions are recomputed in this run from the recorded memorization counts",
        not bad, f"{len(checks) - len(bad)} of {len(checks)} cells equal (status and window sizes exactly, "
        "fractions within 1e-9)"
        + (f"; differ: {', '.join(bad)}" if bad else ""),
        bound=Bound(len(bad), 0, quantity="cells whose recomputed transition differs from the record",
                    rigorous=True),
        data={"transitions": checks})


def _live(ctx: RunContext, records: dict[str, Any]) -> tuple[Evidence | None, str]:
    """The run's trained cell (EDGE-PT's) against the records: (evidence or None, note)."""
    from ..gmm.sweep import locate_transition
    from .edge_hypothesis import trained_cell

    if ctx.quick:
        return None, "the run's trained cell not compared (--quick trains EDGE-PT with 1 000 steps)"
    ctx.progress("EDGE-45-PAPER: the run's trained cell (EDGE-PT's)")
    cell = trained_cell(ctx)
    if isinstance(cell, str):
        return Evidence("the run's trained cell (EDGE-PT's) is available", None, cell), ""
    s = cell.setting
    if cell.training.to_json() != records["sweep"]["training"] or cell.samples != records["sweep"]["samples"]:
        return None, "the run's trained cell not compared (EDGE-PT's training differs from the records')"
    key = {"d": s.d, "K": s.K, "N": s.N, "var_star": s.var_star, "seed": s.seed}
    recorded = next((r for r in records["cells"] if r["setting"] == key), None)
    if recorded is not None:
        a = agreement(cell.Ms, cell.counts, cell.samples, recorded, int(records["sweep"]["resamples"]))
        now = numerics(_blas_threads_now())
        strict = now == records.get("numerics")  # the same numpy, BLAS and threads: must be identical
        a = a | {"numerics": now, "strict": strict, "agrees": a["identical"] if strict else a["agrees"]}
        lo, hi = a["record_half_ci"]
        how = ("identical to the record (every size and count)" if a["identical"] else
               f"{a['exact_pairs']} of {a['shared']} shared sizes with equal counts ({a['sizes'][0]} "
               f"sizes trained, {a['sizes'][1]} recorded), largest count difference "
               f"{a['largest_count_difference']} of {cell.samples}; M_1/2/N = {a['half']:.4f} against the "
               f"record's interval [{lo:.4f}, {hi:.4f}] (training is chaotic near the transition: another "
               "processor, BLAS, BLAS thread count or summation order moves counts there; with the records' "
               f"numerics, {records.get('numerics')}, the cell is identical)")
        if strict:
            how += "; this run has the records' numerics, so the cell must be identical"
        return Evidence(
            f"the run's trained cell ({s.key()}, EDGE-PT's) reproduces its record", a["agrees"],
            how + ("" if a["agrees"] else f"; the records look stale: regenerate them with '{REPRODUCE}'"),
            bound=Bound(a["largest_count_difference"], COUNT_TOLERANCE * cell.samples,
                        quantity="largest memorized-count difference at a shared size (and M_1/2/N "
                        "inside the record's 95 % interval)"),
            data=a), ""
    t = locate_transition(list(cell.Ms), list(cell.counts), cell.samples, s.N,
                          int(records["sweep"]["resamples"]), s.seed)
    lo, hi = t.half_ci
    finite = math.isfinite(lo) and math.isfinite(hi)
    gap = max(0.0, lo - FOUR_FIFTHS, FOUR_FIFTHS - hi) if finite else math.inf
    return Evidence(
        f"the run's trained cell ({s.key()}, not in the records: held out) lies within {TOLERANCE} of 4/5",
        gap <= TOLERANCE if math.isfinite(gap) else None,
        f"M_pt/N = {t.half:.4f} [{lo:.4f}, {hi:.4f}]; the fitted weighting was not fitted on it",
        bound=Bound(gap, TOLERANCE, quantity="distance of the 95 % interval of M_pt/N from 4/5")
        if math.isfinite(gap) else None, data={"transition": t.to_json()}), ""


def _blas_threads_now() -> int:
    """The BLAS threads EDGE-PT's cell was trained with in this process (training fixes them)."""
    from ..gmm.training import TRAINING_BLAS_THREADS

    return TRAINING_BLAS_THREADS


def check_edge_45_paper(ctx: RunContext) -> ClaimResult:
    """Re-analyse the committed reduced-grid records: transitions, fit, errors, slope; and the run's cell."""
    started = time.perf_counter()
    records = load_records(RECORDS)
    analysis = analyse_records(records, closed_forms=False)  # EDGE-45's closed forms cost ~2 s of SymPy
    cells: list[FitCell] = analysis["cells"]
    fit, slope = analysis["fit"], analysis["slope"]
    evidence = [_recomputed(analysis)]
    live, note = _live(ctx, records)
    if live is not None:
        evidence.append(live)
    per_cell = "; ".join(f"{c.key.split('-var')[0]} {c.m_pt:.3f} [{c.transition.half_ci[0]:.3f}, "
                         f"{c.transition.half_ci[1]:.3f}]" for c in cells)
    evidence.append(Evidence(
        f"M_pt/N (ratio crossing 1/2) within {TOLERANCE} of 4/5 in every cell", slope.worst_gap <= TOLERANCE,
        f"{len(cells)} cells: {per_cell}" + (f"; no transition in {', '.join(analysis['no_transition'])}"
                                             if analysis["no_transition"] else ""),
        bound=Bound(slope.worst_gap, TOLERANCE,
                    quantity="largest distance of a cell's 95 % interval from 4/5"),
        data={"cells": {c.key: {"m_pt": c.m_pt, "ci": list(c.transition.half_ci)} for c in cells}}))
    s_gap = max(0.0, abs(slope.s - FOUR_FIFTHS) - slope.s_half)
    evidence.append(Evidence(
        f"the slope s of M_pt = s N across the cells within {TOLERANCE} of 4/5",
        s_gap <= TOLERANCE, f"s = {slope.s:.4f} +- {slope.s_half:.4f} (least squares through the origin, "
        f"Student-t 95 %); mean M_pt/N {slope.mean:.4f}, sd {slope.sd:.4f}",
        bound=Bound(s_gap, TOLERANCE, quantity="distance of the 95 % interval of s from 4/5"),
        data=slope.to_json()))
    pres = "; ".join(f"{name}: train {e['train_mse']:.1e}, test {e['test_mse']:.1e}, mean M*/N "
                     f"{e['mean_prediction']:.3f}"
                     for name, e in fit.prescribed.items())
    fitted = (f"fitted lambda(t) = psi_t^-theta on the epsilon loss, theta = {fit.theta:.3f} (x0 weights "
              f"psi^{1 - fit.theta:.3f}); EDGE-45's closed forms (constant C) are not recomputed here: "
              f"'memverify gmm fit-weighting --records FILE' adds them")
    by = {c.key: c for c in cells}
    floors = {}
    for side, mse, keys in (("train", fit.train_mse, fit.train), ("test", fit.test_mse, fit.test)):
        side_cells = [by[k] for k in keys]
        allowance = error_allowance(side_cells)
        floors[side] = sum(transition_sigma(c) ** 2 for c in side_cells) / len(side_cells)
        rms = math.sqrt(mse) if math.isfinite(mse) else math.inf
        detail = (f"MSE of the predicted vs measured M/N over {len(keys)} {side} cells = {mse:.2e} (RMS "
                  f"{rms:.4f}; the paper: <= {PAPER_ERROR:g}, RMS {math.sqrt(PAPER_ERROR):.4f}); the "
                  f"measured M_pt/N's own sampling noise alone gives an expected MSE of {floors[side]:.1e}; "
                  + ", ".join(f"{k.split('-var')[0]} predicted {fit.predictions[k]:.3f} vs measured "
                              f"{fit.measured[k]:.3f} (s.e. {transition_sigma(by[k]):.3f})" for k in keys)
                  + (f"; {fitted}; prescribed weightings on the same split: {pres}"
                     if side == "train" else ""))
        evidence.append(Evidence(
            f"the fitted weighting's {side} error is consistent with the paper's MSE <= {PAPER_ERROR:g} "
            "given the measured transitions' sampling noise (95 %)",
            rms <= allowance if math.isfinite(rms) else None, detail,
            bound=Bound(rms, allowance, quantity=f"{side} RMS of predicted - measured M/N (allowance: "
                        f"sqrt({PAPER_ERROR:g}) + the 95 % noise bound sqrt(max s.e.^2 chi2_0.95(n)/n))")
            if math.isfinite(rms) else None, data=fit.to_json() if side == "train" else {}))
    status, text = decide(evidence, "EDGE-45-PAPER")
    g = records["sweep"]["training"]
    where = (f"the reduced grid ({len(cells)} of the authors' 64 cells: "
             + ", ".join(c.key.split("-var")[0] for c in cells) + f"; data seed {cells[0].setting.seed}), "
             f"{g['steps']} compressed Adam steps standing for the authors' {g['emulates']} with "
             f"R = {g['draws']}")
    numbers = (f"theta = {fit.theta:.3f}, train MSE {fit.train_mse:.1e}, test MSE {fit.test_mse:.1e} "
               f"(<= {PAPER_ERROR:g}); M_pt/N = {slope.mean:.3f} (sd {slope.sd:.3f}), s = {slope.s:.3f} "
               f"+- {slope.s_half:.3f} over {len(cells)} cells")
    result = ClaimResult("EDGE-45-PAPER", status, f"{text}: {numbers}", evidence,
                         time.perf_counter() - started)
    if status is Verdict.VERIFIED:
        k = max(fit.predictions, key=lambda key: abs(fit.predictions[key] - fit.measured[key]))
        worst = (f"{k.split('-var')[0]} ({'test' if k in fit.test else 'train'}) predicted "
                 f"{fit.predictions[k]:.3f} vs measured {fit.measured[k]:.3f}")
        gives = [k.split(" (")[0] for k, v in fit.prescribed.items()
                 if abs(v["mean_prediction"] - FOUR_FIFTHS) <= TOLERANCE]
        others = [f"{k.split(' (')[0]} ({v['mean_prediction']:.3f})" for k, v in fit.prescribed.items()
                  if abs(v["mean_prediction"] - FOUR_FIFTHS) > TOLERANCE]
        which = (f"Which reading gives 4/5 (mean prediction within {TOLERANCE}): the measured transition "
                 f"({slope.mean:.3f}), the fitted weighting ({np.mean(list(fit.predictions.values())):.3f})"
                 + "".join(f", {g}" for g in gives) + "; not: " + (", ".join(others) or "none"))
        uni = next(v for k, v in fit.prescribed.items() if k.startswith("uniform x0"))
        eps = next(v for k, v in fit.prescribed.items() if k.startswith("uniform epsilon"))
        result.status = Verdict.CONDITIONAL
        result.condition = (
            f"on {where}; the records were computed by '{REPRODUCE}' at this version's code, not in this run "
            "(re-analysed here: transitions, fit and errors computed in the run"
            + (f"; {note}" if note else "; the run's trained cell agreed with its record") + "); the "
            "weighting family lambda = psi^-theta on the epsilon loss and the error as the MSE of M/N are "
            "our reading (the authors' fitting notebook is not public). The error level 2e-4 itself is NOT "
            f"shown: the MSEs are train {fit.train_mse:.1e}, test {fit.test_mse:.1e}, consistent with 2e-4 "
            "only once the sampling noise of the measured transitions (50 DDIM samples per model; expected "
            f"MSE from it alone: train {floors['train']:.1e}, test {floors['test']:.1e}) is allowed for; the "
            f"largest deviation: {worst} (prescribed: {pres}). {which}. The paper's 64-cell grid runs with "
            "'memverify gmm fit-weighting --grid paper' on a cluster")
        result.summary = (
            f"the measured transition M_pt/N = {slope.mean:.3f} (s = {slope.s:.3f} +- {slope.s_half:.3f}) "
            f"reproduces 4/5 on the reduced grid; the fitted weighting (theta = {fit.theta:.2f}, ~uniform x0 "
            f"when 1) predicts it with train MSE {fit.train_mse:.1e}, test MSE {fit.test_mse:.1e} (paper "
            f"<= 2e-4; consistent only within the transitions' sampling noise); prescribed: uniform x0 "
            f"(EDGE-45) test MSE {uni['test_mse']:.1e}, uniform epsilon {eps['test_mse']:.1e}")
    return result
