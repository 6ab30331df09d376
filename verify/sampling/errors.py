r"""Estimation-error fields :math:`e(x,t)`: the estimated velocity is :math:`\hat b = b + e`.

Each family is a time profile :math:`g(t)` (the one :mod:`derivations.estimation` takes limits
of) times a spatial factor, with exact parameters (no float enters the ball path):

* ``bounded``: :math:`e=\varepsilon v`, :math:`\sup\lVert e\rVert=\varepsilon\lVert v\rVert`;
* ``critical``: :math:`e=\lambda(\dot\sigma/\sigma)v`, critically scaled;
* ``growing``: :math:`e=\lambda(\dot\sigma/\sigma)\sigma^{-\kappa}v`, faster than critical;
* ``inverse-density``: :math:`e=\lambda v/\sum_i e^{-\lVert x-\alpha X_i\rVert^2/2\sigma^2}
  =\lambda v/\big(N(2\pi\sigma^2)^{d/2}\rho_t(x)\big)`, unbounded between the atoms;
* ``random``: :math:`e=\varepsilon g(t)\frac1M\sum_j a_j\cos(\omega_j\cdot x+\varphi_j)`,
  :math:`\lVert a_j\rVert<1`, :math:`g\in\{1,\dot\sigma/\sigma\}` (random smooth).

:math:`v` defaults to the first unit vector. On the command line a family is written
``FAMILY:key=value,...`` (e.g. ``critical:lambda=1/2``, ``growing:lambda=1/10,kappa=1``,
``random:eps=1/10,modes=8,seed=3,profile=critical``, ``bounded:eps=1/4,direction=1|1``); a
user field is ``python:package.module:attribute`` (an :class:`ErrorField`, or a callable
``f(x, t) -> array`` on float64 batches).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

import numpy as np

from .coefficients import SamplerError

__all__ = ["ERROR_FAMILIES", "ErrorField", "FieldState", "ConstantDirectionError", "InverseDensityError",
           "RandomSmoothError", "CallableError", "error_field", "parse_error"]

ERROR_FAMILIES: dict[str, str] = {
    "bounded": "eps * v (uniformly bounded; parameters eps, direction)",
    "critical": "lambda * (sigma'/sigma) * v (critically scaled; parameters lambda, direction)",
    "growing": "lambda * (sigma'/sigma) * sigma^-kappa * v (faster than critical; lambda, kappa, direction)",
    "inverse-density": "lambda * v / sum_i exp(-|x - alpha X_i|^2 / 2 sigma^2) (proportional to 1/rho_t)",
    "random": "eps * g(t) * mean_j a_j cos(w_j . x + phi_j) (random smooth; eps, modes, seed, "
              "profile=bounded|critical)",
}


@dataclass
class FieldState:
    r"""What an error field may read at one step: the time and schedule values, the denoiser
    :math:`m` and, when asked for (``needs_density``), :math:`L=\log\sum_i
    e^{-\lVert x-\alpha X_i\rVert^2/2\sigma^2}` per row. Entries are float64 arrays (batch mode)
    or python-flint balls (precise mode)."""

    t: Fraction
    alpha: Any
    sigma: Any
    dsigma: Any
    m: Any = None
    log_kernel_sum: Any = None
    precise: bool = False


@runtime_checkable
class ErrorField(Protocol):
    """An estimation error. ``floats`` maps an (M, d) float64 batch to an (M, d) array;
    ``balls`` maps M rows of d python-flint balls to M rows of d balls."""

    label: str
    family: str
    needs_density: bool

    def floats(self, Z: np.ndarray, state: FieldState) -> np.ndarray: ...

    def balls(self, rows: list[list[Any]], state: FieldState) -> list[list[Any]]: ...

    def sup_norm(self, state: FieldState) -> float | None: ...


def _ball(q: Fraction):
    from derivations.exact import to_arb

    return to_arb(q)


def _direction(direction: Sequence[Fraction] | None, d: int) -> list[Fraction]:
    if direction is None:
        return [Fraction(1)] + [Fraction(0)] * (d - 1)
    if len(direction) != d:
        raise SamplerError(f"error direction has {len(direction)} entries, the data have d = {d}")
    return list(direction)


def _cached(cache: dict, key: Any, source: Any, make: Callable[[], Any]) -> Any:
    """``make()``, computed once per ``key`` while ``source`` is the same object (float64 path)."""
    hit = cache.get(key)
    if hit is None or hit[0] is not source:
        hit = cache[key] = (source, make())
    return hit[1]


def _float_of(cache: dict, key: str, q: Any) -> float:
    """``float(q)``, converted once while ``q`` is the same object."""
    hit = cache.get(key)
    if hit is None or hit[0] is not q:
        hit = cache[key] = (q, float(q))
    return hit[1]


def _frozen(values: Any) -> np.ndarray:
    """A read-only float64 array (shared between calls)."""
    arr = np.array(values, dtype=float)
    arr.flags.writeable = False
    return arr


def _float_direction(cache: dict, direction: Sequence[Fraction] | None, d: int) -> np.ndarray:
    """:math:`v` in R^d as a read-only float64 array, converted once."""
    return _cached(cache, d, direction, lambda: _frozen([float(q) for q in _direction(direction, d)]))


@dataclass
class ConstantDirectionError:
    r""":math:`e = s\,g(t)\,v` with profile ``bounded`` (:math:`g=1`), ``critical``
    (:math:`g=\dot\sigma/\sigma`) or ``growing`` (:math:`g=(\dot\sigma/\sigma)\sigma^{-\kappa}`)."""

    family: str
    scale: Fraction
    direction: tuple[Fraction, ...] | None = None
    kappa: Fraction = Fraction(0)
    needs_density: bool = field(default=False, init=False)
    _floats: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.family not in ("bounded", "critical", "growing"):
            raise SamplerError(f"unknown constant-direction profile '{self.family}'")
        if self.family == "growing" and self.kappa <= 0:
            raise SamplerError("growing error needs kappa > 0")

    @property
    def label(self) -> str:
        sym = "eps" if self.family == "bounded" else "lambda"
        extra = f",kappa={self.kappa}" if self.family == "growing" else ""
        vec = "" if self.direction is None else ",direction=" + "|".join(map(str, self.direction))
        return f"{self.family}:{sym}={self.scale}{extra}{vec}"

    def _profile_float(self, s: FieldState) -> float:
        scale = _float_of(self._floats, "scale", self.scale)
        if self.family == "bounded":
            return scale
        g = scale * float(s.dsigma) / float(s.sigma)
        if self.family == "growing":
            kappa = _float_of(self._floats, "kappa", self.kappa)
            try:
                g *= float(s.sigma) ** (-kappa)
            except OverflowError:  # sigma^-kappa beyond float64: the error is infinite there
                g = math.copysign(math.inf, g) if g else 0.0
        return g

    def _profile_ball(self, s: FieldState):
        g = _ball(self.scale)
        if self.family == "bounded":
            return g
        g = g * s.dsigma / s.sigma
        if self.family == "growing":
            g = g * (-_ball(self.kappa) * s.sigma.log()).exp()
        return g

    def floats(self, Z: np.ndarray, state: FieldState) -> np.ndarray:
        out = np.empty(Z.shape)
        self.floats_into(out, Z, state)
        return out

    def floats_into(self, out: np.ndarray, Z: np.ndarray, state: FieldState) -> None:
        """:meth:`floats` written into ``out`` (same shape as ``Z``), bit for bit."""
        out[:] = self._profile_float(state) * _float_direction(self._floats, self.direction, Z.shape[1])

    def balls(self, rows, state):
        g = self._profile_ball(state)
        v = [g * _ball(q) for q in _direction(self.direction, len(rows[0]))]
        return [list(v) for _ in rows]

    def sup_norm(self, state: FieldState) -> float | None:
        d = 1 if self.direction is None else len(self.direction)
        norm = math.sqrt(sum(float(q) ** 2 for q in _direction(self.direction, d)))
        return abs(self._profile_float(state)) * norm


@dataclass
class InverseDensityError:
    r""":math:`e = \lambda v\,e^{-L}`, :math:`L=\log\sum_i e^{-\lVert x-\alpha X_i\rVert^2/2\sigma^2}`:
    proportional to :math:`1/\rho_t`, equal to :math:`\lambda v` on an isolated atom's mean."""

    scale: Fraction
    direction: tuple[Fraction, ...] | None = None
    family: str = field(default="inverse-density", init=False)
    needs_density: bool = field(default=True, init=False)
    _floats: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def label(self) -> str:
        vec = "" if self.direction is None else ",direction=" + "|".join(map(str, self.direction))
        return f"inverse-density:lambda={self.scale}{vec}"

    def floats(self, Z: np.ndarray, state: FieldState) -> np.ndarray:
        out = np.empty(Z.shape)
        self.floats_into(out, Z, state)
        return out

    def floats_into(self, out: np.ndarray, Z: np.ndarray, state: FieldState) -> None:
        """:meth:`floats` written into ``out`` (same shape as ``Z``), bit for bit."""
        v = _float_direction(self._floats, self.direction, Z.shape[1])
        with np.errstate(over="ignore"):
            w = _float_of(self._floats, "scale", self.scale) * np.exp(-np.asarray(state.log_kernel_sum))
        np.multiply(w[:, None], v[None, :], out=out)

    def balls(self, rows, state):
        v = [_ball(q) for q in _direction(self.direction, len(rows[0]))]
        lam = _ball(self.scale)
        return [[lam * (-L).exp() * vi for vi in v] for L in state.log_kernel_sum]

    def sup_norm(self, state: FieldState) -> float | None:
        return None


