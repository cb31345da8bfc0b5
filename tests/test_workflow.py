"""The whole workflow on a tiny config: outputs, and reruns of exactly what changed."""

from __future__ import annotations

import copy
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ddd import decisions

ROOT = Path(__file__).resolve().parents[1]
TINY = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())
FIGURES = ["fig02_kappa_vs_base", "fig03_histogram", "fig10_kappa_matrix",
           "fig16_kappa_in_between"]


def snakemake(workdir: Path, config: dict, *args: str) -> subprocess.CompletedProcess:
    path = workdir / "config_under_test.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(workdir), "--configfile", str(path), "--cores", "2", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


def planned(workdir: Path, config: dict) -> tuple[dict[str, int], list[str]]:
    """Jobs a dry run would execute: counts per rule, and the runs it would train."""
    out = snakemake(workdir, config, "--dry-run")
    assert out.returncode == 0, out.stderr
    text = out.stdout + out.stderr
    if "Nothing to be done" in text:
        return {}, []
    stats = text.split("Job stats:")[1].split("total")[0]
    counts = {m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", stats, re.M)}
    trained = sorted(re.findall(r"wildcards: study=\w+, run=([\w-]+)", text))
    return counts, trained


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny")
    out = snakemake(path, TINY)
    assert out.returncode == 0, out.stdout + out.stderr
    return path


def test_run_writes_tables_figures_and_summary(workdir):
    results = workdir / "results/tiny"
    run_ids = ["base-1", "learning_rate-1", "learning_rate-2", "architecture-1",
               "disjoint_data-1", "disjoint_data-2"]
    for run in run_ids:
        table = decisions.read(results / f"decisions/{run}.parquet")
        assert sorted(table["epoch"].unique()) == [0, 1, 2]
        assert table["image_id"].nunique() == 10 * 20
        assert decisions.read_metadata(results / f"decisions/{run}.parquet")["run"] == run
        log = (workdir / f"logs/tiny/train/{run}.log").read_text()
        assert len(re.findall(r"epoch \d/2: train loss .* test accuracy .* s\n", log)) == 2
    runs = pd.read_parquet(results / "analysis/runs.parquet")
    assert runs["run"].tolist() == run_ids
    assert runs["accuracy"].mean() > 0.1  # chance: 10 classes
    pairs = pd.read_parquet(results / "analysis/kappa_pairs.parquet")
    assert (pairs["subset"] == "all").sum() == 15
    vs_base = pd.read_parquet(results / "analysis/kappa_vs_base.parquet")
    disjoint = vs_base[(vs_base.condition == "disjoint_data") & (vs_base.subset == "all")]
    assert disjoint[["run", "reference"]].values.tolist() == [["disjoint_data-1",
                                                               "disjoint_data-2"]]
    for fig in FIGURES:
        png = results / f"figures/{fig}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    summary = (results / "summary.txt").read_text()
    assert "6 runs, 200 evaluation images" in summary and "trivial" in summary
    assert not list(results.rglob(".*.tmp")) and not list(results.glob("checkpoints/*"))


def test_second_run_without_change_runs_nothing(workdir):
    assert planned(workdir, TINY) == ({}, [])


def test_figure_setting_reruns_only_that_figure(workdir):
    config = copy.deepcopy(TINY)
    config["figures"] = {"histogram": {"title": "another title"}}
    counts, trained = planned(workdir, config)
    assert counts == {"fig03_histogram": 1, "all": 1}
    assert trained == []


def test_learning_rate_change_reruns_that_condition_and_its_dependents(workdir):
    config = copy.deepcopy(TINY)
    config["studies"]["tiny"]["conditions"]["learning_rate"]["changes"]["lr_scale"] = [1.4, 1.6]
    counts, trained = planned(workdir, config)
    assert trained == ["learning_rate-1", "learning_rate-2"]
    assert counts == {"train": 2, "collect_decisions": 1, "difficulty": 1, "kappa": 1,
                      "summary": 1, **dict.fromkeys(FIGURES, 1), "all": 1}


def test_config_typo_stops_the_run_naming_key_and_valid_values(tmp_path):
    config = copy.deepcopy(TINY)
    config["studies"]["tiny"]["recipe"]["lr_sclae"] = 1.0
    out = snakemake(tmp_path, config, "--dry-run")
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "'lr_sclae' is not one of" in text and "'lr_scale'" in text
