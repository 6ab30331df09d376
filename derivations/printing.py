r"""Printers for the derived objects of one schedule: plain text, JSON and a LaTeX document.

Like SymPy's printers, there is one data structure and one printer per output target:

* :func:`derivation_report` collects, for one schedule, every derived object (coefficients,
  the conditional law, one logit, the per-sample velocity, score and drifts, the L'Hôpital
  schedule factor and its limit, and every identity of
  :data:`derivations.identities.IDENTITIES` with its symbolic verdict) as a
  :class:`DerivationReport` of named :class:`ReportEntry` objects. Everything is obtained
  through the existing API (:func:`derivations.fields.derive`,
  :func:`derivations.identities.check_symbolic`, :mod:`derivations.limits`); no formula is
  typed in here.
* :func:`to_text`, :func:`to_json` and :func:`to_latex_document` print a report (or several).
* :func:`to_latex` is the one-call LaTeX of a single object: a SymPy expression or matrix, a
  :class:`~derivations.fields.MixtureField`, a derivation
  (:class:`~derivations.fields.OracleDerivation` or :class:`DerivationReport`), an
  :class:`~derivations.identities.Identity`, a
  :class:`~derivations.identities.SymbolicCheck` or a :class:`ReportEntry`. The objects'
  ``_repr_latex_`` (what Jupyter shows) is ``to_latex(obj, delimiters=True)``.
* :func:`compile_pdf` runs a LaTeX engine on a written document; :func:`write_text_atomic`
  writes a file atomically.

Per-sample entries use one atom with symbolic data; for printing, the symbols of
:func:`derivations.fields.derive` are renamed ``x_0 -> x`` and ``X_0_0 -> X_i`` (for
:math:`d>1`: ``x_j`` is kept and ``X_0_j -> X_i_j``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import sympy as sp
from sympy.core.function import AppliedUndef

from .fields import MixtureField, OracleDerivation, derive
from .identities import IDENTITIES, check_symbolic
from .limits import schedule_factor, schedule_factor_limit
from .schedules import Schedule, T

__all__ = [
    "new_file_mode",
    "to_latex",
    "ReportEntry",
    "DerivationReport",
    "derivation_report",
    "to_text",
    "to_json",
    "to_latex_document",
    "latex_escape",
    "compile_pdf",
    "find_latex_engine",
    "write_text_atomic",
    "write_bytes_atomic",
    "LATEX_ENGINES",
    "LatexEngineMissing",
    "LatexCompileError",
]

#: LaTeX engines looked for by :func:`compile_pdf`, in order of preference.
LATEX_ENGINES: tuple[str, ...] = ("pdflatex", "lualatex", "xelatex", "tectonic")


# -- the report -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportEntry:
    """One derived object: a named SymPy expression (or Matrix) with its claims.

    ``kind`` is ``"expression"``, ``"limit"`` or ``"identity"``. For an identity, ``expr`` is
    the component residual :math:`r_i` (exactly 0 when the check proved it vanishes, else
    simplified), ``statement`` its LaTeX statement and ``holds``/``method`` the result of
    :func:`check_symbolic`. For a limit,
    ``holds``/``method`` record the numeric cross-check. ``holds`` is the pass flag of every
    :mod:`derivations` result object (``SymbolicCheck.zero``, ``NumericCheck.passed`` are its
    aliases there); it is None for a plain expression.
    """

    key: str
    title: str
    claims: tuple[str, ...]
    expr: sp.Basic
    description: str
    kind: str = "expression"
    lhs_text: str = ""
    lhs_latex: str = ""
    statement: str = ""
    holds: bool | None = None
    method: str = ""
    description_latex: str = ""

    def _repr_latex_(self) -> str:
        return to_latex(self, delimiters=True)


@dataclass(frozen=True)
class DerivationReport:
    """Every derived object of one schedule, in a fixed order."""

    schedule: Schedule
    n: int
    d: int
    entries: tuple[ReportEntry, ...]
    symbols: dict[str, sp.Basic] = field(compare=False, hash=False, default_factory=dict)
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def name(self) -> str:
        """The schedule's name."""
        return self.schedule.name

    @property
    def description(self) -> str:
        """The schedule's description."""
        return self.schedule.description

    def keys(self) -> tuple[str, ...]:
        """Entry keys, in order."""
        return tuple(e.key for e in self.entries)

    def entry(self, key: str) -> ReportEntry:
        """The entry with this key."""
        for e in self.entries:
            if e.key == key:
                return e
        raise KeyError(key)

    def __getitem__(self, key: str) -> ReportEntry:
        """``report[key]`` is :meth:`entry`."""
        return self.entry(key)

    def _repr_latex_(self) -> str:
        return to_latex(self, delimiters=True)


def _scalar_or_matrix(expr: sp.Basic) -> sp.Basic:
    """A 1-by-1 matrix as its single element; anything else unchanged."""
    if isinstance(expr, sp.MatrixBase) and expr.shape == (1, 1):
        return expr[0, 0]
    return expr


