from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from ddd import collect, decisions
from tests.conftest import confident_table, write_run

DATA = Path(__file__).parent / "data"


def test_round_trip_keeps_schema_rows_and_metadata(tmp_path, rng):
    labels = rng.integers(0, 5, 30)
    predictions = rng.integers(0, 5, (4, 30))
    path = write_run(tmp_path / "base-1.parquet", predictions, labels, "base-1", "base")
    frame = decisions.read(path)
    assert len(frame) == 4 * 30
    assert frame["epoch"].tolist() == np.repeat(np.arange(4), 30).tolist()
    assert frame["prediction"].to_numpy().reshape(4, 30).tolist() == predictions.tolist()
    assert (frame["correct"] == (frame["label"] == frame["prediction"])).all()
    assert pq.read_schema(path).remove_metadata() == decisions.SCHEMA
    assert decisions.read_metadata(path)["condition"] == "base"
    final = decisions.read(path, epoch=-1)
    assert final["epoch"].unique().tolist() == [3]
    assert final["prediction"].tolist() == predictions[-1].tolist()
    assert not list(tmp_path.glob(".*.tmp"))  # nothing half-written left behind


def test_validation_rejects_inconsistent_correct_column(tmp_path):
    table = decisions.from_predictions(np.array([[0, 1]]), np.array([0, 0]))
    broken = table.set_column(4, "correct", decisions.pa.array([True, True]))
    with pytest.raises(decisions.DecisionTableError, match="correct disagrees"):
        decisions.write(tmp_path / "x.parquet", broken, {"run": "a", "dataset": "d",
                                                         "condition": "c", "instance": 1,
                                                         "architecture": "z"})
    assert not list(tmp_path.iterdir())


def test_missing_metadata_and_corrupt_files_are_named(tmp_path):
    table = decisions.from_predictions(np.array([[0, 1]]), np.array([0, 0]))
    with pytest.raises(decisions.DecisionTableError, match="metadata lacks"):
        decisions.write(tmp_path / "x.parquet", table, {"run": "a"})
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(b"PAR1 not really parquet")
    with pytest.raises(decisions.DecisionTableError, match="corrupt.parquet"):
        decisions.read(corrupt)
    with pytest.raises(FileNotFoundError, match="missing.parquet"):
        decisions.read(tmp_path / "missing.parquet")


def test_empty_predictions_are_rejected():
    with pytest.raises(decisions.DecisionTableError, match="empty"):
        decisions.from_predictions(np.zeros((1, 0)), np.zeros(0))


def test_final_epoch_lines_up_runs(tmp_path, rng):
    labels = rng.integers(0, 3, 20)
    paths = {}
    for i, run in enumerate(["base-1", "lr-1", "lr-2"]):
        preds = rng.integers(0, 3, (2 + i, 20))  # runs may have different epoch counts
        paths[run] = write_run(tmp_path / f"{run}.parquet", preds, labels, run,
                               run.split("-")[0], int(run[-1]))
    runs, correct = collect.final_epoch(paths)
    assert runs["run"].tolist() == ["base-1", "lr-1", "lr-2"]
    assert runs["epoch"].tolist() == [1, 2, 3]
    assert correct.shape == (20, 4)
    expected = decisions.read(paths["lr-2"], epoch=-1)["correct"].to_numpy()
    assert (correct["lr-2"].to_numpy() == expected).all()
    assert runs.loc[2, "accuracy"] == pytest.approx(expected.mean())


def test_mismatched_image_ids_are_an_error_naming_both_files(tmp_path, rng):
    labels = rng.integers(0, 3, 10)
    a = write_run(tmp_path / "a-1.parquet", rng.integers(0, 3, (1, 10)), labels, "a-1", "a")
    b = write_run(tmp_path / "b-1.parquet", rng.integers(0, 3, (1, 10)), labels, "b-1", "b",
                  image_ids=np.arange(10) + 5)
    with pytest.raises(collect.MismatchError, match="b-1.parquet.*a-1.parquet"):
        collect.final_epoch({"a-1": a, "b-1": b})


