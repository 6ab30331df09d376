"""Figures of the estimation-error claims: endpoints per error family, the accumulated-error bound,
and the over/underfitting regimes."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ._render import MARKERS as _MARKERS
from ._render import png as _png
from ._render import pyplot as _pyplot

__all__ = ["endpoints_figure", "bound_figure", "regimes_figure"]


def endpoints_figure(X: np.ndarray, panels: Mapping[str, tuple[np.ndarray, np.ndarray | None]],
                     title: str) -> bytes:
    """One 2-D panel per error family: endpoints (dots), training samples (x), derived limits (+);
    endpoints outside the view or diverged are counted in the panel title."""
    plt = _pyplot()
    n = len(panels)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.1 * cols, 4.2 * rows), squeeze=False)
    lo, hi = X.min(axis=0) - 1.0, X.max(axis=0) + 1.0
    for ax, (label, (ends, limits)) in zip(axes.ravel(), panels.items(), strict=False):
        finite = np.isfinite(ends).all(axis=1)
        inside = finite & (ends >= lo).all(axis=1) & (ends <= hi).all(axis=1)
        ax.scatter(ends[inside, 0], ends[inside, 1], s=9, alpha=0.6, label="endpoints")
        ax.scatter(X[:, 0], X[:, 1], marker="x", s=70, color="black", label="training samples")
        if limits is not None:
            ax.scatter(limits[:, 0], limits[:, 1], marker="+", s=110, color="red", label="derived limit")
        extra = []
        if (~finite).any():
            extra.append(f"{int((~finite).sum())} diverged")
        if (finite & ~inside).any():
            extra.append(f"{int((finite & ~inside).sum())} outside view")
        ax.set_title(label + ("\n" + ", ".join(extra) if extra else ""), fontsize=8)
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    axes[0][0].legend(fontsize=7, loc="upper right")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _png(fig)


def bound_figure(points: Mapping[str, tuple[np.ndarray, np.ndarray]], title: str) -> bytes:
    r"""Scatter of :math:`\operatorname{dist}(\hat Z_0,X)` against :math:`E^h_{\rm acc}+\mathrm{dev}_0`
    per family (log-log) with the line :math:`y=x`: points below it satisfy the bound."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5.6, 4.8))
    floor = 1e-12
    allv = []
    for k, (label, (bound, dev)) in enumerate(points.items()):
        ok = np.isfinite(bound) & np.isfinite(dev)
        if not ok.any():
            continue
        b, d = np.maximum(bound[ok], floor), np.maximum(dev[ok], floor)
        allv.extend([b.min(), b.max(), d.min(), d.max()])
        ax.scatter(b, d, s=10, alpha=0.6, marker=_MARKERS[k % len(_MARKERS)], label=label)
    if allv:
        lo, hi = min(allv) / 2, max(allv) * 2
        ax.plot([lo, hi], [lo, hi], color="black", linewidth=1, label="y = x")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"$E^h_{\rm acc}+\mathrm{dev}_0$")
    ax.set_ylabel(r"$\mathrm{dist}(\hat Z_0^h, X)$")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=8)
    return _png(fig)


def regimes_figure(rows: Sequence[tuple[str, str, float, float, str]], tau: float, title: str) -> bytes:
    r"""Training error TE against endpoint deviation ED per (family, schedule), infinite values drawn
    on the frame; the overfitting region (finite TE, ED :math:`\le\tau`) and the underfitting band
    (ED infinite or large) shaded; the marker colour is the predicate's regime."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.6, 4.8))
    finite_te = [r[2] for r in rows if math.isfinite(r[2]) and r[2] > 0] or [1.0]
    finite_ed = [r[3] for r in rows if math.isfinite(r[3]) and r[3] > 0] or [1.0]
    te_inf = max(finite_te) * 30
    ed_inf = max(max(finite_ed) * 30, 10.0)
    ed_lo = min(min(finite_ed), tau) / 10
    colours = {"overfitting": "tab:blue", "underfitting": "tab:red", "neither": "tab:green"}
    te_lo = min(finite_te) / 20
    ax.fill_between([te_lo, te_inf / 3], [ed_lo, ed_lo], [tau, tau], color="tab:blue", alpha=0.08)
    ax.axhspan(ed_inf / 3, ed_inf * 3, color="tab:red", alpha=0.08)
    families = sorted({r[0] for r in rows})
    for family, _schedule, te, ed, regime in rows:
        x = te_inf if not math.isfinite(te) else max(te, min(finite_te) / 10)
        y = ed_inf if not math.isfinite(ed) else max(ed, ed_lo)
        ax.scatter([x], [y], color=colours.get(regime, "gray"), s=28,
                   marker=_MARKERS[families.index(family) % len(_MARKERS)], alpha=0.8)
    for k, family in enumerate(families):
        ax.scatter([], [], color="gray", marker=_MARKERS[k % len(_MARKERS)], label=family)
    for regime, colour in colours.items():
        ax.scatter([], [], color=colour, marker="s", label=regime)
    ax.axhline(tau, color="tab:blue", linewidth=0.8, linestyle="--")
    ax.axvline(te_inf / 3, color="gray", linewidth=0.8, linestyle=":")
    ax.text(te_inf, ed_lo * 1.5, "TE = oo", fontsize=7, ha="center")
    ax.text(min(finite_te) / 5, ed_inf, "ED = oo", fontsize=7, va="center")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("training error TE (excess flow-matching loss)")
    ax.set_ylabel("endpoint deviation ED")
    ax.set_ylim(ed_lo, ed_inf * 3)
    ax.set_xlim(te_lo, te_inf * 3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0))
    ax.grid(alpha=0.3)
    ax.set_title(title + f"; shaded: overfitting (ED <= tau = {tau:g}), underfitting (ED = oo)", fontsize=8)
    return _png(fig)
