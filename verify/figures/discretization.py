r"""Figures of the discretization claims (LLY26-T2, LLY26-T3): log–log deviation against the step
size with fitted and predicted slopes, and the near-tie band in 2-D."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ._render import MARKERS as _MARKERS
from ._render import png as _png
from ._render import pyplot as _pyplot

__all__ = ["loglog_figure", "near_tie_band_figure"]


def loglog_figure(curves: Mapping[str, Mapping[str, Any]], title: str) -> bytes:
    r"""One panel: per schedule the median deviation against :math:`h` (markers), the band up to
    the 0.9 quantile, the fitted slope over the step sizes of the fit (solid) and a reference line
    of the predicted slope through the finest point (dotted). Each curve is a mapping with ``h``,
    ``median``, ``q90``, ``floor``, ``fit`` (slope, ci, used indices or None), ``predicted``
    (text), ``predicted_slope`` (float or None) and optionally ``extra`` = (label, values)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.6, 5.0))
    for k, (name, c) in enumerate(curves.items()):
        h = np.asarray(c["h"], dtype=float)
        floor = float(c["floor"])
        med = np.maximum(np.asarray(c["median"], dtype=float), floor)
        q90 = np.maximum(np.asarray(c["q90"], dtype=float), floor)
        fit = c.get("fit")
        label = f"{name}: predicted {c['predicted']}"
        if fit is not None and fit.get("slope") is not None:
            lo, hi = fit["ci"]
            label += f", fitted {fit['slope']:.3f} [{lo:.3f}, {hi:.3f}]"
        line = ax.loglog(h, med, marker=_MARKERS[k % len(_MARKERS)], linestyle="none", label=label)[0]
        color = line.get_color()
        ax.fill_between(h, med, q90, color=color, alpha=0.15)
        if fit is not None and fit.get("slope") is not None:
            used = list(fit["used"])
            hs = h[used]
            ax.loglog(hs, med[used[-1]] * (hs / hs[-1]) ** fit["slope"], color=color, linewidth=1.2)
        ps = c.get("predicted_slope")
        if ps is not None and np.isfinite(ps) and med[-1] > floor:
            ax.loglog(h, med[-1] * (h / h[-1]) ** ps, color=color, linestyle=":", linewidth=1.0)
        extra = c.get("extra")
        if extra is not None:
            ax.loglog(h, np.asarray(extra[1], dtype=float), color=color, linestyle="--", linewidth=0.9)
    if any(min(c["median"]) <= c["floor"] for c in curves.values()):
        ax.axhline(float(next(iter(curves.values()))["floor"]), color="grey", linewidth=0.6, linestyle="-.")
    ax.set_xlabel("step size h")
    ax.set_ylabel(r"$\min_i\Vert\hat Z_0-X_i\Vert$: median (markers), up to the 0.9 quantile (band)")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=6.5, loc="lower right")
    return _png(fig)


def near_tie_band_figure(data: Sequence[Sequence[float]], grid: np.ndarray, dev: np.ndarray, threshold: float,
                         tie_lines: Sequence[tuple[tuple[float, float], tuple[float, float]]], label: str,
                         widths: Mapping[str, tuple[Sequence[float], Sequence[float | None], Sequence[float]]]
                         ) -> bytes:
    r"""Left: starts on a grid coloured by :math:`\log_{10}` of the endpoint deviation for one
    sampler and step size, the contour where the endpoint is :math:`\Delta_{\min}/4` from every
    sample, the tie set (dashed) and the atoms. Right: the certified band half-width
    :math:`w(h)` on two atoms per schedule, with the linearized prediction :math:`1/(2G(h))`
    (dotted); ``widths[name] = (h, log10 w, log10 G)``."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13.0, 5.2))
    fig.subplots_adjust(wspace=0.45)
    X = np.asarray(data, dtype=float)
    n = int(round(np.sqrt(len(grid))))
    gx = grid[:, 0].reshape(n, n)
    gy = grid[:, 1].reshape(n, n)
    field = np.log10(np.maximum(dev, 1e-16)).reshape(n, n)
    mesh = left.pcolormesh(gx, gy, field, shading="auto", cmap="viridis", vmin=-16, vmax=0.5)
    fig.colorbar(mesh, ax=left, label=r"$\log_{10}\min_i\Vert\hat Z_0-X_i\Vert$")
    left.contour(gx, gy, dev.reshape(n, n), levels=[threshold], colors="red", linewidths=1.0)
    for (a, b) in tie_lines:
        left.plot([a[0], b[0]], [a[1], b[1]], color="white", linestyle="--", linewidth=0.8)
    left.scatter(X[:, 0], X[:, 1], color="red", marker="x", s=40, zorder=3)
    left.set_aspect("equal")
    left.set_xlim(gx.min(), gx.max())
    left.set_ylim(gy.min(), gy.max())
    left.set_title(label + f"\nred: deviation = {threshold:.3g} (ends between samples inside)", fontsize=9)
    left.set_xlabel("start, coordinate 1")
    left.set_ylabel("start, coordinate 2")
    for k, (name, (hs, logw, logg)) in enumerate(widths.items()):
        pts = [(h, w) for h, w in zip(hs, logw, strict=True) if w is not None]
        if not pts:
            continue
        line = right.plot([p[0] for p in pts], [p[1] for p in pts], marker=_MARKERS[k % len(_MARKERS)],
                          label=name)[0]
        right.plot(hs, [-g - np.log10(2) for g in logg], color=line.get_color(), linestyle=":", linewidth=1.0)
    right.set_xscale("log")
    right.set_xlabel("step size h")
    right.set_ylabel(r"$\log_{10} w(h)$ (certified); dotted: $-\log_{10}2G(h)$")
    right.set_title("band of starts (s, 1/3) ending between X = (-1, 0), (1, 0)", fontsize=9)
    right.grid(alpha=0.3, which="both")
    right.legend(fontsize=7)
    return _png(fig)
