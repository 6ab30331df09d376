r"""SymPy source of truth for memverify.

Schedules (:mod:`.schedules`), oracle fields derived from their definitions (:mod:`.fields`),
identities (:mod:`.identities`), limits at the data end (:mod:`.limits`), convention maps
(:mod:`.conventions`), code generation (:mod:`.codegen`) and printers (:mod:`.printing`).
"""

from .codegen import BACKENDS, CompiledField, compile_field, to_arb, to_mpf
from .fields import MixtureField, OracleDerivation, derive
from .identities import IDENTITIES, Identity, check_numeric, check_symbolic, identity
from .limits import schedule_factor, schedule_factor_limit, weight_limit
from .schedules import (
    BUILTIN_SCHEDULES,
    Schedule,
    ScheduleError,
    T,
    builtin_schedule,
    generic_schedule,
    parse_schedule,
    resolve_schedule,
)

__all__ = [
    "BACKENDS", "BUILTIN_SCHEDULES", "CompiledField", "IDENTITIES", "Identity", "MixtureField",
    "OracleDerivation", "Schedule", "ScheduleError", "T", "builtin_schedule", "check_numeric",
    "check_symbolic", "compile_field", "derive", "generic_schedule", "identity", "parse_schedule",
    "resolve_schedule", "schedule_factor", "schedule_factor_limit", "to_arb", "to_mpf",
    "weight_limit",
]
