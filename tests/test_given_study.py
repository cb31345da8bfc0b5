"""Studies of given decisions: the plan resolves their runs, the workflow analyses plain
pandas tables, a model-vs-human folder and a correctness matrix without training, and
never rebuilds the given files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ddd import decisions, plan
from ddd.errors import ConfigError
from tests.workflow_runs import ROOT, planned, snakemake

CATEGORIES = ["airplane", "bear", "bicycle", "bird", "boat", "bottle", "car", "cat", "chair",
              "clock", "dog", "elephant", "keyboard", "knife", "oven", "truck"]
GAUSSIAN = {"kind": "gaussian", "classes": 10, "image_size": 8, "train_per_class": 4,
            "test_per_class": 2, "sigma_min": 1, "sigma_step": 1, "seed": 0}
RECIPE = {"architecture": "tiny_resnet", "epochs": 1, "batch_size": 8, "lr": 0.1,
          "weight_decay": 0.0}
BOOTSTRAP = {"resamples": 20, "seed": 3, "level": 0.9}


def write_tables(folder: Path, rng: np.random.Generator, n_images: int = 300,
                 classes: int = 10) -> dict[str, str]:
    """Four runs' decisions over three epochs written by plain pandas (CSV and Parquet),
    images of graded difficulty; returns run name -> file name."""
    ids = rng.permutation(np.arange(1000, 1000 + 3 * n_images, 3))  # unsorted, not 0..n-1
    labels = rng.integers(0, classes, n_images)
    ease = np.linspace(0.05, 0.95, n_images)
    files = {}
    for name, ext in [("base_model", "csv"), ("net_a", "parquet"), ("net_b", "csv"),
                      ("other", "csv")]:
        epochs = []
        for epoch in range(3):
            right = rng.random(n_images) < ease * (epoch + 1) / 3
            wrong = (labels + rng.integers(1, classes, n_images)) % classes
            epochs.append(pd.DataFrame({"image_id": ids, "epoch": epoch, "label": labels,
                                        "prediction": np.where(right, labels, wrong)}))
        table = pd.concat(epochs[::-1])  # any row order
        path = folder / f"{name}.{ext}"
        table.to_csv(path, index=False) if ext == "csv" else table.to_parquet(path)
        files[name] = path.name
    (folder / "classes.txt").write_text("\n".join(f"kind {i}" for i in range(classes)))
    return files


def write_mvh(folder: Path, rng: np.random.Generator, per_level: int = 64) -> None:
    """A model-vs-human-shaped folder: three observers, two condition levels."""
    folder.mkdir()
    images = {level: [(f"{CATEGORIES[i % 16]}{level}x{i}.png", CATEGORIES[i % 16])
                      for i in range(per_level)] for level in ("0", "40")}
    for subj in ("subject-01", "subject-02", "resnet50"):
        rows = []
        for level, shown in images.items():
            for trial, (image, category) in enumerate(shown, 1):
                answer = category if rng.random() < 0.7 else rng.choice([*CATEGORIES, "na"])
                rows.append({"subj": subj, "Session": 1, "trial": trial, "rt": 800,
                             "object_response": answer, "category": category,
                             "condition": level,
                             "imagename": f"{trial:04d}_cl_s01_{level}_{category}_{image}"})
        pd.DataFrame(rows).to_csv(folder / f"colour_{subj}_session_1.csv", index=False)


def write_matrix(folder: Path, rng: np.random.Generator) -> None:
    """A correctness-only .npy matrix (5 runs x 200 images) and its run names."""
    ease = np.linspace(0.1, 0.9, 200)
    np.save(folder / "correct.npy", rng.random((5, 200)) < ease)
    (folder / "correct.txt").write_text("\n".join(f"m{i}" for i in range(5)))


def given_config(files: dict[str, str]) -> dict:
    return {
        "studies": {
            "tables": {
                "given": {"runs": {"base_model": files["base_model"],
                                   "net_a": {"path": files["net_a"], "condition": "net"},
                                   "net_b": {"path": files["net_b"], "condition": "net"},
                                   "other": files["other"]},
                          "class_names": "classes.txt"},
                "base_condition": "base_model",
            },
            "colour": {
                "given": {"mvh": "mvh_colour", "condition": 40,
                          "conditions": {"human": ["subject-01", "subject-02"]}},
                "base_condition": "human",
            },
            "matrix": {
                "given": {"matrix": "correct.npy",
                          "conditions": {"model": ["m0", "m1", "m2"], "other": ["m3", "m4"]}},
                "base_condition": "model",
            },
        },
        "analysis": {"bootstrap": BOOTSTRAP, "histogram_runs": "all"},
        "experiment": {"pairs": 2},
    }


@pytest.fixture(scope="module")
def given_workdir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("given")
    rng = np.random.default_rng(7)
    files = write_tables(path, rng)
    write_mvh(path / "mvh_colour", rng)
    write_matrix(path, rng)
    config = given_config(files)
    (path / "config.json").write_text(json.dumps(config))
    jobs, _ = planned(path, config)
    assert "given_decisions" in jobs and not jobs.keys() & {"dataset", "train", "infer",
                                                              "features"}
    out = snakemake(path, config)
    assert out.returncode == 0, out.stdout + out.stderr
    return path


def test_given_runs_resolve_to_conditions_and_instances(tmp_path, rng):
    files = write_tables(tmp_path, rng, n_images=20)
    config = given_config({k: str(tmp_path / v) for k, v in files.items()})
    config["studies"] = {"tables": config["studies"]["tables"]}
    study = plan.load(config).studies["tables"]
    assert study.run_ids == ["base_model-1", "net-1", "net-2", "other-1"]
    assert study.trained_ids == study.pretrained_ids == []
    assert study.given_ids == study.run_ids
    assert study.given.labels and study.given.epochs
    assert study.run("net-2").given.name == "net_b"


def test_too_few_histogram_runs_are_refused(tmp_path, rng):
    files = write_tables(tmp_path, rng, n_images=20)
    config = {"studies": {"s": {"given": {"runs": [str(tmp_path / files["net_a"]),
                                                   str(tmp_path / files["net_b"])]},
                                "base_condition": "net_a"}}}
    with pytest.raises(ConfigError, match="gives the difficulty histogram 2 runs"):
        plan.load(config)


def test_given_run_colliding_with_a_trained_run_is_refused(tmp_path, rng):
    files = write_tables(tmp_path, rng, n_images=20)
    config = {"studies": {
        "trained": {"dataset": GAUSSIAN, "recipe": RECIPE, "conditions": {"base": {}}},
        "tables": {"given": {"runs": {"base": str(tmp_path / files["net_a"])}}},
    }}
    with pytest.raises(ConfigError, match=r"\['base-1'\] name a trained run in one "
                                               r"study and a given run"):
        plan.load(config)


@pytest.mark.parametrize("section, message", [
    ({"dataset": GAUSSIAN}, "'dataset' is not one of"),
    ({"given": {"runs": ["results/x/decisions/a-1.parquet"]}}, "lies under results/"),
    ({"given": {"mvh": "missing", "runs": ["a.csv"]}}, "is valid under each of"),
])
def test_given_study_config_errors(section, message):
    spec = {"given": {"runs": ["a.csv"]}, **section}
    with pytest.raises(ConfigError, match=message):
        plan.load({"studies": {"s": spec}})


@pytest.mark.workflow
def test_given_tables_study_matches_the_command_line(given_workdir):
    results = given_workdir / "results/tables"
    manifest = json.loads((results / "data/manifest.json").read_text())
    assert manifest["class_names"][:2] == ["kind 0", "kind 1"]
    assert "image_names" not in manifest  # integer ids kept
    table = decisions.read(results / "decisions/net-2.parquet", epoch=-1)
    assert table["image_id"].is_monotonic_increasing and table["image_id"].min() == 1000
    for fig in ("fig02_kappa_vs_base", "fig03_histogram", "fig06_class_accuracy",
                "fig07_accuracy", "fig10_kappa_matrix", "fig16_kappa_in_between"):
        assert (results / f"figures/{fig}.png").stat().st_size > 0
    assert decisions.read(results / "decisions/net-2.parquet")["epoch"].max() == 2
    for fig in ("fig04_base_over_epochs", "fig05_runs_over_epochs", "fig11_decision_changes"):
        assert (results / f"figures/{fig}.png").exists()  # epochs given
    assert not (given_workdir / "results/colour/figures/fig04_base_over_epochs.png").exists()
    assert not (given_workdir / "results/tables/experiment").exists()
    b8 = pd.read_csv(results / "tables/b8_easiest_hardest_classes.csv")
    assert b8["name"].str.startswith("kind ").all()
    assert "10 classes" in (results / "summary.txt").read_text()

    names = manifest["runs"]
    files = [given_workdir / p for p in ("base_model.csv", "net_a.parquet", "net_b.csv",
                                         "other.csv")]
    done = subprocess.run([sys.executable, "-m", "ddd.cli", "kappa", *map(str, files),
                           "--format", "json", "--bootstrap", str(BOOTSTRAP["resamples"]),
                           "--seed", str(BOOTSTRAP["seed"]), "--level",
                           str(BOOTSTRAP["level"])],
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(
                              ROOT / "workflow")}, check=True)
    cli = pd.DataFrame(json.loads(done.stdout))
    ours = pd.read_parquet(results / "analysis/kappa_pairs.parquet")
    ours = ours[ours["subset"] == "all"].reset_index(drop=True)
    for column in ("run_a", "run_b"):
        ours[column] = ours[column].map(names)
    pd.testing.assert_frame_equal(ours[cli.columns], cli, check_dtype=False)


@pytest.mark.workflow
def test_given_mvh_and_matrix_studies_run(given_workdir):
    colour = given_workdir / "results/colour"
    manifest = json.loads((colour / "data/manifest.json").read_text())
    assert manifest["class_names"] == sorted(CATEGORIES) and manifest["level"] == "40"
    assert len(manifest["image_names"]) == 64
    assert manifest["runs"] == {"human-1": "subject-01", "human-2": "subject-02",
                                "resnet50-1": "resnet50"}
    runs = pd.read_parquet(colour / "analysis/runs.parquet")
    assert runs["run"].tolist() == ["resnet50-1", "human-1", "human-2"]  # files' order
    assert (colour / "figures/fig06_class_accuracy.png").exists()
    matrix = given_workdir / "results/matrix"
    assert "classes not given" in (matrix / "summary.txt").read_text()
    assert (matrix / "figures/fig10_kappa_matrix.png").exists()
    assert not (matrix / "figures/fig07_accuracy.png").exists()  # chance unknown
    assert not (matrix / "figures/fig06_class_accuracy.png").exists()  # no labels
    assert (given_workdir / "results/figures/fig13_kappa_vs_base_datasets.png").exists()


@pytest.mark.workflow
def test_given_files_are_never_rebuilt_and_the_report_builds(given_workdir):
    config = json.loads((given_workdir / "config.json").read_text())
    out = snakemake(given_workdir, config, "--dry-run")
    assert out.returncode == 0 and "Nothing to be done" in out.stdout + out.stderr, \
        out.stdout + out.stderr
    out = snakemake(given_workdir, config, "--report", "report.zip")
    assert out.returncode == 0, out.stdout + out.stderr
    assert (given_workdir / "report.zip").stat().st_size > 0


def test_mvh_folder_with_several_levels_needs_a_condition(tmp_path, rng):
    write_mvh(tmp_path / "mvh", rng, per_level=4)
    config = {"studies": {"s": {"given": {"mvh": str(tmp_path / "mvh")},
                                "base_condition": "resnet50"}}}
    with pytest.raises(ConfigError, match=r"levels \['0', '40'\]; choose one"):
        plan.load(config)


def test_correctness_alone_maps_to_label_zero_and_a_wrong_prediction(tmp_path):
    from ddd.given import planning

    manifest = {"labels": False, "splits": {"test": {"images": [3], "classes": None}},
                "image_names": ["a.png", "b.png", "c.png"]}
    table = pd.DataFrame({"image_id": ["c.png", "a.png", "b.png"], "epoch": 0,
                          "correct": [True, False, True]})
    out = planning.decision_table(table, manifest, "x.csv").to_pandas()
    assert out[["image_id", "label", "prediction", "correct"]].values.tolist() == [
        [0, 0, -1, False], [1, 0, 0, True], [2, 0, 0, True]]
    with pytest.raises(planning.readers.GivenError, match="x.csv: its images are not"):
        planning.decision_table(table.assign(image_id=["a.png", "b.png", "d.png"]),
                                   manifest, "x.csv")
