import json
import os
import re
import subprocess
import sys
import tomllib
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from ddd import cli, collect, decisions
from ddd.analysis import datamaps, difficulty, tabulate
from tests.conftest import confident_table, write_run
from tests.fakes import mvh_folder

ROOT = Path(__file__).resolve().parents[1]


def _runs(tmp_path, rng, n_runs=4, n_images=120):
    """Decision tables as the workflow writes them, and the same decisions as plain CSVs."""
    labels = rng.integers(0, 5, n_images)
    easy = rng.random(n_images)
    tables, plain = {}, []
    for r in range(n_runs):
        pred = np.where(rng.random((2, n_images)) < easy, labels, (labels + 1) % 5)
        run = f"net-{r}"
        tables[run] = write_run(tmp_path / f"{run}.parquet", pred, labels, run, "net", r)
        plain.append(tmp_path / f"{run}.csv")
        pd.DataFrame({"image_id": np.arange(n_images), "label": labels,
                      "prediction": pred[-1]}).to_csv(plain[-1], index=False)
    return tables, plain


def _run(capsys, *argv):
    assert cli.main([str(a) for a in argv]) == 0
    return capsys.readouterr().out


def test_entry_point_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["scripts"]["ddd"] == "ddd.cli:main"


def test_kappa_equals_the_workflow_kappa_rule(tmp_path, rng, capsys):
    tables, plain = _runs(tmp_path, rng)
    runs, correct = collect.final_epoch(tables)  # as the workflow's kappa rule reads them
    expected = tabulate.kappa_pairs(collect.matrix(correct, list(tables)), list(tables),
                                    "all", 200, 3, 0.9)
    for files in (list(tables.values()), plain):
        out = _run(capsys, "kappa", *files, "--format", "csv", "--bootstrap", 200, "--seed", 3,
                   "--level", 0.9)
        pd.testing.assert_frame_equal(pd.read_csv(StringIO(out)), expected, check_dtype=False,
                                      rtol=1e-12)
    table = _run(capsys, "kappa", *plain, "--bootstrap", 0)
    assert table.split("\n")[0].split() == list(expected.columns)
    assert len(table.strip().split("\n")) == 1 + 6  # header and 4 choose 2 pairs


def test_unbiased_kappa_in_json(tmp_path, rng, capsys):
    tables, plain = _runs(tmp_path, rng)
    matrix = collect.matrix(collect.final_epoch(tables)[1], list(tables))
    expected = tabulate.kappa_pairs(matrix, list(tables), "all", 0, unbiased=True)
    out = json.loads(_run(capsys, "kappa", *plain, "--unbiased", "--bootstrap", 0,
                          "--format", "json"))
    np.testing.assert_allclose([row["kappa"] for row in out], expected["kappa"], rtol=1e-12)
    assert all(row["ci_low"] is None for row in out)


def test_difficulty_equals_difficulty_tables(tmp_path, rng, capsys):
    _, plain = _runs(tmp_path, rng, n_runs=5)
    matrix = np.stack([pd.read_csv(p).eval("label == prediction").to_numpy() for p in plain])
    wide = pd.DataFrame(matrix.T, columns=[f"r{i}" for i in range(len(matrix))]).assign(label=0)
    images = difficulty.image_table(wide, [f"r{i}" for i in range(len(matrix))])
    histogram, shares = tabulate.difficulty_tables(images, matrix.mean(axis=1), 1)
    out = json.loads(_run(capsys, "difficulty", *plain, "--format", "json"))
    pd.testing.assert_frame_equal(pd.DataFrame(out["histogram"]).drop(columns="subset"),
                                  histogram, check_dtype=False, rtol=1e-12)
    pd.testing.assert_frame_equal(pd.DataFrame(out["shares"]).drop(columns="subset"), shares,
                                  check_dtype=False, rtol=1e-12)
    text = _run(capsys, "difficulty", *plain, "--shares-all-but", 0)
    assert text.startswith("histogram\n") and "\nshares\n" in text and "in_between" in text
    csv = _run(capsys, "difficulty", *plain, "--format", "csv")
    assert csv.startswith("# histogram\nsubset,n_correct,images,observed,binomial")


def test_matrix_and_model_vs_human_folder(tmp_path, capsys):
    correct = np.array([[1, 1, 0, 0, 1], [1, 0, 0, 1, 1], [1, 1, 0, 1, 0]], bool)
    np.save(tmp_path / "m.npy", correct)
    (tmp_path / "m.txt").write_text("a\nb\nc\n")
    out = pd.read_csv(StringIO(_run(capsys, "kappa", tmp_path / "m.npy", "--format", "csv",
                                    "--bootstrap", 0)))
    expected = tabulate.kappa_pairs(correct, ["a", "b", "c"], "all")
    np.testing.assert_allclose(out["kappa"], expected["kappa"])
    folder = mvh_folder(tmp_path)
    out = pd.read_csv(StringIO(_run(capsys, "kappa", folder, "--format", "csv",
                                    "--bootstrap", 0)))
    assert out["subset"].tolist() == ["cr"] * 3 + ["bw"] * 3  # one analysis per condition
    out = pd.read_csv(StringIO(_run(capsys, "kappa", folder, "--condition", "bw",
                                    "--format", "csv", "--bootstrap", 0)))
    assert out["subset"].unique().tolist() == ["bw"]
    assert out[["run_a", "run_b"]].values.tolist() == [["resnet50", "subject-01"],
                                                       ["resnet50", "subject-02"],
                                                       ["subject-01", "subject-02"]]


