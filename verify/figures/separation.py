r"""Figures of the separation claims (Ye, Zhu, Tao, Chen): the loss gap
:math:`\mathbb E_{\mathcal D}[\mathrm{Loss\text{-}Gap}_s]` against ``s`` with its small-s asymptote and
departure points (SEP-T43), and log-log curves of any positive quantity against ``s`` (SEP-LIP)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._render import MARKERS as _MARKERS
from ._render import png as _png
from ._render import pyplot as _pyplot

__all__ = ["GapPanel", "gap_figure", "lipschitz_figure"]

#: A panel: s values, label -> (mean, 95 % half-width), asymptote, label -> departure s (or None).
GapPanel = tuple[Sequence[float], Mapping[str, tuple[Sequence[float], Sequence[float]]], Sequence[float],
                 Mapping[str, float | None]]


def gap_figure(panels: Mapping[str, GapPanel], title: str) -> bytes:
    r"""One log-log panel per title: the gap per label (markers, 95 % band), the asymptote
    :math:`\sum_j(\sigma_s^{-2}-(\alpha_s^2\lambda_j+\sigma_s^2)^{-1})` (dashed) and each label's
    departure point (vertical dotted line in the label's colour). Non-positive values are not drawn."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, max(1, len(panels)), figsize=(4.6 * max(1, len(panels)), 4.2), squeeze=False)
    for ax, (name, (s, curves, asym, departures)) in zip(axes[0], panels.items(), strict=False):
        s_arr = np.asarray(s, dtype=float)
        for k, (label, (mean, half)) in enumerate(curves.items()):
            m, h = np.asarray(mean, dtype=float), np.asarray(half, dtype=float)
            ok = m > 0
            line, = ax.plot(s_arr[ok], m[ok], marker=_MARKERS[k % len(_MARKERS)], ms=3, lw=1.1, label=label)
            lo = np.where(m - h > 0, m - h, np.nan)
            ax.fill_between(s_arr, lo, m + h, color=line.get_color(), alpha=0.2, lw=0)
            dep = departures.get(label)
            if dep is not None:
                ax.axvline(dep, color=line.get_color(), ls=":", lw=1.0)
        ax.plot(s_arr, np.asarray(asym, dtype=float), "k--", lw=1.0, label="small-s asymptote")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("s (Ye convention)")
        ax.set_ylabel(r"$\mathbb{E}_{\mathcal{D}}[\mathrm{Loss\text{-}Gap}_s]$")
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=7, loc="lower left")
    fig.suptitle(f"{title}\ndotted: departure (gap < 0.9 x asymptote)", fontsize=9)
    fig.tight_layout()
    return _png(fig)


def lipschitz_figure(rows: dict[str, tuple[list[float], list[float]]], title: str) -> bytes:
    """Log-log curves ``label -> (s values, quantity)``; non-positive values are not drawn."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    for k, (label, (s, y)) in enumerate(rows.items()):
        s_arr, y_arr = np.asarray(s, dtype=float), np.asarray(y, dtype=float)
        ok = y_arr > 0
        ax.plot(s_arr[ok], y_arr[ok], marker=_MARKERS[k % len(_MARKERS)], ms=3, lw=1.1, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("s (Ye convention)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, which="both")
    if rows:
        ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)
