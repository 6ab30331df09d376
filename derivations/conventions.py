r"""Maps between the project convention and the other conventions of MATH.md §4.

The project writes :math:`x_t = \alpha(t)\,x_0 + \beta(t)\,x_1 + \gamma(t)\,z` with the data at
:math:`t = 0`, :math:`\sigma^2 = \beta^2 + \gamma^2` and signal-to-noise ratio
:math:`\ell(t) = \alpha(t)/\sigma(t)` (:math:`\ell = \infty` at :math:`t = 0`, :math:`\ell = 0`
at :math:`t = 1`). Every other convention :math:`c` is written, in its own time
:math:`\tau \in I_c`, as

.. math::

    x^{(c)}_\tau = a_c(\tau)\,x_0 + s_c(\tau)\,\varepsilon ,

with a data coefficient :math:`a_c` and a noise scale :math:`s_c`. A map to the project is a
time change :math:`\tau = \tau_c(t)` onto a project schedule :math:`(\alpha, \sigma)` and a
scale factor :math:`f_c(t) > 0` such that

.. math::

    \frac{a_c(\tau_c(t))}{s_c(\tau_c(t))} = \frac{\alpha(t)}{\sigma(t)}, \qquad
    \frac{a_c(\tau_c(t))}{\alpha(t)} = \frac{s_c(\tau_c(t))}{\sigma(t)} = f_c(t),

i.e. :math:`x^{(c)}_{\tau_c(t)} \overset{d}{=} f_c(t)\,x_t` given :math:`x_0`. The table
:data:`CONVENTIONS` holds these substitutions as data:

- ``flow-matching``: :math:`X_t = \sigma_t X_0 + \alpha_t X_1` with :math:`\alpha_t = t_{fm}`
  (data), :math:`\sigma_t = 1 - t_{fm}`; :math:`t_{fm} = 1 - t` onto ``linear``.
- ``diffusers-flow-match``: :math:`\sigma\,\mathrm{noise} + (1 - \sigma)\,\mathrm{sample}`;
  :math:`\sigma = t` onto ``linear``.
- ``buchanan-vp``: :math:`\sqrt{1 - t_B^2}\,x_0 + t_B\,\varepsilon`; :math:`t_B = t` onto
  ``vp-linear-sigma`` (their SNR :math:`\psi = \alpha^2/\sigma^2 = \ell^2`).
- ``ye-ou``: :math:`\alpha_s = e^{-s/2}`, :math:`\sigma_s^2 = 1 - e^{-s}`,
  :math:`s \in [0, \infty)`; :math:`s = -\log(1 - t^2)` (so :math:`t = \sigma_s`) onto
  ``vp-linear-sigma``; :math:`t \to 1^-` is :math:`s \to \infty`.
- ``edm-ve``: :math:`x_0 + \sigma\,\varepsilon`, :math:`\ell = 1/\sigma`;
  :math:`\sigma = t/(1 - t)` onto ``linear`` with :math:`f = 1/(1 - t) = 1 + \sigma`,
  i.e. :math:`x^{\mathrm{EDM}} = x_t/\alpha`.

:func:`verify_map` proves each map symbolically (``simplify`` of a difference is 0, endpoint
values as one-sided ``limit``) and cross-checks every identity at 50 digits with mpmath. At
the data end the ratio :math:`\kappa = \ell/(1+\ell)` is :math:`\infty/\infty` (naive
substitution gives ``nan``); its one-sided limit :math:`\kappa \to 1` is checked explicitly.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import mpmath
import sympy as sp

from derivations.schedules import Schedule, T, _sign_on_open_unit, builtin_schedule

__all__ = [
    "Convention",
    "MapCheck",
    "CONVENTIONS",
    "convention",
    "verify_map",
    "verify_all",
    "conventions_markdown",
]

_DPS = 50
_NUMERIC_SAMPLES = 3


@dataclass(frozen=True)
class Convention:
    r"""A convention :math:`x = a(\tau)\,x_0 + s(\tau)\,\varepsilon` and its map to project time."""

    key: str
    name: str
    source: str
    written: str
    written_latex: str
    time: sp.Symbol
    time_range: sp.Interval
    data_end: sp.Expr
    data_coeff: sp.Expr
    noise_scale: sp.Expr
    time_from_project: sp.Expr  # their time as a function of project time T
    time_to_project: sp.Expr  # project time as a function of their time
    schedule: str  # name of the matching built-in project schedule
    scale: sp.Expr = sp.S.One  # their state = scale(t) * project state
    note: str = ""

    @property
    def noise_end(self) -> sp.Expr:
        """The end of :attr:`time_range` that is not the data end."""
        lo, hi = self.time_range.inf, self.time_range.sup
        return hi if sp.simplify(self.data_end - lo) == 0 else lo

    @property
    def snr(self) -> sp.Expr:
        """Their signal-to-noise ratio ``data_coeff / noise_scale`` in their own time."""
        return self.data_coeff / self.noise_scale

    def project_schedule(self) -> Schedule:
        """The built-in project schedule this convention maps onto."""
        return builtin_schedule(self.schedule)

    def in_project_time(self, expr: sp.Expr) -> sp.Expr:
        """Substitute their time by its expression in project time ``T`` (no simplification)."""
        return sp.sympify(expr).subs(self.time, self.time_from_project)

    def map_text(self) -> str:
        """The time map as plain text, e.g. ``t_fm = 1 - t``."""
        text = f"{self.time} = {sp.sstr(self.time_from_project)}"
        if sp.simplify(self.scale - 1) != 0:
            text += f"; state = {sp.sstr(self.scale)} × project state"
        return text

    def map_latex(self) -> str:
        """The time map in LaTeX."""
        text = f"{sp.latex(self.time)} = {sp.latex(self.time_from_project)}"
        if sp.simplify(self.scale - 1) != 0:
            text += rf",\quad x^{{\mathrm{{{self.key}}}}} = {sp.latex(self.scale)}\,x_t"
        return text


@dataclass(frozen=True)
class MapCheck:
    """The outcome of :func:`verify_map`: named checks ``(name, passed, detail)``."""

    key: str
    passed: bool
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    seconds: float = 0.0
    numeric_worst: float | None = None  # max |difference| of the numeric cross-check

    @property
    def holds(self) -> bool:
        """The pass flag, named as on every result object of :mod:`derivations` (``passed``)."""
        return self.passed

    def get(self, name: str) -> tuple[str, bool, str]:
        """The check called ``name`` (KeyError if absent)."""
        for check in self.checks:
            if check[0] == name:
                return check
        raise KeyError(name)

    @property
    def failed(self) -> list[str]:
        """Names of the failed checks."""
        return [name for name, ok, _ in self.checks if not ok]


# --- the table ------------------------------------------------------------------------------

_T_FM = sp.Symbol("t_fm", positive=True)
_SIGMA_D = sp.Symbol("sigma", positive=True)
_T_B = sp.Symbol("t_B", positive=True)
_S_OU = sp.Symbol("s", positive=True)
_SIGMA_EDM = sp.Symbol("sigma_edm", positive=True)
_UNIT = sp.Interval(0, 1)
_HALF_LINE = sp.Interval(0, sp.oo)  # sympy excludes oo from the interval: [0, oo)

CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        key="flow-matching",
        name="flow matching (CondOT path)",
        source="facebookresearch/flow_matching (CondOTScheduler); torchcfm (sigma = 0)",
        written="X_t = σ_t X_0 + α_t X_1, α_t = t, σ_t = 1 − t (X_0 noise, X_1 data)",
        written_latex=r"X_t = \sigma_t X_0 + \alpha_t X_1,\ \alpha_t = t,\ \sigma_t = 1 - t",
        time=_T_FM,
        time_range=_UNIT,
        data_end=sp.S.One,
        data_coeff=_T_FM,
        noise_scale=1 - _T_FM,
        time_from_project=1 - T,
        time_to_project=1 - _T_FM,
        schedule="linear",
        note="their α_t is the coefficient of the data and their data end is t_fm = 1; "
        "their X_0 is our x_1 (the Gaussian), their X_1 our x_0 (the data)",
    ),
    Convention(
        key="diffusers-flow-match",
        name="diffusers flow-match",
        source="huggingface/diffusers FlowMatchEulerDiscreteScheduler.scale_noise",
        written="x = σ·noise + (1 − σ)·sample, σ ∈ [0, 1]",
        written_latex=r"x = \sigma\,\mathrm{noise} + (1 - \sigma)\,\mathrm{sample}",
        time=_SIGMA_D,
        time_range=_UNIT,
        data_end=sp.S.Zero,
        data_coeff=1 - _SIGMA_D,
        noise_scale=_SIGMA_D,
        time_from_project=T,
        time_to_project=_SIGMA_D,
        schedule="linear",
        note="sigma plays the role of project time directly; it runs backwards relative to "
        "flow matching (sampling goes from sigma = 1 down to 0); shift/dynamic shifting "
        "re-time sigma but keep this path",
    ),
    Convention(
        key="buchanan-vp",
        name="Buchanan et al. (VP, linear σ)",
        source="Buchanan, Pai, Ma, De Bortoli (diffusionlab)",
        written="x_t = √(1 − t²)·x_0 + t·ε",
        written_latex=r"x_t = \sqrt{1 - t^2}\,x_0 + t\,\varepsilon",
        time=_T_B,
        time_range=_UNIT,
        data_end=sp.S.Zero,
        data_coeff=sp.sqrt(1 - _T_B**2),
        noise_scale=_T_B,
        time_from_project=T,
        time_to_project=_T_B,
        schedule="vp-linear-sigma",
        note="same time and path; their SNR ψ_t = α²/σ² is the square of the project's ℓ",
    ),
    Convention(
        key="ye-ou",
        name="Ye et al. (OU, half rate)",
        source="Ye et al. (Ornstein–Uhlenbeck forward process dx = −x/2 ds + dW)",
        written="α_s = e^{−s/2}, σ_s² = 1 − e^{−s}, s ∈ [0, ∞)",
        written_latex=r"\alpha_s = e^{-s/2},\ \sigma_s^2 = 1 - e^{-s},\ s \in [0, \infty)",
        time=_S_OU,
        time_range=_HALF_LINE,
        data_end=sp.S.Zero,
        data_coeff=sp.exp(-_S_OU / 2),
        noise_scale=sp.sqrt(1 - sp.exp(-_S_OU)),
        time_from_project=-sp.log(1 - T**2),
        time_to_project=sp.sqrt(1 - sp.exp(-_S_OU)),
        schedule="vp-linear-sigma",
        note="a VP path (α_s² + σ_s² = 1); the time change s = −log(1 − t²), i.e. t = σ_s, "
        "maps [0, 1) onto [0, ∞) and gives α = √(1 − t²), σ = t; t → 1 is s → ∞",
    ),
    Convention(
        key="edm-ve",
        name="EDM / variance exploding",
        source="Karras et al. (EDM); crowsonkb/k-diffusion",
        written="x = x_0 + σ ε, σ ∈ [0, ∞)",
        written_latex=r"x = x_0 + \sigma\,\varepsilon,\ \sigma \in [0, \infty)",
        time=_SIGMA_EDM,
        time_range=_HALF_LINE,
        data_end=sp.S.Zero,
        data_coeff=sp.S.One,
        noise_scale=_SIGMA_EDM,
        time_from_project=T / (1 - T),
        time_to_project=_SIGMA_EDM / (1 + _SIGMA_EDM),
        schedule="linear",
        scale=1 / (1 - T),
        note="ℓ = 1/σ; matched to `linear` by σ = t/(1 − t); the state is rescaled: "
        "x_EDM = x_t/α = (1 + σ) x_t, i.e. x_t = x_EDM/(1 + σ); the factor → ∞ as t → 1",
    ),
)

_BY_KEY = {c.key: c for c in CONVENTIONS}


def convention(key: str) -> Convention:
    """The built-in convention called ``key`` (KeyError on an unknown key)."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise KeyError(f"unknown convention {key!r} (known: {', '.join(_BY_KEY)})") from None


