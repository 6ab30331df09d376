r"""Samplers of the oracle and estimated fields at fixed step size (issue 4).

The public surface is ``__all__`` below; the submodules are private (their names may change):

* :func:`run_sampler` — Euler / Euler–Maruyama in the original time t, float64 batch or
  python-flint balls at any precision, configured by a :class:`SamplerSpec` (schedule, method,
  steps, start time, ``zeta``) and returning a :class:`SampleRun`;
* :func:`nearest_samples`, :func:`nearest_sample_balls` — the training sample nearest to each
  endpoint (float64; certified with balls);
* :class:`BrownianPaths` — Brownian increments coupled across step sizes;
* :func:`parse_error`, :func:`error_field`, ``ERROR_FAMILIES`` (the names of the estimation-error
  families), :class:`ErrorField`, :class:`FieldState` — estimation-error fields added to the
  oracle field;
* :func:`compiled_schedule`, :func:`time_grid` — the derived drift coefficients on the grid;
  ``METHODS`` maps each sampler name and alias (``euler``/``ode``, ``euler-maruyama``/``sde``)
  to its canonical name;
* :class:`SamplerError` — bad sampler input (one line, the command line's exit 2).

Inputs are exact (``docs/conventions.md``, "Precision discipline"); what is proven and what is
estimated is in ``docs/sampling.md``.
"""

from .coefficients import METHODS, SamplerError, compiled_schedule, time_grid
from .errors import ERROR_FAMILIES, ErrorField, FieldState, error_field, parse_error
from .noise import BrownianPaths
from .samplers import SamplerSpec, SampleRun, nearest_sample_balls, nearest_samples, run_sampler

__all__: list[str] = ["METHODS", "SamplerError", "compiled_schedule", "time_grid", "ERROR_FAMILIES",
                      "ErrorField", "FieldState", "error_field", "parse_error", "BrownianPaths",
                      "SampleRun", "SamplerSpec", "nearest_samples", "nearest_sample_balls", "run_sampler"]
