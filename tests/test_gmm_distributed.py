"""The phase-transition sweep on Dask (issue 14): a tiny sweep on a two-worker LocalCluster gives the
in-process results bit for bit, writes every record, and a rerun submits nothing."""

from __future__ import annotations

import json

import pytest

from verify.gmm import sweep as sweep_module
from verify.gmm.data import GMMError, GMMSetting
from verify.gmm.distributed import run_sweep_dask
from verify.gmm.sweep import SweepConfig, run_sweep
from verify.gmm.training import TrainingConfig

pytest.importorskip("dask.distributed")

TIMINGS = ("train_seconds", "sample_seconds")


def _records(results):
    return [[{k: v for k, v in p.items() if k not in TIMINGS} for p in cell.points] for cell in results]


def test_dask_sweep_equals_the_in_process_sweep_bit_for_bit(tmp_path, monkeypatch):
    settings = [GMMSetting(4, 2, 8, seed=0), GMMSetting(3, 2, 6, seed=1)]
    config = SweepConfig(TrainingConfig.compressed(40, 2), samples=6, refine=True, resamples=50)
    local = run_sweep(settings, config, tmp_path / "local")
    notes: list[str] = []
    remote = run_sweep_dask(settings, config, tmp_path / "dask", workers=2, progress=notes.append)
    assert _records(remote) == _records(local)  # floats compared exactly
    for a, b in zip(remote, local, strict=True):
        assert a.transition == b.transition and a.predicted == b.predicted and a.reused == 0
    written = sorted(p.name for p in (tmp_path / "dask").rglob("M*.json"))
    assert written == sorted(p.name for p in (tmp_path / "local").rglob("M*.json"))
    assert any("cell 2/2 done" in n for n in notes)
    for path in (tmp_path / "dask").rglob("M*.json"):
        assert json.loads(path.read_text())["version"] == sweep_module.RESULT_VERSION

    def no_training(*args, **kwargs):  # a rerun reuses every record: nothing is trained
        raise AssertionError("trained again")

    from verify.gmm import distributed

    monkeypatch.setattr(distributed, "measure_point", no_training)
    again = run_sweep_dask(settings, config, tmp_path / "dask", workers=1)
    assert _records(again) == _records(local)
    assert [c.reused for c in again] == [len(c.points) for c in local]


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch):
    from verify.gmm import distributed

    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1)
    with pytest.raises(GMMError, match="no Dask scheduler at 'tcp://127.0.0.1:9'"):
        run_sweep_dask([GMMSetting(3, 2, 6)], SweepConfig(TrainingConfig.compressed(10, 2), samples=4),
                       None, scheduler="tcp://127.0.0.1:9")