def _tidy_scalar(expr: sp.Expr) -> sp.Expr:
    """Cheap simplification of one small scalar: the shortest of a few candidate forms."""
    candidates = [expr]
    with contextlib.suppress(Exception):
        candidates.append(sp.simplify(expr))
    with contextlib.suppress(Exception):
        candidates.append(sp.factor(sp.cancel(expr)))
    # fewest operations; on a tie the later (more simplified) candidate wins
    return min(reversed(candidates), key=lambda e: (sp.count_ops(e), len(sp.sstr(e))))


def _tidy(expr: sp.Basic, schedule: Schedule, rename: dict[sp.Symbol, sp.Symbol]) -> sp.Basic:
    """Rename the data symbols, use sigma > 0, and simplify each small scalar."""
    expr = sp.sympify(expr).xreplace(rename)
    if not schedule.generic:
        # sigma > 0 on (0, 1] is checked by schedules.validate; sympy.stats writes sqrt(sigma^2)
        # as Abs(sigma) (and its derivative brings sign(sigma)) because t is only known positive.
        sig = schedule.sigma
        expr = expr.xreplace({sp.Abs(sig): sig, sp.sign(sig): sp.S.One})
    if isinstance(expr, sp.MatrixBase):
        return _scalar_or_matrix(expr.applyfunc(_tidy_scalar))
    return _tidy_scalar(expr)


def _renaming(D: OracleDerivation) -> dict[sp.Symbol, sp.Symbol]:
    """``x_0 -> x``, ``X_0_0 -> X_i`` for d = 1; ``X_0_j -> X_i_j`` otherwise."""
    if D.d == 1:
        return {D.x[0]: sp.Symbol("x", real=True), D.X[0, 0]: sp.Symbol("X_i", real=True)}
    return {D.X[0, j]: sp.Symbol(f"X_i_{j}", real=True) for j in range(D.d)}


def _collect_symbols(entries: Iterable[ReportEntry]) -> dict[str, sp.Basic]:
    """Names to SymPy objects, for ``sympify(text, locals=...)`` of the printed strings."""
    out: dict[str, sp.Basic] = {"t": T}
    for e in entries:
        expr = e.expr
        atoms = expr.free_symbols
        for s in sorted(atoms, key=str):
            out[str(s)] = s
        for f in expr.atoms(AppliedUndef):
            out[f.func.__name__] = f.func
    return out


