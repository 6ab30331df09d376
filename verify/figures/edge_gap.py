r"""Figure of EDGE-T31 (the paper's :math:`\Theta` form): the expected generalizing-minus-memorizing loss
over training sets, divided by :math:`d\sigma_\star^2/(1+\psi_t\sigma_\star^2)`, per dimension, against
:math:`t` and against the separation :math:`\psi_td\sigma_\star^2/\log N` that sets :math:`\kappa(d)`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._render import MARKERS as _MARKERS
from ._render import png as _png
from ._render import pyplot as _pyplot

__all__ = ["gap_ratio_figure"]


def gap_ratio_figure(series: Sequence[dict], band: tuple[float, float], title: str) -> bytes:
    r"""``series``: one dict per dimension with ``d``, ``N``, ``var_star``, ``times``, ``psi``, ``ratio``,
    ``half_width``, ``kappa`` (:meth:`verify.gmm.expected_gap.GapSeries.to_json`). Left: ratio against
    :math:`t` with 95 % bands, the band :math:`[c_1,c_2]` and :math:`\hat\kappa(d)` (dotted verticals).
    Right: the same against :math:`\psi_td\sigma_\star^2/\log N` (log axis): the curves collapse when
    :math:`1-\kappa(d)\propto\log N/d`."""
    plt = _pyplot()
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11.0, 4.4))
    for k, s in enumerate(series):
        t, r, h = (np.asarray(s[key], dtype=float) for key in ("times", "ratio", "half_width"))
        x = np.asarray(s["psi"], dtype=float) * s["d"] * s["var_star"] / np.log(s["N"])
        label = f"d = {s['d']}, N = {s['N']}"
        line, = ax.plot(t, r, marker=_MARKERS[k % len(_MARKERS)], ms=3, lw=1.1, label=label)
        ax.fill_between(t, r - h, r + h, color=line.get_color(), alpha=0.2, lw=0)
        if s.get("kappa") is not None:
            ax.axvline(s["kappa"], color=line.get_color(), ls=":", lw=1.0)
        bx.plot(x, r, marker=_MARKERS[k % len(_MARKERS)], ms=3, lw=1.1, color=line.get_color(), label=label)
        bx.fill_between(x, r - h, r + h, color=line.get_color(), alpha=0.2, lw=0)
    for axis in (ax, bx):
        for ref in band:
            axis.axhline(ref, color="black", lw=0.8, ls="--")
        axis.axhline(1.0, color="gray", lw=0.6, ls=":")
        axis.set_ylabel(r"$\mathbb{E}[\mathcal{L}_{\rm gen}-\mathcal{L}_{\rm mem}]\,/\,"
                        r"(d\sigma_\star^2/(1+\psi_t\sigma_\star^2))$")
        axis.grid(alpha=0.3, which="both")
        axis.legend(fontsize=7)
    ax.set_xlabel(r"$t$ (dotted: $\hat\kappa(d)$, the band holds up to it)")
    bx.set_xscale("log")
    bx.set_xlim(right=1e3)  # beyond, every curve sits at 1 (the low-noise end)
    bx.set_xlabel(r"$\psi_t\,d\sigma_\star^2/\log N$")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _png(fig)
