r"""Training the :math:`M`-component denoiser by full-batch Adam, as the authors' code does.

The model (research note §2c) has means :math:`\mu_1..\mu_M`, one shared standard deviation
:math:`s` (variance :math:`s^2`), uniform fixed priors, parameters shared across :math:`t`; its
:math:`x_0`-prediction is the Bayes posterior mean of :mod:`verify.gmm.denoisers`. One step
(research note §5b):

* one :math:`t_i` per training point, uniform on the 26-point grid, and :math:`R` noise draws
  :math:`\varepsilon_{ir}`, :math:`x_{ir}=\alpha_{t_i}x_i+\sigma_{t_i}\varepsilon_{ir}`;
* ε-prediction loss :math:`L=\frac1{NR}\sum_{i,r}\lVert\hat\varepsilon(x_{ir},t_i)-\varepsilon_{ir}\rVert^2`
  (sum over coordinates), with :math:`\hat\varepsilon-\varepsilon=\frac{\alpha}{\sigma}(x_0-\hat x_0)`;
* analytic gradients in numpy (:func:`loss_and_grad`, derived by hand through the softmax and
  checked against finite differences in the tests); :func:`train` runs the same formulas as
  :func:`loss_and_grad_fast` (batch rows last, no temporaries, logits floored at
  :data:`LOGIT_FLOOR` below their maximum), equal to :func:`loss_and_grad` to rounding (tested);
* ``optax.chain(adam(lr, 0.9, 0.999, 1e-8), ema(0.99))``: Adam's update is then smoothed by a
  debiased exponential moving average of the *updates* (``optax.ema`` with its default
  ``debias=True``: :math:`e_k=\beta e_{k-1}+(1-\beta)u_k`, output :math:`e_k/(1-\beta^k)`), not of
  the weights;
* learning rate (``wsd`` of the authors' code, warm-up then decay, no constant phase):
  linear :math:`0\to10^{-3}` over the first 10 % of the steps, then linear to :math:`10^{-6}`;
  step :math:`k` (from 0) uses the rate at :math:`k`, as ``optax.scale_by_schedule`` does.

Initialization (``PMEM``): means at :math:`M` distinct training points drawn uniformly without
replacement (when :math:`M>N`, all points plus :math:`M-N` drawn with replacement),
:math:`s=10^{-3}`.

**Time compression (our deviation, measured).** The authors run :math:`S_0=50\,000` steps with
:math:`R=100` draws. The dynamics are slow because Adam's second moment (memory
:math:`1/(1-b_2)=1000` steps) remembers the huge gradients of the start (the ε-loss of a
non-memorized point at :math:`t=0.001` is :math:`\psi\approx10^6` times its :math:`x_0` error), so
simply cutting the steps leaves every model at its memorizing start. :meth:`TrainingConfig.compressed`
runs :math:`S=S_0/\kappa` steps with every time constant scaled by :math:`\kappa`: learning rates
:math:`\times\kappa`, :math:`b_1^\kappa`, :math:`b_2^\kappa`, EMA decay :math:`\beta^\kappa`, the same
schedule shape. Measured against 50 000-step runs (R = 8) on d = 20, K = 3, N = 40
(:math:`\kappa=10,25,50`) and d = 30, K = 3, N = 50 (:math:`\kappa=10,25`): the memorization ratio
agrees within 0.12 (binomial s.e. of 50 samples: up to 0.07) and the learned :math:`s` within 0.02
for every M; R = 2, 8 and 100 draws agree as closely (benchmarks/README.md).
:meth:`TrainingConfig.paper` is the authors' uncompressed schedule.

**Rounding.** From :math:`s=10^{-3}` the dynamics amplify rounding without bound: a one-ulp change
of the initial :math:`s` moves single memorization ratios of the EDGE-PT cell by up to 0.08 and
:math:`M_{1/2}/N` by about 0.007 (benchmarks/README.md, issue 14). A result is reproducible bit for
bit on one machine and library build, not across them; the evidence is the curve, not its last
digits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from .data import GMMData, GMMError, paper_grid, process
from .denoisers import MixtureDenoiser

__all__ = ["TrainingConfig", "TrainingResult", "Adam", "UpdateEMA", "wsd_learning_rate", "init_means",
           "loss_and_grad", "loss_and_grad_fast", "train", "DEFAULT_DRAWS", "DEFAULT_STEPS",
           "TRAINING_BLAS_THREADS"]

#: Noise draws per training point and step (the authors: 100). Measured: R = 8 keeps the benchmark
#: case (d = 50, N = 200, M = 160, 5 000 steps) well under 60 s on two shared cores.
DEFAULT_DRAWS = 8
#: Steps of one compressed training run.
DEFAULT_STEPS = 5000
#: The authors' number of steps, emulated by :meth:`TrainingConfig.compressed`.
PAPER_STEPS = 50_000


#: Floor of the shifted logits in :func:`loss_and_grad_fast`: a component whose weight is below
#: :math:`e^{-60}\approx9\cdot10^{-27}` of the largest gets that weight instead, a relative change of any
#: weighted sum of at most :math:`M e^{-60}` (below double rounding for :math:`M<10^{10}`). It keeps
#: ``exp`` off its slow underflow path and the products off subnormal numbers: a memorizing model
#: (s near 0) has nearly all logits below :math:`-10^3`.
LOGIT_FLOOR = -60.0

#: BLAS threads of every measured model (training and sampling, :func:`~.sweep.measure_point`),
#: whatever the process has: a threaded BLAS may split the matrix products differently, and training
#: amplifies rounding, so the memorized counts (and the records of EDGE-45-PAPER) would depend on the
#: number of cores.
TRAINING_BLAS_THREADS = 1


@dataclass(frozen=True)
class TrainingConfig:
    """Hyper-parameters of one training run (defaults: the authors' except steps and draws)."""

    steps: int = DEFAULT_STEPS
    draws: int = DEFAULT_DRAWS
    peak_lr: float = 1e-3
    final_lr: float = 1e-6
    warmup_fraction: float = 0.1
    b1: float = 0.9
    b2: float = 0.999
    eps: float = 1e-8
    ema_decay: float = 0.99
    init_std: float = 1e-3
    schedule: str = "vp-linear-sigma"
    times: tuple[float, ...] | None = None  # None: the paper's 26-point grid
    dtype: str = "float64"
    log_every: int = 250
    emulates: int | None = None  # the uncompressed number of steps this schedule stands for

    @classmethod
    def paper(cls, draws: int = 100, **kw) -> TrainingConfig:
        """The authors' schedule: 50 000 steps, R = 100 draws, lr 1e-3, b = (0.9, 0.999), EMA 0.99."""
        return cls(steps=PAPER_STEPS, draws=draws, emulates=PAPER_STEPS, **kw)

    @classmethod
    def compressed(cls, steps: int = DEFAULT_STEPS, draws: int = DEFAULT_DRAWS,
                   reference_steps: int = PAPER_STEPS, **kw) -> TrainingConfig:
        r"""``reference_steps`` of the authors' schedule emulated in ``steps``: with
        :math:`\kappa=` reference/steps, learning rates :math:`\times\kappa` and
        :math:`b_1^\kappa, b_2^\kappa, \beta_{\rm ema}^\kappa` (each step stands for :math:`\kappa` steps)."""
        if not isinstance(steps, int | np.integer) or steps < 1:
            raise GMMError(f"steps must be a positive integer, got {steps!r}")
        if reference_steps < steps:
            raise GMMError(f"cannot compress {reference_steps} steps into more steps ({steps})")
        k = reference_steps / steps
        base = cls()
        return cls(steps=steps, draws=draws, peak_lr=base.peak_lr * k, final_lr=base.final_lr * k,
                   b1=base.b1**k, b2=base.b2**k, ema_decay=base.ema_decay**k, emulates=reference_steps, **kw)

    def __post_init__(self) -> None:
        if not isinstance(self.steps, int | np.integer) or self.steps < 1:
            raise GMMError(f"steps must be a positive integer, got {self.steps!r}")
        if not isinstance(self.draws, int | np.integer) or self.draws < 1:
            raise GMMError(f"draws must be a positive integer, got {self.draws!r}")
        if not 0 <= self.warmup_fraction < 1:
            raise GMMError(f"warmup_fraction must be in [0, 1), got {self.warmup_fraction}")
        if not (self.peak_lr > 0 and self.final_lr >= 0):
            raise GMMError("learning rates must be positive (final >= 0)")
        if not (0 <= self.b1 < 1 and 0 <= self.b2 < 1 and 0 <= self.ema_decay < 1):
            raise GMMError("b1, b2 and ema_decay must lie in [0, 1)")
        if self.dtype not in ("float64", "float32"):
            raise GMMError(f"dtype must be float64 or float32, got {self.dtype!r}")
        if self.times is not None:
            t = np.asarray(self.times, dtype=float)
            if t.ndim != 1 or len(t) == 0 or not ((t > 0) & (t < 1)).all():
                raise GMMError("training times must be a non-empty list inside (0, 1)")

    def grid(self) -> np.ndarray:
        return paper_grid() if self.times is None else np.asarray(self.times, dtype=float)

    def to_json(self) -> dict:
        out = asdict(self)
        out["times"] = None if self.times is None else list(self.times)
        return out


@dataclass
class TrainingResult:
    """The trained denoiser, its parameters, the per-step loss and the initial subset."""

    denoiser: MixtureDenoiser
    std: float
    history: np.ndarray  # (steps,) training loss (ε units) of each step's batch
    init_indices: np.ndarray  # (M,) training rows the means started at
    seconds: float
    config: TrainingConfig = field(repr=False)


def wsd_learning_rate(step: int | np.ndarray, steps: int, peak: float = 1e-3, final: float = 1e-6,
                      warmup_fraction: float = 0.1) -> np.ndarray:
    r"""The authors' warm-up/decay schedule at ``step`` (from 0): :math:`\eta_k=p\,k/W` for
    :math:`k<W=\lfloor f\,S\rfloor`, then :math:`p+(q-p)\min(k-W,D)/D`, :math:`D=S-W`
    (``optax.join_schedules`` of two ``linear_schedule``)."""
    k = np.asarray(step, dtype=float)
    warm = int(steps * warmup_fraction)
    decay = steps - warm
    up = peak * np.clip(k / warm, 0.0, 1.0) if warm > 0 else np.full_like(k, peak)
    down = peak + (final - peak) * (np.clip((k - warm) / decay, 0.0, 1.0) if decay > 0 else 1.0)
    return np.where(k < warm, up, down)


class Adam:
    r"""``optax.scale_by_adam`` followed by the learning rate: :math:`m\leftarrow b_1m+(1-b_1)g`,
    :math:`v\leftarrow b_2v+(1-b_2)g^2`, :math:`u=-\eta\,\hat m/(\sqrt{\hat v}+\epsilon)` with the
    bias corrections :math:`\hat m=m/(1-b_1^k)`, :math:`\hat v=v/(1-b_2^k)`."""

    def __init__(self, shapes: list[tuple[int, ...]], b1: float = 0.9, b2: float = 0.999,
                 eps: float = 1e-8, dtype: type = np.float64) -> None:
        self.b1, self.b2, self.eps = b1, b2, eps
        self.m = [np.zeros(s, dtype=dtype) for s in shapes]
        self.v = [np.zeros(s, dtype=dtype) for s in shapes]
        self.count = 0

    def update(self, grads: list[np.ndarray], lr: float) -> list[np.ndarray]:
        self.count += 1
        c1, c2 = 1.0 - self.b1**self.count, 1.0 - self.b2**self.count
        out = []
        for m, v, g in zip(self.m, self.v, grads, strict=True):
            m *= self.b1
            m += (1.0 - self.b1) * g
            v *= self.b2
            v += (1.0 - self.b2) * (g * g)
            out.append(-lr * (m / c1) / (np.sqrt(v / c2) + self.eps))
        return out


class UpdateEMA:
    r"""``optax.ema(decay, debias=True)`` on the updates: :math:`e_k=\beta e_{k-1}+(1-\beta)u_k`,
    output :math:`e_k/(1-\beta^k)`."""

    def __init__(self, shapes: list[tuple[int, ...]], decay: float = 0.99, dtype: type = np.float64) -> None:
        self.decay = decay
        self.e = [np.zeros(s, dtype=dtype) for s in shapes]
        self.count = 0

    def update(self, updates: list[np.ndarray]) -> list[np.ndarray]:
        self.count += 1
        debias = 1.0 - self.decay**self.count
        out = []
        for e, u in zip(self.e, updates, strict=True):
            e *= self.decay
            e += (1.0 - self.decay) * u
            out.append(e / debias)
        return out


class _AdamEMA:
    r""":class:`Adam` then :class:`UpdateEMA` for the two parameters of :func:`train` — the means
    (updated in place, no temporaries) and the scalar :math:`s` (Python floats) — with the same
    operations in the same order as the two classes (equal bit for bit in float64, tested)."""

    def __init__(self, shape: tuple[int, ...], config: TrainingConfig, dtype: np.dtype) -> None:
        self.b1, self.b2, self.eps, self.decay = config.b1, config.b2, config.eps, config.ema_decay
        self.m, self.v, self.e, self.t, self.u = (np.zeros(shape, dtype=dtype) for _ in range(5))
        self.ms = self.vs = self.es = 0.0
        self.count = 0

    def step(self, means: np.ndarray, grad: np.ndarray, std: float, grad_std: float, lr: float) -> float:
        """Apply one update to ``means`` in place; return the updated ``std``."""
        self.count += 1
        b1, b2, decay = self.b1, self.b2, self.decay
        c1, c2, debias = 1.0 - b1**self.count, 1.0 - b2**self.count, 1.0 - decay**self.count
        m, v, e, t, u = self.m, self.v, self.e, self.t, self.u
        m *= b1
        np.multiply(grad, 1.0 - b1, out=t)
        m += t
        v *= b2
        np.multiply(grad, grad, out=t)
        t *= 1.0 - b2
        v += t
        np.divide(m, c1, out=u)
        u *= -lr
        np.divide(v, c2, out=t)
        np.sqrt(t, out=t)
        t += self.eps
        u /= t
        e *= decay
        u *= 1.0 - decay
        e += u
        np.divide(e, debias, out=u)
        means += u
        self.ms = self.ms * b1 + (1.0 - b1) * grad_std
        self.vs = self.vs * b2 + (1.0 - b2) * (grad_std * grad_std)
        us = -lr * (self.ms / c1) / (math.sqrt(self.vs / c2) + self.eps)
        self.es = self.es * decay + (1.0 - decay) * us
        return std + self.es / debias


def init_means(train: np.ndarray, M: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``PMEM``: M distinct training rows (all rows plus M - N with replacement when M > N)."""
    N = len(train)
    if not isinstance(M, int | np.integer) or M < 1:
        raise GMMError(f"the number of components M must be a positive integer, got {M!r}")
    if M <= N:
        idx = rng.choice(N, size=M, replace=False)
    else:
        idx = np.concatenate([np.arange(N), rng.integers(0, N, M - N)])
    return train[idx].copy(), idx


class _Workspace:
    """Preallocated buffers for :func:`loss_and_grad` (large temporaries cost page faults)."""

    def __init__(self, B: int, M: int, d: int, dtype: np.dtype) -> None:
        self.L = np.empty((B, M), dtype=dtype)  # logits, shifted
        self.W = np.empty((B, M), dtype=dtype)  # softmax weights
        self.H = np.empty((B, M), dtype=dtype)  # <c G, mu_m>, then q = dL/dlogits
        self.x = np.empty((B, d), dtype=dtype)
        self.r = np.empty((B, d), dtype=dtype)

    def fits(self, B: int, M: int, d: int, dtype: np.dtype) -> bool:
        return self.L.shape == (B, M) and self.x.shape == (B, d) and self.L.dtype == dtype


def loss_and_grad(means: np.ndarray, std: float, x0: np.ndarray, alpha: np.ndarray, sigma: np.ndarray,
                  eps: np.ndarray, work: _Workspace | None = None) -> tuple[float, np.ndarray, float]:
    r"""ε-loss :math:`L=\frac1B\sum_b\lVert\tfrac{\alpha_b}{\sigma_b}(x_{0,b}-\hat x_0(x_b))\rVert^2`
    at :math:`x_b=\alpha_bx_{0,b}+\sigma_b\varepsilon_b` and its gradients in the means and in
    :math:`s` (``std``).

    With :math:`v=s^2`, :math:`\tau^2=\alpha^2v+\sigma^2`, :math:`c=\sigma^2/\tau^2`,
    :math:`g=\alpha v/\tau^2`, :math:`w=\operatorname{softmax}(\ell)`,
    :math:`\ell_m=-\lVert x-\alpha\mu_m\rVert^2/(2\tau^2)`, :math:`\bar\mu=\sum_mw_m\mu_m`,
    :math:`\hat x_0=c\bar\mu+gx` and :math:`G=\partial L/\partial\hat x_0`:

    .. math:: \frac{\partial L}{\partial\mu_m}=\sum_b\Big[w_{bm}c_bG_b
              +q_{bm}\frac{\alpha_b(x_b-\alpha_b\mu_m)}{\tau_b^2}\Big],\quad
              q_{bm}=w_{bm}\big(\langle c_bG_b,\mu_m\rangle-\langle c_bG_b,\bar\mu_b\rangle\big),

    .. math:: \frac{\partial L}{\partial v}=\sum_b\Big[\frac{\alpha_b\sigma_b^2}{\tau_b^4}
              \langle G_b,x_b-\alpha_b\bar\mu_b\rangle-\frac{\alpha_b^2}{\tau_b^2}\sum_mq_{bm}\ell_{bm}\Big],
              \qquad\frac{\partial L}{\partial s}=2s\frac{\partial L}{\partial v},

    where the logits may be shifted by any per-row constant (:math:`\sum_mq_{bm}=0`).
    """
    B, d = x0.shape
    M = len(means)
    dtype = x0.dtype
    if work is None or not work.fits(B, M, d, dtype):
        work = _Workspace(B, M, d, dtype)
    L, W, H, x, r = work.L, work.W, work.H, work.x, work.r
    a = np.asarray(alpha, dtype=dtype).reshape(-1, 1)
    s = np.asarray(sigma, dtype=dtype).reshape(-1, 1)
    v = std * std
    np.multiply(a, x0, out=x)
    x += s * eps
    tau2 = a * a * v + s * s  # (B, 1)
    inv_tau2 = 1.0 / tau2
    # logits -|x - a mu|^2 / (2 tau2) up to the row constant |x|^2 / (2 tau2): one matmul of [x, a]
    aug_x = np.concatenate([x, a], axis=1)
    aug_m = np.concatenate([means, -0.5 * (means * means).sum(axis=1, keepdims=True)], axis=1)
    np.matmul(aug_x, aug_m.T, out=L)
    L *= a * inv_tau2
    L -= L.max(axis=1, keepdims=True)
    np.exp(L, out=W)
    W *= 1.0 / W.sum(axis=1, keepdims=True)
    mbar = W @ means  # (B, d)
    c = s * s * inv_tau2
    g = a * v * inv_tau2
    ratio = a / s
    np.subtract(x0, c * mbar + g * x, out=r)
    r *= ratio  # eps_hat - eps
    loss = float(np.einsum("bd,bd->", r, r)) / B
    cG = ((-2.0 / B) * ratio * c) * r  # c dL/dx0_hat
    np.matmul(cG, means.T, out=H)
    H -= np.einsum("bd,bd->b", cG, mbar)[:, None]
    H *= W  # q
    xs = x * (a * inv_tau2)
    dmeans = W.T @ cG + H.T @ xs - means * (H.T @ (a * a * inv_tau2))
    # d/dv through c and g at fixed weights: (a s^2 / tau2^2) <G, x - a mbar>, G = cG / c
    direct = float(np.einsum("b,b->", (a * inv_tau2).ravel(), np.einsum("bd,bd->b", cG, x - a * mbar)))
    through = -float(np.einsum("b,b->", (a * a * inv_tau2).ravel(), np.einsum("bm,bm->b", H, L)))
    dstd = 2.0 * std * (direct + through)
    return loss, dmeans, dstd


class _Transposed:
    """Buffers of :func:`loss_and_grad_fast` (batch rows last; large temporaries cost page faults)."""

    def __init__(self, x0: np.ndarray, M: int) -> None:
        B, d = x0.shape
        dtype = x0.dtype
        self.x0, self.M = x0, M
        self.x0T = np.ascontiguousarray(x0.T)  # (d, B)
        self.aug = np.empty((d + 1, B), dtype=dtype)  # [a x / tau2; a^2 / tau2]^T
        self.augm = np.empty((M, d + 1), dtype=dtype)  # [mu, -|mu|^2/2]
        self.L, self.W, self.H = (np.empty((M, B), dtype=dtype) for _ in range(3))
        self.mbar, self.r, self.t1 = (np.empty((d, B), dtype=dtype) for _ in range(3))
        self.dm, self.dm2 = np.empty((M, d), dtype=dtype), np.empty((M, d), dtype=dtype)
        self.rows = np.empty((B, d), dtype=dtype)

    def fits(self, x0: np.ndarray, M: int) -> bool:
        return self.x0 is x0 and self.M == M


def loss_and_grad_fast(means: np.ndarray, std: float, x0: np.ndarray, alpha: np.ndarray, sigma: np.ndarray,
                       eps: np.ndarray, work: _Transposed | None = None) -> tuple[float, np.ndarray, float]:
    r""":func:`loss_and_grad` (the same formulas and arguments), arranged for speed; it agrees with
    :func:`loss_and_grad` to rounding (tested), not bit for bit: the sums run in another order.

    Every (B, ·) array is held transposed, batch rows last: the logits, weights and :math:`q` are
    (M, B) and the residuals (d, B), so the softmax maximum and normaliser and the sums over
    coordinates are sums of contiguous rows, and all temporaries live in the workspace. The logits'
    scale :math:`\alpha_b/\tau_b^2` is folded into the right factor
    :math:`[\alpha_bx_b/\tau_b^2;\ \alpha_b^2/\tau_b^2]`, whose first block is needed again, and
    they are floored at :data:`LOGIT_FLOOR` below their maximum. With
    :math:`e_b=\langle c_bG_b,\bar\mu_b\rangle` (already needed for :math:`q`) the first
    :math:`s`-term is
    :math:`\sum_b\tfrac{\alpha_b}{\tau_b^2}\langle c_bG_b,x_b\rangle-\sum_b\tfrac{\alpha_b^2}{\tau_b^2}e_b`.
    Dot products and matrix-vector products are numpy's own sums, not BLAS: a threaded BLAS splits
    those along the summed axis, so their rounding would depend on the number of threads (the
    matrix products split only along their outputs)."""
    B, d = x0.shape
    M = len(means)
    dtype = x0.dtype
    if work is None or not work.fits(x0, M):
        work = _Transposed(x0, M)
    L, W, H, mbar, r, t1 = work.L, work.W, work.H, work.mbar, work.r, work.t1
    a = np.asarray(alpha, dtype=dtype)
    s = np.asarray(sigma, dtype=dtype)
    v = std * std
    inv_tau2 = 1.0 / (a * a * v + s * s)  # (B,)
    ait = a * inv_tau2
    a2t = a * ait
    # logits -|x - a mu|^2 / (2 tau2) up to the column constant |x|^2 / (2 tau2): [mu, -|mu|^2/2] times
    # [a x / tau2; a^2 / tau2], x = a x0 + s eps; xs = (a x / tau2)^T is needed again below
    xs = work.aug[:d]
    np.multiply(work.x0T, a2t, out=xs)
    np.multiply(eps.T, s * ait, out=t1)
    xs += t1
    work.aug[d] = a2t
    augm = work.augm
    augm[:, :d] = means
    np.einsum("md,md->m", means, means, out=augm[:, d])
    augm[:, d] *= -0.5
    np.matmul(augm, work.aug, out=L)
    L -= L.max(axis=0)
    np.maximum(L, LOGIT_FLOOR, out=L)
    np.exp(L, out=W)
    W *= 1.0 / W.sum(axis=0)
    np.matmul(means.T, W, out=mbar)  # mbar^T
    c = s * s * inv_tau2
    ratio = a / s
    np.multiply(mbar, c, out=r)  # x0_hat = c mbar + g x, g x = v xs
    np.multiply(xs, v, out=t1)
    r += t1
    np.subtract(work.x0T, r, out=r)
    r *= ratio  # (eps_hat - eps)^T
    flat = r.reshape(-1)
    loss = float(np.einsum("i,i->", flat, flat)) / B
    cG = r
    cG *= (-2.0 / B) * ratio * c  # (c dL/dx0_hat)^T
    np.matmul(means, cG, out=H)
    np.multiply(cG, mbar, out=t1)
    e = t1.sum(axis=0)  # <c G_b, mbar_b>
    H -= e
    H *= W  # q
    dm, rows = work.dm, work.rows
    np.copyto(rows, cG.T)  # products over the batch are faster with the batch axis first on the right
    np.matmul(W, rows, out=dm)
    np.copyto(rows, xs.T)
    np.matmul(H, rows, out=work.dm2)
    dm += work.dm2
    np.multiply(means, np.einsum("mb,b->m", H, a2t)[:, None], out=work.dm2)
    dm -= work.dm2
    # d/dv through c and g at fixed weights: (a s^2 / tau2^2) <G, x - a mbar>, G = cG / c
    direct = float(np.einsum("i,i->", flat, xs.reshape(-1))) - float(np.einsum("b,b->", a2t, e))
    H *= L
    through = -float(np.einsum("b,b->", H.sum(axis=0), a2t))
    dstd = 2.0 * std * (direct + through)
    return loss, dm.copy(), dstd


def train(data: GMMData, M: int, config: TrainingConfig | None = None, seed: int | None = None,
          progress: Callable[[int, int, float], None] | None = None) -> TrainingResult:
    r"""Train the :math:`M`-component denoiser on ``data.train`` (seeded: the initial subset, the
    times and the noise all come from ``seed``, default the setting's seed and ``M``); the default
    config is :meth:`TrainingConfig.compressed` (5 000 steps standing for the authors' 50 000).
    ``progress(step, steps, loss)`` is called every ``config.log_every`` steps and at the end."""
    config = config or TrainingConfig.compressed()
    dtype = np.dtype(config.dtype)
    train_x = np.asarray(data.train, dtype=float)
    N, d = train_x.shape
    rng = np.random.default_rng([data.setting.seed if seed is None else seed, M, 0x7EA1])
    means, idx = init_means(train_x, M, rng)
    means = means.astype(dtype)
    std = float(config.init_std)
    grid = config.grid()
    alpha_grid, sigma_grid = process(config.schedule).alpha_sigma(grid)
    if not (np.isfinite(alpha_grid).all() and np.isfinite(sigma_grid).all() and (sigma_grid > 0).all()):
        raise GMMError(f"schedule {config.schedule} is not finite with sigma > 0 on the training times")
    R = int(config.draws)
    x0 = np.repeat(train_x, R, axis=0).astype(dtype)  # (N R, d), row i*R + r
    work = _Transposed(x0, M)
    noise = np.empty((N * R, d), dtype=dtype)
    optimizer = _AdamEMA(means.shape, config, dtype)
    lrs = wsd_learning_rate(np.arange(config.steps), config.steps, config.peak_lr, config.final_lr,
                            config.warmup_fraction).tolist()
    history = np.empty(config.steps)
    started = time.perf_counter()
    for k in range(config.steps):
        ti = rng.integers(0, len(grid), N)
        a = np.repeat(alpha_grid[ti], R)
        s = np.repeat(sigma_grid[ti], R)
        rng.standard_normal(out=noise, dtype=dtype)
        loss, gm, gs = loss_and_grad_fast(means, std, x0, a, s, noise, work)
        history[k] = loss
        std = optimizer.step(means, gm, std, gs, lrs[k])
        if progress is not None and ((k + 1) % config.log_every == 0 or k + 1 == config.steps):
            progress(k + 1, config.steps, loss)
    seconds = time.perf_counter() - started
    denoiser = MixtureDenoiser(means.astype(float), std * std, f"trained M={M}")
    return TrainingResult(denoiser, abs(std), history, idx, seconds, config)
