r"""Samplers of the oracle and estimated fields at fixed step size (issue 4).

* :func:`run_sampler` — Euler / Euler–Maruyama in the original time t, float64 batch or
  python-flint balls at any precision (:mod:`.samplers`);
* :class:`BrownianPaths` — Brownian increments coupled across step sizes (:mod:`.noise`);
* :func:`parse_error`, :data:`ERROR_FAMILIES` — estimation-error fields (:mod:`.errors`);
* :func:`compiled_schedule` — the derived drift coefficients on the grid (:mod:`.coefficients`).
"""

from .coefficients import METHODS, SamplerError, compiled_schedule, time_grid
from .errors import ERROR_FAMILIES, ErrorField, FieldState, error_field, parse_error
from .noise import BrownianPaths
from .samplers import SamplerSpec, SampleRun, nearest_sample_balls, nearest_samples, run_sampler

__all__ = ["METHODS", "SamplerError", "compiled_schedule", "time_grid", "ERROR_FAMILIES", "ErrorField",
           "FieldState", "error_field", "parse_error", "BrownianPaths", "SampleRun", "SamplerSpec",
           "nearest_samples", "nearest_sample_balls", "run_sampler"]
