"""The sweeps on Dask (issue 14, item 2): tiny endpoint and sqrt(h) sweeps on a two-worker LocalCluster
give the in-process records byte for byte; a rerun reuses what is in OUT (a deleted record alone is
recomputed) and refuses records of other settings; the records do not depend on the chunking."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from verify.datasets import load_dataset
from verify.sampling.laws import gaussian_data
from verify.sweeps import endpoints as endpoint_sweep
from verify.sweeps import sqrt_h as sqrt_h_sweep
from verify.sweeps.engine import SweepError, dask_client, record_path, run_tasks

pytest.importorskip("dask.distributed")

SQUARE = load_dataset("builtin:square")
X_SMALL = gaussian_data(0, n=6, d=2)
SQRT_H = {"method": "euler-maruyama", "schedules": ["linear", "linear-brownian"], "steps": [4, 8, 16],
          "starts": 12, "seed": 3}


def _files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "records").glob("*.json"))}


def _per_start(run, key: str, schedule: str | None = None, K: int | None = None) -> list:
    recs = [r for r in run.records.values()
            if schedule is None or (r["schedule"] == schedule and r["K"] == K)]
    return [v for r in sorted(recs, key=lambda r: r["first"]) for v in r[key]]


@pytest.fixture(scope="module")
def client():
    """One two-worker LocalCluster for the module (starting one takes about two seconds)."""
    with dask_client(None, workers=2) as c:
        yield c


def test_endpoint_sweep_on_two_workers_equals_the_in_process_run(client, tmp_path):
    here = endpoint_sweep.run_endpoint_sweep(SQUARE, starts=24, chunk=8, batch=4, out=tmp_path / "here")
    notes: list[str] = []
    there = endpoint_sweep.run_endpoint_sweep(SQUARE, starts=24, chunk=8, batch=4, out=tmp_path / "there",
                                              client=client, progress=notes.append)
    assert there.records == here.records and len(there.computed) == 3
    assert _files(tmp_path / "there") == _files(tmp_path / "here")  # byte for byte
    manifest = "manifest.json"
    assert (tmp_path / "there" / manifest).read_bytes() == (tmp_path / "here" / manifest).read_bytes()
    assert any("3/3 tasks done" in n for n in notes)
    summary = endpoint_sweep.summarize(there, SQUARE)
    assert summary["starts"] == 24
    assert sum(r["count"] for r in summary["per_sample"]) + summary["ties"] + summary["undecided"] == 24


def test_sqrt_h_sweep_on_two_workers_equals_the_in_process_run(client, tmp_path):
    # one schedule: each worker derives and compiles the sampler of each schedule it meets (seconds)
    grid = {**SQRT_H, "schedules": ["linear-brownian"]}
    here = sqrt_h_sweep.run_sqrt_h_sweep(X_SMALL, chunk=4, out=tmp_path / "here", **grid)
    there = sqrt_h_sweep.run_sqrt_h_sweep(X_SMALL, chunk=4, out=tmp_path / "there", client=client, **grid)
    assert len(there.records) == 3 * 3
    assert _files(tmp_path / "there") == _files(tmp_path / "here")
    fit = [grid[k] for k in ("method", "schedules", "steps", "seed")]
    ours = sqrt_h_sweep.summarize(there, X_SMALL, *fit, boot=50)
    assert ours == sqrt_h_sweep.summarize(here, X_SMALL, *fit, boot=50)
    assert ours[0]["predicted"] == "1/2" and ours[0]["median"]["slope"] is not None


def test_the_workers_limit_their_blas_pool(client):
    from threadpoolctl import threadpool_info

    from verify.parallel import blas_threads

    def threads() -> list[int]:
        return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]

    for found in client.run(threads).values():
        assert found and all(n == blas_threads(2) for n in found)


def test_records_do_not_depend_on_the_chunking():
    a = endpoint_sweep.run_endpoint_sweep(SQUARE, starts=20, chunk=4, batch=4)
    b = endpoint_sweep.run_endpoint_sweep(SQUARE, starts=20, chunk=12, batch=4)
    assert len(a.records) == 5 and len(b.records) == 2
    for key in ("index", "status", "how", "commit_snr", "reason", "tie"):
        assert _per_start(a, key) == _per_start(b, key), key
    c = sqrt_h_sweep.run_sqrt_h_sweep(X_SMALL, chunk=3, **SQRT_H)
    d = sqrt_h_sweep.run_sqrt_h_sweep(X_SMALL, chunk=12, **SQRT_H)
    for name in SQRT_H["schedules"]:
        for K in SQRT_H["steps"]:
            for key in ("dev", "nearest", "margin", "diverged"):
                assert _per_start(c, key, name, K) == _per_start(d, key, name, K), (name, K, key)
    # the starts and paths are those of their own streams: a prefix of a longer sweep is the same
    e = sqrt_h_sweep.run_sqrt_h_sweep(X_SMALL, chunk=3, **{**SQRT_H, "starts": 6})
    assert _per_start(e, "dev", "linear", 8) == _per_start(c, "dev", "linear", 8)[:6]


def test_a_rerun_recomputes_only_the_missing_record(tmp_path, monkeypatch):
    out = tmp_path / "out"
    first = sqrt_h_sweep.run_sqrt_h_sweep(X_SMALL, chunk=4, out=out, **SQRT_H)
    before = _files(out)
    victim = "linear-brownian-K00008-04-08"
    record_path(out, victim).unlink()
    ran: list[tuple] = []
    original = sqrt_h_sweep.measure_cell

    def counting(*args, **kwargs):
        ran.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(sqrt_h_sweep, "measure_cell", counting)
    again = sqrt_h_sweep.run_sqrt_h_sweep(X_SMALL, chunk=4, out=out, **SQRT_H)
    assert ran == [("linear-brownian", 8, 4, 8)]
    assert again.computed == [victim] and len(again.reused) == len(first.records) - 1
    assert _files(out) == before and again.records == first.records


def test_an_out_of_other_settings_is_refused_and_left_alone(tmp_path):
    out = tmp_path / "out"
    endpoint_sweep.run_endpoint_sweep(SQUARE, starts=8, chunk=4, batch=4, out=out)
    snapshot = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with pytest.raises(SweepError, match=r"records of other settings \(differing: seed\)"):
        endpoint_sweep.run_endpoint_sweep(SQUARE, starts=8, chunk=4, batch=4, seed=1, out=out)
    with pytest.raises(SweepError, match="holds a 'endpoints' sweep"):
        sqrt_h_sweep.run_sqrt_h_sweep(X_SMALL, chunk=4, out=out, **SQRT_H)
    # a record of another sweep's settings copied in: refused, naming the file
    other = tmp_path / "other"
    endpoint_sweep.run_endpoint_sweep(SQUARE, starts=12, chunk=4, batch=4, out=other)
    stray = record_path(other, "starts-08-12")
    shutil.copy(stray, out / "records" / stray.name)
    with pytest.raises(SweepError, match="starts-08-12.json: a record made with other settings"):
        endpoint_sweep.run_endpoint_sweep(SQUARE, starts=8, chunk=4, batch=4, out=out)
    (out / "records" / stray.name).unlink()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == snapshot


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path):
    from verify.sweeps.engine import Task

    with pytest.raises(SweepError, match="no Dask scheduler at 'tcp://127.0.0.1:9' within 1 s"):
        run_tasks("demo", int, [Task("a", ("1",))], {}, tmp_path / "out", scheduler="tcp://127.0.0.1:9",
                  timeout=1)
    assert not (tmp_path / "out").exists()  # refused before anything was written


def test_the_command_line_runs_and_resumes(tmp_path, capsys, monkeypatch):
    from verify.cli import main

    monkeypatch.chdir(tmp_path)
    argv = ["sweep", "endpoints", "--data", "builtin:triangle", "--starts", "30", "--chunk", "10",
            "--workers", "0", "--quiet", "--json"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["starts"] == 30 and first["tasks"] == 3 and first["computed"] == 3
    assert first["batch"] == 10 and "commit_t" in first
    assert json.loads((tmp_path / "memverify-sweep-endpoints" / "summary.json").read_text())["tasks"] == 3
    assert main(argv) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["reused"] == 3 and again["per_sample"] == first["per_sample"]
    assert main(["sweep", "sqrt-h", "--steps", "4,8,16,32", "--starts", "8", "--chunk", "4",
                 "--schedules", "linear-brownian", "--workers", "0", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "linear-brownian" in text and "predicted 1/2" in text and "median: p = " in text


def test_starts_are_seeded_per_index():
    a = endpoint_sweep.gaussian_starts(5, 0, 10, 3)
    assert np.array_equal(endpoint_sweep.gaussian_starts(5, 4, 7, 3), a[4:7])
    assert not np.array_equal(endpoint_sweep.gaussian_starts(6, 0, 10, 3), a)
