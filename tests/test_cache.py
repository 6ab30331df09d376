"""The persistent cache of derivations (derivations/cache.py): hits give back the very tree that was
derived (it prints the same), a change of code or input misses, and a broken or absent cache only
costs the computation."""

from __future__ import annotations

import sympy as sp

from derivations import cache
from derivations.schedules import builtin_schedule


def _counting(namespace: str):
    calls = []

    @cache.persistent(namespace)
    def derive(schedule, k: int = 1):
        calls.append(k)
        d = sp.Symbol("delta", positive=True)
        return {"variance": sp.Mul(sp.Rational(-1, 8), sp.cos(2 * sp.pi * d) - 1, evaluate=False) * k,
                "alpha": schedule.alpha, "pair": (k, sp.Rational(1, 3))}

    return derive, calls


def test_a_hit_is_the_same_tree(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVERIFY_CACHE", str(tmp_path))
    derive, calls = _counting("test.same-tree")
    s = builtin_schedule("linear")
    first = derive(s)
    second = derive(s)
    assert calls == [1]
    assert sp.srepr(first["variance"]) == sp.srepr(second["variance"])
    assert str(second["variance"]) == "-(cos(2*pi*delta) - 1)/8"  # not re-evaluated to 1/8 - cos(...)/8
    assert second["pair"] == (1, sp.Rational(1, 3)) and second["alpha"] == s.alpha


def test_other_inputs_or_code_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVERIFY_CACHE", str(tmp_path))
    derive, calls = _counting("test.miss")
    derive(builtin_schedule("linear"))
    derive(builtin_schedule("trigonometric"))
    derive(builtin_schedule("linear"), k=2)
    assert calls == [1, 1, 2]
    monkeypatch.setattr(cache, "code_version", lambda: "another version")
    derive(builtin_schedule("linear"))
    assert calls == [1, 1, 2, 1]


def test_fingerprints_tell_schedules_apart():
    texts = {cache.fingerprint(builtin_schedule(n)) for n in ("linear", "trigonometric", "vp-linear-sigma")}
    assert len(texts) == 3
    assert cache.fingerprint(builtin_schedule("linear")) == cache.fingerprint(builtin_schedule("linear"))
    assert cache.fingerprint(1) != cache.fingerprint(1.0) != cache.fingerprint("1")


def test_off_or_broken_caches_compute(tmp_path, monkeypatch):
    derive, calls = _counting("test.off")
    monkeypatch.setenv("MEMVERIFY_CACHE", "off")
    derive(builtin_schedule("linear"))
    derive(builtin_schedule("linear"))
    assert calls == [1, 1]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MEMVERIFY_CACHE", str(blocker / "cache"))
    assert derive(builtin_schedule("linear"))["pair"][0] == 1
    assert calls == [1, 1, 1]


def test_values_that_do_not_round_trip_are_not_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVERIFY_CACHE", str(tmp_path))
    calls = []

    class Opaque:  # repr by identity: a loaded copy could not be told equal
        pass

    @cache.persistent("test.opaque")
    def derive(k: int):
        calls.append(k)
        return Opaque()

    derive(1)
    derive(1)
    assert calls == [1, 1]
    assert cache.exact_blob(Opaque()) is None
    assert cache.exact_blob({"x": sp.Symbol("x") + 1}) is not None


def test_the_endpoint_law_from_the_cache_prints_like_the_fresh_one(tmp_path, monkeypatch):
    from derivations import stochastic

    monkeypatch.setenv("MEMVERIFY_CACHE", str(tmp_path))
    s = builtin_schedule("trigonometric")
    stochastic._endpoint_law_cached.cache_clear()
    fresh = stochastic.endpoint_law(s)
    stochastic._endpoint_law_cached.cache_clear()
    again = stochastic.endpoint_law(s)
    assert fresh is not again
    assert cache._tree_text(fresh) == cache._tree_text(again)
    assert str(again["variance"]) == str(fresh["variance"])


def test_the_tex_job_hits_the_cache_or_derives_beside_the_claims(tmp_path, monkeypatch, capfd):
    import pytest

    from verify.cli import run

    monkeypatch.setenv("MEMVERIFY_CACHE", str(tmp_path))
    monkeypatch.setattr(run, "_derive_tex", lambda schedules: (f"% tex of {schedules}\n", []))
    job = run.TexJob(("linear",))
    assert job.process is not None  # a miss: derived in a forked process
    assert job.result() == ("% tex of ('linear',)\n", [])
    again = run.TexJob(("linear",))
    assert again.process is None and again.result() == job.result()  # a hit: nothing forked

    def broken(schedules):
        raise RuntimeError("derivation failed")

    monkeypatch.setattr(run, "_derive_tex", broken)
    failing = run.TexJob(("trigonometric",))
    with pytest.raises(RuntimeError, match="derivation failed"):  # derived again here, reported once
        failing.result()
    assert "Traceback" not in capfd.readouterr().err  # the child failed quietly


def test_tree_keys_see_assumptions_and_structure():
    x, xr = sp.Symbol("x"), sp.Symbol("x", real=True)
    assert cache.tree_key(x + 1) == cache.tree_key(x + 1)
    assert cache.tree_key(x + 1) != cache.tree_key(xr + 1)
    assert cache.tree_key(x + 1) != cache.tree_key(x + 2)
    assert cache.tree_key(x, None) != cache.tree_key(x)


def test_cached_simplify_and_cse_give_the_fresh_values(tmp_path, monkeypatch):
    monkeypatch.setenv("MEMVERIFY_CACHE", str(tmp_path))
    t = sp.Symbol("t", positive=True)
    expr = (sp.sin(t) ** 2 + sp.cos(t) ** 2) * (t**2 - 1) / (t - 1)
    fresh = sp.simplify(expr)
    for _ in range(2):  # a miss, then a hit
        assert sp.srepr(cache.simplified(expr)) == sp.srepr(fresh)
    assert cache.lookup("simplify", cache.tree_key(expr))[0]
    assert cache.simplified(expr + 1) != fresh  # another input, another entry
    exprs = [sp.exp(t) * (t + 1) ** 2, sp.exp(t) / (t + 1) ** 2]
    import inspect

    plain = inspect.getsource(sp.lambdify([t], exprs, cse=True))
    for _ in range(2):
        assert inspect.getsource(sp.lambdify([t], exprs, cse=cache.common_subexpressions)) == plain
    monkeypatch.setenv("MEMVERIFY_CACHE", "off")
    assert cache.simplified(expr) == fresh
    assert cache.common_subexpressions(exprs) == sp.cse(exprs, list=False)
