r"""Figures of the loss claims of the Gaussian-mixture laboratory (EDGE-T31, EDGE-T32, EDGE-45):
training losses against :math:`t` with the two approximations, and the constant :math:`C(t)`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._render import MARKERS as _MARKERS
from ._render import png as _png
from ._render import pyplot as _pyplot

__all__ = ["losses_figure", "c_figure"]

#: Losses below this are drawn at it (log axis); the memorizing loss underflows to 0 at low noise.
FLOOR = 1e-6


def losses_figure(times: np.ndarray, losses: Mapping[str, tuple[np.ndarray, np.ndarray]],
                  approximations: Mapping[str, tuple[str, np.ndarray]], title: str) -> bytes:
    r"""Monte-Carlo losses (solid, 95 % bands) and approximations (dashed, in the colour of the loss
    they approximate), log scale, :math:`x_0` units; ``losses``: label -> (mean, half-width),
    ``approximations``: label -> (label of the approximated loss, curve). Values below
    :data:`FLOOR` are drawn at it."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7.6, 5.0))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    color_of = {}
    for k, (label, (mean, half)) in enumerate(losses.items()):
        color = color_of[label] = colors[k % len(colors)]
        lo = np.maximum(mean - half, FLOOR)
        hi = np.maximum(mean + half, FLOOR)
        ax.plot(times, np.maximum(mean, FLOOR), marker=_MARKERS[k % len(_MARKERS)], ms=3, lw=1.2,
                color=color, label=label)
        ax.fill_between(times, lo, hi, color=color, alpha=0.25, lw=0)
    for label, (of, curve) in approximations.items():
        ax.plot(times, np.maximum(curve, FLOOR), ls="--", lw=1.0, color=color_of.get(of, "gray"), label=label)
    ax.set_yscale("log")
    ax.set_xlabel("t")
    ax.set_ylabel(r"training loss $\mathcal{L}_{N,t}$ ($x_0$ units)")
    ax.set_title(f"{title}\nvalues below {FLOOR:g} drawn at {FLOOR:g}", fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=7, loc="lower right", ncol=2, framealpha=0.9)
    fig.tight_layout()
    return _png(fig)


def c_figure(times: np.ndarray, profiles: Mapping[str, tuple[np.ndarray, np.ndarray]],
             low_noise: Mapping[str, Sequence[tuple[float, float, float]]], title: str,
             grid_title: str = "dependence on d and N") -> bytes:
    r"""Left: :math:`C(t)` per :math:`M/N` with 95 % bands and the band :math:`[1,2]`. Right: the
    low-noise :math:`C` against :math:`M/N` per cell (``low_noise``: cell label -> (M/N, C, half))."""
    plt = _pyplot()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11.0, 4.4))
    for k, (label, (mean, half)) in enumerate(profiles.items()):
        line, = ax.plot(times, mean, marker=_MARKERS[k % len(_MARKERS)], ms=3, lw=1.1, label=label)
        ax.fill_between(times, mean - half, mean + half, color=line.get_color(), alpha=0.25, lw=0)
    for ref in (1.0, 2.0):
        ax.axhline(ref, color="black", lw=0.8, ls=":")
    ax.set_xlabel("t")
    ax.set_ylabel(r"$C(t)=(\mathcal{L}_{\rm pmem}-\mathcal{L}_{\rm mem})/(d\sigma_\star^2(1-M/N))$")
    ax.set_title("paper's setting", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    for k, (label, rows) in enumerate(low_noise.items()):
        arr = np.asarray(rows, dtype=float).reshape(-1, 3)
        bx.errorbar(arr[:, 0], arr[:, 1], yerr=arr[:, 2], marker=_MARKERS[k % len(_MARKERS)], ms=4,
                    capsize=2, lw=1.0, label=label)
    for ref in (1.0, 2.0):
        bx.axhline(ref, color="black", lw=0.8, ls=":")
    bx.set_xlabel("M/N")
    bx.set_ylabel("C at the lowest noise level")
    bx.set_title(grid_title, fontsize=9)
    bx.grid(alpha=0.3)
    bx.legend(fontsize=7, ncol=2)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _png(fig)