# --- verification ---------------------------------------------------------------------------


def _is_zero(expr: sp.Expr) -> bool:
    return sp.simplify(expr) == 0


def _limit(expr: sp.Expr, at: int) -> sp.Expr:
    return sp.simplify(sp.limit(expr, T, at, "+" if at == 0 else "-"))


def _guarded(name: str, fn: Callable[[], tuple[bool, str]]) -> tuple[str, bool, str]:
    """Run one check; an exception is a failed check that names it."""
    try:
        ok, detail = fn()
    except Exception as exc:  # noqa: BLE001 - SymPy raises many kinds of errors
        return name, False, f"error: {type(exc).__name__}: {exc}"
    return name, bool(ok), detail


def _samples(key: str, infinite: bool) -> list[tuple[int, int]]:
    """Three deterministic exact rationals p/q in (0, 1), or in (0, ∞) when ``infinite``."""
    rng = random.Random(f"memverify.conventions:{key}:{infinite}")
    out = []
    for _ in range(_NUMERIC_SAMPLES):
        q = rng.randint(10**6, 10**7)
        p = rng.randint(1, q - 1)
        out.append((p, q - p) if infinite else (p, q))
    return out


def _numeric(
    key: str, identities: Sequence[tuple[str, Callable[[mpmath.mpf], mpmath.mpf], bool]]
) -> tuple[bool, str, float]:
    """Evaluate each difference at 3 exact rationals, 50 digits: |difference| < 1e-40."""
    parts, ok_all, overall = [], True, mpmath.mpf(0)
    with mpmath.workdps(_DPS):
        tol = mpmath.mpf(10) ** -40
        for label, diff, infinite in identities:
            worst = mpmath.mpf(0)
            for p, q in _samples(key, infinite):
                worst = max(worst, abs(mpmath.mpmathify(diff(mpmath.mpf(p) / mpmath.mpf(q)))))
            ok = bool(worst < tol)
            ok_all &= ok
            overall = max(overall, worst)
            parts.append(f"{label}: {mpmath.nstr(worst, 3)}")
    detail = "; ".join(parts)
    return ok_all, f"max |difference| {detail} (3 exact rationals each, 50 digits, tol 1e-40)", \
        float(overall)


