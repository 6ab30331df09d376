"""Figures of the foundation and endpoint claims: flows, limits, trajectories, radii, commit law."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["flows_figure", "limits_figure", "trajectories_figure", "radii_histogram", "commit_law_figure"]

from ._render import MARKERS as _MARKERS
from ._render import png as _png
from ._render import pyplot as _pyplot


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
        pts = [(_time(t), abs(mpmath.mpf(e))) for t, e in rows]
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
        pts = [(_time(t), mpmath.mpf(e)) for t, e in rows]
        mid.loglog([float(t) for t, _ in pts], [float(e) for _, e in pts],
                   marker=_MARKERS[k % len(_MARKERS)], label=label)
    mid.set_xlabel("t")
    mid.set_ylabel(r"$\max_i |w_i(x,t)-w_i(x,0^+)|$")
    mid.set_title("weights: finite split of a tie", fontsize=10)
    for k, (label, rows) in enumerate(exponential_rows.items()):
        pts = [(1 / sigma2(_time(t)), -mpmath.log10(mpmath.mpf(e))) for t, e in rows]
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


def trajectories_figure(panels: Mapping[str, tuple[Sequence[Sequence[Any]], Sequence[Any]]]) -> bytes:
    r"""2-D oracle trajectories :math:`Z_t=y/(1+\ell)` (linear schedule) with the training set
    and the commit points (where the tail certificate first held)."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.2), squeeze=False)
    for ax, (name, (data, results)) in zip(axes[0], panels.items(), strict=True):
        for k, r in enumerate(results):
            if not r.path:
                continue
            zs = [[v / (1 + ell) for v in y] for ell, y in r.path]
            ax.plot([z[0] for z in zs], [z[1] for z in zs], lw=1, color=f"C{k % 10}", alpha=0.8)
            ax.plot(zs[0][0], zs[0][1], marker="o", ms=3, color=f"C{k % 10}")
            if r.commit_snr is not None and r.exact_endpoint is not None:
                zc = zs[-1]  # the path is recorded up to the commit
                end = [float(v) for v in r.exact_endpoint]
                ax.plot([zc[0], end[0]], [zc[1], end[1]], ls="--", lw=0.8, color=f"C{k % 10}")
                ax.plot(zc[0], zc[1], marker="x", ms=7, color="k")
        ax.scatter([float(row[0]) for row in data], [float(row[1]) for row in data], s=60,
                   marker="*", color="crimson", zorder=5, label="training set")
        ax.set_title(f"builtin:{name}", fontsize=10)
        ax.set_xlabel("$Z^{(1)}$")
        ax.set_ylabel("$Z^{(2)}$")
        ax.grid(alpha=0.3)
        ax.set_aspect("equal", adjustable="datalim")
    axes[0][0].legend(fontsize=8, title="o start, x commit, -- certified tail", title_fontsize=8)
    fig.suptitle("oracle flow from Gaussian starts (linear schedule, Z_t = y/(1+ell))", fontsize=10)
    fig.tight_layout()
    return _png(fig)


def radii_histogram(radii: Sequence[float]) -> bytes:
    r"""Histogram of certified tail radii :math:`R` (:math:`\lVert Z_t-\alpha X_k\rVert\le\sigma R`)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    ax.hist(radii, bins=min(20, max(5, len(radii) // 2)), color="C0", alpha=0.8)
    ax.set_xlabel(r"certified tail radius $R$")
    ax.set_ylabel("trajectories")
    ax.set_title(f"{len(radii)} certified trajectories", fontsize=10)
    ax.grid(alpha=0.3)
    return _png(fig)


def commit_law_figure(ks: Sequence[int], snrs: Sequence[float], separation: float) -> bytes:
    r"""Commit SNR against the tie offset :math:`10^{-k}` with the law
    :math:`\ell_c\approx\sqrt{8k\ln 10}/\lVert X_a-X_b\rVert`."""
    import math

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.4))
    ax.plot(ks, snrs, "o", label="certified commit SNR")
    grid = [ks[0] + (ks[-1] - ks[0]) * j / 100 for j in range(101)]
    ax.plot(grid, [math.sqrt(8 * k * math.log(10)) / separation for k in grid], "-",
            label=r"$\sqrt{8k\ln 10}/\|X_a-X_b\|$")
    ax.set_xlabel("tie offset exponent k (start at distance $10^{-k}$ from the mirror)")
    ax.set_ylabel(r"commit SNR $\ell_c$")
    right = ax.secondary_yaxis("right", functions=(_time_of_snr, _snr_of_time))
    right.set_ylabel(r"commit time $t_c=1/(1+\ell_c)$ (linear schedule)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def _time_of_snr(ell: Any) -> Any:
    r""":math:`t=1/(1+\ell)` on the linear schedule; matplotlib also asks at :math:`\ell=-1`."""
    import numpy as np

    ell = np.asarray(ell, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ell == -1, np.inf, 1 / (1 + ell))


def _snr_of_time(t: Any) -> Any:
    r""":math:`\ell=1/t-1`; matplotlib also asks at :math:`t=0` (the answer there is :math:`+\infty`)."""
    import numpy as np

    t = np.asarray(t, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(t == 0, np.inf, 1 / t - 1)


def _time(label: str):
    """A row label of the limit checks ('1e-3' or '2^-5') as an mpmath number."""
    import mpmath

    if label.startswith("2^"):
        return mpmath.mpf(2) ** int(label[2:])
    return mpmath.mpf(label)