@dataclass
class RandomSmoothError:
    r"""Random Fourier features :math:`\varepsilon g(t)\frac1M\sum_j a_j\cos(\omega_j\cdot x+\varphi_j)`,
    drawn once from ``seed`` (float64 draws converted exactly, :math:`\lVert a_j\rVert<1`)."""

    scale: Fraction
    modes: int = 8
    seed: int = 0
    profile: str = "bounded"
    family: str = field(default="random", init=False)
    needs_density: bool = field(default=False, init=False)
    _features: dict[int, tuple] = field(default_factory=dict, init=False, repr=False)
    _floats: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.profile not in ("bounded", "critical"):
            raise SamplerError("random error: profile must be bounded or critical")
        if self.modes < 1:
            raise SamplerError("random error: modes must be >= 1")

    @property
    def label(self) -> str:
        return f"random:eps={self.scale},modes={self.modes},seed={self.seed},profile={self.profile}"

    def features(self, d: int) -> tuple[list[list[Fraction]], list[list[Fraction]], list[Fraction]]:
        """Exact amplitudes :math:`a_j`, frequencies :math:`\\omega_j`, phases :math:`\\varphi_j`."""
        if d not in self._features:
            rng = np.random.default_rng(self.seed)
            a = rng.standard_normal((self.modes, d))
            a *= (1 - 2.0**-30) / np.linalg.norm(a, axis=1, keepdims=True)
            w = rng.standard_normal((self.modes, d))
            phi = rng.uniform(0, 2 * math.pi, self.modes)
            self._features[d] = ([[Fraction(float(v)) for v in row] for row in a],
                                 [[Fraction(float(v)) for v in row] for row in w],
                                 [Fraction(float(v)) for v in phi])
        return self._features[d]

    def _g_float(self, s: FieldState) -> float:
        g = _float_of(self._floats, "scale", self.scale)
        return g * float(s.dsigma) / float(s.sigma) if self.profile == "critical" else g

    def floats(self, Z: np.ndarray, state: FieldState) -> np.ndarray:
        out = np.empty(Z.shape)
        self.floats_into(out, Z, state)
        return out

    def floats_into(self, out: np.ndarray, Z: np.ndarray, state: FieldState) -> None:
        """:meth:`floats` written into ``out`` (same shape as ``Z``), bit for bit."""
        exact = self.features(Z.shape[1])
        a, w, phi = _cached(self._floats, Z.shape[1], exact, lambda: tuple(_frozen(v) for v in exact))
        arg = Z @ w.T
        arg += phi
        np.matmul(np.cos(arg, out=arg), a, out=out)
        out *= self._g_float(state)
        out /= self.modes

    def balls(self, rows, state):
        a, w, phi = self.features(len(rows[0]))
        g = _ball(self.scale)
        if self.profile == "critical":
            g = g * state.dsigma / state.sigma
        A = [[_ball(q) for q in row] for row in a]
        W = [[_ball(q) for q in row] for row in w]
        P = [_ball(q) for q in phi]
        out = []
        for x in rows:
            c = [(sum((wi * xi for wi, xi in zip(W[j], x, strict=True)), _ball(Fraction(0))) + P[j]).cos()
                 for j in range(self.modes)]
            out.append([g * sum((c[j] * A[j][k] for j in range(self.modes)), _ball(Fraction(0)))
                        / self.modes for k in range(len(x))])
        return out

    def sup_norm(self, state: FieldState) -> float | None:
        return abs(self._g_float(state))