def derivation_report(schedule: Schedule, n: int = 1, d: int = 1) -> DerivationReport:
    """Collect every derived object of ``schedule`` (per-sample entries for atom 0 of ``n``).

    The identities are decided by :func:`check_symbolic` with scope ``"component"`` over all
    ``n`` atoms; the schedule factor and its :math:`t\\to0^+` limit are skipped for the
    generic schedule (undefined functions have no limit).
    """
    start = time.perf_counter()
    D = derive(schedule, n=n, d=d)
    rename = _renaming(D)
    law = D.conditional_law
    notes: list[str] = []
    if n > 1:
        notes.append(f"per-sample entries show atom 0 of {n} (renamed X_i); "
                     f"identities are checked for all {n}")

    def tidy(expr: sp.Basic) -> sp.Basic:
        return _tidy(expr, schedule, rename)

    if not schedule.generic:
        sig = schedule.sigma
        if isinstance(sp.Abs(sig), sp.Abs) and D.normalizer.has(sp.Abs(sig)):
            notes.append(f"Abs({sp.sstr(sig)}) printed as {sp.sstr(sig)}: "
                         "sigma > 0 on (0, 1] is validated")

    def mk(key: str, title: str, claims: tuple[str, ...], expr: sp.Basic,
           desc: tuple[str, str], lhs: tuple[str, str], **kw) -> ReportEntry:
        return ReportEntry(key, title, tuple(claims), tidy(expr), desc[0], lhs_text=lhs[0],
                           lhs_latex=lhs[1], description_latex=desc[1], **kw)

    if schedule.generic:
        zeta_desc = ("undefined diffusion coefficient zeta(t) of the stochastic sampler",
                     r"undefined diffusion coefficient $\zeta(t)$ of the stochastic sampler")
    elif schedule.zeta is not None:
        zeta_desc = ("diffusion coefficient of the stochastic sampler (given)",
                     "diffusion coefficient of the stochastic sampler (given)")
    else:
        zeta_desc = ("diffusion coefficient of the stochastic sampler (default sigma * dsigma/dt)",
                     r"diffusion coefficient of the stochastic sampler "
                     r"(default $\sigma\dot\sigma$)")
    entries: list[ReportEntry] = [
        mk("alpha", "Data coefficient", (), schedule.alpha,
          ("coefficient of x_0 in x_t = alpha x_0 + beta x_1 + gamma z",
           r"coefficient of $x_0$ in $x_t=\alpha x_0+\beta x_1+\gamma z$"),
          ("alpha(t)", r"\alpha(t)")),
        mk("beta", "Gaussian-end coefficient", (), schedule.beta,
          ("coefficient of x_1 ~ N(0, I)", r"coefficient of $x_1\sim\mathcal N(0,I)$"),
          ("beta(t)", r"\beta(t)")),
        mk("gamma", "Extra-noise coefficient", (), schedule.gamma,
          ("coefficient of z ~ N(0, I)", r"coefficient of $z\sim\mathcal N(0,I)$"),
          ("gamma(t)", r"\gamma(t)")),
        mk("sigma2", "Conditional variance", (), schedule.sigma2,
          ("sigma^2 = beta^2 + gamma^2", r"$\sigma^2=\beta^2+\gamma^2$"),
          ("sigma(t)^2", r"\sigma(t)^2")),
        mk("sigma", "Noise level", (), schedule.sigma,
          ("sigma = sqrt(beta^2 + gamma^2)", r"$\sigma=\sqrt{\beta^2+\gamma^2}$"),
          ("sigma(t)", r"\sigma(t)")),
        mk("snr", "Signal-to-noise ratio", ("CONV-SNR",), schedule.snr,
          ("ell = alpha / sigma: the time change shared by all schedules",
           r"$\ell=\alpha/\sigma$: the time change shared by all schedules"),
          ("ell(t)", r"\ell(t)")),
        mk("zeta", "Diffusion coefficient", ("LLY25-T2",), schedule.diffusion, zeta_desc,
          ("zeta(t)", r"\zeta(t)")),
        mk("law_mean", "Conditional mean factor", (), law["mean_over_xi"],
          ("E[x_t | x_0 = xi] / xi per coordinate (sympy.stats)",
           r"$\mathbb E[x_t\mid x_0=\xi]/\xi$ per coordinate (\texttt{sympy.stats})"),
          ("E[x_t | x_0 = xi]/xi", r"\mathbb{E}[x_t\mid x_0=\xi]/\xi")),
        mk("law_variance", "Conditional variance (sympy.stats)", (), law["variance"],
          ("Var[x_t | x_0 = xi] per coordinate",
           r"$\operatorname{Var}[x_t\mid x_0=\xi]$ per coordinate"),
          ("Var[x_t | x_0 = xi]", r"\operatorname{Var}[x_t\mid x_0=\xi]")),
        mk("law_cov_U", "Covariance with the Gaussian end", (), law["cov_U"],
          ("Cov(U, x_t), U the x_1 coordinate", r"$U$ is the coordinate of $x_1$"),
          ("Cov(U, x_t)", r"\operatorname{Cov}(U,x_t)")),
        mk("law_cov_V", "Covariance with the extra noise", (), law["cov_V"],
          ("Cov(V, x_t), V the z coordinate", r"$V$ is the coordinate of $z$"),
          ("Cov(V, x_t)", r"\operatorname{Cov}(V,x_t)")),
        mk("normalizer", "Common normalizer", (), D.normalizer,
          ("phi_i(x) = C(t) exp(E_i(x, t)) for every atom",
           r"$\varphi_i(x)=C(t)\,e^{E_i(x,t)}$ for every atom"),
          ("C(t)", r"C(t)")),
        mk("logit", "Logit of one atom", ("LLY25-P1",), D.logits[0],
          ("E_i = log phi_i - log C; the weights are softmax(E)",
           r"$E_i=\log\varphi_i-\log C$; the weights are $w=\operatorname{softmax}(E)$"),
          ("E_i(x, t)", r"E_i(x,t)")),
        mk("velocity_component", "Per-sample velocity", ("LLY25-P1",), D.velocity.components[0],
          ("b_i = E[alpha' x_0 + beta' x_1 + gamma' z | x_t = x, x_0 = X_i]; b = sum_i w_i b_i",
           r"$b_i=\mathbb E[\dot\alpha x_0+\dot\beta x_1+\dot\gamma z\mid x_t=x,\,x_0=X_i]$; "
           r"$b=\sum_i w_i b_i$"),
          ("b_i(x, t)", r"b_i(x,t)")),
        mk("score_component", "Per-sample score", ("LLY25-P2",), D.component_scores[0],
          ("grad_x E_i = grad_x log phi_i; s = sum_i w_i grad_x E_i",
           r"$\nabla_x E_i=\nabla_x\log\varphi_i$; $s=\sum_i w_i\nabla_x E_i$"),
          ("grad_x E_i(x, t)", r"\nabla_x E_i(x,t)")),
        mk("drift_backward", "Per-sample backward drift", ("LLY25-T2",),
          D.drift("backward").components[0],
          ("b_i - zeta grad_x E_i: drift of the sampler integrated with t decreasing",
           r"drift of the sampler integrated with $t$ decreasing"),
          ("b_i - zeta grad_x E_i", r"b_i-\zeta\nabla_x E_i")),
        mk("drift_forward", "Per-sample forward drift", ("LLY25-T2",),
          D.drift("forward").components[0],
          ("b_i + zeta grad_x E_i: drift of the sampler integrated with t increasing",
           r"drift of the sampler integrated with $t$ increasing"),
          ("b_i + zeta grad_x E_i", r"b_i+\zeta\nabla_x E_i")),
    ]

    if schedule.generic:
        notes.append("schedule factor and its t -> 0+ limit skipped: undefined alpha, beta, gamma")
    else:
        try:
            factor = schedule_factor(schedule)
            check = schedule_factor_limit(schedule)
        except Exception as exc:  # noqa: BLE001 - sympy's limit raises many kinds of errors
            notes.append(f"schedule factor limit failed: {type(exc).__name__}: {exc}")
        else:
            entries.append(mk(
                "schedule_factor", "L'Hopital schedule factor", ("LLY25-T1",), factor,
                ("F = -(alpha/sigma)' sigma^2 / sigma'; lim Z_t = lim m * F",
                 r"$F=-\frac{d}{dt}\big(\frac{\alpha}{\sigma}\big)\frac{\sigma^2}{\dot\sigma}$; "
                 r"$\lim Z_t=\lim m\cdot F$"),
                ("F(t)", r"F(t)")))
            limit = sp.sympify(check.symbolic, locals={"t": T})
            rate = check.fitted_rate
            how = ("numeric cross-check at t = 1e-1 .. 1e-12 "
                   + ("agrees" if check.agrees else "DISAGREES")
                   + (", |F(t) - L| exactly 0" if rate == "exact" else f", |F(t) - L| ~ t^{rate}"))
            entries.append(mk(
                "schedule_factor_limit", "Limit of the schedule factor", ("LLY25-T1",), limit,
                ("lim_{t -> 0+} F(t) (sympy.limit)", r"one-sided limit by \texttt{sympy.limit}"),
                ("lim_{t->0+} F(t)", r"\lim_{t\to0^+}F(t)"),
                kind="limit", holds=bool(check.agrees), method=how))

    if not schedule.generic:
        entries.extend(_discretization_entries(schedule, mk))

    for ident in IDENTITIES:
        result = check_symbolic(ident, D, "component")
        if result.holds:  # proved identically zero by the check: no need to simplify it again
            residual = _scalar_or_matrix(sp.zeros(*ident.component(D, 0).shape))
        else:
            residual = tidy(ident.component(D, 0))
        entries.append(ReportEntry(
            ident.key, ident.title, tuple(ident.claims), residual,
            f"symbolic check of the per-component residual r_i, scope: {result.scope}",
            description_latex=rf"symbolic check of the per-component residual $r_i$, scope: "
                              rf"{latex_escape(result.scope)}",
            kind="identity", lhs_text="r_i", lhs_latex="r_i", statement=ident.statement,
            holds=bool(result.holds), method=result.method,
        ))
    return DerivationReport(schedule, n, d, tuple(entries), _collect_symbols(entries), tuple(notes),
                            time.perf_counter() - start)


