"""Bad inputs and faults, one case each: every one is an error whose message names the file
or config key and says how to fix it, and none leaves a half-written file behind.

A case is a function that does the bad thing in a fresh folder; `@case` records what its
message must name and the fix it must give (regular expressions). The workflow-level cases
at the end run Snakemake on the tiny config; everything else calls the jobs' functions.
A lock left by a killed run is a case of tests/test_killed_training.py, which kills one.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ddd import collect, decisions, features, flags, plan
from ddd.analysis import acceptable, label_errors, rsa
from ddd.datasets import cifar, imagenet, prepare
from ddd.experiment import review_scoring, scoring
from ddd.experiment.answers import ResponseError
from ddd.experiment.page import CSV_COLUMNS
from ddd.io import workdir, yamlfile
from ddd.study import Recipe
from ddd.train import capture, checkpoints, pretrained
from ddd.train.jobs import train_run
from tests.conftest import confident_table
from tests.toy_runs import CPU, FIELDS, RECIPE
from tests.workflow_runs import ROOT, TINY, snakemake

REBUILD = r"snakemake --cores 1 --force "
IMAGES = 12  # evaluation images of the small tables below


@dataclass(frozen=True)
class Case:
    act: Callable[..., object]
    names: str  # what the message must name: the file or the config key
    fix: str  # the fix it must give
    error: type[BaseException] = Exception


CASES: dict[str, Case] = {}


def case(names: str, fix: str, error: type[BaseException] = Exception):
    """Register the decorated function as a bad-input case under its name."""
    def register(act: Callable[..., object]) -> Callable[..., object]:
        CASES[act.__name__] = Case(act, names, fix, error)
        return act
    return register


def table(folder: Path, run: str = "base-1", study: str = "s", sha: str = "abc",
          shift: int = 0, confidence: bool = False) -> Path:
    """A small decision table of `run` in `study` on the dataset with checksum `sha`; with
    `confidence`, its p_true and margin columns too."""
    rng = np.random.default_rng(len(run))
    labels = rng.integers(0, 3, IMAGES)
    path = folder / f"{run}.parquet"
    image_ids = np.arange(IMAGES) + shift
    made = (confident_table(rng.normal(0, 2, (2, IMAGES, 3)), labels, image_ids) if confidence
            else decisions.from_predictions(rng.integers(0, 3, (2, IMAGES)), labels,
                                            image_ids=image_ids))
    decisions.write(path, made, {"run": run, "study": study, "dataset_sha256": sha,
                                 "dataset": "d", "condition": run.split("-")[0],
                                 "instance": int(run[-1]), "architecture": "none"})
    return path


def config(edit: Callable[[dict], object]) -> dict:
    """The tiny test config after `edit`, resolved by the plan."""
    edited = copy.deepcopy(TINY)
    edit(edited)
    return plan.load(edited)


# --- config ---------------------------------------------------------------------------

@case(r"recipe.*'lr_sclae'", r"'lr_scale'")
def config_key_typo(folder):
    config(lambda c: c["studies"]["tiny"]["recipe"].update(lr_sclae=1.0))


@case(r"recipe.epochs", r"not of type 'integer'")
def config_wrong_type(folder):
    config(lambda c: c["studies"]["tiny"]["recipe"].update(epochs="ten"))


@case(r"recipe.lr_milestones: \[9\]", r"beyond the run's \d+ epochs")
def lr_milestones_beyond_epochs(folder):
    config(lambda c: c["studies"]["tiny"]["recipe"].update(lr_milestones=[9]))


@case(r"condition 'learning_rate': shortcut: true", r"configure .*dataset.shortcut")
def shortcut_run_without_a_planted_cue(folder):
    config(lambda c: c["studies"]["tiny"]["conditions"]["learning_rate"]["changes"].update(
        shortcut=True))


@case(r"dataset.shortcut: a 9-pixel patch", r"lower size or margin")
def shortcut_patch_larger_than_the_images(folder):
    spec = {"kind": "gaussian", "classes": 2, "image_size": 8, "train_per_class": 2,
            "test_per_class": 1, "sigma_min": 1, "sigma_step": 1, "seed": 0,
            "shortcut": {"class": 0, "share": 0.5, "other_share": 0.0, "size": 9,
                         "value": 255, "margin": 0, "seed": 0, "conflict_per_class": 1}}
    prepare.prepare(spec, folder / "dataset.npz", folder / "manifest.json")


@case(r"bad.yaml, line 3, column 1", r"spaces, never tabs")
def config_yaml_tab(folder):
    (folder / "bad.yaml").write_text("studies:\n  a:\n\tdataset: {kind: gaussian}\n")
    yamlfile.read_config(folder / "bad.yaml")


@case(r"bad.yaml, line 2, column 11", r"the line reads")
def config_yaml_syntax(folder):
    (folder / "bad.yaml").write_text("studies:\n  a: {b: 1]\n")
    yamlfile.read_config(folder / "bad.yaml")


@case(r"studies.tiny, condition 'base', instance 1, recipe.batch_size: 500 is larger than "
      r"the run's 400 training images", r"lower batch_size, or set batch_exceeds_data: true")
def batch_larger_than_training_set(folder):
    config(lambda c: c["studies"]["tiny"]["recipe"].update(batch_size=500))


@case(r"studies.tiny, condition 'disjoint_data', instance 1, recipe.batch_size: 300 .* "
      r"200 training images", r"batch_exceeds_data")
def batch_larger_than_a_conditions_half(folder):
    config(lambda c: c["studies"]["tiny"]["recipe"].update(batch_size=300))


@case(r"studies.tiny.confusion, repeat 1, recipe.batch_size: 100 .* 80 training images",
      r"batch_exceeds_data")
def batch_larger_than_confusion_training_set(folder):
    config(lambda c: c["studies"]["tiny"]["confusion"]["recipe"].update(batch_size=100))


@case(r"studies.tiny.scaling, grid point train_per_class 2, epochs 2, instance 1, "
      r"recipe.batch_size: 50 .* 20 "
      r"training images", r"batch_exceeds_data")
def batch_larger_than_a_scaling_point(folder):
    config(lambda c: c["studies"]["tiny"].update(
        scaling={"train_per_class": [2, 40], "epochs": [2]}))


@case(r"study 'tiny' gives both image_flags and label_errors", r"remove one of them")
def flags_and_label_errors_both(folder):
    config(lambda c: c["studies"]["tiny"].update(image_flags={"path": "f.csv"}))


# --- datasets -------------------------------------------------------------------------

@case(r"nowhere", r"dataset.path")
def cifar_copy_missing(folder):
    cifar.load(folder / "nowhere", "cifar100")


@case(r"nowhere", r"image-net.org")
def imagenet_copy_missing(folder):
    imagenet.build_index(folder / "nowhere", "val")


@case(r"LOC_val_solution.csv", r"save it as UTF-8")
def imagenet_ground_truth_latin1(folder):
    (folder / "LOC_val_solution.csv").write_bytes("ImageId,PredictionString\nä,n0\n"
                                                  .encode("latin-1"))
    imagenet.read_ground_truth(folder / "LOC_val_solution.csv")


def damaged_copy(dataset, folder: Path) -> tuple[Path, Path]:  # noqa: F811
    data = folder / "dataset.npz"
    raw = bytearray(Path(dataset[0]).read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    return data, Path(dataset[1])


@case(r"dataset.npz does not match the checksum", REBUILD + r".*dataset.npz")
def damaged_dataset_in_train(folder, dataset):  # noqa: F811
    train_run(RECIPE, *damaged_copy(dataset, folder), FIELDS | {"run": "base-1"}, CPU,
              folder / "base-1.ckpt", eval_batch_size=50)


@case(r"base-1.ckpt was written under precision bf16",
      r"train.precision: bf16 .*, or delete .*base-1.ckpt", checkpoints.CheckpointError)
def checkpoint_of_another_precision(folder, dataset):  # noqa: F811
    run = (RECIPE, *dataset, FIELDS | {"run": "base-1"}, CPU, folder / "base-1.ckpt", 50)
    train_run(*run, precision="bf16")  # leaves its last checkpoint, as a killed job would
    train_run(*run, precision="fp32")


@case(r"dataset.npz does not match the checksum", REBUILD + r".*dataset.npz")
def damaged_dataset_in_features(folder, dataset, trained):  # noqa: F811
    capture.run_features(RECIPE, *damaged_copy(dataset, folder),
                         trained["base-1"].with_suffix(".pt"),
                         trained["base-1"].with_suffix(".parquet"), capture.OUTPUT, 8, 0,
                         CPU, 50)


@case(r"corrupt image .*n01/a.JPEG", REBUILD + r"results/<study>/data/dataset.npz")
def imagenet_image_corrupt(folder):
    (folder / "n01").mkdir()
    (folder / "n01/a.JPEG").write_bytes(b"\xff\xd8 not a JPEG")
    index = imagenet.FileIndex(str(folder), np.array(["n01/a.JPEG"]), np.zeros(1, np.int16))
    imagenet.ImageFiles(index)[0]


@case(r"base-1.pt: cannot load it", REBUILD + r".*base-1.pt")
def model_file_damaged(folder):
    (folder / "base-1.pt").write_bytes(b"not a state dict")
    capture.load_model(folder / "base-1.pt", "tiny_resnet", 4, 8, CPU)


@case(r"checkpoint .*weights.pth is not a PyTorch weights file", r"state_dict\(\)")
def pretrained_checkpoint_not_weights(folder):
    (folder / "weights.pth").write_bytes(b"<html>404 Not Found</html>")
    pretrained._state_dict(folder / "weights.pth")


# --- decision tables ------------------------------------------------------------------

@case(r"lr-1.parquet belongs to another run.*run 'base-1'", REBUILD + r".*lr-1.parquet")
def table_copied_over_another_run(folder):
    table(folder).replace(folder / "lr-1.parquet")
    collect.final_epoch({"lr-1": folder / "lr-1.parquet"}, "s", "abc")


@case(r"base-1.parquet .*study 'other'", REBUILD)
def table_of_another_study(folder):
    collect.final_epoch({"base-1": table(folder, study="other")}, "s", "abc")


@case(r"base-1.parquet .*dataset_sha256 'old'", REBUILD)
def table_of_another_dataset(folder):
    collect.final_epoch({"base-1": table(folder, sha="old")}, "s", "abc")


@case(r"lr-1.parquet and .*base-1.parquet differ in their images", REBUILD)
def tables_with_shifted_image_ids(folder):
    collect.final_epoch({"base-1": table(folder), "lr-1": table(folder, "lr-1", shift=1)},
                            "s", "abc")


@case(r"base-1.parquet does not hold the evaluation images of .*dataset.npz",
      REBUILD + r".*base-1.parquet")
def table_with_shifted_ids_in_features(folder, dataset, trained):  # noqa: F811
    source = trained["base-1"].with_suffix(".parquet")
    final = decisions.read(source, epoch=-1)
    shifted = decisions.from_predictions(final["prediction"].to_numpy()[None],
                                         final["label"].to_numpy(),
                                         image_ids=final["image_id"].to_numpy() + 1)
    decisions.write(folder / "base-1.parquet", shifted, decisions.read_metadata(source))
    capture.run_features(RECIPE, *dataset, trained["base-1"].with_suffix(".pt"),
                         folder / "base-1.parquet", capture.OUTPUT, 8, 0, CPU, 50)


@case(r"base-1.parquet", REBUILD + r".*base-1.parquet")
def table_column_name_byte_flipped(folder):
    path = table(folder)
    raw = path.read_bytes().replace(b"correct", b"\xe3orrect")  # no longer UTF-8
    path.write_bytes(raw)
    decisions.read(path)


def rewritten(path: Path, edit: Callable[[dict, pa.Table], pa.Table]) -> Path:
    """The table at `path` rewritten with edited metadata (given a valid digest) and
    columns, as another version of the workflow might write it."""
    parquet = pq.read_table(path)
    meta = json.loads(parquet.schema.metadata[decisions.METADATA_KEY])
    parquet = edit(meta, parquet.replace_schema_metadata(None))
    text = json.dumps(meta, sort_keys=True).encode()
    pq.write_table(parquet.replace_schema_metadata(
        {decisions.METADATA_KEY: text,
         decisions.DIGEST_KEY: hashlib.sha256(text).hexdigest()}), path)
    return path


def newer(meta: dict, columns: pa.Table) -> pa.Table:
    """A table of the next schema version, with a column this version does not know."""
    meta["schema_version"] = decisions.SCHEMA_VERSION + 1
    return columns.append_column("confidence", pa.array(np.ones(columns.num_rows)))


@case(r"base-1.parquet was written by a newer ddd-workflow", r"upgrade ddd-workflow",
      decisions.NewerSchemaError)
def table_of_a_newer_schema(folder):
    decisions.read(rewritten(table(folder), newer))


@case(r"base-1.parquet was written by a newer ddd-workflow", r"upgrade ddd-workflow",
      decisions.NewerSchemaError)
def table_of_a_newer_schema_collected(folder):
    collect.final_epoch({"base-1": rewritten(table(folder), newer)}, "s", "abc")


@case(r"base-1.parquet is not a readable Parquet file", REBUILD)
def table_not_parquet(folder):
    (folder / "base-1.parquet").write_bytes(b"PAR1 garbage")
    decisions.read(folder / "base-1.parquet")


@case(r"decision table .*base-1.parquet does not exist", r"")
def table_missing(folder):
    decisions.read(folder / "base-1.parquet")


@case(r"[ab]-1.parquet and .*[ab]-1.parquet hold different RSA images", REBUILD)
def features_of_different_images(folder, dataset, trained):  # noqa: F811
    for run, seed in (("a-1", 0), ("b-1", 1)):
        found = capture.run_features(RECIPE, *dataset, trained["base-1"].with_suffix(".pt"),
                                     trained["base-1"].with_suffix(".parquet"),
                                     capture.OUTPUT, 8, seed, CPU, 50)
        features.save(folder / f"{run}.parquet", found)
    rsa.load_activations({run: folder / f"{run}.parquet" for run in ("a-1", "b-1")})


@case(r"model .*base-2.pt decides \d+ of \d+ images otherwise than .*base-1.parquet",
      REBUILD + r".*base-1.parquet")
def features_of_another_runs_model(folder, dataset, trained):  # noqa: F811
    capture.run_features(RECIPE, *dataset, trained["base-2"].with_suffix(".pt"),
                         trained["base-1"].with_suffix(".parquet"), capture.OUTPUT, 8, 0,
                         CPU, 50)


# --- per-image flags and label-error lists ---------------------------------------------

@case(r"image_flags file .*flgas.csv does not exist", r"fix image_flags.path")
def flags_path_typo(folder):
    flags.check_file(folder / "flgas.csv", "flagged", "image_flags")


@case(r"flags.txt, line 1: 'image_id,flagged'", r"suffix .csv")
def flags_csv_named_txt(folder):
    (folder / "flags.txt").write_text("image_id,flagged\n0,1\n")
    flags.check_file(folder / "flags.txt", "flagged", "image_flags")


@case(r"flags.tsv: unknown suffix '.tsv' under image_flags", r"rename the file")
def flags_unknown_suffix(folder):
    (folder / "flags.tsv").write_text("0\n")
    flags.check_file(folder / "flags.tsv", "flagged", "image_flags")


@case(r"flags.parquet: lacks columns \['flagged'\]", r"image_flags.column")
def flags_table_without_its_column(folder):
    pd.DataFrame({"image_id": [0], "flaged": [True]}).to_parquet(folder / "flags.parquet")
    flags.check_file(folder / "flags.parquet", "flagged", "image_flags")


@case(r"flags.csv: lacks columns \['flaged'\]", r"image_flags.column")
def flags_csv_column_typo(folder):
    (folder / "flags.csv").write_text("image_id,flagged\n0,1\n")
    flags.check_file(folder / "flags.csv", "flaged", "image_flags")


@case(r"flags.json: not valid JSON", r"list of image ids")
def flags_json_broken(folder):
    (folder / "flags.json").write_text("[1, 2,")
    flags.check_file(folder / "flags.json", "flagged", "image_flags")


@case(r"errors.npy: not a NumPy array file", r"numpy.save")
def label_errors_binary_garbage(folder):
    (folder / "errors.npy").write_bytes(os.urandom(64))
    label_errors.read_known(folder / "errors.npy", np.arange(IMAGES))


@case(r"errors.txt: not UTF-8 text", r"save it as UTF-8")
def label_errors_latin1(folder):
    (folder / "errors.txt").write_bytes("# Fehler \xe4\n3\n".encode("latin-1"))
    label_errors.read_known(folder / "errors.txt", np.arange(IMAGES))


@case(r"errors.npy: .*image ids or a mask\?", r"format: ids or format: mask under "
      r"label_errors")
def label_errors_ambiguous_zero_one_list(folder):
    np.save(folder / "errors.npy", np.arange(IMAGES) % 2)
    label_errors.read_known(folder / "errors.npy", np.arange(IMAGES))


# --- answer files of the human experiment ---------------------------------------------

PAIRS = pd.DataFrame({"pair": [0], "trivial_id": [1], "impossible_id": [2]})


@case(r"s1.csv: not UTF-8 text", r"save it as UTF-8", ResponseError)
def answers_latin1(folder):
    (folder / "s1.csv").write_bytes((",".join(CSV_COLUMNS) + "\nJürgen,1,2,1,left,1,900\n")
                                    .encode("latin-1"))
    scoring.read_all([folder / "s1.csv"], PAIRS)


@case(r"s1.csv:1: the header lacks rt_ms", r"expected subject,trial", ResponseError)
def answers_header_lacks_a_column(folder):
    (folder / "s1.csv").write_text(",".join(CSV_COLUMNS[:-1]) + "\na,1,2,1,left,1\n")
    scoring.read_all([folder / "s1.csv"], PAIRS)


# --- the working directory ------------------------------------------------------------

# --- acceptable labels ----------------------------------------------------------------

def read_acceptable(path: Path, format: str = "table") -> object:
    """Read an acceptable-labels file for a study of IMAGES images and 3 classes."""
    return acceptable.read(path, format, np.arange(IMAGES), np.zeros(IMAGES, int), 3)


@case(r"real.json: 11 entries for a study of 12 evaluation images",
      r"use the file of this evaluation set")
def acceptable_real_json_wrong_length(folder):
    (folder / "real.json").write_text("[[0]" + ", [1]" * 10 + "]")
    read_acceptable(folder / "real.json", "real_json")


@case(r"real.json: not valid JSON", r"list of label lists")
def acceptable_real_json_broken(folder):
    (folder / "real.json").write_text("[[0], [1")
    read_acceptable(folder / "real.json", "real_json")


@case(r"acc.csv: label 7 is outside the study's 3 classes", r"use the file of this dataset")
def acceptable_label_outside_classes(folder):
    (folder / "acc.csv").write_text("image_id,label\n0,1\n1,7\n")
    read_acceptable(folder / "acc.csv")


@case(r"acc.csv: 1 image ids are not evaluation images of the study \(e.g. \[40\]",
      r"use the file of this study's evaluation set")
def acceptable_ids_not_in_study(folder):
    (folder / "acc.csv").write_text("image_id,label\n0,1\n40,2\n")
    read_acceptable(folder / "acc.csv")


@case(r"acc.csv: lacks columns \['label'\]", r"one image_id,label row")
def acceptable_table_lacks_label(folder):
    (folder / "acc.csv").write_text("image_id,answer\n0,1\n")
    read_acceptable(folder / "acc.csv")


@case(r"acc.csv: row 2 .* is not an integer image id and label", r"give class indices")
def acceptable_label_name_not_index(folder):
    (folder / "acc.csv").write_text("image_id,label\n0,1\n1,Shirt\n")
    read_acceptable(folder / "acc.csv")


@case(r"real.json: no evaluation image has an acceptable label",
      r"give each image its acceptable labels")
def acceptable_every_set_empty(folder):
    (folder / "real.json").write_text("[" + ", ".join(["[]"] * IMAGES) + "]")
    read_acceptable(folder / "real.json", "real_json")


@case(r"bad.csv:2: candidate 9 is not shown with item 1",
      r"score the files of this study's review page", ResponseError)
def review_answer_of_an_unshown_candidate(folder):
    manifest = {"items": [{"item": 1, "image_id": 4, "label": 0,
                           "candidates": [{"class": 0}, {"class": 2}]}]}
    (folder / "bad.csv").write_text("reviewer,item,image_id,candidate,acceptable\n"
                                    "r,1,4,9,1\nr,1,4,0,1\nr,1,4,2,0\n")
    review_scoring.read_all([folder / "bad.csv"], manifest)


@case(r"acceptable_labels source timm: the timm package is not installed",
      r"pip install timm")
def acceptable_timm_absent(folder, monkeypatch):
    monkeypatch.setattr(acceptable.importlib.util, "find_spec", lambda name: None)
    plan.load({"studies": {"i": {"dataset": {"kind": "imagenet", "path": str(folder)},
                                 "pretrained": {"resnet18": {}, "resnet50": {}},
                                 "base_condition": "resnet18",
                                 "acceptable_labels": {"source": "timm"}}},
               "analysis": {"histogram_runs": "all", "difficulty": {"shares_all_but": 0}}})


@case(r"studies.m.acceptable_labels: the given runs hold correctness only",
      r"give files with label and prediction columns")
def acceptable_labels_of_correctness_only_runs(folder, monkeypatch):
    monkeypatch.chdir(folder)
    np.save("correct.npy", np.eye(3, 12, dtype=bool))
    plan.load({"studies": {"m": {"given": {"matrix": "correct.npy",
                                           "run_names": ["a", "b", "c"]},
                                 "base_condition": "a",
                                 "acceptable_labels": {"path": "acc.csv",
                                                       "format": "table"}}},
               "analysis": {"histogram_runs": "all"}})


@case(r"acceptable labels file .*acc.csv does not exist", r"fix acceptable_labels.path")
def acceptable_file_missing(folder):
    plan.check_files(config(lambda c: c["studies"]["tiny"].update(
        acceptable_labels={"path": str(folder / "acc.csv"), "format": "table"})))


def read_only(folder: Path, monkeypatch) -> None:
    """`folder` unwritable, for root too (who may write anywhere): os.access says no."""
    folder.chmod(0o555)
    real = os.access
    monkeypatch.setattr(os, "access", lambda path, mode: (
        False if Path(path).resolve() == folder.resolve() else real(path, mode)))


@case(r"logs/s is not writable", r"chmod -R u\+w .*logs/s", PermissionError)
def logs_folder_read_only(folder, monkeypatch):
    (folder / "logs/s").mkdir(parents=True)
    read_only(folder / "logs/s", monkeypatch)
    workdir.check_writable(folder)


@case(r"wd is not writable", r"snakemake --directory", PermissionError)
def working_directory_read_only(folder, monkeypatch):
    (folder / "wd").mkdir()
    read_only(folder / "wd", monkeypatch)
    workdir.check_writable(folder / "wd")


@pytest.mark.parametrize("name", CASES)
def test_bad_input_is_named_with_its_fix(name, tmp_path, request):
    bad = CASES[name]
    folder = tmp_path / "case"
    folder.mkdir()
    fixtures = list(inspect.signature(bad.act).parameters)[1:]
    with pytest.raises(bad.error) as raised:
        bad.act(folder, *(request.getfixturevalue(name) for name in fixtures))
    message = str(raised.value)
    assert re.search(bad.names, message), message
    assert re.search(bad.fix, message), message
    assert not list(folder.rglob(".*.tmp")), "a half-written file was left behind"


@pytest.mark.parametrize("confidence", [False, True])
def test_every_flipped_byte_of_a_decision_table_is_an_error_or_changes_nothing(tmp_path,
                                                                              confidence):
    path = table(tmp_path, confidence=confidence)
    good, meta = decisions.read(path), decisions.read_metadata(path)
    final = decisions.read(path, epoch=-1)
    raw = path.read_bytes()
    damaged = tmp_path / "damaged.parquet"
    caught = 0
    for i in range(len(raw)):
        damaged.write_bytes(raw[:i] + bytes([raw[i] ^ 0x01]) + raw[i + 1:])
        try:
            same = (decisions.read_metadata(damaged) == meta
                    and decisions.read(damaged).equals(good)
                    and decisions.read(damaged, epoch=-1).equals(final))
        except decisions.DecisionTableError as err:
            assert str(damaged) in str(err) and REBUILD.strip() in str(err), err
            caught += 1
            continue
        assert same, f"flipping byte {i} changed what the table says"
    assert caught > len(raw) // 2


def test_newer_schema_is_never_called_damage_nor_overwritten(tmp_path):
    path = rewritten(table(tmp_path), newer)
    before = path.read_bytes()
    for reader in (decisions.read, decisions.read_metadata):
        with pytest.raises(decisions.NewerSchemaError) as raised:
            reader(path)
        assert "--force" not in str(raised.value) and "not damaged" in str(raised.value)
    assert path.read_bytes() == before


def test_older_schema_is_read(tmp_path):
    path = table(tmp_path)
    current = decisions.read(path)

    def older(meta: dict, columns: pa.Table) -> pa.Table:
        del meta["schema_version"]  # as written before versions were recorded
        return columns

    rewritten(path, older)
    assert "schema_version" not in decisions.read_metadata(path)
    pd.testing.assert_frame_equal(decisions.read(path), current)


@pytest.mark.parametrize("version", ["2", 0, True, 1.5])
def test_version_that_is_no_version_number_is_damage(tmp_path, version):
    path = rewritten(table(tmp_path), lambda meta, columns: (
        meta.update(schema_version=version), columns)[1])
    with pytest.raises(decisions.DecisionTableError, match="metadata is damaged") as raised:
        decisions.read(path)
    assert not isinstance(raised.value, decisions.NewerSchemaError)
    assert REBUILD + str(path) in str(raised.value)


def test_answer_file_with_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "s1.csv"
    path.write_bytes((",".join(CSV_COLUMNS) + "\r\nann,1,2,1,left,1,900\r\n")
                     .encode("utf-8-sig"))  # as Excel writes "CSV UTF-8"
    answers, problems = scoring.read_responses(path, PAIRS)
    assert problems == [] and answers["subject"].tolist() == ["ann"]


def test_features_of_a_nondeterministic_run_only_warn(dataset, trained, caplog):  # noqa: F811
    recipe = Recipe(**{**RECIPE.as_dict(), "deterministic": False})
    with caplog.at_level("WARNING", "ddd"):
        capture.run_features(recipe, *dataset, trained["base-2"].with_suffix(".pt"),
                             trained["base-1"].with_suffix(".parquet"), capture.OUTPUT, 8, 0,
                             CPU, 50)
    assert "not reproduced exactly" in caplog.text


# --- when Snakemake builds the DAG ----------------------------------------------------

def dry_run(folder: Path, edit: Callable[[dict], object]) -> str:
    config_ = copy.deepcopy(TINY)
    edit(config_)
    (folder / "known_label_errors.txt").write_text("3\n")
    out = snakemake(folder, config_, "--dry-run")
    assert out.returncode != 0, out.stdout
    return out.stdout + out.stderr


def retarget_flags(config_: dict, path: str) -> None:
    study = config_["studies"]["tiny_b"]
    del study["label_errors"]
    study["image_flags"] = {"path": path, "column": "flagged"}


@pytest.mark.workflow
def test_flags_path_typo_stops_the_dag_naming_file_and_key(tmp_path):
    text = dry_run(tmp_path, lambda c: retarget_flags(c, "flgas.parquet"))
    assert "image_flags file flgas.parquet does not exist" in text
    assert "fix image_flags.path" in text


@pytest.mark.workflow
def test_embedded_config_with_a_tab_names_its_line(tmp_path):
    lines = (ROOT / "config.yaml").read_text().splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith("  "))
    lines[number] = "\t" + lines[number][2:]
    (tmp_path / "config.yaml").write_text("\n".join(lines) + "\n")
    out = snakemake_embedded(tmp_path)
    assert out.returncode != 0
    assert f"config.yaml, line {number + 1}, column 1" in out.stdout + out.stderr
    assert "never tabs" in out.stdout + out.stderr


def snakemake_embedded(folder: Path) -> subprocess.CompletedProcess:
    """A dry run on the embedded config.yaml of `folder` (no --configfile)."""
    return subprocess.run([sys.executable, "-m", "snakemake", "--snakefile",
                           str(ROOT / "Snakefile"), "--directory", str(folder), "--dry-run"],
                          capture_output=True, text=True, timeout=300)