def _mp(var: sp.Symbol, expr: sp.Expr) -> Callable[[mpmath.mpf], mpmath.mpf]:
    return sp.lambdify(var, expr, modules="mpmath")


def verify_map(conv: Convention) -> MapCheck:
    """Check one convention's map to the project symbolically (and numerically at 50 digits).

    Checks: ``SNR preserved``, ``data scale``, ``endpoints``, ``kappa limit``,
    ``bijection``, ``monotone``, ``numeric cross-check``.
    """
    start = time.perf_counter()
    sched = builtin_schedule(conv.schedule)
    a = conv.in_project_time(conv.data_coeff)
    s = conv.in_project_time(conv.noise_scale)
    snr = a / s
    project_snr = sched.alpha / sched.sigma
    scale = sp.sympify(conv.scale)
    tau = conv.time
    checks: list[tuple[str, bool, str]] = []

    def snr_check() -> tuple[bool, str]:
        ok = _is_zero(snr - project_snr)
        got = sp.simplify(snr)
        rel = "==" if ok else "!="
        return ok, f"a/s at {tau} = {conv.time_from_project}: {got} {rel} ℓ = {sched.snr}"

    def scale_check() -> tuple[bool, str]:
        rd, rn = sp.simplify(a / sched.alpha), sp.simplify(s / sched.sigma)
        ok = _is_zero(rd - scale) and _is_zero(rn - scale)
        return ok, f"a/α = {rd}, s/σ = {rn}, stated factor {scale}"

    def endpoint_check() -> tuple[bool, str]:
        lim_a0 = _limit(a / scale, 0)
        lim_snr0 = _limit(snr, 0)
        lim_snr1 = _limit(snr, 1)
        lim_tau0 = _limit(conv.time_from_project, 0)
        lim_tau1 = _limit(conv.time_from_project, 1)
        if conv.noise_end is sp.oo:
            tau1_ok = lim_tau1 is sp.oo
        else:
            tau1_ok = _is_zero(lim_tau1 - conv.noise_end)
        ok = (
            lim_a0 == 1
            and lim_snr0 is sp.oo
            and lim_snr1 == 0
            and _is_zero(lim_tau0 - conv.data_end)
            and tau1_ok
        )
        # MATH.md §5: every symbolic limit is cross-checked numerically.
        with mpmath.workdps(_DPS):
            near0 = mpmath.mpf(1) / mpmath.mpf(10) ** 30
            near1 = 1 - near0
            big, small = mpmath.mpf(10) ** 10, mpmath.mpf(10) ** -10
            f_a = sp.lambdify(T, a / scale, modules="mpmath")
            f_snr = sp.lambdify(T, snr, modules="mpmath")
            num_ok = (
                abs(f_a(near0) - 1) < small and f_snr(near0) > big and abs(f_snr(near1)) < small
            )
        detail = (
            f"t→0+: a/f → {lim_a0}, ℓ → {lim_snr0}, {tau} → {lim_tau0}; "
            f"t→1−: ℓ → {lim_snr1}, {tau} → {lim_tau1}; "
            f"numeric at t = 1e-30 and 1 − 1e-30: {'agrees' if num_ok else 'DISAGREES'}"
        )
        return ok and num_ok, detail

    def kappa_check() -> tuple[bool, str]:
        kappa = snr / (1 + snr)
        naive = kappa.subs(T, 0)
        lim = _limit(kappa, 0)
        with mpmath.workdps(_DPS):
            near0 = mpmath.mpf(1) / mpmath.mpf(10) ** 30
            num = sp.lambdify(T, kappa, modules="mpmath")(near0)
            num_ok = abs(num - 1) < mpmath.mpf(10) ** -10
        return lim == 1 and num_ok, (
            f"κ = ℓ/(1+ℓ): naive substitution t = 0 gives {naive}; one-sided limit t→0+ is "
            f"{lim}; κ(1e-30) = {mpmath.nstr(num, 12)}"
        )

    def bijection_check() -> tuple[bool, str]:
        fwd = sp.simplify(conv.time_to_project.subs(tau, conv.time_from_project))
        back = sp.simplify(conv.time_from_project.subs(T, conv.time_to_project))
        ok = _is_zero(fwd - T) and _is_zero(back - tau)
        return ok, f"t(τ(t)) = {fwd}, τ(t(τ)) = {back}"

    def monotone_check() -> tuple[bool, str]:
        increasing = _is_zero(conv.data_end - conv.time_range.inf)
        deriv = sp.simplify(sp.diff(conv.time_from_project, T))
        holds, method = _sign_on_open_unit(deriv, "pos" if increasing else "neg")
        way = "increasing" if increasing else "decreasing"
        return holds, f"d{tau}/dt = {deriv}; must be {way} on (0,1): {holds} [{method}]"

    checks.append(_guarded("SNR preserved", snr_check))
    checks.append(_guarded("data scale", scale_check))
    checks.append(_guarded("endpoints", endpoint_check))
    checks.append(_guarded("kappa limit", kappa_check))
    checks.append(_guarded("bijection", bijection_check))
    checks.append(_guarded("monotone", monotone_check))
    # Numeric identities compose the maps numerically (no symbolic substitution), so they
    # are independent of SymPy's automatic rewriting, e.g. exp(log(x)/2) -> sqrt(x).
    infinite = conv.time_range.sup is sp.oo
    f_a, f_s = _mp(tau, conv.data_coeff), _mp(tau, conv.noise_scale)
    f_tau, f_t = _mp(T, conv.time_from_project), _mp(tau, conv.time_to_project)
    f_al, f_si, f_sc = _mp(T, sched.alpha), _mp(T, sched.sigma), _mp(T, scale)
    identities = (
        ("SNR", lambda t: f_a(f_tau(t)) / f_s(f_tau(t)) - f_al(t) / f_si(t), False),
        ("a - f·α", lambda t: f_a(f_tau(t)) - f_sc(t) * f_al(t), False),
        ("s - f·σ", lambda t: f_s(f_tau(t)) - f_sc(t) * f_si(t), False),
        ("t(τ(t)) - t", lambda t: f_t(f_tau(t)) - t, False),
        ("τ(t(τ)) - τ", lambda u: f_tau(f_t(u)) - u, infinite),
    )
    numeric: list[float] = []

    def numeric_check() -> tuple[bool, str]:
        ok, detail, worst = _numeric(conv.key, identities)
        numeric.append(worst)
        return ok, detail

    checks.append(_guarded("numeric cross-check", numeric_check))
    return MapCheck(
        key=conv.key,
        passed=all(ok for _, ok, _ in checks),
        checks=checks,
        seconds=time.perf_counter() - start,
        numeric_worst=numeric[0] if numeric else None,
    )


