import json

import numpy as np
import pandas as pd
import pytest

from ddd import flags
from ddd.analysis import label_errors
from ddd.given import readers
from tests.conftest import write_run
from tests.fakes import mvh_folder

LABELS = np.array([0, 1, 2, 1, 0, 2])
PREDICTIONS = np.array([[0, 1, 2, 0, 0, 1], [0, 2, 2, 1, 1, 2], [1, 1, 2, 1, 0, 2]])


def _plain_tables(tmp_path, suffix=".csv"):
    paths = []
    for r, pred in enumerate(PREDICTIONS):
        frame = pd.DataFrame({"image_id": np.arange(6)[::-1], "label": LABELS[::-1],
                              "prediction": pred[::-1]})  # any row order
        path = tmp_path / f"net{r}{suffix}"
        frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
        paths.append(path)
    return paths


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_plain_pandas_tables_are_read(tmp_path, suffix):
    found = readers.read_runs(_plain_tables(tmp_path, suffix))
    assert found.runs == ["net0", "net1", "net2"]
    np.testing.assert_array_equal(found.image_ids, np.arange(6))
    np.testing.assert_array_equal(found.labels, LABELS)
    np.testing.assert_array_equal(found.predictions, PREDICTIONS)
    np.testing.assert_array_equal(found.correct, PREDICTIONS == LABELS)


def test_correct_only_table_with_epochs_uses_the_last_epoch(tmp_path):
    frame = pd.DataFrame({"image_id": [5, 6, 5, 6], "epoch": [0, 0, 1, 1],
                          "correct": [0, 0, 1, 0]})
    frame.to_csv(tmp_path / "a.csv", index=False)
    table = readers.read_run(tmp_path / "a.csv")
    assert table["epoch"].tolist() == [0, 0, 1, 1]  # all epochs kept for epoch analyses
    found = readers.read_runs({"mine": tmp_path / "a.csv"})
    assert found.runs == ["mine"] and found.labels is None
    np.testing.assert_array_equal(found.correct, [[True, False]])


def test_workflow_decision_tables_are_read_with_their_run_names(tmp_path):
    paths = [write_run(tmp_path / f"file{r}.parquet", np.stack([PREDICTIONS[0], pred]),
                       LABELS, f"cond-{r}", "cond") for r, pred in enumerate(PREDICTIONS)]
    found = readers.read_runs(paths)
    assert found.runs == ["cond-0", "cond-1", "cond-2"]
    np.testing.assert_array_equal(found.correct, PREDICTIONS == LABELS)  # last epoch


def test_excel_csv_with_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("image_id,correct\r\n1,1\r\n2,0\r\n".encode("utf-8-sig"))
    np.testing.assert_array_equal(readers.read_runs([path]).correct, [[True, False]])


