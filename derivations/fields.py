r"""Oracle (empirical-optimal) fields, derived from their definitions (MATH.md §2).

Nothing here is a typed-in closed form. The derivation runs:

1. **Conditional law.** Per coordinate, :math:`x_t = \alpha X_{ij} + \beta U + \gamma V` with
   :math:`U, V\sim\mathcal N(0,1)`; ``sympy.stats`` gives its mean, variance and the covariances
   :math:`\operatorname{Cov}(U, x_t)`, :math:`\operatorname{Cov}(V, x_t)`, and the component
   density :math:`\varphi_i(x) = \prod_j \mathcal N(x_j;\ \alpha X_{ij}, \sigma^2)`.
2. **Logits.** :math:`\varphi_i = C(t)\,e^{E_i(x,t)}` with a common factor :math:`C`; the
   exponents :math:`E_i` are read off the density (checked to share :math:`C`).
3. **Bayes.** With the uniform prior :math:`1/N`, :math:`w = \operatorname{softmax}(E)`.
4. **Conditional expectations.** Gaussian conditioning
   :math:`\mathbb E[A\mid B] = \mathbb E A
   + \tfrac{\operatorname{Cov}(A,B)}{\operatorname{Var} B}(B-\mathbb E B)`
   per component gives the per-sample velocity :math:`b_i`; the denoiser is the posterior
   mean of :math:`x_0`; the component score is :math:`\nabla_x \log\varphi_i`.

Every field is a :class:`MixtureField` :math:`\sum_i w_i F_i`, kept in log space so that the
code generator can emit the max-shifted softmax.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache

import sympy as sp
from sympy import stats

from .cache import persistent
from .schedules import Schedule, T

__all__ = ["FIELD_NAMES", "MixtureField", "OracleDerivation", "derive", "data_symbols", "space_symbols"]

#: The fields of every :class:`OracleDerivation`, in order: ``derivation[name]`` is a
#: :class:`MixtureField` (``derivation.fields()`` gives them all as a dict).
FIELD_NAMES: tuple[str, ...] = ("denoiser", "velocity", "score", "drift_backward", "drift_forward")

#: The named parts of a :class:`MixtureField` (``field[part]``, ``field.keys()``).
MIXTURE_PARTS: tuple[str, ...] = ("logits", "components", "weights", "explicit", "shifted")


def space_symbols(d: int) -> sp.Matrix:
    """The point :math:`x\\in\\mathbb R^d` as a column of real symbols ``x_0 .. x_{d-1}``."""
    return sp.Matrix(d, 1, lambda j, _: sp.Symbol(f"x_{j}", real=True))


def data_symbols(n: int, d: int) -> sp.Matrix:
    """A symbolic training set: an n-by-d matrix of real symbols ``X_{i,j}``."""
    return sp.Matrix(n, d, lambda i, j: sp.Symbol(f"X_{i}_{j}", real=True))


@dataclass(frozen=True)
class MixtureField:
    r"""A softmax mixture :math:`F(x,t) = \sum_i w_i(x,t)\,F_i(x,t)`, :math:`w=\operatorname{softmax}(E)`.

    Indexing:

    * ``field[i]`` (an int) is the conditional field :math:`F_i` of atom ``i`` (a column
      Matrix); ``len(field)`` is the number of atoms and ``iter(field)`` runs over the
      :math:`F_i`;
    * ``field[part]`` (a string of :data:`MIXTURE_PARTS`, also ``field.keys()``) is a named part:
      ``"logits"`` (the :math:`E_i`), ``"components"`` (the :math:`F_i`), ``"weights"`` (the
      softmax weights, max-shifted form, a column of ``n``), ``"explicit"`` and ``"shifted"``
      (the whole field in either form).

    The fields of a derivation are indexed by name: ``derive(s)["velocity"]``. In a notebook a
    field renders as LaTeX (``_repr_latex_``, :func:`derivations.printing.to_latex`).
    """

    name: str
    logits: tuple[sp.Expr, ...]
    components: tuple[sp.Matrix, ...]

    @property
    def n(self) -> int:
        """The number of atoms (of mixture components)."""
        return len(self.logits)

    def __len__(self) -> int:
        return len(self.components)

    def __iter__(self) -> Iterator[sp.Matrix]:
        return iter(self.components)

    def keys(self) -> tuple[str, ...]:
        """The named parts, :data:`MIXTURE_PARTS`."""
        return MIXTURE_PARTS

    def __getitem__(self, key: int | str):
        if isinstance(key, str):
            if key not in MIXTURE_PARTS:
                raise KeyError(f"{key!r}: a MixtureField has the parts {', '.join(MIXTURE_PARTS)} "
                               "(and field[i] is the component of atom i)")
            if key == "logits":
                return self.logits
            if key == "components":
                return self.components
            if key == "weights":
                return self.weights()
            return getattr(self, key)()
        if isinstance(key, bool) or not isinstance(key, int):
            raise TypeError(f"a MixtureField is indexed by an atom (int) or a part name (str), "
                            f"not {type(key).__name__}")
        return self.components[key]

    def weights(self, form: str = "shifted") -> sp.Matrix:
        r"""The softmax weights :math:`w_i = e^{E_i}/\sum_j e^{E_j}` as a column of ``n``:
        ``"shifted"`` (:math:`e^{E_i-M}/\sum_j e^{E_j-M}`, :math:`M=\max_j E_j`) or ``"explicit"``."""
        if form not in ("shifted", "explicit"):
            raise ValueError(f"form must be 'shifted' or 'explicit', not {form!r}")
        shift = 0
        if form == "shifted":
            shift = sp.Max(*self.logits) if self.n > 1 else self.logits[0]
        kernels = [sp.exp(e - shift) for e in self.logits]
        total = sp.Add(*kernels)
        return sp.Matrix([k / total for k in kernels])

    def _repr_latex_(self) -> str:
        from .printing import to_latex

        return to_latex(self, delimiters=True)

    def explicit(self) -> sp.Matrix:
        """The unshifted expression :math:`\\sum_i e^{E_i} F_i / \\sum_j e^{E_j}` (for identities)."""
        kernels = [sp.exp(e) for e in self.logits]
        total = sp.Add(*kernels)
        return sum((k * f for k, f in zip(kernels, self.components, strict=True)),
                   sp.zeros(*self.components[0].shape)) / total

    def with_kernels(self, kernels: tuple[sp.Symbol, ...]) -> sp.Matrix:
        """The same mixture with each :math:`e^{E_i}` replaced by a positive symbol."""
        total = sp.Add(*kernels)
        return sum((k * f for k, f in zip(kernels, self.components, strict=True)),
                   sp.zeros(*self.components[0].shape)) / total

    def shifted(self) -> sp.Matrix:
        """Max-shifted log-space form :math:`\\sum_i e^{E_i-M}F_i/\\sum_j e^{E_j-M}`,
        :math:`M=\\max_j E_j`."""
        shift = sp.Max(*self.logits) if self.n > 1 else self.logits[0]
        kernels = [sp.exp(e - shift) for e in self.logits]
        total = sp.Add(*kernels)
        return sum((k * f for k, f in zip(kernels, self.components, strict=True)),
                   sp.zeros(*self.components[0].shape)) / total

    def map(self, name: str, fn) -> MixtureField:
        """Apply ``fn`` to every component (the weights are unchanged)."""
        return MixtureField(name, self.logits, tuple(fn(i, f) for i, f in enumerate(self.components)))


def split_gaussian_densities(densities) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
    r"""Write Gaussian component densities as :math:`\varphi_i = C\,e^{E_i}` with one common factor
    :math:`C`: returns :math:`(C, (E_1, \dots))`; raises if a density has no single exponential or
    the factors differ (the components must share their covariance)."""
    common, exponents = None, []
    for density in densities:
        dens = sp.powsimp(density, combine="exp")
        exps = [f for f in sp.Mul.make_args(dens) if isinstance(f, sp.exp)]
        if len(exps) != 1:
            raise AssertionError("a Gaussian density has exactly one exponential factor")
        rest = sp.Mul(*[f for f in sp.Mul.make_args(dens) if f is not exps[0]])
        if common is None:
            common = rest
        elif sp.simplify(rest - common) != 0:
            raise AssertionError("component densities must share their normalizing factor")
        exponents.append(exps[0].args[0])
    return common, tuple(exponents)


def _gaussian_conditioning(mean_a, cov_ab, var_b, mean_b, value_b):
    r""":math:`\mathbb E[A\mid B=b]` for jointly Gaussian :math:`(A,B)`."""
    return mean_a + cov_ab / var_b * (value_b - mean_b)


@persistent("fields.conditional_law")
def _conditional_law(s: Schedule) -> dict[str, sp.Expr]:
    """:attr:`OracleDerivation.conditional_law` of a schedule (SymPy's stats module: slow, kept)."""
    xi = sp.Symbol("xi", real=True)
    U, V = stats.Normal("U", 0, 1), stats.Normal("V", 0, 1)
    xt = s.alpha * xi + s.beta * U + s.gamma * V
    return {
        "mean_over_xi": sp.simplify(stats.E(xt) / xi),
        "variance": sp.expand(stats.variance(xt)),
        "cov_U": sp.simplify(stats.covariance(U, xt)),
        "cov_V": sp.simplify(stats.covariance(V, xt)),
    }


class OracleDerivation:
    r"""The oracle fields of a schedule over a training set of ``n`` atoms in :math:`\mathbb R^d`.

    ``data`` may be symbolic (default: :func:`data_symbols`) or an exact rational matrix.
    A derivation is indexed by field name like a read-only mapping: ``D["velocity"]`` is a
    :class:`MixtureField`, ``D.keys()`` / ``list(D)`` are :data:`FIELD_NAMES`, ``"score" in D``.
    In a notebook it renders as LaTeX (:func:`derivations.printing.to_latex`).
    """

    def __init__(self, schedule: Schedule, n: int, d: int, data: sp.Matrix | None = None):
        if n < 1 or d < 1:
            raise ValueError("need n >= 1 atoms in d >= 1 dimensions")
        self.schedule = schedule
        self.n, self.d = n, d
        self.x = space_symbols(d)
        self.X = data_symbols(n, d) if data is None else sp.Matrix(data)
        if self.X.shape != (n, d):
            raise ValueError(f"data has shape {self.X.shape}, expected {(n, d)}")

    # -- 1. the conditional law of one coordinate -------------------------------------------
    @cached_property
    def conditional_law(self) -> dict[str, sp.Expr]:
        r"""Mean, variance and noise covariances of :math:`x_t = \alpha\xi + \beta U + \gamma V`."""
        return _conditional_law(self.schedule)

    @cached_property
    def variance(self) -> sp.Expr:
        """The conditional variance, in the schedule's simplest form of sigma^2."""
        var = self.conditional_law["variance"]
        if not self.schedule.generic:
            assert sp.simplify(var - self.schedule.sigma2) == 0, "variance must equal beta^2+gamma^2"
            return self.schedule.sigma**2
        return var

    def component_density(self, i: int) -> sp.Expr:
        r"""Component density
        :math:`\varphi_i(x) = \prod_j \mathcal N(x_j;\ \mathbb E[x_t\mid x_0=X_i]_j, \operatorname{Var})`."""
        mean_factor = self.conditional_law["mean_over_xi"]
        # sqrt(sigma^2) would print as |sigma|; sigma > 0 on (0, 1] is validated for concrete
        # schedules, so the schedule's own sigma is the standard deviation.
        sd = sp.sqrt(self.variance) if self.schedule.generic else self.schedule.sigma
        out = sp.S.One
        for j in range(self.d):
            out *= stats.density(stats.Normal("Y", mean_factor * self.X[i, j], sd))(self.x[j])
        return out

    # -- 2. logits ----------------------------------------------------------------------------
    @cached_property
    def _split_densities(self) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
        return split_gaussian_densities([self.component_density(i) for i in range(self.n)])

    @property
    def normalizer(self) -> sp.Expr:
        r"""The common factor :math:`C(t)` in :math:`\varphi_i = C\,e^{E_i}`."""
        return self._split_densities[0]

    @property
    def logits(self) -> tuple[sp.Expr, ...]:
        r"""Logits :math:`E_i(x,t) = \log\varphi_i - \log C`."""
        return self._split_densities[1]

    @cached_property
    def density(self) -> sp.Expr:
        r""":math:`\rho_t(x) = \frac1N\sum_i \varphi_i(x)` (explicit exponentials)."""
        return self.normalizer * sp.Add(*[sp.exp(e) for e in self.logits]) / self.n

    # -- 3./4. the fields -------------------------------------------------------------------------
    def _mixture(self, name: str, components) -> MixtureField:
        return MixtureField(name, self.logits, tuple(components))

    @cached_property
    def weights(self) -> tuple[sp.Expr, ...]:
        r"""Posterior weights :math:`w_i = \frac{\varphi_i/N}{\rho_t}` (explicit form)."""
        kernels = [sp.exp(e) for e in self.logits]
        total = sp.Add(*kernels)
        return tuple(k / total for k in kernels)

    @cached_property
    def denoiser(self) -> MixtureField:
        r""":math:`m(x,t) = \mathbb E[x_0\mid x_t=x] = \sum_i w_i X_i`."""
        return self._mixture("denoiser", (self.X.row(i).T for i in range(self.n)))

    def conditional_velocity(self, i: int) -> sp.Matrix:
        r""":math:`b_i = \mathbb E[\dot\alpha x_0 + \dot\beta x_1 + \dot\gamma z \mid x_t = x, x_0 = X_i]`."""
        s, law = self.schedule, self.conditional_law
        mean_t = law["mean_over_xi"]
        out = []
        for j in range(self.d):
            mean_xt = mean_t * self.X[i, j]
            e_u = _gaussian_conditioning(0, law["cov_U"], self.variance, mean_xt, self.x[j])
            e_v = _gaussian_conditioning(0, law["cov_V"], self.variance, mean_xt, self.x[j])
            out.append(sp.diff(s.alpha, T) * self.X[i, j] + sp.diff(s.beta, T) * e_u
                       + sp.diff(s.gamma, T) * e_v)
        return sp.Matrix(out)

    @cached_property
    def velocity(self) -> MixtureField:
        r"""Velocity :math:`b(x,t) = \mathbb E[\dot\alpha x_0 + \dot\beta x_1 + \dot\gamma z\mid x_t = x]
        = \sum_i w_i b_i`."""
        return self._mixture("velocity", (self.conditional_velocity(i) for i in range(self.n)))

    @cached_property
    def component_scores(self) -> tuple[sp.Matrix, ...]:
        r""":math:`\nabla_x \log\varphi_i = \nabla_x E_i`."""
        return tuple(sp.Matrix([sp.diff(e, xj) for xj in self.x]) for e in self.logits)

    @cached_property
    def score(self) -> MixtureField:
        r"""Score :math:`s(x,t) = \sum_i w_i \nabla_x E_i` (that it equals :math:`\nabla\log\rho_t`
        is an identity)."""
        return self._mixture("score", self.component_scores)

    @cached_property
    def score_direct(self) -> sp.Matrix:
        r""":math:`\nabla_x\log\rho_t`, differentiated directly."""
        log_rho = sp.log(self.density)
        return sp.Matrix([sp.diff(log_rho, xj) for xj in self.x])

    def drift(self, direction: str) -> MixtureField:
        r"""Stochastic drifts :math:`b \mp \zeta s`.

        ``"backward"``: :math:`b - \zeta s`, for the sampler integrated with t decreasing;
        ``"forward"``: :math:`b + \zeta s`, for t increasing. The signs are checked against the
        Fokker–Planck equation in :mod:`derivations.identities`.
        """
        sign = {"backward": -1, "forward": 1}[direction]
        zeta = self.schedule.diffusion
        return self._mixture(
            f"drift_{direction}",
            (b + sign * zeta * sc
             for b, sc in zip(self.velocity.components, self.component_scores, strict=True)),
        )

    # -- by name ------------------------------------------------------------------------------
    def __getitem__(self, name: str) -> MixtureField:
        """The field called ``name`` (one of :data:`FIELD_NAMES`), e.g. ``D["velocity"]``."""
        if name in ("denoiser", "velocity", "score"):
            return getattr(self, name)
        if name in ("drift_backward", "drift_forward"):
            return self.drift(name.removeprefix("drift_"))
        raise KeyError(f"unknown field {name!r} (the fields are {', '.join(FIELD_NAMES)})")

    def keys(self) -> tuple[str, ...]:
        """The field names, :data:`FIELD_NAMES`."""
        return FIELD_NAMES

    def __iter__(self) -> Iterator[str]:
        return iter(FIELD_NAMES)

    def __len__(self) -> int:
        return len(FIELD_NAMES)

    def __contains__(self, name: object) -> bool:
        return name in FIELD_NAMES

    def _repr_latex_(self) -> str:
        from .printing import to_latex

        return to_latex(self, delimiters=True)

    def fields(self) -> dict[str, MixtureField]:
        """Every derived field by name (as ``{name: self[name] for name in self}``)."""
        return {
            "denoiser": self.denoiser,
            "velocity": self.velocity,
            "score": self.score,
            "drift_backward": self.drift("backward"),
            "drift_forward": self.drift("forward"),
        }


@lru_cache(maxsize=64)
def _derive_cached(schedule: Schedule, n: int, d: int) -> OracleDerivation:
    return OracleDerivation(schedule, n, d)


def derive(schedule: Schedule, n: int = 3, d: int = 2, data: sp.Matrix | None = None) -> OracleDerivation:
    """The oracle derivation for a schedule (cached for symbolic data)."""
    if data is None:
        return _derive_cached(schedule, n, d)
    return OracleDerivation(schedule, n, d, data)
