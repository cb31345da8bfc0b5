"""Acceptable labels and the rectified analyses: a hand-computed example, the monotonicity
of adding acceptable labels, timm's ReaL evaluator as an independent oracle and the
integrity of the ReaL file timm ships."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ddd.analysis import acceptable, difficulty, rectified

RUNS = pd.DataFrame({"run": ["a-1", "b-1", "c-1"], "condition": ["a", "b", "c"],
                     "instance": 1, "architecture": "none", "epoch": 0})
# 5 images, labels 0 0 1 2 2; predictions of the runs a, b, c.
LABELS = np.array([0, 0, 1, 2, 2])
PREDICTIONS = pd.DataFrame({"label": LABELS, "a-1": [0, 1, 1, 0, 2], "b-1": [0, 1, 2, 0, 1],
                            "c-1": [1, 1, 1, 0, 2]},
                           index=pd.Index(np.arange(5), name="image_id"))


def write_table(path: Path, rows: list[tuple[int, object]]) -> Path:
    path.write_text("image_id,label\n" + "".join(f"{i},{'' if x is None else x}\n"
                                                  for i, x in rows))
    return path


def test_hand_computed_example(tmp_path):
    # image 1 accepts 0 and 1; image 3 accepts nothing (left out); image 4 accepts 1 only;
    # images 0 and 2 (not listed) keep their label.
    path = write_table(tmp_path / "acc.csv", [(1, 0), (1, 1), (3, None), (4, 1)])
    table = acceptable.read(path, "table", np.arange(5), LABELS, 3)
    assert list(map(tuple, table.to_numpy())) == [(0, 0), (1, 0), (1, 1), (2, 1), (4, 1)]
    out = rectified.rectify(RUNS, PREDICTIONS, table, ["a-1", "b-1", "c-1"])
    # kept images 0 1 2 4. a: 0 1 1 2 -> right on 0, 1, 2 (3 of 4); b: 0 1 2 1 -> 0, 1, 4;
    # c: 1 1 1 2 -> 1, 2.
    assert out["accuracy"]["rectified"].tolist() == [3 / 4, 3 / 4, 2 / 4]
    # original on all five: a right on 0, 2, 4; b on 0; c on 2, 4.
    assert out["accuracy"]["original"].tolist() == [3 / 5, 1 / 5, 2 / 5]
    assert out["correct"].index.tolist() == [0, 1, 2, 4]
    assert out["correct"]["b-1"].tolist() == [True, True, False, True]
    per_image = out["images"].set_index("image_id")
    assert per_image["acceptable"].tolist() == [1, 2, 1, 0, 1]
    assert per_image["label_accepted"].tolist() == [True, True, True, False, False]
    # wrong answers that are acceptable: image 1 (all three said 1), image 4 (b said 1).
    assert per_image["errors_accepted"].tolist() == [0, 3, 0, 0, 1]


def test_real_json_reads_label_lists_in_image_order(tmp_path):
    path = tmp_path / "real.json"
    path.write_text(json.dumps([[0], [0, 1], [1], [], [1]]))
    table = acceptable.read(path, "real_json", np.arange(5), LABELS, 3)
    assert list(map(tuple, table.to_numpy())) == [(0, 0), (1, 0), (1, 1), (2, 1), (4, 1)]
    assert acceptable.rated(table, np.arange(5)).tolist() == [True] * 3 + [False, True]


def test_causes_split_by_hand():
    images = pd.DataFrame({"image_id": range(6), "category": ["impossible"] * 4
                           + ["in_between", "trivial"]})
    flags = np.array([True, True, False, False, True, True])
    answered = np.array([True, False, True, False, False, True])
    left_out = np.array([False, False, False, True, False, False])
    table = rectified.causes(images, flags, answered, left_out).set_index(["category", "cause"])
    assert table.loc[("impossible", "both"), "images"] == 1
    assert table.loc[("impossible", "label_error"), "images"] == 1
    assert table.loc[("impossible", "acceptable_answer"), "images"] == 1
    assert table.loc[("impossible", "no_acceptable_label"), "images"] == 1
    assert table.loc[("impossible", "neither"), "images"] == 0
    assert table.loc[("in_between", "label_error"), "share_of_category"] == 1.0
    unknown = rectified.causes(images, None, None, None)
    assert unknown.groupby("category")["images"].sum().to_dict() == {"impossible": 4,
                                                                      "in_between": 1}
    assert (unknown.loc[unknown["images"] > 0, "cause"] == "neither").all()


def test_transitions_count_where_the_images_go():
    original = pd.DataFrame({"image_id": range(4), "category": ["impossible", "impossible",
                                                                "in_between", "trivial"]})
    moved = pd.DataFrame({"image_id": [0, 2, 3], "category": ["trivial", "trivial",
                                                              "trivial"]})
    table = rectified.transitions(original, moved).set_index(["original", "rectified"])
    assert table.loc[("impossible", "trivial"), "images"] == 1
    assert table.loc[("impossible", rectified.LEFT_OUT), "images"] == 1
    assert table.loc[("impossible", "trivial"), "share_of_original"] == 0.5
    assert table["images"].sum() == 4


def test_adding_acceptable_labels_never_lowers_accuracy_or_raises_impossible(rng):
    for trial in range(200):
        n_images, n_classes = int(rng.integers(5, 40)), int(rng.integers(2, 6))
        run_ids = [f"r-{k}" for k in range(int(rng.integers(3, 8)))]
        labels = rng.integers(0, n_classes, n_images)
        ids = np.arange(n_images)
        predictions = pd.DataFrame({"label": labels, **{
            run: np.where(rng.random(n_images) < rng.random(), labels,
                          rng.integers(0, n_classes, n_images)) for run in run_ids}},
            index=pd.Index(ids, name="image_id"))
        runs = pd.DataFrame({"run": run_ids, "condition": run_ids, "instance": 1,
                             "architecture": "none", "epoch": 0})
        before = pd.DataFrame({"image_id": ids, "label": labels})
        extra = rng.random(n_images) < 0.4
        after = pd.concat([before, pd.DataFrame({
            "image_id": ids[extra], "label": rng.integers(0, n_classes, extra.sum())})])
        results = [rectified.rectify(runs, predictions, table, run_ids)
                   for table in (before, after)]
        acc = [r["accuracy"]["rectified"].to_numpy() for r in results]
        assert np.all(acc[1] >= acc[0]), trial
        for tolerance in range(0, (len(run_ids) - 1) // 2 + 1):
            share = [difficulty.shares(difficulty.categories(difficulty.image_table(
                r["correct"], run_ids, tolerance))) for r in results]
            assert share[1]["impossible"] <= share[0]["impossible"], trial
            assert share[1]["trivial"] >= share[0]["trivial"], trial


TIMM = importlib.util.find_spec("timm") is not None
needs_timm = pytest.mark.skipif(not TIMM, reason="timm is not installed (pip install timm; "
                                                 "requirements-dev.txt)")


@needs_timm
def test_shipped_real_labels_file_is_intact():
    entries = json.loads(acceptable.timm_real_json().read_text())
    assert len(entries) == 50_000
    assert sum(not e for e in entries) == 3_163
    assert sum(len(e) > 1 for e in entries) == 7_443
    assert sum(len(e) == 1 for e in entries) == 39_394


@needs_timm
def test_rectified_accuracy_equals_timms_real_evaluator(rng):
    torch = pytest.importorskip("torch")
    from timm.data import RealLabelsImagenet

    n = 50_000
    ids = np.arange(n)
    labels = rng.integers(0, 1000, n)  # the dataset labels play no part in ReaL accuracy
    table = acceptable.read(acceptable.timm_real_json(), "real_json", ids, labels, 1000)
    # predictions from ReaL's own labels half of the time, so both outcomes are frequent
    first = table.groupby("image_id")["label"].first().reindex(ids).fillna(0).to_numpy()
    predictions = np.where(rng.random(n) < 0.5, first, rng.integers(0, 1000, n)).astype(int)
    runs = pd.DataFrame({"run": ["r-1"], "condition": ["r"], "instance": 1,
                         "architecture": "none", "epoch": 0})
    frame = pd.DataFrame({"label": labels, "r-1": predictions},
                         index=pd.Index(ids, name="image_id"))
    out = rectified.rectify(runs, frame, table, ["r-1"])

    oracle = RealLabelsImagenet([f"ILSVRC2012_val_{i + 1:08d}.JPEG" for i in ids], topk=(1,))
    logits = torch.zeros(n, 1000)
    logits[torch.arange(n), torch.from_numpy(predictions)] = 1.0
    for batch in logits.split(1000):
        oracle.add_result(batch)
    assert len(oracle.is_correct[1]) == len(out["correct"]) == n - 3_163
    assert int(sum(oracle.is_correct[1])) == int(out["correct"]["r-1"].sum())
    assert oracle.get_accuracy(1) == pytest.approx(100 * out["accuracy"]["rectified"][0],
                                                   abs=1e-12)


@needs_timm
def test_timm_source_resolves_to_the_shipped_file(tmp_path):
    from ddd import plan

    loaded = plan.load({"studies": {"i": {
        "dataset": {"kind": "imagenet", "path": str(tmp_path)},
        "pretrained": {"resnet18": {}, "resnet50": {}}, "base_condition": "resnet18",
        "acceptable_labels": {"source": "timm"}}},
        "analysis": {"histogram_runs": "all", "difficulty": {"shares_all_but": 0}}})
    spec = loaded.studies["i"].acceptable
    assert spec["format"] == "real_json"
    assert Path(spec["path"]).samefile(Path(importlib.util.find_spec("timm").origin).parent
                                       / "data/_info/imagenet_real_labels.json")


@pytest.mark.workflow
def test_given_study_is_rectified_from_its_predictions(tmp_path, rng):
    ids = np.arange(5000, 5000 + 2 * 60, 2)  # ids of a given study need not be 0..n-1
    labels = rng.integers(0, 4, ids.size)
    predictions = {}
    for run in ("m1", "m2", "m3"):
        right = rng.random(ids.size) < np.linspace(0.1, 0.9, ids.size)
        predictions[run] = np.where(right, labels, (labels + rng.integers(1, 4, ids.size)) % 4)
        pd.DataFrame({"image_id": ids, "label": labels, "prediction": predictions[run]}
                     ).to_csv(tmp_path / f"{run}.csv", index=False)
    extra = ids[labels == 1][:10]  # these images also accept class 2
    write_table(tmp_path / "acc.csv", [(i, x) for i in extra for x in (1, 2)])
    config = {"studies": {"g": {"given": {"runs": [f"{r}.csv" for r in predictions]},
                                "base_condition": "m1",
                                "acceptable_labels": {"path": "acc.csv", "format": "table"}}},
              "analysis": {"histogram_runs": "all", "difficulty": {"shares_all_but": 0},
                           "bootstrap": {"resamples": 10}},
              "experiment": {"pairs": 0}}
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-m", "snakemake", "--snakefile", str(root / "Snakefile"),
         "--directory", str(tmp_path), "--configfile", str(tmp_path / "config.yaml"),
         "--cores", "2", "results/g/tables/rectified.csv", "results/g/rectified/summary.txt"],
        capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout + out.stderr
    accuracy = pd.read_csv(tmp_path / "results/g/tables/rectified_accuracy.csv")
    for run, value in zip(accuracy["run"], accuracy["rectified"], strict=True):
        p = predictions[run.removesuffix("-1")]
        hand = np.mean((p == labels) | (np.isin(ids, extra) & (p == 2)))
        assert value == pytest.approx(hand)
