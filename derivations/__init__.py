r"""SymPy source of truth for memverify.

Schedules (:mod:`.schedules`), oracle fields derived from their definitions (:mod:`.fields`),
identities (:mod:`.identities`), limits at the data end (:mod:`.limits`), convention maps
(:mod:`.conventions`), code generation (:mod:`.codegen`) and printers (:mod:`.printing`).
"""

from importlib import import_module
from typing import Any

#: public name -> submodule; loaded on first use (PEP 562), so importing one light module
#: (e.g. ``derivations.exact``) does not pull in SymPy
_EXPORTS = {
    "BACKENDS": "codegen", "CompiledField": "codegen", "compile_field": "codegen",
    "LastStep": "discretization", "OneAtomLaw": "discretization", "SingularStartError": "discretization",
    "StepMap": "discretization", "last_step": "discretization", "one_atom_law": "discretization",
    "step_map": "discretization",
    "AccumulatedError": "estimation", "EndpointLimit": "estimation", "ShiftLimit": "estimation",
    "TrainingExcess": "estimation", "accumulated_error_bound": "estimation", "endpoint_limit": "estimation",
    "error_shift": "estimation", "regular_coordinates_with_error": "estimation",
    "training_excess": "estimation",
    "to_arb": "exact", "to_mpf": "exact",
    "MixtureField": "fields", "OracleDerivation": "fields", "derive": "fields",
    "IDENTITIES": "identities", "Identity": "identities", "check_numeric": "identities",
    "check_symbolic": "identities", "identity": "identities",
    "schedule_factor": "limits", "schedule_factor_limit": "limits", "weight_limit": "limits",
    "BUILTIN_SCHEDULES": "schedules", "Schedule": "schedules", "ScheduleError": "schedules",
    "T": "schedules", "builtin_schedule": "schedules", "generic_schedule": "schedules",
    "parse_schedule": "schedules", "resolve_schedule": "schedules",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'derivations' has no attribute {name!r}")
    value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
