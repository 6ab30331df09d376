"""Figures (matplotlib, headless): rendered to PNG bytes so reports can write them atomically."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["flows_figure", "limits_figure"]

_MARKERS = ("o", "s", "^", "D", "v", "x")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    _pyplot().close(fig)
    return buf.getvalue()


def flows_figure(flows: Mapping[str, Mapping[str, Any]], title: str) -> bytes:
    r"""Regular coordinates :math:`y=Z/\sigma` against :math:`\ell=\alpha/\sigma` for each schedule's
    flow integrated in t: the curves coincide when CONV-SNR holds."""
    plt = _pyplot()
    first = next(iter(flows.values()))
    d = len(first["y"])
    fig, axes = plt.subplots(1, d, figsize=(4.2 * d, 3.4), squeeze=False)
    for k, (name, flow) in enumerate(flows.items()):
        ell = [float(p[0]) for p in flow["trajectory"]]
        for j in range(d):
            ys = [float(p[1][j]) for p in flow["trajectory"]]
            axes[0][j].plot(ell, ys, linestyle="none", marker=_MARKERS[k % len(_MARKERS)],
                            markersize=3.5 - 0.5 * k, markevery=max(1, len(ell) // 25),
                            label=name, alpha=0.85)
    for j in range(d):
        ax = axes[0][j]
        ax.set_xlabel(r"$\ell=\alpha/\sigma$")
        ax.set_ylabel(rf"$y^{{({j + 1})}}=Z_t^{{({j + 1})}}/\sigma$  (coordinate {j + 1})")
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return _png(fig)


def limits_figure(factor_rows: Mapping[str, Sequence[tuple[str, str]]],
                  weight_rows: Mapping[str, Sequence[tuple[str, str]]]) -> bytes:
    r"""Left: :math:`|F(t)-1|` of the L'Hôpital factor against t; right: the error of the
    softmax weights at a fixed point against t, per branch (log-log)."""
    import mpmath

    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
    for k, (name, rows) in enumerate(factor_rows.items()):
        pts = [(mpmath.mpf(_t(t)), abs(mpmath.mpf(e))) for t, e in rows]
        pts = [(t, e) for t, e in pts if e > 0]
        if not pts:
            left.plot([], [], label=f"{name} (exactly 1)")
            continue
        left.loglog([float(t) for t, _ in pts], [float(e) for _, e in pts],
                    marker=_MARKERS[k % len(_MARKERS)], label=name)
    left.set_xlabel("t")
    left.set_ylabel(r"$|\alpha-\dot\alpha\sigma/\dot\sigma-1|$")
    left.set_title("L'Hôpital factor", fontsize=10)
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    for k, (label, rows) in enumerate(weight_rows.items()):
        pts = [(mpmath.mpf(_t(t)), mpmath.mpf(e)) for t, e in rows]
        pts = [(t, e) for t, e in pts if e > 0 and e > mpmath.mpf(10) ** -300]
        if pts:
            right.loglog([float(t) for t, _ in pts], [float(e) for _, e in pts],
                         marker=_MARKERS[k % len(_MARKERS)], label=label)
    right.set_xlabel("t")
    right.set_ylabel(r"$\max_i |w_i(x,t)-w_i(x,0^+)|$")
    right.set_title("softmax weights at a fixed x", fontsize=10)
    right.grid(alpha=0.3)
    right.legend(fontsize=7)
    return _png(fig)


def _t(label: str) -> str:
    """'1e-3' or '2^-5' as an mpmath-readable number."""
    if label.startswith("2^"):
        return str(mpmath_pow2(int(label[2:])))
    return label


def mpmath_pow2(k: int):
    import mpmath

    return mpmath.mpf(2) ** k