def _discretization_entries(schedule: Schedule, mk) -> list[ReportEntry]:
    """The last Euler / Euler-Maruyama step at t = h and the predicted exponent (LLY26-T2/T3),
    and the coefficient of the estimation error in the endpoint (LLY25-T3)."""
    from .discretization import last_step
    from .estimation import endpoint_limit

    out: list[ReportEntry] = []
    samplers = (("euler", "Euler", "LLY26-T2"), ("euler-maruyama", "Euler-Maruyama", "LLY26-T3"))
    for method, label, claim in samplers:
        try:
            ls = last_step(schedule, method)
        except Exception as exc:  # noqa: BLE001 - a schedule sympy cannot expand is reported, not fatal
            out.append(mk(f"{method}_last_step", f"{label}: last step", (claim,), sp.nan,
                          (f"not derived: {type(exc).__name__}: {exc}", "not derived"),
                          ("A(h, h)", "A(h,h)")))
            continue
        key = method.replace("-", "_")
        out.append(mk(f"{key}_last_A", f"{label}: last-step gain", (claim,), ls.A.expression,
                      ("u_0 = A(h,h) u_h + D(h,h) X (+ noise): gain of the deviation u = Z - alpha X "
                       "at t = h; "
                       f"leading term {sp.sstr(ls.A.coefficient)} h^{sp.sstr(ls.A.order)}",
                       r"$u_0=A(h,h)\,u_h+D(h,h)\,X$: gain of $u=Z-\alpha X$ at $t=h$"),
                      ("A(h, h)", r"A(h,h)")))
        if method == "euler":
            out.append(mk(f"{key}_last_D", f"{label}: last-step truncation", (claim,), ls.D.expression,
                          ("D(h,h) = alpha(h) - h alpha'(h) - alpha(0), the same for every sampler; "
                           f"leading term {sp.sstr(ls.D.coefficient)} h^{sp.sstr(ls.D.order)}",
                           r"$D(h,h)=\alpha(h)-h\dot\alpha(h)-\alpha(0)$, the same for every sampler"),
                          ("D(h, h)", r"D(h,h)")))
        how = (f"min(p + ord A, ord D) with sigma(h) ~ {sp.sstr(ls.sigma.coefficient)} h^{sp.sstr(ls.p)}; "
               + ("every leading term confirmed at h = 2^-6 .. 2^-30" if ls.agrees
                  else "a leading term DISAGREES with its numeric check"))
        if method == "euler-maruyama":
            how += f"; last-step noise std ~ h^{sp.sstr(ls.noise_order)}"
        out.append(mk(f"{key}_exponent", f"{label}: predicted deviation exponent", (claim,), ls.exponent,
                      ("deviation of the endpoint from the training sample ~ h^exponent (deterministic part)",
                       "deviation of the endpoint from the training sample "
                       r"$\sim h^{\text{exponent}}$ (deterministic part)"),
                      ("exponent", r"\text{exponent}"), kind="limit", holds=bool(ls.agrees), method=how))
    el = endpoint_limit(schedule)
    out.append(mk("error_coefficient", "Endpoint coefficient of the estimation error", ("LLY25-T3",),
                  el.error_coefficient,
                  ("Z_0 = lim [m (alpha - alpha' sigma/sigma') + e * (this)]: derived by L'Hopital in "
                   "regular coordinates" + ("" if el.matches else " (DISAGREES with the paper form)"),
                   r"$Z_0=\lim\,[m(\alpha-\dot\alpha\sigma/\dot\sigma)+e\cdot(\text{this})]$ "
                   r"by L'H\^opital in regular coordinates"),
                  ("-sigma/sigma'", r"-\sigma/\dot\sigma")))
    return out