@dataclass
class CallableError:
    """A user's float64 field ``f(Z, t) -> array``; it has no ball evaluation."""

    fn: Callable[[np.ndarray, float], np.ndarray]
    label: str = "python"
    family: str = field(default="user", init=False)
    needs_density: bool = field(default=False, init=False)

    def floats(self, Z: np.ndarray, state: FieldState) -> np.ndarray:
        try:
            out = np.asarray(self.fn(Z, float(state.t)), dtype=float)
        except Exception as exc:  # noqa: BLE001 - the user's code: any failure is theirs to fix
            message = " ".join(str(exc).split())[:200]
            raise SamplerError(f"user error field '{self.label}' failed on a ({Z.shape[0]}, {Z.shape[1]}) "
                               f"float64 batch and t: {type(exc).__name__}: {message}") from None
        if out.shape != Z.shape:
            raise SamplerError(f"user error field returned shape {out.shape}, expected {Z.shape}")
        return out

    def balls(self, rows, state):
        raise SamplerError(f"user error field '{self.label}' has no ball evaluation; use the "
                           "float64 sampler or implement ErrorField.balls")

    def sup_norm(self, state: FieldState) -> float | None:
        return None


#: Largest |value| of an error parameter (eps, lambda, kappa, a direction entry): the float64
#: path squares and sums them.
PARAMETER_MAGNITUDE = Fraction(10) ** 100
#: Most Fourier modes of the random error, and the largest seed.
MAX_MODES, MAX_ERROR_SEED = 10_000, 2**63 - 1