def test_python_m_reports_bad_input_and_fails(tmp_path):
    (tmp_path / "a.csv").write_text("image_id,correct\n1,1\n2,4\n")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'workflow'}{os.pathsep}{ROOT}"}
    done = subprocess.run([sys.executable, "-m", "ddd.cli", "kappa", str(tmp_path / "a.csv")],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1
    assert done.stderr.startswith("ddd kappa: error: ")
    assert "a.csv: column correct must be true/false or 0/1" in done.stderr


@pytest.mark.parametrize(("argv", "message"), [
    (["kappa", "m.npy", "a.csv"], "is a correctness matrix; give it alone"),
    (["kappa", "a.csv", "--condition", "x"], "a condition selects a level"),
    (["kappa", "none.csv"], "decisions file .*none.csv does not exist"),
])
def test_bad_combinations_are_refused(tmp_path, capsys, argv, message):
    np.save(tmp_path / "m.npy", np.ones((2, 2), bool))
    (tmp_path / "a.csv").write_text("image_id,correct\n1,1\n2,0\n")
    argv = [str(tmp_path / a) if "." in a else a for a in argv]
    assert cli.main(argv) == 1
    assert re.search(message, capsys.readouterr().err)


def test_check_lists_a_valid_configs_runs_and_names_a_yaml_errors_line(tmp_path, capsys):
    root = Path(__file__).resolve().parents[1]
    out = _run(capsys, "check", root / "config.yaml")
    assert "config.yaml: valid" in out and "  gaussian: 24" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("studies:\n  a:\n\tdataset: {kind: gaussian}\n")
    assert cli.main(["check", str(bad)]) == 1
    assert "bad.yaml, line 3, column 1" in capsys.readouterr().err


def _edited_default(edit) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    edit(config["studies"]["gaussian"])
    return config


@pytest.mark.parametrize("edit, message", [
    (lambda s: s["conditions"].update(seeds={"instances": 3,
                                             "changes": {"init_seed": [1, 2]}}),
     r"studies.gaussian, condition 'seeds': change 'init_seed' lists 2 values"),
    (lambda s: s["recipe"].update(epochs=0), r"recipe.epochs: 0 is less than the minimum"),
    (lambda s: (s.clear(), s.update(given={"runs": ["missing.csv"]}, base_condition="m")),
     r"studies.gaussian.given: .*missing.csv does not exist"),
    (lambda s: s.update(conditions={"base": {"instances": 2}}),
     r"gives the difficulty histogram 1 runs"),
], ids=["instances", "value", "given-file", "histogram"])
def test_check_prints_every_config_error_without_a_traceback(tmp_path, capsys, edit, message):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(_edited_default(edit)))
    assert cli.main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ddd check: error: ") and re.search(message, err), err
    assert "Traceback" not in err


def test_difficulty_options_mean_the_config_keys(tmp_path, rng, capsys):
    _, plain = _runs(tmp_path, rng, n_runs=5)
    matrix = np.stack([pd.read_csv(p).eval("label == prediction").to_numpy() for p in plain])
    runs = [f"r{i}" for i in range(len(matrix))]
    wide = pd.DataFrame(matrix.T, columns=runs).assign(label=0)
    images = difficulty.image_table(wide, runs, tolerance=1)  # analysis.difficulty.tolerance
    _, shares = tabulate.difficulty_tables(images, matrix.mean(axis=1), 2)  # shares_all_but
    out = json.loads(_run(capsys, "difficulty", *plain, "--tolerance", 1,
                          "--shares-all-but", 2, "--format", "json"))
    pd.testing.assert_frame_equal(pd.DataFrame(out["shares"]).drop(columns="subset"), shares,
                                  check_dtype=False, rtol=1e-12)
    default = json.loads(_run(capsys, "difficulty", *plain, "--format", "json"))
    assert default["shares"] != out["shares"]  # the defaults are the schema's (0 and 1)


def test_datamap_equals_the_workflow_datamaps_rule(tmp_path, rng, capsys):
    labels = rng.integers(0, 4, 60)
    tables = {}
    for r in range(3):
        run = f"net-{r}"
        tables[run] = tmp_path / f"{run}.parquet"
        decisions.write(tables[run], confident_table(rng.normal(0, 2, (4, 60, 4)), labels),
                        {"run": run, "dataset": "d", "condition": "net", "instance": r,
                         "architecture": "none"})
    # as the workflow's image_table and datamaps rules compute them
    _, correct = collect.final_epoch(tables)
    images = difficulty.image_table(correct, list(tables), 0)
    maps = datamaps.with_categories(
        datamaps.read_maps(tables, list(tables), datamaps.Thresholds(0.4, 0.1)), images)
    out = json.loads(_run(capsys, "datamap", *tables.values(), "--format", "json",
                          "--confidence", 0.4, "--variability", 0.1))
    pd.testing.assert_frame_equal(pd.DataFrame(out["regions"]), datamaps.region_table(maps),
                                  check_dtype=False)
    pd.testing.assert_frame_equal(pd.DataFrame(out["auc"]),
                                  datamaps.auc_table(maps, list(tables)), check_dtype=False)
    per_image = pd.read_csv(StringIO(_run(capsys, "datamap", *tables.values(), "--images",
                                          "--format", "csv", "--confidence", 0.4,
                                          "--variability", 0.1)))
    pd.testing.assert_frame_equal(per_image, maps, check_dtype=False)


def test_datamap_of_tables_without_confidence_names_the_file(tmp_path, rng, capsys):
    tables, _ = _runs(tmp_path, rng, n_runs=2)
    assert cli.main(["datamap", *map(str, tables.values())]) == 1
    err = capsys.readouterr().err
    assert "net-0.parquet has no p_true and margin" in err and "train.confidence" in err