# -- one object as LaTeX ------------------------------------------------------------------------

def _math_text(text: str) -> str:
    r"""Plain text inside ``\text{...}`` in math mode (KaTeX/MathJax and LaTeX safe)."""
    out = []
    for ch in text:
        if ch in "\\{}$&#^~%":
            continue
        out.append(" " if ch == "_" else ch)
    return "".join(out)


def _mixture_latex(field: MixtureField, atoms: Sequence[int] | None = None) -> list[str]:
    name = rf"\text{{{_math_text(field.name)}}}"
    n = field.n
    weights = (rf"w=\operatorname{{softmax}}(E_0,\dots,E_{{{n - 1}}})" if n > 1 else r"w_0=1")
    rows = [rf"{name}(x,t) &= \sum_{{i=0}}^{{{n - 1}}} w_i(x,t)\,F_i(x,t),\quad {weights}"]
    shown = range(n) if atoms is None else atoms
    for i in shown:
        rows.append(rf"E_{{{i}}} &= {sp.latex(field.logits[i])}")
        rows.append(rf"F_{{{i}}} &= {sp.latex(_scalar_or_matrix(field.components[i]))}")
    if atoms is not None and len(shown) < n:
        rows.append(rf"&\text{{(atom {', '.join(map(str, shown))} of {n} shown; the others are "
                    r"the same with their own data)}")
    return rows


def _aligned(rows: Sequence[str]) -> str:
    return r"\begin{aligned}" + r"\\ ".join(rows) + r"\end{aligned}"


def to_latex(obj, *, delimiters: bool = False) -> str:
    r"""The LaTeX of one derived object, in one call.

    ``obj`` is any of:

    * a SymPy expression or matrix: :func:`sympy.latex` of it;
    * a :class:`~derivations.fields.MixtureField`: the mixture
      :math:`F=\sum_i w_iF_i`, :math:`w=\operatorname{softmax}(E)`, with every logit
      :math:`E_i` and component :math:`F_i` (an ``aligned`` block);
    * a derivation, :class:`~derivations.fields.OracleDerivation` (from
      :func:`~derivations.fields.derive`): the schedule's coefficients, the logits and, for atom
      0, the component of every field; or a :class:`DerivationReport` (from
      :func:`derivation_report`): every entry;
    * an :class:`~derivations.identities.Identity` (its statement), a
      :class:`~derivations.identities.SymbolicCheck` (its residual :math:`\equiv 0` or not) or
      a :class:`ReportEntry`.

    Returns math-mode LaTeX; with ``delimiters=True`` it is wrapped as ``$\displaystyle ...$``
    (what the objects' ``_repr_latex_`` returns, so that Jupyter renders them). Anything else
    raises :class:`TypeError`.
    """
    from .identities import Identity, SymbolicCheck

    if isinstance(obj, MixtureField):
        body = _aligned(_mixture_latex(obj))
    elif isinstance(obj, OracleDerivation):
        s = obj.schedule
        rows = [rf"&\text{{schedule {_math_text(s.name)}: {obj.n} atoms in }}\mathbb R^{{{obj.d}}}"]
        for key, symbol in (("alpha", r"\alpha"), ("beta", r"\beta"), ("gamma", r"\gamma"),
                            ("sigma", r"\sigma")):
            rows.append(rf"{symbol}(t) &= {sp.latex(s.coefficients()[key])}")
        for name in obj:
            rows.extend(_mixture_latex(obj[name], atoms=(0,)))
        body = _aligned(rows)
    elif isinstance(obj, DerivationReport):
        rows = [rf"&\text{{derivation report: schedule {_math_text(obj.name)}}}"]
        for e in obj.entries:
            rows.append("&" + _entry_latex(e) if e.kind == "identity" else _entry_latex(e, align=True))
        body = _aligned(rows)
    elif isinstance(obj, ReportEntry):
        body = _entry_latex(obj)
    elif isinstance(obj, Identity):
        body = rf"\text{{{_math_text(obj.title)}:}}\quad {obj.statement}"
    elif isinstance(obj, SymbolicCheck):
        relation = r"\equiv 0" if obj.holds else r"\not\equiv 0"
        body = (rf"\text{{{_math_text(obj.identity)} [{_math_text(obj.schedule)}, "
                rf"{_math_text(obj.scope)}]:}}\ r {relation}\ \text{{({_math_text(obj.method)})}}")
    elif isinstance(obj, sp.Basic | sp.MatrixBase):
        body = sp.latex(obj)
    else:
        raise TypeError(f"to_latex takes a SymPy expression or matrix, a MixtureField, an "
                        f"OracleDerivation, a DerivationReport, a ReportEntry, an Identity or a "
                        f"SymbolicCheck, not {type(obj).__name__}")
    return rf"$\displaystyle {body}$" if delimiters else body