def _parse_params(text: str, family: str) -> dict[str, str]:
    out: dict[str, str] = {}
    items = [p.strip() for p in text.split(",", 64)]
    if len(items) > 64:
        raise SamplerError(f"error '{family}': more than 64 parameters")
    for item in filter(None, items):
        key, eq, value = item.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise SamplerError(f"error '{family}': expected key=value, got {_short(item)}")
        if key.strip() in out:
            raise SamplerError(f"error '{family}': {key.strip()} is given twice")
        out[key.strip()] = value.strip()
    return out


def _short(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")


def _number(text: str, where: str) -> Fraction:
    from ..inputs import InputError, number

    try:
        q = number(text, where)
    except InputError as exc:
        raise SamplerError(str(exc)) from None
    if abs(q) > PARAMETER_MAGNITUDE:
        raise SamplerError(f"{where}: |value| above 1e100 (the limit)")
    return q


def _exact(params: dict[str, str], key: str, family: str, default: str | None = None) -> Fraction:
    if key not in params and default is None:
        raise SamplerError(f"error '{family}' needs {key}=VALUE")
    q = _number(params.get(key, default or ""), f"error '{family}', {key}")
    if key in ("eps", "lambda") and q < 0:
        raise SamplerError(f"error '{family}': {key} must be non-negative, got {q} "
                           "(a direction=... with negative entries reverses the error)")
    return q


def _integer(params: dict[str, str], key: str, family: str, default: int, maximum: int) -> int:
    q = _exact(params, key, family, str(default))
    if q.denominator != 1 or q < 0:
        raise SamplerError(f"error '{family}': {key} must be a non-negative integer, got {q}")
    if q > maximum:
        raise SamplerError(f"error '{family}': {key} must be at most {maximum:,} (the limit), got {q}")
    return int(q)


def parse_error(spec: str) -> ErrorField:
    """An error field from ``FAMILY:key=value,...`` or ``python:module:attribute``."""
    spec = spec.strip()
    family, _, rest = spec.partition(":")
    family = family.strip()
    if family == "python":
        module, _, attr = rest.rpartition(":")
        if not module or not attr:
            raise SamplerError("user error field: write python:package.module:attribute")
        try:
            obj = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as exc:
            raise SamplerError(f"user error field '{rest}' could not be loaded: {exc}") from None
        if isinstance(obj, ErrorField):
            return obj
        if callable(obj):
            return CallableError(obj, label=f"python:{rest}")
        raise SamplerError(f"user error field '{rest}' is neither an ErrorField nor callable")
    if family not in ERROR_FAMILIES:
        raise SamplerError(f"unknown error family '{family}' (known: {', '.join(ERROR_FAMILIES)}, "
                           "python:module:attr)")
    params = _parse_params(rest, family)
    allowed = {"bounded": {"eps", "direction"}, "critical": {"lambda", "direction"},
               "growing": {"lambda", "kappa", "direction"}, "inverse-density": {"lambda", "direction"},
               "random": {"eps", "modes", "seed", "profile"}}[family]
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise SamplerError(f"error '{family}': unknown parameter(s) {', '.join(unknown)} "
                           f"(allowed: {', '.join(sorted(allowed))})")
    direction = None
    if "direction" in params:
        parts = params["direction"].split("|", 10_000)
        if len(parts) > 10_000:
            raise SamplerError(f"error '{family}', direction: more than 10,000 entries (the limit)")
        direction = tuple(_number(p, f"error '{family}', direction") for p in parts)
    if family == "bounded":
        return ConstantDirectionError("bounded", _exact(params, "eps", family), direction)
    if family == "critical":
        return ConstantDirectionError("critical", _exact(params, "lambda", family), direction)
    if family == "growing":
        return ConstantDirectionError("growing", _exact(params, "lambda", family), direction,
                                      kappa=_exact(params, "kappa", family, "1"))
    if family == "inverse-density":
        return InverseDensityError(_exact(params, "lambda", family), direction)
    return RandomSmoothError(_exact(params, "eps", family),
                             modes=_integer(params, "modes", family, 8, MAX_MODES),
                             seed=_integer(params, "seed", family, 0, MAX_ERROR_SEED),
                             profile=params.get("profile", "bounded"))


def error_field(spec: str | ErrorField | Callable | None) -> ErrorField | None:
    """Normalise what a user passes: None, a spec string, an ErrorField or a float64 callable."""
    if spec is None or isinstance(spec, ErrorField):
        return spec
    if isinstance(spec, str):
        return parse_error(spec)
    if callable(spec):
        return CallableError(spec, label=getattr(spec, "__name__", "python"))
    raise SamplerError(f"cannot use {type(spec).__name__} as an error field")