def test_epochs_are_read_from_their_own_row_groups(tmp_path, rng):
    labels = rng.integers(0, 7, 40)
    predictions = rng.integers(0, 7, (25, 40))
    path = write_run(tmp_path / "long-1.parquet", predictions, labels, "long-1", "long")
    groups = pq.ParquetFile(path).metadata
    assert groups.num_row_groups == 3  # epochs 0-9, 10-19, 20-24
    for epoch in (0, 13, 24, -1):
        frame = decisions.read(path, epoch=epoch)
        assert frame["epoch"].unique().tolist() == [epoch % 25]
        assert frame["prediction"].tolist() == predictions[epoch].tolist()
    with pytest.raises(decisions.DecisionTableError, match=r"long-1.parquet: no epoch 30; "
                                                           r"it has epochs 0\.\.24"):
        decisions.read(path, epoch=30)


def test_a_damaged_page_is_an_error_naming_the_file(tmp_path, rng):
    labels = rng.integers(0, 7, 500)
    path = write_run(tmp_path / "run-1.parquet", rng.integers(0, 7, (3, 500)), labels,
                     "run-1", "run")
    column = pq.ParquetFile(path).metadata.row_group(0).column(3)  # prediction
    data = bytearray(path.read_bytes())
    data[column.data_page_offset + column.total_compressed_size // 2] ^= 0x01
    path.write_bytes(bytes(data))
    for epoch in (None, -1):
        with pytest.raises(decisions.DecisionTableError, match="run-1.parquet is damaged"):
            decisions.read(path, epoch=epoch)


def test_a_table_of_another_run_study_or_dataset_is_refused(tmp_path):
    from ddd import collect

    labels = np.array([0, 1, 2, 3])
    paths = {}
    for run, study, sha in [("a-1", "s", "x"), ("b-1", "s", "x"), ("c-1", "t", "x"),
                            ("d-1", "s", "y")]:
        table = decisions.from_predictions(np.array([[0, 1, 2, 2]]), labels)
        paths[run] = tmp_path / f"{run}.parquet"
        decisions.write(paths[run], table, {"run": run, "study": study, "dataset": "g",
                                            "condition": run[0], "instance": 1,
                                            "architecture": "none", "dataset_sha256": sha})
    runs, _ = collect.final_epoch({r: paths[r] for r in ("a-1", "b-1")}, "s", "x")
    assert runs["run"].tolist() == ["a-1", "b-1"]
    copied = {"a-1": paths["a-1"], "b-1": paths["a-1"]}  # a-1's table in b-1's place
    cases = [(copied, r"a-1.parquet belongs to another run.*run 'a-1' \(expected 'b-1'\)"),
             ({"c-1": paths["c-1"]}, r"study 't' \(expected 's'\)"),
             ({"d-1": paths["d-1"]}, r"dataset_sha256 'y' \(expected 'x'\)")]
    for tables, message in cases:
        with pytest.raises(decisions.DecisionTableError, match=message) as err:
            collect.final_epoch(tables, "s", "x")
        assert "snakemake --cores 1 --force" in str(err.value)


META = {"run": "base-1", "dataset": "synthetic", "condition": "base", "instance": 1,
        "architecture": "none"}


def test_confidence_columns_round_trip_within_their_documented_error(tmp_path, rng):
    logits = rng.normal(0, 5, (3, 200, 10)) * rng.uniform(0.01, 3, (3, 200, 1))
    labels = rng.integers(0, 10, 200)
    path = tmp_path / "run.parquet"
    decisions.write(path, confident_table(logits, labels), META)
    frame = decisions.read(path)
    z = logits.reshape(-1, 10)
    rows = np.arange(len(z))
    true = np.tile(labels, 3)
    log_softmax = z - z.max(axis=1, keepdims=True)
    log_softmax -= np.log(np.exp(log_softmax).sum(axis=1, keepdims=True))
    p_true = np.exp(log_softmax[rows, true])
    runner_up = np.where(np.arange(10) == true[:, None], -np.inf, log_softmax).max(axis=1)
    for name, exact in (("p_true", p_true), ("margin", log_softmax[rows, true] - runner_up)):
        stored = frame[name].to_numpy(dtype=np.float64)
        error = np.abs(stored - exact)
        assert np.all(error <= np.maximum(decisions.CONFIDENCE_ERROR * np.abs(exact),
                                          decisions.CONFIDENCE_ABS_ERROR) * 1.001), name
    assert (frame["p_true"] < 1e-4).any()  # small probabilities keep their relative error
    assert np.all(np.sign(frame["margin"])[frame["margin"] != 0]
                  == np.where(frame["correct"], 1, -1)[frame["margin"] != 0])
    meta = decisions.read_metadata(path)["columns"]
    assert set(meta) == {"p_true", "margin"} and "softmax" in meta["p_true"]["definition"]
    final = decisions.read(path, epoch=-1)
    assert final[["p_true", "margin"]].equals(frame[["p_true", "margin"]].iloc[-200:]
                                              .reset_index(drop=True))


def test_non_finite_logits_become_nulls_and_huge_margins_are_clipped(tmp_path):
    table = decisions.from_predictions(np.array([[0, 1, 1]]), np.array([0, 0, 1]),
                                       p_true=np.array([[np.nan, 0.1, 1.0]]),
                                       margin=np.array([[np.nan, -1e6, 1e6]]))
    decisions.write(tmp_path / "x.parquet", table, META)
    frame = decisions.read(tmp_path / "x.parquet")
    assert frame["p_true"].isna().tolist() == [True, False, False]
    assert frame["margin"].tolist()[1:] == [-65504.0, 65504.0]


@pytest.mark.parametrize(("p_true", "margin", "message"), [
    ([[1.5, 0.5]], [[1.0, -1.0]], "p_true has values outside"),
    ([[0.5, 0.5]], [[-1.0, -1.0]], "margin disagrees with correct"),
    ([[0.5, 0.5]], [[1.0, 1.0]], "margin disagrees with correct"),
])
def test_confidence_columns_are_validated(tmp_path, p_true, margin, message):
    table = decisions.from_predictions(np.array([[0, 1]]), np.array([0, 0]),
                                       p_true=np.array(p_true), margin=np.array(margin))
    with pytest.raises(decisions.DecisionTableError, match=message):
        decisions.write(tmp_path / "x.parquet", table, META)
    assert not list(tmp_path.iterdir())


def test_one_confidence_column_alone_is_an_error(tmp_path):
    table = decisions.from_predictions(np.array([[0, 1]]), np.array([0, 0]))
    with pytest.raises(decisions.DecisionTableError, match="both p_true and margin"):
        decisions.from_predictions(np.array([[0, 1]]), np.array([0, 0]),
                                   p_true=np.array([[0.5, 0.5]]))
    extra = table.append_column("p_true", decisions.pa.array([0.5, 0.5], decisions.pa.float16()))
    with pytest.raises(decisions.DecisionTableError, match="optionally"):
        decisions.write(tmp_path / "x.parquet", extra, META)


def test_a_table_written_before_the_confidence_columns_reads_with_unchanged_analyses(
        tmp_path):
    old = DATA / "decisions_before_confidence.parquet"  # written by the previous writer
    labels = np.array([0, 2, 0, 1, 3, 0, 2, 1, 1, 3, 0, 3])
    predictions = np.array([[2, 0, 3, 0, 1, 1, 3, 3, 1, 1, 2, 0],
                            [1, 3, 0, 3, 0, 1, 1, 1, 1, 3, 2, 1],
                            [2, 3, 3, 1, 2, 2, 3, 3, 3, 0, 3, 1]])
    frame = decisions.read(old)
    assert not decisions.has_confidence(frame)
    assert frame["prediction"].to_numpy().reshape(3, 12).tolist() == predictions.tolist()
    # the same decisions with confidence columns: every analysis input is the same
    logits = np.eye(4)[predictions] * 3.0  # argmax = the predictions
    decisions.write(tmp_path / "base-1.parquet", confident_table(logits, labels), META)
    for read_epoch in (None, -1, 1):
        a = decisions.read(old, epoch=read_epoch)
        b = decisions.read(tmp_path / "base-1.parquet", epoch=read_epoch)
        assert a.equals(b.drop(columns=list(decisions.CONFIDENCE)))
    runs_a, correct_a = collect.final_epoch({"base-1": old})
    runs_b, correct_b = collect.final_epoch({"base-1": tmp_path / "base-1.parquet"})
    assert correct_a.equals(correct_b) and runs_a.equals(runs_b)