def _entry_latex(e: ReportEntry, align: bool = False) -> str:
    if e.kind == "identity":
        verdict = r"\text{holds}" if e.holds else r"\text{not shown}"
        return rf"\text{{{_math_text(e.key)}:}}\ {e.statement}\quad({verdict})"
    lhs = e.lhs_latex or rf"\text{{{_math_text(e.key)}}}"
    return f"{lhs} {'&' if align else ''}= {sp.latex(e.expr)}"


# -- plain text ---------------------------------------------------------------------------------

def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line.strip() else line for line in text.splitlines())


def to_text(report: DerivationReport, pretty: bool = True) -> str:
    """Readable plain text with numbered entries (``pretty``: SymPy's 2-D unicode layout)."""
    s = report.schedule
    lines = [f"Derivation report: schedule '{s.name}'"]
    if s.description:
        lines.append(f"  {s.description}")
    lines.append(f"  n = {report.n}, d = {report.d}; derived in {report.seconds:.2f} s")
    lines.extend(f"  validation: {v}" for v in s.validation)
    lines.extend(f"  note: {v}" for v in report.notes)
    width = len(str(len(report.entries)))
    for k, e in enumerate(report.entries, 1):
        claims = " ".join(f"[{c}]" for c in e.claims)
        lines.append("")
        lines.append(f"{k:>{width}}. {e.key}: {e.title}" + (f"  {claims}" if claims else ""))
        pad = " " * (width + 2)
        lines.append(f"{pad}{e.description}")
        if e.kind == "identity":
            lines.append(f"{pad}statement (LaTeX): {e.statement}")
            verdict = "holds" if e.holds else "DOES NOT HOLD"
            lines.append(f"{pad}{verdict} symbolically ({e.method}); component residual r_i = "
                         f"{sp.sstr(e.expr)}")
            continue
        body = sp.pretty(e.expr, use_unicode=True, wrap_line=False) if pretty else sp.sstr(e.expr)
        if "\n" in body:
            lines.append(f"{pad}{e.lhs_text} =")
            lines.append(_indent(body, pad + "    "))
        else:
            lines.append(f"{pad}{e.lhs_text} = {body}")
        if e.holds is not None:
            lines.append(f"{pad}{e.method}")
    return "\n".join(lines) + "\n"


# -- JSON ---------------------------------------------------------------------------------------

def _symbol_kind(obj: sp.Basic) -> str:
    if isinstance(obj, sp.Symbol):
        flags = [k for k in ("positive", "real") if obj.assumptions0.get(k)]
        return f"Symbol({', '.join(flags[:1])})" if flags else "Symbol"
    return "Function"


def to_json(report: DerivationReport) -> dict:
    """A JSON-serializable dict: schedule, symbols, and every entry as ``sympy``/``latex`` text."""
    s = report.schedule
    entries = []
    for e in report.entries:
        item: dict = {
            "key": e.key,
            "title": e.title,
            "kind": e.kind,
            "claims": list(e.claims),
            "description": e.description,
            "lhs": e.lhs_text,
            "sympy": sp.sstr(e.expr),
            "latex": sp.latex(e.expr),
        }
        if e.kind == "identity":
            item["statement"] = e.statement
        if e.holds is not None:
            item["holds"] = bool(e.holds)
            item["method"] = e.method
        entries.append(item)
    payload = {
        "schedule": {
            "name": s.name,
            "description": s.description,
            "generic": bool(s.generic),
            "validation": list(s.validation),
        },
        "n": report.n,
        "d": report.d,
        "symbols": {name: _symbol_kind(obj) for name, obj in report.symbols.items()},
        "notes": list(report.notes),
        "seconds": round(report.seconds, 4),
        "entries": entries,
    }
    json.dumps(payload)  # fail here, not in the caller, if anything is not serializable
    return payload


