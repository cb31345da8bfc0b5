"""Nothing lost: a training job killed with SIGKILL mid-epoch resumes from its checkpoint.

tests/test_training.py proves the same inside one process; here the whole Snakemake job is
killed, as a cluster's time limit or a node failure would, and rerun the way a user would.
"""

from __future__ import annotations

import copy
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import torch
import yaml

from ddd import decisions
from ddd.train import checkpoints
from tests.workflow_runs import ROOT, TINY, snakemake

RUN = "results/tiny/decisions/base-1.parquet"
CHECKPOINT = "results/tiny/checkpoints/base-1.pt"
EPOCHS = 4


def one_run_config() -> dict:
    """The tiny study's base run alone, with epochs long enough to be killed inside one."""
    config = copy.deepcopy(TINY)
    study = config["studies"]["tiny"]
    study["dataset"]["train_per_class"] = 200
    study["recipe"].update(epochs=EPOCHS, lr_milestones=[3])
    study["conditions"] = {"base": {"instances": 1}}
    config["studies"] = {"tiny": study}
    config["analysis"]["difficulty"] = {"shares_all_but": 0}  # one run: no all-but-one row
    return config


def kill_after_first_checkpoint(workdir: Path, config: dict) -> int:
    """Start the run, SIGKILL Snakemake and its job once a checkpoint exists; its epoch."""
    path = workdir / "config_under_test.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(path), "--cores", "1", RUN]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    checkpoint = workdir / CHECKPOINT
    deadline = time.monotonic() + 300
    try:
        while not checkpoint.exists():
            assert proc.poll() is None, "the run ended before writing a checkpoint"
            assert time.monotonic() < deadline, "no checkpoint after 300 s"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return checkpoints.load(checkpoint)["epoch"]


@pytest.mark.workflow
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_job_killed_mid_epoch_resumes_from_its_checkpoint_to_the_same_decisions(tmp_path,
                                                                               precision):
    config = one_run_config()
    config["train"] = {"precision": precision}
    killed, uninterrupted = tmp_path / "killed", tmp_path / "uninterrupted"
    killed.mkdir()
    uninterrupted.mkdir()
    epoch = kill_after_first_checkpoint(killed, config)
    assert 1 <= epoch < EPOCHS
    assert not (killed / RUN).exists()

    locked = snakemake(killed, config, RUN)  # the killed run's lock: named, with its fix
    assert locked.returncode != 0 and "--unlock" in locked.stdout + locked.stderr
    assert snakemake(killed, config, "--unlock").returncode == 0
    out = snakemake(killed, config, "--rerun-incomplete", RUN)
    assert out.returncode == 0, out.stdout + out.stderr
    log = (killed / "logs/tiny/train/base-1.log").read_text()
    assert f"resuming from {CHECKPOINT} after epoch {epoch}" in log
    trained = [int(e) for e in re.findall(rf"epoch (\d+)/{EPOCHS}: train loss", log)]
    assert trained == list(range(epoch + 1, EPOCHS + 1))  # earlier epochs came from it
    assert not (killed / CHECKPOINT).exists()  # removed once the table is written

    out = snakemake(uninterrupted, config, RUN)
    assert out.returncode == 0, out.stdout + out.stderr
    resumed = decisions.read(killed / RUN)
    assert sorted(resumed["epoch"].unique()) == list(range(EPOCHS + 1))
    pd.testing.assert_frame_equal(resumed, decisions.read(uninterrupted / RUN))
    history = [decisions.read_metadata(d / RUN)["history"] for d in (killed, uninterrupted)]
    for key in ("train_loss", "test_accuracy"):
        assert [h[key] for h in history[0]] == [h[key] for h in history[1]]
    assert decisions.read_metadata(killed / RUN)["precision"] == precision

    other = copy.deepcopy(config)  # another precision retrains the run
    other["train"]["precision"] = "bf16" if precision == "fp32" else "fp32"
    planned = snakemake(killed, other, "--dry-run", RUN)
    assert planned.returncode == 0, planned.stderr
    assert re.search(r"^train\s+1$", planned.stdout + planned.stderr, re.M)
    assert "Nothing to be done" in snakemake(killed, config, "--dry-run", RUN).stdout


def test_truncated_or_altered_checkpoint_is_reported_and_not_resumed(tmp_path):
    path = tmp_path / "run.pt"
    state = {"key": "k", "epoch": 2, "weights": torch.arange(1000.0)}
    checkpoints.save(path, state)
    assert torch.equal(checkpoints.load(path)["weights"], state["weights"])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(checkpoints.CheckpointError, match=r"run\.pt: truncated"):
        checkpoints.load(path)
    altered = bytearray(data)
    altered[-100] ^= 0xFF  # one flipped byte inside the tensor data
    path.write_bytes(bytes(altered))
    with pytest.raises(checkpoints.CheckpointError, match="checksum mismatch"):
        checkpoints.load(path)
    path.write_bytes(b"PK\x03\x04 a plain torch.save file")
    with pytest.raises(checkpoints.CheckpointError, match="no header"):
        checkpoints.load(path)
