"""Figure of EDGE-PT: memorization ratio of trained GMM denoisers against M/N, with the measured
transition window and the predicted crossovers."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ..statistics import wilson
from ._render import MARKERS as _MARKERS
from ._render import png as _png
from ._render import pyplot as _pyplot

__all__ = ["ratio_figure"]

_PRED_STYLE = ("tab:red", "tab:purple", "tab:green", "tab:brown")


def ratio_figure(curves: Sequence[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
                 windows: Sequence[tuple[float, float, float]], predicted: Mapping[str, float],
                 title: str) -> bytes:
    """``curves``: (label, M/N, memorized counts, sample counts) per cell, drawn with 95 % Wilson
    bars; ``windows``: (0.1-crossing, 1/2-crossing, 0.9-crossing) as fractions of N per cell (the
    first curve's window is shaded); ``predicted``: label -> predicted M*/N (vertical lines)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.0, 4.4))
    for i, (label, x, k, n) in enumerate(curves):
        x, k, n = np.asarray(x, float), np.asarray(k, int), np.asarray(n, int)
        order = np.argsort(x)
        x, k, n = x[order], k[order], n[order]
        r = k / n
        bars = np.array([wilson(int(a), int(b)) for a, b in zip(k, n, strict=True)])
        yerr = [np.maximum(r - bars[:, 0], 0.0), np.maximum(bars[:, 1] - r, 0.0)]
        ax.errorbar(x, r, yerr=yerr, marker=_MARKERS[i % len(_MARKERS)], markersize=4, capsize=2, linewidth=1,
                    label=label)
    for i, (lo, half, hi) in enumerate(windows):
        if i == 0 and math.isfinite(lo) and math.isfinite(hi):
            ax.axvspan(lo, hi, color="tab:blue", alpha=0.10, label="measured window (0.1 to 0.9)")
        if math.isfinite(half):
            ax.plot([half], [0.5], marker="*", markersize=12, color="black",
                    label="measured crossing of 1/2" if i == 0 else None)
    for j, (label, value) in enumerate(predicted.items()):
        ax.axvline(value, color=_PRED_STYLE[j % len(_PRED_STYLE)], linestyle="--", linewidth=1.2,
                   label=f"{label}: {value:.3f}")
    ax.axhline(0.5, color="grey", linewidth=0.6)
    ax.set_xlabel("M / N")
    ax.set_ylabel("memorization ratio (Def. 2.2)")
    ax.set_ylim(-0.03, 1.03)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(title, fontsize=8)
    return _png(fig)
