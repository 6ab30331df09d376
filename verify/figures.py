"""Figures (matplotlib, headless): rendered to PNG bytes so reports can write them atomically."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
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
                  algebraic_rows: Mapping[str, Sequence[tuple[str, str]]],
                  exponential_rows: Mapping[str, Sequence[tuple[str, str]]],
                  sigma2: Callable[[Any], Any]) -> bytes:
    r"""Three panels: :math:`|F(t)-1|` of the L'Hôpital factor (log-log); the weight error at a
    fixed point when the limit is a finite split (log-log, algebraic); and
    :math:`-\log_{10}` of the weight error against :math:`1/\sigma^2` when the limit is one-hot or
    an exact tie (exponential concentration: straight lines)."""
    import mpmath

    plt = _pyplot()
    fig, (left, mid, right) = plt.subplots(1, 3, figsize=(13, 3.7))
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
    for k, (label, rows) in enumerate(algebraic_rows.items()):
        pts = [(mpmath.mpf(_t(t)), mpmath.mpf(e)) for t, e in rows]
        mid.loglog([float(t) for t, _ in pts], [float(e) for _, e in pts],
                   marker=_MARKERS[k % len(_MARKERS)], label=label)
    mid.set_xlabel("t")
    mid.set_ylabel(r"$\max_i |w_i(x,t)-w_i(x,0^+)|$")
    mid.set_title("weights: finite split of a tie", fontsize=10)
    for k, (label, rows) in enumerate(exponential_rows.items()):
        pts = [(1 / sigma2(mpmath.mpf(_t(t))), -mpmath.log10(mpmath.mpf(e))) for t, e in rows]
        right.plot([float(a) for a, _ in pts], [float(b) for _, b in pts],
                   marker=_MARKERS[k % len(_MARKERS)], label=label)
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel(r"$1/\sigma(t)^2$")
    right.set_ylabel(r"$-\log_{10}\max_i |w_i(x,t)-w_i(x,0^+)|$")
    right.set_title("weights: exponential concentration", fontsize=10)
    for ax in (left, mid, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


def _t(label: str) -> str:
    """'1e-3' or '2^-5' as an mpmath-readable number."""
    if label.startswith("2^"):
        return str(mpmath_pow2(int(label[2:])))
    return label


def mpmath_pow2(k: int):
    import mpmath

    return mpmath.mpf(2) ** k
