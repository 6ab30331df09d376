"""Tests for derivations.conventions: every built-in map passes, wrong maps fail."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from derivations.conventions import (
    CONVENTIONS,
    Convention,
    MapCheck,
    convention,
    conventions_markdown,
    verify_all,
    verify_map,
)
from derivations.schedules import BUILTIN_SCHEDULES, T

CHECK_NAMES = [
    "SNR preserved",
    "data scale",
    "endpoints",
    "kappa limit",
    "bijection",
    "monotone",
    "numeric cross-check",
]


@pytest.fixture(scope="module")
def results() -> list[MapCheck]:
    return verify_all()


def test_table_covers_math_md_section_4() -> None:
    keys = [c.key for c in CONVENTIONS]
    assert keys == ["flow-matching", "diffusers-flow-match", "buchanan-vp", "ye-ou", "edm-ve"]
    assert len(set(keys)) == len(keys)
    for c in CONVENTIONS:
        assert c.schedule in BUILTIN_SCHEDULES
        assert c.time not in {T}
        assert c.data_coeff.free_symbols <= {c.time}
        assert c.noise_scale.free_symbols <= {c.time}
        assert sp.sympify(c.time_from_project).free_symbols <= {T}
        assert not any(e.atoms(sp.Float) for e in (c.data_coeff, c.noise_scale,
                                                   c.time_from_project, c.time_to_project))


def test_lookup() -> None:
    assert convention("ye-ou").key == "ye-ou"
    with pytest.raises(KeyError, match="unknown convention"):
        convention("no-such-convention")
    with pytest.raises(dataclasses.FrozenInstanceError):
        convention("edm-ve").key = "x"  # type: ignore[misc]


def test_every_builtin_map_passes(results: list[MapCheck]) -> None:
    assert [r.key for r in results] == [c.key for c in CONVENTIONS]
    for r in results:
        assert [name for name, _, _ in r.checks] == CHECK_NAMES
        assert r.passed, (r.key, r.failed, r.checks)
        assert r.failed == []


def test_kappa_naive_substitution_is_nan_but_limit_is_one(results: list[MapCheck]) -> None:
    for r in results:
        _, ok, detail = r.get("kappa limit")
        assert ok
        assert "naive substitution t = 0 gives nan" in detail, (r.key, detail)
        assert "one-sided limit t→0+ is 1" in detail


def test_edm_scale_factor_is_recorded() -> None:
    edm = convention("edm-ve")
    assert sp.simplify(edm.scale - 1 / (1 - T)) == 0
    # 1/(1 + sigma_edm) = alpha of the linear schedule
    alpha = 1 / (1 + edm.time_from_project)
    assert sp.simplify(alpha - edm.project_schedule().alpha) == 0
    assert "project state" in edm.map_text()


def test_ye_ou_time_change_reaches_infinity() -> None:
    ye = convention("ye-ou")
    assert ye.time_range.sup is sp.oo and ye.noise_end is sp.oo
    assert sp.limit(ye.time_from_project, T, 1, "-") is sp.oo
    # VP path: alpha_s^2 + sigma_s^2 = 1
    assert sp.simplify(ye.data_coeff**2 + ye.noise_scale**2 - 1) == 0


def _snr_check(mc: MapCheck) -> tuple[str, bool, str]:
    (check,) = [c for c in mc.checks if "SNR" in c[0] and c[0] != "numeric cross-check"]
    return check


def test_wrong_flow_matching_direction_fails_snr() -> None:
    fm = convention("flow-matching")
    wrong = dataclasses.replace(fm, time_from_project=T, time_to_project=fm.time)
    mc = verify_map(wrong)
    assert not mc.passed
    name, ok, _ = _snr_check(mc)
    assert name == "SNR preserved" and ok is False
    assert "endpoints" in mc.failed and "numeric cross-check" in mc.failed


def test_wrong_ye_ou_time_change_fails_snr() -> None:
    ye = convention("ye-ou")
    wrong = dataclasses.replace(
        ye, time_from_project=-sp.log(1 - T), time_to_project=1 - sp.exp(-ye.time)
    )
    mc = verify_map(wrong)
    assert not mc.passed
    name, ok, detail = _snr_check(mc)
    assert name == "SNR preserved" and ok is False
    assert "!=" in detail
    # a legitimate bijection [0,1) -> [0,oo): only the schedule match is wrong
    assert mc.get("bijection")[1] and mc.get("monotone")[1]


def test_missing_edm_scale_factor_fails_data_scale_only() -> None:
    wrong = dataclasses.replace(convention("edm-ve"), scale=sp.S.One)
    mc = verify_map(wrong)
    assert mc.get("SNR preserved")[1]
    assert not mc.get("data scale")[1]
    assert not mc.passed


def test_wrong_inverse_fails_bijection() -> None:
    edm = convention("edm-ve")
    wrong = dataclasses.replace(edm, time_to_project=edm.time / (2 + edm.time))
    mc = verify_map(wrong)
    assert not mc.get("bijection")[1]
    assert not mc.passed


def test_markdown_table(results: list[MapCheck]) -> None:
    md = conventions_markdown(results)
    lines = md.strip().splitlines()
    assert lines[0].startswith("| source | written as | data end | map to project time |")
    assert "SNR preserved" in lines[0] and "data scale" in lines[0] and "endpoints" in lines[0]
    assert len(lines) == 2 + len(CONVENTIONS)
    assert "✗" not in md and md.count("✓") == 5 * len(CONVENTIONS)
    assert "`t_fm = 1 - t` onto `linear`" in md
    wrong = dataclasses.replace(convention("flow-matching"), time_from_project=T)
    bad = conventions_markdown([verify_map(wrong)], conventions=[wrong])
    assert "✗" in bad


def test_convention_type_exported() -> None:
    assert all(isinstance(c, Convention) for c in CONVENTIONS)
