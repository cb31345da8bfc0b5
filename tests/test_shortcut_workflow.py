"""The shortcut study end to end on a tiny Gaussian set: every run is evaluated on clean and
cue-conflict images, and the shortcut tables hold both image sets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ddd import decisions
from ddd.datasets import arrays, shortcut

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests/tiny_shortcut.yaml"
pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("shortcut")
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"),
           "--directory", str(path), "--configfile", str(CONFIG), "--cores", "2"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr
    return path


def test_every_run_sees_clean_and_cue_conflict_images(workdir):
    results = workdir / "results/tiny_shortcut"
    manifest = arrays.read_manifest(results / "data/manifest.json")
    conflicts = shortcut.conflict_ids(manifest)
    assert len(conflicts) == 9 * 5 and conflicts.min() == 200  # 10 classes x 20 clean images
    for run in ("clean-1", "clean-2", "cue-1", "cue-2"):
        table = decisions.read(results / f"decisions/{run}.parquet", epoch=-1)
        assert np.array_equal(table["image_id"].to_numpy(), np.arange(245))
    assert decisions.read_metadata(results / "decisions/cue-1.parquet")["recipe"]["shortcut"]


def test_shortcut_tables_hold_both_image_sets(workdir):
    tables = workdir / "results/tiny_shortcut/tables"
    kappa = pd.read_csv(tables / "shortcut_kappa.csv")
    assert kappa[["images", "group", "pairs"]].values.tolist() == [
        ["clean", "cue", 1], ["clean", "clean", 1], ["clean", "across", 4],
        ["conflict", "cue", 1], ["conflict", "clean", 1], ["conflict", "across", 4]]
    assert kappa["mean"].between(-1, 1).all()
    pairs = pd.read_parquet(workdir / "results/tiny_shortcut/analysis/shortcut_pairs.parquet")
    assert set(pairs.groupby("images")["n_images"].first().items()) == {("clean", 200),
                                                                          ("conflict", 45)}
    runs = pd.read_csv(tables / "shortcut_runs.csv")
    assert runs[["run", "cue"]].values.tolist() == [["clean-1", False], ["clean-2", False],
                                                    ["cue-1", True], ["cue-2", True]]
    assert runs["patched_prototypes"].between(0, 1).all()