@pytest.mark.parametrize(("content", "message"), [
    ("image_id,label\n1,2\n", "need columns image_id and either label and prediction or "
                              "correct"),
    ("image_id,correct\n1,1\n1,0\n", r"image ids listed more than once in an epoch: \[1\]"),
    ("image_id,correct\n1,2\n2,0\n", r"column correct must be true/false or 0/1; found 1 "
                                     r"other values \(e.g. \[2\]\)"),
    ("image_id,correct\n1,0.5\n2,0\n", "must be true/false or 0/1"),
    ("image_id,correct\n1,yes\n2,no\n", "must be true/false or 0/1"),
    ("image_id,correct\n1,\n2,0\n", "empty cells"),
    ("image_id,label,prediction,correct\n1,2,2,0\n", "correct disagrees with prediction"),
    ("image_id,epoch,correct\n1,0,1\n1,1,1\n2,1,0\n", "cover different images"),
])
def test_bad_run_files_are_refused_naming_the_file(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(readers.GivenError, match=message) as err:
        readers.read_runs([path])
    assert str(path) in str(err.value)


def test_non_utf8_csv_gives_a_clear_message(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("image_id,label,prediction\n1,caf\xe9,caf\xe9\n".encode("latin-1"))
    with pytest.raises(readers.GivenError, match="latin.csv: not UTF-8 text .*CSV UTF-8"):
        readers.read_run(path)


def test_runs_over_different_images_are_refused(tmp_path):
    pd.DataFrame({"image_id": [1, 2, 3], "correct": [1, 0, 1]}).to_csv(tmp_path / "a.csv",
                                                                       index=False)
    pd.DataFrame({"image_id": [1, 2, 4], "correct": [1, 0, 1]}).to_csv(tmp_path / "b.csv",
                                                                       index=False)
    with pytest.raises(readers.GivenError, match=r"b.csv and .*a.csv cover different images "
                                               r"\(3 vs 3 images; 1 only in the first, e.g. \[4\]"):
        readers.read_runs([tmp_path / "a.csv", tmp_path / "b.csv"])
    with pytest.raises(readers.GivenError, match="run names repeat"):
        readers.read_runs([tmp_path / "a.csv", tmp_path / "a.csv"])


def test_matrix_from_npy_with_run_names_beside_it(tmp_path):
    correct = PREDICTIONS == LABELS
    np.save(tmp_path / "m.npy", correct.astype(np.float32))
    with pytest.raises(readers.GivenError, match=r"no run names; write them one per line to "
                                               r".*m.txt \(or pass run_names\)"):
        readers.read_matrix(tmp_path / "m.npy")
    (tmp_path / "m.txt").write_text("a\nb\nc\n")
    found = readers.read_matrix(tmp_path / "m.npy")
    assert found.runs == ["a", "b", "c"]
    np.testing.assert_array_equal(found.correct, correct)
    np.testing.assert_array_equal(found.image_ids, np.arange(6))
    assert readers.read_matrix(tmp_path / "m.npy", run_names=["x", "y", "z"]).runs == ["x", "y",
                                                                                     "z"]
    np.save(tmp_path / "bad.npy", np.array([[0, 1, 2], [1, 1, 0]]))
    (tmp_path / "bad.txt").write_text("a\nb\n")
    with pytest.raises(readers.GivenError, match="bad.npy: the matrix must be true/false or 0/1"):
        readers.read_matrix(tmp_path / "bad.npy")


def test_matrix_tables_with_runs_as_columns_or_rows(tmp_path):
    correct = PREDICTIONS == LABELS
    ids = np.arange(6) + 100
    by_image = pd.DataFrame({"image_id": ids, **{f"r{k}": row for k, row in enumerate(correct)}})
    by_image.to_csv(tmp_path / "columns.csv", index=False)
    by_run = pd.DataFrame(correct.astype(int), columns=[str(i) for i in ids])
    by_run.insert(0, "run", ["r0", "r1", "r2"])
    by_run.to_parquet(tmp_path / "rows.parquet")
    for name in ("columns.csv", "rows.parquet"):
        found = readers.read_any([tmp_path / name])["all"]
        assert found.runs == ["r0", "r1", "r2"]
        np.testing.assert_array_equal(found.image_ids, ids)
        np.testing.assert_array_equal(found.correct, correct)
    by_image.assign(r1=correct[1].astype(int)).to_csv(tmp_path / "mixed.csv", index=False)
    np.testing.assert_array_equal(readers.read_matrix(tmp_path / "mixed.csv").correct, correct)
    by_image.assign(r1=correct[1] * 3).to_csv(tmp_path / "counts.csv", index=False)
    with pytest.raises(readers.GivenError, match="counts.csv: the matrix must be true/false"):
        readers.read_matrix(tmp_path / "counts.csv")
    by_image.rename(columns={"image_id": "img"}).to_csv(tmp_path / "odd.csv", index=False)
    with pytest.raises(readers.GivenError, match="first column image_id .* or run"):
        readers.read_matrix(tmp_path / "odd.csv")


def test_model_vs_human_folder_is_read(tmp_path):
    folder = mvh_folder(tmp_path)
    levels = readers.read_mvh(folder)
    assert list(levels) == ["cr", "bw"]
    cr = levels["cr"]
    assert cr.runs == ["resnet50", "subject-01", "subject-02"]  # files in name order
    np.testing.assert_array_equal(cr.image_ids, ["n02134084_5274.png", "n04111531_14126.png"])
    np.testing.assert_array_equal(cr.labels, ["bear", "oven"])
    np.testing.assert_array_equal(cr.predictions, [["bear", "knife"], ["cat", "oven"],
                                                   ["bear", "oven"]])
    np.testing.assert_array_equal(cr.correct, [[True, False], [False, True], [True, True]])
    bw = readers.read_mvh(folder, condition="bw")
    assert list(bw) == ["bw"]
    np.testing.assert_array_equal(bw["bw"].labels, ["cat", "chair"])
    np.testing.assert_array_equal(bw["bw"].correct[1], [False, True])  # "na": no answer
    with pytest.raises(readers.GivenError, match=r"no condition 'x'; levels: \['cr', 'bw'\]"):
        readers.read_mvh(folder, condition="x")


def test_model_vs_human_errors_name_the_file(tmp_path):
    folder = mvh_folder(tmp_path)
    path = folder / "colour_resnet50_session_1.csv"
    frame = pd.read_csv(path)
    frame.loc[0, "imagename"] = "0001_x_n09999999_1.png"
    frame.to_csv(path, index=False)
    with pytest.raises(readers.GivenError, match="and .*resnet50_session_1.csv show different "
                                               "images in condition 'cr'"):
        readers.read_mvh(folder)
    frame.drop(columns=["rt"]).to_csv(path, index=False)
    with pytest.raises(readers.GivenError, match=r"resnet50_session_1.csv: lacks model-vs-human "
                                               r"columns \['rt'\]"):
        readers.read_mvh(folder)
    with pytest.raises(readers.GivenError, match="no CSV files"):
        readers.read_mvh(tmp_path / "missing")


def test_short_image_names_follow_model_vs_human():
    assert readers.short_imagename("0000_cl_s01_bw_boat_40_n02951358_5952.JPEG") == \
        "n02951358_5952.JPEG"
    assert readers.short_imagename("0003_sk_s02_0_dog10-bird2.png") == "dog10-bird2.png"
    assert readers.short_imagename("airplane1-bicycle2.png") == "airplane1-bicycle2.png"


def test_float_masks_ids_and_the_ambiguous_integer_array(tmp_path):
    ids = np.arange(4) + 10
    expected = np.array([False, True, False, True])
    np.save(tmp_path / "float_mask.npy", expected.astype(np.float64))  # published ImageNet form
    np.save(tmp_path / "int01.npy", expected.astype(np.int64))
    np.save(tmp_path / "ids.npy", np.array([11, 13]))
    (tmp_path / "mask.json").write_text(json.dumps([0.0, 1.0, 0.0, 1.0]))
    for name in ("float_mask.npy", "ids.npy", "mask.json"):
        np.testing.assert_array_equal(label_errors.read_known(tmp_path / name, ids), expected)
        np.testing.assert_array_equal(flags.read_flags(tmp_path / name, "x", ids), expected)
    with pytest.raises(ValueError, match=r"int01.npy: 4 integers, all 0 or 1, one per "
                                         r"evaluation image: image ids or a mask\? Say which "
                                         r"with format: ids or format: mask under label_errors"):
        label_errors.read_known(tmp_path / "int01.npy", ids)
    with pytest.raises(ValueError, match="under image_flags"):
        flags.read_flags(tmp_path / "int01.npy", "x", ids)
    np.testing.assert_array_equal(
        label_errors.read_known(tmp_path / "int01.npy", ids, format="mask"), expected)
    np.testing.assert_array_equal(  # as ids: images 0 and 1, neither an evaluation image
        label_errors.read_known(tmp_path / "int01.npy", np.arange(4), format="ids"),
        [True, True, False, False])
    np.save(tmp_path / "half.npy", np.array([0.0, 0.5, 1.0, 1.0]))
    with pytest.raises(ValueError, match="float64 values other than 0 and 1"):
        label_errors.read_known(tmp_path / "half.npy", ids)
    with pytest.raises(ValueError, match="a mask must be true/false or 0/1"):
        label_errors.read_known(tmp_path / "half.npy", ids, format="mask")
    with pytest.raises(ValueError, match=r"unknown format 'list'; valid: \['ids', 'mask'\]"):
        label_errors.read_known(tmp_path / "ids.npy", ids, format="list")


def test_the_plan_reads_run_names_not_values(tmp_path):
    """Parsing the Snakefile (every job re-parses it) reads names only; the jobs read and
    check the values."""
    np.save(tmp_path / "m.npy", np.array([[0, 2, 1], [1, 1, 0]]))  # a 2: not correctness
    (tmp_path / "m.txt").write_text("a\nb\n")
    assert readers.matrix_runs(tmp_path / "m.npy") == ["a", "b"]
    with pytest.raises(readers.GivenError, match="m.npy: the matrix must be true/false"):
        readers.read_matrix(tmp_path / "m.npy")
    pd.DataFrame({"run": ["x", "y"], "7": [1, 0], "9": [0, 5]}).to_csv(tmp_path / "w.csv",
                                                                     index=False)
    assert readers.matrix_runs(tmp_path / "w.csv") == ["x", "y"]
    folder = mvh_folder(tmp_path)
    assert readers.mvh_runs(folder) == {level: list(d.runs) for level, d in
                                        readers.read_mvh(folder).items()}
    assert readers.mvh_runs(folder, "bw") == {"bw": ["resnet50", "subject-01", "subject-02"]}
