r"""LLY26-T2-LAW and LLY26-T3-LAW: "generated samples remain centered around training samples, with
deviations controlled by the step size", read in law.

The registered LLY26-T2 / LLY26-T3 bound the pathwise distance :math:`\min_i\lVert\hat Z_0^h-X_i\rVert`
and need a margin (a start on the tie set of two atoms ends between them for every :math:`h`). In
law the statement is :math:`W_1(\mu_h,\mu_0)\le C\sqrt h`, :math:`\mu_h` the law of the Euler
(Euler–Maruyama) endpoint and :math:`\mu_0` that of the continuous-time oracle endpoint, the atoms
with their basin probabilities (:mod:`verify.sampling.wasserstein`: an exact lower bound, the mean
pathwise deviation, and the synchronous coupling as the upper bound). Decided on the sweep of
LLY26-T2 / LLY26-T3 (:func:`verify.checks.discretization.study`, shared within a run; nothing is
re-run): per schedule the fitted exponent of the upper bound with its bootstrap interval, the
constant, the share of starts the discretization sends to another atom, and the part of the
near-tie band (starts below the pathwise margin, all included here).
"""

from __future__ import annotations

import math
import time

from ..datasets import load_dataset
from ..registry import RunContext
from ..sampling.laws import QUARTER_POWER
from ..sampling.wasserstein import EXPONENT_TOLERANCE, LawDistance, band_decay, law_distance
from ..statistics import wilson
from ..verdicts import Bound, ClaimResult, Evidence, Verdict, decide
from . import reused_within_a_run
from .discretization import Study, _fmt_list, _num, study

__all__ = ["ALPHA_UNIFORM", "check_lly26_t2_law", "check_lly26_t3_law", "law_distances"]

#: Level of the chi-square test of the reference atoms against the uniform basin law.
ALPHA_UNIFORM = 0.001


def law_distances(st: Study) -> dict[str, LawDistance]:
    """The in-law bounds of every schedule of a study (from its sweeps; nothing is re-run)."""
    return {name: law_distance(st.sweeps[name], st.data, seed=st.seed, boot=st.settings.boot,
                               uniform_atoms=st.sweeps[name].t_start == 1)
            for name in st.names}


def _sqrt_law(st: Study, name: str) -> bool:
    return _num(st.predictions[name]["p"]) >= 0.5


def _fit_text(law: LawDistance, which: str) -> str:
    fit = law.upper_fit if which == "upper" else law.lower_fit
    return "at the float64 floor" if fit.slope is None else fit.text()


def _law_evidence(st: Study, name: str, law: LawDistance) -> Evidence:
    fit = law.upper_fit
    uniform_ok = law.uniform_p is None or law.uniform_p > ALPHA_UNIFORM
    passed = law.holds and uniform_ok and law.excluded == 0
    hs = ", ".join(f"1/{round(1 / h)}" if st.sweeps[name].t_start == 1 else f"{h:.4g}" for h in law.h)
    if fit.slope is None:
        bound = Bound(law.upper[-1], st.sweeps[name].floor, quantity="coupling bound at the finest h "
                      "(at the float64 floor)")
    elif fit.ci is not None:
        bound = Bound(fit.ci[1], 0.5, ">=", quantity="upper end of the 95 % interval of the fitted "
                      "exponent of the W_1 upper bound (W_1 <= C sqrt(h) needs >= 1/2; the fit itself "
                      f">= 1/2 - {EXPONENT_TOLERANCE})")
    else:
        bound = None
    per_h = [(u + law.allowance) / math.sqrt(h) for u, h in zip(law.upper, law.h, strict=True)]
    reference = (f"reference atoms: K = {law.reference}; estimated reference error "
                 f"eps = E|X_k(K/2) - X_k(K)| = {law.allowance:.3g}")
    if law.uniform_p is not None:
        reference += (f"; their frequencies against the exact basin law p_i = 1/N (a start at t = 1 "
                      f"transports rho_t): chi-square p = {law.uniform_p:.3g}")
    return Evidence(
        check=f"{st.method} endpoint law vs the oracle endpoint law [{name}]: W_1 <= C sqrt(h)",
        passed=True if passed else None,
        detail=f"{st.starts.shape[0]} Gaussian starts, N = {st.data.shape[0]}, d = {st.data.shape[1]}, "
               f"every start included (no margin); h = {hs}. Lower bound E min_i |Z_0 - X_i| (exact "
               f"inequality): {_fmt_list(law.lower)}, {_fit_text(law, 'lower')}. Upper bound, the "
               f"synchronous coupling E|Z_0^h - X_k*|: {_fmt_list(law.upper)}, {_fit_text(law, 'upper')}; "
               f"(upper + eps)/sqrt(h) per h: {_fmt_list(per_h)}, max C = {law.constant:.3g}. Share of "
               f"starts sent to another atom than the reference (what a pathwise min-distance bound "
               f"does not control): {_fmt_list(law.misassigned)}. {reference}",
        bound=bound,
        data={"h": list(law.h), "steps": list(law.steps), "lower": list(law.lower), "upper": list(law.upper),
              "upper_fit": {"slope": fit.slope, "ci": list(fit.ci) if fit.ci else None},
              "lower_fit": {"slope": law.lower_fit.slope,
                            "ci": list(law.lower_fit.ci) if law.lower_fit.ci else None},
              "C": law.constant, "allowance": law.allowance, "misassigned": list(law.misassigned),
              "uniform_p": law.uniform_p, "reference": law.reference},
    )


