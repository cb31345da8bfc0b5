"""Two Snakemake runs of different studies into the same results/ at once: both finish, and
each study's tables equal those of a run alone. Snakemake locks the files a run will write,
so two runs of the same study are refused, naming the lock and --unlock."""

from __future__ import annotations

import copy
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ddd import verify
from tests.workflow_runs import ROOT, TINY, snakemake

pytestmark = pytest.mark.workflow


def study_config(name: str) -> dict:
    """One tiny study alone: its base run and two learning rates, core analyses."""
    config = copy.deepcopy(TINY)
    study = config["studies"][name]
    study["conditions"] = {key: study["conditions"][key] for key in ("base", "learning_rate")}
    for key in ("label_errors", "confusion"):
        study.pop(key, None)
    config["studies"] = {name: study}
    config["analysis"]["difficulty"] = {"shares_all_but": 0}
    return config


def start(workdir: Path, name: str) -> subprocess.Popen:
    path = workdir / f"{name}.yaml"
    path.write_text(yaml.safe_dump(study_config(name), sort_keys=False))
    return subprocess.Popen([sys.executable, "-m", "snakemake", "--snakefile",
                             str(ROOT / "Snakefile"), "--directory", str(workdir),
                             "--configfile", str(path), "--cores", "1",
                             f"results/{name}/summary.txt"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_two_studies_at_once_into_one_results_folder(tmp_path):
    shared, alone = tmp_path / "shared", tmp_path / "alone"
    shared.mkdir()
    alone.mkdir()
    runs = {name: start(shared, name) for name in ("tiny", "tiny_b")}
    deadline = time.monotonic() + 300
    while not (shared / "logs/tiny/dataset.log").exists():  # its jobs run: it holds its lock
        assert runs["tiny"].poll() is None, runs["tiny"].communicate()[0]
        assert time.monotonic() < deadline, "no job started after 300 s"
        time.sleep(0.2)
    same = start(shared, "tiny")  # the same study again, while the first runs
    text = same.communicate(timeout=600)[0]
    assert same.returncode != 0 and "cannot be locked" in text and "--unlock" in text, text
    for name, proc in runs.items():
        text = proc.communicate(timeout=900)[0]
        assert proc.returncode == 0, f"{name}: {text}"
    assert not verify.verify(shared / "results").problems
    for name in runs:
        out = snakemake(alone, study_config(name), f"results/{name}/summary.txt")
        assert out.returncode == 0, out.stdout + out.stderr
        for table in ("summary.txt", "analysis/correctness.parquet", "analysis/runs.parquet"):
            a, b = (folder / f"results/{name}/{table}" for folder in (shared, alone))
            if table.endswith(".txt"):
                assert a.read_text() == b.read_text()
            else:
                pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