def verify_all() -> list[MapCheck]:
    """:func:`verify_map` for every convention in :data:`CONVENTIONS`."""
    return [verify_map(c) for c in CONVENTIONS]


def conventions_markdown(
    checks: Sequence[MapCheck], conventions: Sequence[Convention] | None = None
) -> str:
    """A Markdown table of the maps and their checks (✓/✗), for ``docs/conventions.md``."""
    table = {c.key: c for c in (conventions if conventions is not None else CONVENTIONS)}

    def mark(mc: MapCheck, *names: str) -> str:
        return "✓" if all(mc.get(n)[1] for n in names) else "✗"

    head = (
        "| source | written as | data end | map to project time | SNR preserved | data scale "
        "| endpoints | bijective, monotone | 50-digit check |"
    )
    rows = [head, "|" + "---|" * 9]
    for mc in checks:
        c = table.get(mc.key)
        if c is None:
            src, written, end, mp = mc.key, "?", "?", "?"
        else:
            src = f"{c.name}: {c.source}"
            written = c.written
            end = f"{c.time} = {c.data_end}"
            mp = f"`{c.map_text()}` onto `{c.schedule}`"
        cells = [
            src, written, end, mp,
            mark(mc, "SNR preserved"), mark(mc, "data scale"),
            mark(mc, "endpoints", "kappa limit"), mark(mc, "bijection", "monotone"),
            mark(mc, "numeric cross-check"),
        ]
        rows.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(rows) + "\n"