# -- LaTeX --------------------------------------------------------------------------------------

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
}
_TEX_UNICODE = {
    "α": r"$\alpha$", "β": r"$\beta$", "γ": r"$\gamma$", "σ": r"$\sigma$", "ζ": r"$\zeta$",
    "ℓ": r"$\ell$", "ρ": r"$\rho$", "ξ": r"$\xi$", "∇": r"$\nabla$", "→": r"$\to$",
    "≤": r"$\le$", "≥": r"$\ge$", "²": r"$^2$", "√": r"$\surd$", "·": r"$\cdot$", "−": "-",
    "–": "--", "—": "---", "’": "'", "ô": r"\^o",
}


def latex_escape(text: str) -> str:
    """Escape text for LaTeX (pdflatex-safe: other non-ASCII characters become '?')."""
    out = []
    for ch in text:
        if ch in _TEX_SPECIAL:
            out.append(_TEX_SPECIAL[ch])
        elif ch in _TEX_UNICODE:
            out.append(_TEX_UNICODE[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def _label(*parts: str) -> str:
    return ":".join(re.sub(r"[^A-Za-z0-9.-]+", "-", p) for p in parts)


_PREAMBLE = r"""\documentclass[a4paper,10pt]{article}
\usepackage{amsmath}
\usepackage{amssymb}
\usepackage{graphicx}
\setlength{\textwidth}{16cm}
\setlength{\oddsidemargin}{0cm}
\setlength{\evensidemargin}{0cm}
\setlength{\textheight}{24cm}
\setlength{\topmargin}{-1.5cm}
\setlength{\parindent}{0pt}
\setlength{\parskip}{3pt}
\numberwithin{equation}{section}
% \mvfit{math}: display math, shrunk to the line width when it is wider.
\newsavebox{\mvbox}
\newcommand{\mvfit}[1]{\sbox{\mvbox}{$\displaystyle #1$}%
  \ifdim\wd\mvbox>0.86\linewidth\resizebox{0.86\linewidth}{!}{\usebox{\mvbox}}%
  \else\usebox{\mvbox}\fi}
"""

_CONVENTIONS = r"""\section{Conventions}
\begin{itemize}
\item Time $t\in[0,1]$: data at $t=0$, Gaussian at $t=1$; generation starts from
  $Z_1\sim\mathcal N(0,I_d)$ and runs backward to $t=0$.
\item Interpolant $x_t=\alpha(t)x_0+\beta(t)x_1+\gamma(t)z$ with
  $x_0\sim\frac1N\sum_i\delta_{X_i}$ and $x_1,z\sim\mathcal N(0,I_d)$, all independent.
\item Boundary values $\alpha(0)=\beta(1)=1$, $\beta(0)=\gamma(0)=\alpha(1)=\gamma(1)=0$;
  $\gamma\ge0$.
\item $\sigma^2=\beta^2+\gamma^2$, so $\rho_t=\frac1N\sum_i\mathcal N(\alpha X_i,\sigma^2I)$;
  signal-to-noise ratio $\ell=\alpha/\sigma$.
\item Logits $E_i=-\lVert x-\alpha X_i\rVert^2/(2\sigma^2)$, weights $w=\operatorname{softmax}(E)$,
  denoiser $m=\sum_i w_iX_i=\mathbb E[x_0\mid x_t=x]$.
\item Velocity $b=\mathbb E[\dot\alpha x_0+\dot\beta x_1+\dot\gamma z\mid x_t=x]$,
  score $s=\nabla\log\rho_t$; per-sample fields $b_i$, $\nabla_xE_i$ combine as
  $\sum_i w_i(\cdot)_i$.
\item Stochastic sampler $dZ=[b-\zeta s]\,dt+\sqrt{2\zeta}\,d\bar W$, integrated with
  $t$ decreasing.
\item Every formula below is derived by the tool (SymPy), not typed in; per-sample entries use
  one atom $X_i$ at the point $x$.
\end{itemize}
"""


def _latex_entry(e: ReportEntry, number: int, label: str) -> list[str]:
    claims = " ".join(f"[{c}]" for c in e.claims)
    head = (rf"\paragraph{{{number}.\ {latex_escape(e.title)}}}"
            + (f" {latex_escape(claims)}" if claims else "")
            + rf" (\texttt{{{latex_escape(e.key)}}}) "
            + (e.description_latex or latex_escape(e.description)) + ".")
    lines = [head]
    if e.kind == "identity":
        if e.holds:
            lines.append(rf"Holds symbolically ({latex_escape(e.method)}): "
                         rf"$r_i={sp.latex(e.expr)}$.")
        else:
            lines.append(rf"\textbf{{Does not hold}} symbolically ({latex_escape(e.method)}).")
        body = e.statement
    else:
        body = f"{e.lhs_latex}={sp.latex(e.expr, mode='plain')}"
        if e.holds is not None:
            lines.append(latex_escape(e.method[0].upper() + e.method[1:]) + ".")
    lines += [r"\begin{equation}", rf"\mvfit{{{body}}}", rf"\label{{{label}}}", r"\end{equation}"]
    return lines


def to_latex_document(reports: Sequence[DerivationReport],
                      title: str = "memverify: derived oracle fields and identities") -> str:
    """A standalone LaTeX document (amsmath, amssymb, graphicx), one section per schedule."""
    out = [_PREAMBLE, rf"\title{{{latex_escape(title)}}}",
           r"\author{generated by memverify (derivations.printing)}", r"\date{}",
           r"\begin{document}", r"\maketitle", _CONVENTIONS]
    used: set[str] = set()
    for report in reports:
        s = report.schedule
        section = _label(s.name)
        while section in used:
            section += "-"
        used.add(section)
        out.append(rf"\section{{Schedule \texttt{{{latex_escape(s.name)}}}}}")
        out.append(rf"\label{{sec:{section}}}")
        if s.description:
            out.append(latex_escape(s.description) + ".")
        # no timing here: the same derivations give the same document, byte for byte
        out.append(rf"Per-sample entries: one atom with symbolic data, $n={report.n}$, $d={report.d}$.")
        if s.validation or report.notes:
            out.append(r"\begin{itemize}\setlength{\itemsep}{0pt}\small")
            out.extend(rf"\item Validation: {latex_escape(v)}." for v in s.validation)
            out.extend(rf"\item Note: {latex_escape(v)}." for v in report.notes)
            out.append(r"\end{itemize}")
        for k, e in enumerate(report.entries, 1):
            out.extend(_latex_entry(e, k, _label("eq", section, e.key)))
        out.append("")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"


# -- files and compilation ----------------------------------------------------------------------

class LatexEngineMissing(RuntimeError):
    """No LaTeX engine was found on PATH."""


class LatexCompileError(RuntimeError):
    """The LaTeX engine failed; the message ends with the tail of its log."""


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def new_file_mode() -> int:
    """The mode a new file gets under the user's umask (``0o666 & ~umask``)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_bytes_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file in its directory, fsync, os.replace)."""
    path = Path(path)
    directory = path.parent
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else new_file_mode()
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(directory)
    return path


def write_text_atomic(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (temp file in its directory, fsync, os.replace)."""
    return write_bytes_atomic(Path(path), text.encode(encoding))


def find_latex_engine(engine: str | None = None) -> tuple[str, str]:
    """(name, path) of the first engine of :data:`LATEX_ENGINES` on PATH (or of ``engine``)."""
    names = (engine,) if engine else LATEX_ENGINES
    for name in names:
        exe = shutil.which(name)
        if exe:
            return name, exe
    looked = ", ".join(names)
    raise LatexEngineMissing(
        f"no LaTeX engine found on PATH (looked for: {looked}); install one, e.g. "
        "'apt-get install texlive-latex-base' for pdflatex")


def compile_pdf(tex_path: Path, engine: str | None = None, timeout: float = 180.0) -> Path:
    """Compile ``tex_path`` in a temporary directory; put the PDF next to it atomically.

    Raises :class:`LatexEngineMissing` when no engine is on PATH and
    :class:`LatexCompileError` (with the last lines of the log) when compilation fails.
    """
    tex_path = Path(tex_path).resolve()
    if not tex_path.is_file():
        raise FileNotFoundError(tex_path)
    name, exe = find_latex_engine(engine)
    pdf_name = tex_path.with_suffix(".pdf").name
    with tempfile.TemporaryDirectory(prefix="memverify-latex-") as tmp:
        work = Path(tmp)
        src = work / tex_path.name
        shutil.copyfile(tex_path, src)
        if name == "tectonic":
            cmd = [exe, "--outdir", str(work), "--keep-logs", str(src)]
        else:
            cmd = [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", src.name]
        try:
            proc = subprocess.run(cmd, cwd=work, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout, check=False)
            output, rc = proc.stdout.decode("utf-8", "replace"), proc.returncode
        except subprocess.TimeoutExpired as exc:
            output = (exc.stdout or b"").decode("utf-8", "replace")
            rc = None
        pdf = work / pdf_name
        if rc != 0 or not pdf.is_file():
            log = work / tex_path.with_suffix(".log").name
            text = log.read_text("utf-8", "replace") if log.is_file() else output
            tail = "\n".join(text.splitlines()[-15:])
            status = f"timed out after {timeout:g} s" if rc is None else f"exit status {rc}"
            raise LatexCompileError(f"{name} failed on {tex_path.name} ({status}); "
                                    f"last lines of the log:\n{tail}")
        return write_bytes_atomic(tex_path.parent / pdf_name, pdf.read_bytes())
