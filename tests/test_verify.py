"""`ddd verify`: latent damage planted in a results folder, one case each. Every case is one
line naming the file and the command that rebuilds it (or, for a newer table, the upgrade),
a summary line and exit status 1; an intact folder passes and its verification is recorded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
import yaml

from ddd import cli, decisions, features, verify
from ddd.datasets import arrays, prepare, store
from ddd.train import checkpoints
from tests import fakes

pytestmark = pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")
TEST_IMAGES = 30
FORCERUN = r"snakemake --cores 1 --forcerun "
ROOT = Path(__file__).resolve().parents[1]


def table(path: Path, run: str, study: str, sha: str, seed: int, **meta: object) -> None:
    rng = np.random.default_rng(seed)
    labels = np.arange(TEST_IMAGES) % 3
    decisions.write(path, decisions.from_predictions(rng.integers(0, 3, (3, TEST_IMAGES)),
                                                     labels),
                    {"run": run, "study": study, "dataset_sha256": sha, "dataset": "d",
                     "condition": run.rsplit("-", 1)[0], "instance": 1,
                     "architecture": "none", **meta})


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    """A results folder as the workflow leaves it: study s (dataset, runs base-1 and lr-1
    with models and features, a reference, a confusion run, a checkpoint of an interrupted
    run) and study im (a file dataset with its image store)."""
    root = tmp_path_factory.mktemp("verified")
    study = root / "results/s"
    rng = np.random.default_rng(0)
    split = arrays.ImageArrays(rng.integers(0, 256, (TEST_IMAGES, 3, 4, 4), dtype=np.uint8),
                               (np.arange(TEST_IMAGES) % 3).astype(np.int16))
    arrays.save(study / "data/dataset.npz", study / "data/manifest.json",
                {"train": split, "test": split}, {"spec": {"kind": "test"}})
    sha = arrays.read_manifest(study / "data/manifest.json")["sha256"]
    for seed, run in enumerate(("base-1", "lr-1")):
        (study / "models").mkdir(exist_ok=True)
        torch.save({"weight": torch.randn(4, 4, generator=torch.Generator().manual_seed(seed))},
                   study / f"models/{run}.pt")
        table(study / f"decisions/{run}.parquet", run, "s", sha, seed,
              model_sha256=arrays.sha256(study / f"models/{run}.pt"))
        final = decisions.read(study / f"decisions/{run}.parquet", epoch=-1)
        features.save(study / f"features/{run}.npz", features.Features(
            final["image_id"].to_numpy(), final["label"].to_numpy(),
            rng.normal(size=(TEST_IMAGES, 3)), np.arange(5), rng.normal(size=(5, 8)), "x"))
    table(study / "references/ideal_observer.parquet", "ideal_observer-1", "s", sha, 5)
    table(study / "confusion/decisions/control/1.parquet", "confusion_control-1", "s", sha, 6)
    checkpoints.save(study / "checkpoints/nesterov-1.pt", {"epoch": 1, "w": torch.ones(3)})
    images = root / "results/im/data"
    images.mkdir(parents=True)
    prepare.prepare({"kind": "imagenet", "path": str(fakes.write_imagenet(root / "ilsvrc")),
                     "train_split": "train", "test_split": "val", "resize": 32, "crop": 24},
                    images / "dataset.npz", images / "manifest.json")
    store.build(images / "dataset.npz", images / "manifest.json", images / "store", 90, 2000)
    return root


@pytest.fixture
def folder(pristine, tmp_path, monkeypatch) -> Path:
    """A private copy of the pristine folder, as the working directory."""
    shutil.copytree(pristine, tmp_path / "wd", copy_function=shutil.copy2)
    monkeypatch.chdir(tmp_path / "wd")
    return tmp_path / "wd"


def keeping_mtime(path: Path, change: Callable[[bytes], bytes]) -> None:
    """Rewrite the file at `path` with changed bytes and its old timestamps."""
    stat = path.stat()
    path.write_bytes(change(path.read_bytes()))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def flip(offset: float) -> Callable[[bytes], bytes]:
    """Flip one bit of the byte at this fraction of the file."""
    def change(data: bytes) -> bytes:
        i = int(len(data) * offset)
        return data[:i] + bytes([data[i] ^ 0x10]) + data[i + 1:]
    return change


@dataclass(frozen=True)
class Plant:
    act: Callable[[Path], object]
    path: str  # the file the line must name
    problem: str  # what it must say (a regular expression)
    fix: str = ""  # the fix, when not the rebuild of the named file


PLANTS: dict[str, Plant] = {}


def plant(path: str, problem: str, fix: str = ""):
    def register(act: Callable[[Path], object]) -> Callable[[Path], object]:
        PLANTS[act.__name__] = Plant(act, path, problem, fix)
        return act
    return register


@plant("results/s/decisions/base-1.parquet", r"not a readable Parquet file")
def table_truncated_timestamp_kept(folder):
    keeping_mtime(folder / "results/s/decisions/base-1.parquet", lambda data: data[:-200])


@plant("results/s/decisions/base-1.parquet", r"belongs to another run.*run 'lr-1'")
def other_runs_table_copied_with_cp_p(folder):
    shutil.copy2(folder / "results/s/decisions/lr-1.parquet",
                 folder / "results/s/decisions/base-1.parquet")


@plant("results/s/decisions/lr-1.parquet", r"damaged|CRC|checksum")
def table_page_bit_flipped(folder):
    path = folder / "results/s/decisions/lr-1.parquet"
    chunk = pq.ParquetFile(path).metadata.row_group(0).column(3)  # prediction
    end = chunk.dictionary_page_offset + chunk.total_compressed_size - 2  # in its data page
    keeping_mtime(path, lambda data: data[:end] + bytes([data[end] ^ 0x10]) + data[end + 1:])


@plant("results/s/references/ideal_observer.parquet", r"dataset_sha256 'old'")
def reference_of_an_older_dataset(folder):
    table(folder / "results/s/references/ideal_observer.parquet", "ideal_observer-1", "s",
          "old", 5)


@plant("results/s/confusion/decisions/control/1.parquet", r"run 'confusion_5-6-1'")
def confusion_table_of_another_pair(folder):
    path = folder / "results/s/confusion/decisions/control/1.parquet"
    sha = decisions.read_metadata(path)["dataset_sha256"]
    table(path, "confusion_5-6-1", "s", sha, 6)


@plant("results/s/decisions/base-1.parquet", r"written by a newer ddd-workflow",
       r"keep it and upgrade ddd-workflow")
def table_of_a_newer_schema(folder):
    path = folder / "results/s/decisions/base-1.parquet"
    written = pq.read_table(path)
    meta = json.loads(written.schema.metadata[decisions.METADATA_KEY])
    text = json.dumps({**meta, "schema_version": decisions.SCHEMA_VERSION + 1}).encode()
    pq.write_table(written.replace_schema_metadata(
        {decisions.METADATA_KEY: text,
         decisions.DIGEST_KEY: hashlib.sha256(text).hexdigest()}), path)


@plant("results/s/data/dataset.npz", r"does not match the sha256 in .*manifest.json")
def dataset_bit_flipped_timestamp_kept(folder):
    keeping_mtime(folder / "results/s/data/dataset.npz", flip(0.6))


@plant("results/s/features/base-1.npz", r"fails its CRC|not a readable archive")
def features_bit_flipped(folder):
    def change(data: bytes) -> bytes:  # a logit (zip headers outside members may change)
        i = data.index(b"\x93NUMPY", data.index(b"logits.npy")) + 150
        return data[:i] + bytes([data[i] ^ 0x10]) + data[i + 1:]
    keeping_mtime(folder / "results/s/features/base-1.npz", change)


@plant("results/s/features/lr-1.npz", r"differ from its run's decision table")
def features_of_other_images(folder):
    found = features.load(folder / "results/s/features/lr-1.npz")
    features.save(folder / "results/s/features/lr-1.npz", features.Features(
        found.image_ids + 1, found.labels, found.logits, found.rsa_image_ids,
        found.activations, found.layer))


@plant("results/s/models/base-1.pt", r"not a readable archive")
def model_truncated(folder):
    keeping_mtime(folder / "results/s/models/base-1.pt", lambda data: data[:len(data) // 2])


@plant("results/s/models/lr-1.pt", r"is not the model its run's decision table .*lr-1.parquet "
                                   r"recorded")
def other_runs_model_copied_with_cp_p(folder):
    shutil.copy2(folder / "results/s/models/base-1.pt", folder / "results/s/models/lr-1.pt")


@plant("results/s/checkpoints/nesterov-1.pt", r"checksum mismatch",
       r"delete it \(training then starts that run over\): rm results/s/checkpoints/")
def checkpoint_bit_flipped(folder):
    keeping_mtime(folder / "results/s/checkpoints/nesterov-1.pt", flip(0.7))


@plant("results/im/data/store/train-000.bin", r"images fail their CRC32")
def store_shard_bit_flipped(folder):
    keeping_mtime(folder / "results/im/data/store/train-000.bin", flip(0.5))


@plant("results/im/data/store/test-000.bin", r"has \d+ bytes, the store's index records")
def store_shard_truncated(folder):
    keeping_mtime(folder / "results/im/data/store/test-000.bin", lambda data: data[:-1])


@plant("results/s/decisions/base-1.parquet", r"missing, though the workflow's targets need it")
def table_deleted(folder):
    (folder / "results/s/decisions/base-1.parquet").unlink()


@pytest.mark.parametrize("name", PLANTS)
def test_planted_damage_is_one_line_naming_file_and_fix(name, folder, capsys):
    bad = PLANTS[name]
    bad.act(folder)
    expected = folder / "expected.txt"
    expected.write_text("results/s/decisions/base-1.parquet\nresults/s/data/manifest.json\n")
    assert cli.main(["verify", "--expect", str(expected)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2, lines  # the problem and the summary
    assert lines[0].startswith(bad.path + ": "), lines[0]
    assert re.search(bad.problem, lines[0]), lines[0]
    fix = bad.fix or re.escape(f"rebuild: {FORCERUN}{bad.path}")
    assert re.search(fix, lines[0]), lines[0]
    if "upgrade" in bad.fix:
        assert "--force" not in lines[0]
    assert lines[1].endswith(": 1 problem"), lines[1]
    recorded = json.loads((folder / "results" / verify.RECORD).read_text())
    assert recorded["outcome"] == "1 problem"
    assert recorded["problems"][0]["path"] == bad.path


def test_intact_folder_passes_and_the_next_run_names_the_last(folder, capsys):
    assert cli.main(["verify"]) == 0
    first = capsys.readouterr().out.strip()
    assert re.fullmatch(r"ddd verify results: \d+ stored files reread in [\d.]+ s: no problems",
                        first), first
    checked = verify.verify("results").checked
    assert checked["decision tables"] == 4 and checked["image store shards"] >= 2
    assert checked["features"] == checked["models"] == 2 and checked["checkpoints"] == 1
    when = json.loads((folder / "results" / verify.RECORD).read_text())["when"]
    assert verify.last_line() == f"results last verified {when}: no problems"
    (folder / "results/s/decisions/lr-1.parquet").unlink()
    assert cli.main(["verify", "--format", "json",
                     "--expect", str(write_lines(folder / "e.txt", ["results/s/decisions/"
                                                                    "lr-1.parquet"]))]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["previous"] == {"when": when, "outcome": "no problems", "problems": 0}
    assert [p["path"] for p in report["problems"]] == ["results/s/decisions/lr-1.parquet"]
    assert report["problems"][0]["fix"] == f"rebuild: {FORCERUN}results/s/decisions/lr-1.parquet"


def test_a_results_folder_that_is_not_there_is_an_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["verify", "reslts"]) == 2
    assert "reslts is not a folder: give the results folder" in capsys.readouterr().err


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


CONFIG = {"studies": {"s": {
    "dataset": {"kind": "gaussian", "classes": 3, "image_size": 4, "train_per_class": 10,
                "test_per_class": 10, "sigma_min": 1, "sigma_step": 1, "seed": 0},
    "recipe": {"architecture": "tiny_resnet", "epochs": 2, "batch_size": 8, "lr": 0.1,
               "weight_decay": 0.0},
    "conditions": {"base": {}, "lr": {}, "nesterov": {}}}},
    "analysis": {"difficulty": {"shares_all_but": 0}}}


def test_commands_of_a_folder_elsewhere_name_its_directory_and_config(folder, tmp_path,
                                                                       monkeypatch, capsys):
    keeping_mtime(folder / "results/s/data/dataset.npz", flip(0.6))
    config = write_lines(tmp_path / "c.yaml", [json.dumps(CONFIG)])
    monkeypatch.chdir(tmp_path)
    assert cli.main(["verify", str(folder / "results"), "--configfile", str(config)]) == 1
    lines = capsys.readouterr().out.splitlines()
    line = next(line for line in lines if "dataset.npz: does not match" in line)
    assert line.endswith(f"rebuild: {FORCERUN.strip()} results/s/data/dataset.npz "
                         f"--configfile {config} --directory {folder}"), line


def test_a_configs_stored_files_that_are_missing_are_problems(folder, tmp_path, capsys):
    path = write_lines(tmp_path / "c.yaml", [json.dumps(CONFIG)])
    assert cli.main(["verify", "--configfile", str(path)]) == 1
    missing = sorted(line.split(":")[0] for line in capsys.readouterr().out.splitlines()[:-1])
    assert missing == ["results/s/decisions/nesterov-1.parquet",
                       "results/s/features/nesterov-1.npz",
                       "results/s/models/nesterov-1.pt"], missing


def test_given_file_changed_since_the_study_was_made(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_lines(tmp_path / "run.csv", ["image_id,correct", "1,1"])
    manifest = tmp_path / "results/g/data/manifest.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text(json.dumps({"kind": "given",
                                    "sha256": {"run.csv": arrays.sha256("run.csv")}}))
    assert cli.main(["verify"]) == 0
    write_lines(tmp_path / "run.csv", ["image_id,correct", "1,0"])
    assert cli.main(["verify"]) == 1
    line = capsys.readouterr().out.splitlines()[-2]
    assert line == ("results/g/data/manifest.json: the given file run.csv changed since the "
                    "study's decision tables were made from it; rebuild: "
                    f"{FORCERUN}results/g/data/manifest.json")


@pytest.mark.workflow
def test_snakemake_target_verify_names_what_the_targets_need(tmp_path):
    tiny = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())
    (tmp_path / "results").mkdir()
    write_lines(tmp_path / "known_label_errors.txt", ["3"])
    config = write_lines(tmp_path / "c.yaml", [json.dumps(tiny)])
    out = subprocess.run([sys.executable, "-m", "snakemake", "--snakefile",
                          str(ROOT / "Snakefile"), "--directory", str(tmp_path),
                          "--configfile", str(config), "--cores", "1", "verify"],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode != 0
    recorded = json.loads((tmp_path / "results" / verify.RECORD).read_text())
    missing = {p["path"] for p in recorded["problems"]}
    assert {"results/tiny/summary.txt", "results/tiny/decisions/base-1.parquet",
            "results/tiny/features/base-1.npz", "results/tiny/confusion/effects.csv",
            "results/tiny_b/experiment/index.html"} <= missing
    assert recorded["problems"][0]["fix"].endswith(f"--configfile {config}")
    assert re.search(r"results: \d+ stored files reread, \d+ needed files looked for in [\d.]+ s: "
                     r"\d+ problems", out.stdout)