def _condition_evidence(st: Study, name: str, law: LawDistance) -> Evidence:
    lo = law.lower_fit
    return Evidence(
        check=f"the condition sigma(t) = O(sqrt t) is needed in law too [{name}: sigma ~ "
              f"h^{st.predictions[name]['p']}]",
        passed=True if law.fails else None,
        detail=f"W_1 >= E min_i |Z_0 - X_i| = {_fmt_list(law.lower)}: {_fit_text(law, 'lower')}, below 1/2; "
               f"max (upper + eps)/sqrt(h) = {law.constant:.3g} grows as h -> 0",
        bound=Bound(lo.ci[1], 0.5, "<", quantity="upper end of the 95 % interval of the exponent of the "
                    "W_1 lower bound") if lo.ci is not None else None,
    )


def _margin_evidence(st: Study, laws: dict[str, LawDistance]) -> Evidence:
    rows, failing = [], 0
    worst_tie = 0.0
    square = load_dataset("builtin:square")
    diameter = max(math.dist([float(v) for v in a], [float(v) for v in b]) for a in square for b in square)
    for name in (n for n in st.names if _sqrt_law(st, n)):
        law = laws[name]
        decays, slope = band_decay(law)
        failing += not decays
        tp = st.ties[name]
        hi = wilson(tp.counts[-1], tp.n)[1]
        h_fin = float(st.sweeps[name].t_start) / tp.steps[-1]
        worst_tie = max(worst_tie, hi * diameter / math.sqrt(h_fin))
        rows.append(f"{name}: below the margin {_fmt_list(law.band_share)} of the starts, their part of "
                    f"the coupling bound {_fmt_list(law.band_cost)}"
                    + ("" if slope is None else f" (finest local slope {slope:.2f})")
                    + f"; builtin:square: P(end between samples) <= {hi:.2e} at K = {tp.steps[-1]} "
                    f"(Wilson 95 %), part of W_1 <= {hi * diameter:.2e} vs sqrt(h) = {math.sqrt(h_fin):.3g}")
    ties = ""
    if st.exact:
        ties = (" The exact tie start of LLY26-T2 (deviation >= 1 for every h) is one point of a "
                "hyperplane: probability 0, no weight in law.")
    ok = failing == 0 and worst_tie <= 1
    return Evidence(
        check=f"{st.method}: the in-law bound needs no margin (near-tie starts included)",
        passed=True if ok else None,
        detail="the W_1 bounds above average over every start; the starts below the pathwise last-step "
               "margin G(h) (where the min-distance bound fails) contribute a part that vanishes faster "
               "than sqrt(h): " + "; ".join(rows) + "." + ties,
        bound=Bound(failing, 0, quantity="schedules whose near-tie part of the bound does not vanish faster "
                    "than sqrt(h) (and the tie probability times the diameter stays below sqrt(h))"),
    )


def _summary_rows(st: Study, laws: dict[str, LawDistance]) -> str:
    out = []
    for name in st.names:
        fit = laws[name].upper_fit
        if fit.slope is None:
            out.append(f"{name}: at the floor")
        elif fit.ci is not None:
            out.append(f"{name}: {fit.slope:.3f} [{fit.ci[0]:.3f}, {fit.ci[1]:.3f}]")
    return "; ".join(out)


def _check(ctx: RunContext, method: str, claim: str, pathwise: str) -> ClaimResult:
    started = time.perf_counter()
    st = study(ctx, method)  # the sweep of LLY26-T2 / LLY26-T3 (computed once per run)
    ctx.progress(f"{claim}: in-law bounds from the {method} sweep")
    laws = law_distances(st)
    evidence: list[Evidence] = []
    for name in st.names:
        if _sqrt_law(st, name):
            evidence.append(_law_evidence(st, name, laws[name]))
        else:
            evidence.append(_condition_evidence(st, name, laws[name]))
    evidence.append(_margin_evidence(st, laws))
    status, summary = decide(evidence, f"{method} endpoint law within C sqrt(h) of the oracle law")
    result = ClaimResult(claim, status, summary, evidence, time.perf_counter() - started)
    if status is Verdict.VERIFIED:
        sqrt_names = [n for n in st.names if _sqrt_law(st, n)]
        C = max(laws[n].constant for n in sqrt_names)
        bad = [n for n in st.names if not _sqrt_law(st, n)]
        quarter = laws.get(QUARTER_POWER[0])
        result.status = Verdict.CONDITIONAL
        result.condition = (
            "(a) sigma(t) = O(sqrt t) near t = 0 (" + ", ".join(bad) + " fails in law as well: W_1 >= "
            + ("E dev ~ h^" + f"{quarter.lower_fit.slope:.3f}" if quarter and quarter.lower_fit.slope else
               "E dev") + ")"
            + ("; (b) zeta(t) = O(sigma sigma') near 0 (constant zeta: LLY26-T3)"
               if method != "euler" else "")
            + "; no margin: every start counts. Estimated from the sweep: the oracle's atoms are those of "
            "the finest step size (its error eps is added to C); the exponents are 95 % bootstrap "
            "intervals over starts, not proofs.")
        result.summary = (f"in law W_1(Law Z_0^h, oracle law) <= C sqrt(h) with every start, C = {C:.3g}; "
                          f"fitted exponents of the coupling bound: {_summary_rows(st, laws)}; the pathwise "
                          f"reading ({pathwise}) needs a margin, the in-law one does not")
    return result


@reused_within_a_run
def check_lly26_t2_law(ctx: RunContext) -> ClaimResult:
    """Euler: W_1 between the endpoint law and the oracle's, from the LLY26-T2 sweep."""
    return _check(ctx, "euler", "LLY26-T2-LAW", "LLY26-T2")


@reused_within_a_run
def check_lly26_t3_law(ctx: RunContext) -> ClaimResult:
    """Euler-Maruyama: W_1 between the endpoint law and the oracle's, from the LLY26-T3 sweep."""
    return _check(ctx, "euler-maruyama", "LLY26-T3-LAW", "LLY26-T3")
