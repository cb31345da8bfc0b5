"""The jobs behind the train, confusion_train, features, rsa and label_errors rules, run on
a tiny prepared dataset without Snakemake."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from ddd import decisions, features
from ddd.analysis import label_errors, rsa
from ddd.confusion import stats
from ddd.study import Recipe
from ddd.train import capture
from ddd.train.jobs import train_confusion_run, train_run
from ddd.train.precision import Numerics
from tests.toy_runs import CPU, FIELDS, RECIPE


def test_trained_run_writes_every_epoch_of_every_test_image(trained):
    frame = decisions.read(trained["base-1"].with_suffix(".parquet"))
    assert frame["epoch"].nunique() == RECIPE.epochs + 1 and frame["image_id"].nunique() == 64


def run_features(dataset, trained, run: str, layer: str = capture.OUTPUT) -> features.Features:
    return capture.run_features(RECIPE, *dataset, trained[run].with_suffix(".pt"),
                                trained[run].with_suffix(".parquet"), layer, 20, 0, CPU, 50)


def test_features_reproduce_the_final_decisions(dataset, trained, caplog):
    with caplog.at_level("INFO", "ddd"):
        found = run_features(dataset, trained, "base-1")
    final = decisions.read(trained["base-1"].with_suffix(".parquet"), epoch=-1)
    assert np.array_equal(found.logits.argmax(1), final["prediction"])
    assert found.activations.shape == (20, 4) and len(found.rsa_image_ids) == 20
    assert "differs from the decision table's final epoch on 0 images" in caplog.text


@pytest.mark.parametrize(("precision", "channels_last"), [("bf16", False), ("fp32", True)])
def test_features_evaluate_under_the_numerics_the_table_records(dataset, tmp_path, caplog,
                                                                precision, channels_last):
    model, table, meta = train_run(RECIPE, *dataset, FIELDS | {"run": "base-1"}, CPU,
                                   tmp_path / "ckpt", 50, precision=precision,
                                   channels_last=channels_last)
    assert meta["precision"] == precision
    assert meta["memory_format"] == ("channels_last" if channels_last else "contiguous")
    decisions.write(tmp_path / "base-1.parquet", table, meta)
    torch.save(model.state_dict(), tmp_path / "base-1.pt")
    with caplog.at_level("INFO", "ddd"):
        found = capture.run_features(RECIPE, *dataset, tmp_path / "base-1.pt",
                                     tmp_path / "base-1.parquet", capture.OUTPUT, 20, 0, CPU, 50)
    assert "differs from the decision table's final epoch on 0 images" in caplog.text
    data, mean, std = capture.evaluation_data(*dataset, RECIPE, CPU)
    model = model.eval()
    logits = {numerics: capture.capture(model, data, mean, std, 50, None, [0], numerics)[0]
              for numerics in (Numerics(precision, channels_last), Numerics("fp32", True))}
    assert np.array_equal(found.logits, logits[Numerics(precision, channels_last)])
    if precision == "bf16":  # evaluated as trained, not in float32
        assert not np.array_equal(found.logits, logits[Numerics("fp32", True)])


def test_features_name_a_decision_table_of_other_labels(dataset, trained, tmp_path):
    other = tmp_path / "other.parquet"
    final = decisions.read(trained["base-1"].with_suffix(".parquet"), epoch=-1)
    labels = (final["label"].to_numpy() + 1) % 4
    decisions.write(other, decisions.from_predictions(labels[None], labels),
                    FIELDS | {"architecture": "none"})
    with pytest.raises(ValueError, match="other.parquet does not hold the evaluation images"):
        capture.run_features(RECIPE, *dataset, trained["base-1"].with_suffix(".pt"), other,
                             capture.OUTPUT, 20, 0, CPU, 50)


@pytest.fixture(scope="module")
def feature_files(dataset, trained, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("features")
    paths = {}
    for run in trained:
        paths[run] = root / f"{run}.npz"
        features.save(paths[run], run_features(dataset, trained, run))
    return paths


def test_study_rsa_tables(feature_files):
    runs = pd.DataFrame({"run": ["base-1", "base-2"], "condition": ["base", "base"],
                         "instance": [1, 2]})
    tables = rsa.study_tables(feature_files, runs, "spearman", "base", ["base"])
    assert set(tables) == {"pairs", "vs_base", "conditions"}
    assert all((t["images"] == 20).all() for t in tables.values())
    pair = tables["pairs"]
    assert pair[["run_a", "run_b"]].values.tolist() == [["base-1", "base-2"]]
    activations = [features.load(feature_files[r]).activations for r in runs["run"]]
    expected = rsa.compare(rsa.rdm(activations[0]), rsa.rdm(activations[1]))
    assert pair["rsa"].iloc[0] == pytest.approx(expected, abs=1e-6)


def test_study_rsa_names_runs_with_other_images(feature_files, tmp_path):
    found = features.load(feature_files["base-2"])
    moved = tmp_path / "moved.npz"
    features.save(moved, features.Features(found.image_ids, found.labels, found.logits,
                                           found.rsa_image_ids + 1, found.activations,
                                           found.layer))
    with pytest.raises(ValueError, match="moved.npz and .*base-1.npz hold different RSA"):
        rsa.load_activations({"base-1": feature_files["base-1"], "base-2": moved})


def test_study_label_error_flags_from_cleanlab_and_from_a_file(feature_files, tmp_path):
    found = features.load(feature_files["base-1"])
    correct = tmp_path / "correctness.parquet"
    pd.DataFrame({"label": found.labels}, index=pd.Index(found.image_ids, name="image_id")
                 ).to_parquet(correct)
    table = label_errors.study_flags(correct, "cleanlab", list(feature_files.values()))
    assert table["image_id"].tolist() == found.image_ids.tolist()
    assert {label_errors.COLUMN, "label_quality", "predicted"} <= set(table.columns)
    known = tmp_path / "known.txt"
    known.write_text("3\n7\n")
    table = label_errors.study_flags(correct, "file", known=known)
    assert table.loc[table[label_errors.COLUMN], "image_id"].tolist() == [3, 7]
    shifted = tmp_path / "shifted.parquet"
    pd.read_parquet(correct).assign(label=lambda f: (f["label"] + 1) % 4).to_parquet(shifted)
    with pytest.raises(ValueError, match="base-1.npz and .*shifted.parquet disagree"):
        label_errors.study_flags(shifted, "cleanlab", [feature_files["base-1"]])


def test_confusion_runs_and_their_class_scores(dataset, tmp_path):
    paths = []
    for pair, repeat in (("1-2", 0), ("control", 0), ("control", 1)):
        table, meta = train_confusion_run(
            Recipe(**{**RECIPE.as_dict(), "epochs": 1}), *dataset, study="s", dataset="toy",
            classes=[0, 1, 2], pair=pair, repeat=repeat, train_per_class=16, both_ways=False,
            device=CPU, checkpoint=tmp_path / "ckpt.pt", eval_batch_size=50)
        assert meta["run"] == f"confusion_{pair}-{repeat}" and meta["classes"] == [0, 1, 2]
        assert meta["relabelled"] == (8 if pair == "1-2" else 0)
        assert (meta["a"], meta["b"]) == ((1, 2) if pair == "1-2" else (None, None))
        paths.append(tmp_path / f"{pair}-{repeat}.parquet")
        decisions.write(paths[-1], table, meta)
    final = decisions.read(paths[0], epoch=-1)
    assert set(final["label"]) == {0, 1, 2} and len(final) == 48
    scores = stats.run_scores(paths)
    assert scores.columns.tolist() == ["pair", "a", "b", "repeat", "class", "images",
                                       "accuracy", "bits"]
    assert scores["pair"].tolist() == ["1-2"] * 3 + ["control"] * 6
    assert scores["a"].tolist() == [1] * 3 + [-1] * 6 and (scores["images"] == 16).all()
