r"""Figure of LLY26-DECOMP: the three terms' norms relative to their bounds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._render import png as _png
from ._render import pyplot as _pyplot

__all__ = ["decomposition_figure"]

_FLOOR = 1e-12  # ratios below this (exact zeros included) are drawn in the first bin


def decomposition_figure(ratios: Mapping[str, Mapping[str, Sequence[float]]], title: str = "") -> bytes:
    r"""Four panels of log-binned histograms, one curve per group (e.g. per schedule):
    :math:`\lVert\text{disc}\rVert/\text{a-posteriori bound}`,
    :math:`\lVert\text{disc}\rVert/\sqrt h`, :math:`\lVert\text{est}\rVert/\text{a-priori bound}`,
    :math:`\lVert G\rVert/\sqrt{v_h\chi^2_{d;1-\delta}}`. ``ratios[panel][group]`` holds the values;
    panels: ``"discretization"``, ``"discretization/sqrt(h)"``, ``"estimation"``, ``"gaussian"``."""
    plt = _pyplot()
    labels = {
        "discretization": r"$\|\mathrm{disc}\|$ / a-posteriori bound",
        "discretization/sqrt(h)": r"$\|\mathrm{disc}\|/\sqrt{h}$",
        "estimation": r"$\|\mathrm{est}\|$ / $h\sum_k|P_k|\sup\|e_k\|$",
        "gaussian": r"$\|G\|/\sqrt{v_h\,\chi^2_{d;1-\delta}}$",
    }
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.8))
    fig.subplots_adjust(wspace=0.3)
    for ax, (panel, label) in zip(axes, labels.items(), strict=True):
        groups = ratios.get(panel, {})
        values = [np.asarray(v, dtype=float) for v in groups.values()]
        values = [v[np.isfinite(v)] for v in values]
        pooled = np.concatenate(values) if values else np.array([])
        if pooled.size == 0:
            ax.text(0.5, 0.5, "no samples", ha="center", va="center", transform=ax.transAxes)
        else:
            lo = max(_FLOOR, float(pooled[pooled > 0].min()) if (pooled > 0).any() else _FLOOR)
            hi = max(lo * 10, float(pooled.max()) * 1.05)
            bins = np.geomspace(lo, hi, 40)
            for name, v in zip(groups, values, strict=True):
                zeros = int((v < lo).sum())
                ax.hist(np.clip(v, lo, None), bins=bins, histtype="step", linewidth=1.2,
                        label=f"{name} ({len(v)}{f', {zeros} at 0' if zeros else ''})")
            ax.set_xscale("log")
            if panel != "discretization/sqrt(h)":
                ax.axvline(1.0, color="k", linestyle="--", linewidth=0.8)
        ax.set_xlabel(label)
        ax.set_ylabel("samples")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=6)
    if title:
        fig.suptitle(title, fontsize=10)
    return _png(fig)
