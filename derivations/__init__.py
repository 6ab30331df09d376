r"""SymPy source of truth for memverify.

Schedules (:mod:`.schedules`), oracle fields derived from their definitions (:mod:`.fields`),
identities (:mod:`.identities`), limits at the data end (:mod:`.limits`), convention maps
(:mod:`.conventions`), code generation (:mod:`.codegen`) and printers (:mod:`.printing`).

The public names (``__all__``), loaded on first use:

* schedules — :class:`Schedule` (``schedule.numeric(t, backend, dps)``: alpha, sigma and their
  derivatives), :class:`ScheduleError`, ``T`` (the time symbol), ``BUILTIN_SCHEDULES`` (the
  built-in names), :func:`builtin_schedule`, :func:`generic_schedule`, :func:`parse_schedule`,
  :func:`resolve_schedule`;
* fields — :func:`derive` gives an :class:`OracleDerivation`, indexed by the names of
  ``FIELD_NAMES`` (``derive(s)["velocity"]``) to :class:`MixtureField`\ s;
* identities — ``IDENTITIES`` (every :class:`Identity`), :func:`identity`,
  :func:`check_symbolic` (a :class:`SymbolicCheck`), :func:`check_numeric` (a
  :class:`NumericCheck`);
* code generation — :func:`compile_field` (a :class:`CompiledField`; ``BACKENDS`` are
  ``mpmath``, ``numpy`` and ``arb``, ``COMPILED_NAMES`` the fields and ``"weights"``),
  :func:`schedule_values` (a :class:`ScheduleValues`), :func:`to_mpf`, :func:`to_arb`,
  :func:`exact_rational` (:class:`InexactInputError` for a float);
* printing — :func:`to_latex` (one object), :func:`derivation_report`;
* limits, discretization and estimation — :func:`weight_limit`, :func:`schedule_factor`,
  :func:`schedule_factor_limit`, :func:`last_step`, :func:`step_map`, :func:`one_atom_law`,
  :func:`endpoint_limit`, :func:`error_shift`, :func:`accumulated_error_bound`,
  :func:`training_excess`, :func:`regular_coordinates_with_error` and their result types.

Every result object names its pass flag ``holds`` (``SymbolicCheck.zero`` and
``NumericCheck.passed`` are aliases). The precision rules are in ``docs/conventions.md``
("Precision discipline").
"""


from .lazy import lazy_exports as _lazy_exports

#: public name -> submodule; loaded on first use (PEP 562), so importing one light module
#: (e.g. ``derivations.exact``) does not pull in SymPy
_EXPORTS = {
    "BACKENDS": "codegen", "COMPILED_NAMES": "codegen", "CompiledField": "codegen",
    "ScheduleValues": "codegen", "compile_field": "codegen", "schedule_values": "codegen",
    "LastStep": "discretization", "OneAtomLaw": "discretization", "SingularStartError": "discretization",
    "StepMap": "discretization", "last_step": "discretization", "one_atom_law": "discretization",
    "step_map": "discretization",
    "AccumulatedError": "estimation", "EndpointLimit": "estimation", "ShiftLimit": "estimation",
    "TrainingExcess": "estimation", "accumulated_error_bound": "estimation", "endpoint_limit": "estimation",
    "error_shift": "estimation", "regular_coordinates_with_error": "estimation",
    "training_excess": "estimation",
    "InexactInputError": "exact", "exact_rational": "exact", "to_arb": "exact", "to_mpf": "exact",
    "FIELD_NAMES": "fields", "MixtureField": "fields", "OracleDerivation": "fields", "derive": "fields",
    "IDENTITIES": "identities", "Identity": "identities", "NumericCheck": "identities",
    "SymbolicCheck": "identities", "check_numeric": "identities", "check_symbolic": "identities",
    "identity": "identities",
    "derivation_report": "printing", "to_latex": "printing",
    "schedule_factor": "limits", "schedule_factor_limit": "limits", "weight_limit": "limits",
    "BUILTIN_SCHEDULES": "schedules", "Schedule": "schedules", "ScheduleError": "schedules",
    "T": "schedules", "builtin_schedule": "schedules", "generic_schedule": "schedules",
    "parse_schedule": "schedules", "resolve_schedule": "schedules",
}

__all__: list[str] = sorted(_EXPORTS)


__getattr__, __dir__ = _lazy_exports(__name__, _EXPORTS, globals())
