"""The human experiment: pair selection, stimuli, page and scoring."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from ddd.analysis import consistency, difficulty
from ddd.experiment import page, pairs, scoring, stimuli
from ddd.experiment.answers import ResponseError


def make_atlas(n_correct: np.ndarray, labels: np.ndarray, runs: int = 4,
               tolerance: int = 0) -> pd.DataFrame:
    """The per-image table of `runs` runs, run k right on the images with n_correct > k."""
    right = np.arange(runs)[:, None] < np.asarray(n_correct)
    names = [f"r{k}" for k in range(runs)]
    wide = pd.DataFrame({"label": labels, **dict(zip(names, right, strict=True))},
                        index=pd.Index(np.arange(right.shape[1]), name="image_id"))
    return difficulty.image_table(wide, names, tolerance)


def test_pairs_are_same_class_spread_over_classes_and_seeded():
    # 10 classes of 12 images: 4 trivial, 3 impossible, 5 in between per class.
    per_class = np.array([4] * 4 + [0] * 3 + [2] * 5)
    atlas = make_atlas(np.tile(per_class, 10), np.repeat(np.arange(10), 12))
    chosen = pairs.select_pairs(atlas, 25, seed=3)
    assert chosen.columns.tolist() == pairs.PAIR_COLUMNS
    assert chosen["pair"].tolist() == list(range(1, 26))
    assert chosen["same_class"].all()
    assert (chosen["trivial_share_right"] == 1).all()
    assert (chosen["impossible_share_right"] == 0).all()
    images = [*chosen["trivial_id"], *chosen["impossible_id"]]
    assert len(set(images)) == 50
    per_class_count = chosen["trivial_label"].value_counts()
    assert len(per_class_count) == 10 and per_class_count.max() - per_class_count.min() <= 1
    assert chosen["trivial_label"].head(10).nunique() == 10  # the first round: all classes
    assert chosen.equals(pairs.select_pairs(atlas, 25, seed=3))
    assert not chosen.equals(pairs.select_pairs(atlas, 25, seed=4))


def test_pairs_go_across_classes_when_a_class_lacks_one_kind():
    # class 0: 3 trivial only, class 1: 2 impossible only, class 2: 1 of each
    atlas = make_atlas([4, 4, 4, 0, 0, 4, 0], [0, 0, 0, 1, 1, 2, 2])
    chosen = pairs.select_pairs(atlas, 10, seed=0)
    assert len(chosen) == 3  # as many as impossible images
    assert chosen["same_class"].tolist() == [True, False, False]
    assert (chosen.loc[1:, "trivial_label"] == 0).all()
    assert (chosen.loc[1:, "impossible_label"] == 1).all()


def test_tolerance_widens_the_pools():
    atlas = make_atlas([3, 3, 1, 1, 2], [0, 0, 0, 0, 0])
    none = pairs.select_pairs(atlas, 5, seed=0)
    assert none.empty and none.columns.tolist() == pairs.PAIR_COLUMNS
    assert len(pairs.select_pairs(atlas, 5, seed=0, tolerance=1)) == 2
    assert pairs.categories(atlas, 1).tolist() == ["trivial"] * 2 + ["impossible"] * 2 + [
        "in_between"]
    # The image table's own tolerance gives the same pairs as the override.
    loose = make_atlas([3, 3, 1, 1, 2], [0, 0, 0, 0, 0], tolerance=1)
    assert pairs.categories(loose).tolist() == loose["category"].tolist()
    assert pairs.select_pairs(loose, 5, seed=0).equals(
        pairs.select_pairs(atlas, 5, seed=0, tolerance=1))
    with pytest.raises(ValueError, match="n_pairs"):
        pairs.select_pairs(atlas, 0, seed=0)


def test_small_images_are_enlarged_without_smoothing(rng):
    image = rng.integers(0, 256, (3, 16, 16), dtype=np.uint8)
    shown = stimuli.display_image(image, 224)
    assert shown.shape == (224, 224, 3) and shown.dtype == np.uint8
    blocks = shown.reshape(16, 14, 16, 14, 3)
    assert (blocks == image.transpose(1, 2, 0)[:, None, :, None, :]).all()


def test_large_images_are_cut_to_the_centre_and_reduced(rng):
    image = np.zeros((3, 300, 500), dtype=np.uint8)
    image[:, :, 100:400] = 200  # the centre square is uniform, the sides are black
    shown = stimuli.display_image(image, 224)
    assert shown.shape == (224, 224, 3) and (shown == 200).all()
    with pytest.raises(ValueError, match=r"uint8 \(3, H, W\)"):
        stimuli.display_image(image.astype(np.float32), 224)


def test_export_writes_one_png_per_image_and_replaces_the_folder(rng, tmp_path):
    images = rng.integers(0, 256, (5, 3, 8, 8), dtype=np.uint8)
    folder = tmp_path / "stimuli"
    folder.mkdir()
    (folder / "stale.png").write_bytes(b"old")
    files = stimuli.export(images, [4, 1], 64, folder)
    assert files == {4: "4.png", 1: "1.png"}
    assert sorted(p.name for p in folder.iterdir()) == ["1.png", "4.png"]
    png = np.asarray(Image.open(folder / "4.png"))
    assert png.shape == (64, 64, 3) and (png[::8, ::8] == images[4].transpose(1, 2, 0)).all()
    assert [p.name for p in tmp_path.iterdir()] == ["stimuli"]


@pytest.fixture
def manifest() -> dict:
    atlas = make_atlas(np.tile([4, 0], 6), np.repeat(np.arange(3), 4))
    chosen = pairs.select_pairs(atlas, 4, seed=0)
    return page.manifest(chosen, "demo", 224, {"pairs": 4, "seed": 0, "tolerance": 0})


def test_page_embeds_the_pairs_and_nothing_external(manifest):
    html = page.render(manifest)
    assert "@@" not in html and "src=\"http" not in html and "<script src" not in html
    data = json.loads(html.split('type="application/json">')[1].split("</script>")[0])
    assert [p["pair"] for p in data["pairs"]] == [1, 2, 3, 4]
    assert data["pairs"][0]["impossible"]["file"] == \
        f"stimuli/{manifest['pairs'][0]['impossible']['image_id']}.png"
    assert data["csv_columns"] == page.CSV_COLUMNS
    assert "label" not in data["pairs"][0]["trivial"]  # the page needs no more than this


def test_embedded_json_cannot_close_the_script_element(manifest):
    manifest["study"] = "</script><b>"
    html = page.render(manifest)
    assert "</script><b>" not in html and json.loads(
        html.split('type="application/json">')[1].split("</script>")[0])["study"] == "</script><b>"


def answers(manifest: dict, subject: str, right_pairs: set[int]) -> list[list]:
    """Rows of an answer file: the impossible image left on odd pairs."""
    rows = []
    for trial, p in enumerate(manifest["pairs"], start=1):
        hard, easy = p["impossible"]["image_id"], p["trivial"]["image_id"]
        left, right = (hard, easy) if p["pair"] % 2 else (easy, hard)
        correct = p["pair"] in right_pairs
        choice = "left" if (left == hard) == correct else "right"
        rows.append([subject, trial, left, right, choice, int(correct), 500.0 + trial])
    return rows


def write_csv(path, rows, header=page.CSV_COLUMNS):
    path.write_text("\n".join(",".join(str(v) for v in r) for r in [header, *rows]) + "\n")
    return path


def test_scores_accuracy_spread_and_kappa_between_subjects(manifest, tmp_path):
    files = [write_csv(tmp_path / "a.csv", answers(manifest, "A", {1, 2, 3, 4})),
             write_csv(tmp_path / "b.csv", answers(manifest, "B", {1, 2})),
             write_csv(tmp_path / "c.csv", answers(manifest, "C", {1, 2, 3}))]
    responses = scoring.read_all(files, page.pair_table(manifest))
    scores = scoring.subject_scores(responses)
    assert scores["accuracy"].tolist() == [1.0, 0.5, 0.75]
    assert scores["trials"].tolist() == [4, 4, 4] and scores["file"].tolist() == [
        "a.csv", "b.csv", "c.csv"]
    assert scores["median_rt_ms"].tolist() == [502.5] * 3
    assert scores["p_value"].iloc[0] == pytest.approx(0.125)  # 4 of 4: 2 * 0.5**4
    kappa = scoring.subject_kappa(responses)
    assert kappa[["subject_a", "subject_b"]].values.tolist() == [["A", "B"], ["A", "C"],
                                                                 ["B", "C"]]
    assert kappa["kappa"].iloc[0] == pytest.approx(0.0)  # all right: chance agreement
    expected = consistency.error_consistency([1, 1, 0, 0], [1, 1, 1, 0]).kappa
    # c_obs 3/4, c_exp 0.5 * 0.75 + 0.5 * 0.25 = 0.5
    assert kappa["kappa"].iloc[2] == pytest.approx(expected) == pytest.approx(0.5)
    stats = scoring.summary(scores, kappa)
    assert stats["accuracy"]["mean"] == pytest.approx(0.75)
    assert stats["accuracy"]["sd"] == pytest.approx(np.std([1, 0.5, 0.75], ddof=1))
    assert stats["kappa"]["mean"] == pytest.approx(np.mean([0.0, 0.0, 0.5]))
    both_right = scoring.subject_kappa(scoring.read_all(
        [files[0], write_csv(tmp_path / "d.csv", answers(manifest, "D", {1, 2, 3, 4}))],
        page.pair_table(manifest)))
    assert np.isnan(both_right["kappa"].iloc[0])  # both all right: kappa undefined
    text = scoring.summary_text("demo", stats)
    assert "3 subjects, 4 pairs" in text and "mean 75.00%" in text
    assert "range 50.00% .. 100.00%" in text and "kappa undefined" not in text


def test_malformed_rows_are_reported_with_file_and_line(manifest, tmp_path):
    rows = answers(manifest, "A", {1, 2})
    rows[0][4] = "up"                   # line 2: choice
    rows[1][5] = 1 - rows[1][5]         # line 3: correct disagrees with the choice
    rows[2] = rows[2][:-1]              # line 4: a field short
    rows[3][2] = 999                    # line 5: not a pair
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(ResponseError) as err:
        scoring.read_all([path], page.pair_table(manifest))
    message = str(err.value)
    assert f"{path}:2: choice 'up'" in message
    assert f"{path}:3: correct is" in message
    assert f"{path}:4: 6 fields, the header has 7" in message
    assert f"{path}:5: images 999 and" in message


def test_repeats_other_subjects_and_missing_pairs_are_errors(manifest, tmp_path):
    rows = answers(manifest, "A", {1})
    twice = write_csv(tmp_path / "twice.csv", [*rows, [*rows[0][:1], 5, *rows[0][2:]]])
    mixed = write_csv(tmp_path / "mixed.csv", [rows[0], ["B", *rows[1][1:]], *rows[2:]])
    short = write_csv(tmp_path / "short.csv", rows[:3])
    header = write_csv(tmp_path / "header.csv", rows, header=page.CSV_COLUMNS[:-1])
    pair_table = page.pair_table(manifest)
    for path, text in [(twice, f"{twice}:6: pair 1 also on line 2"),
                       (mixed, f"{mixed}:3: subject 'B' differs from 'A'"),
                       (short, f"{short}: answers 3 of 4 pairs"),
                       (header, f"{header}:1: the header lacks rt_ms")]:
        with pytest.raises(ResponseError, match="cannot score") as err:
            scoring.read_all([path], pair_table)
        assert text in str(err.value)


def test_duplicate_subject_ids_are_rejected_naming_both_files(manifest, tmp_path):
    first = write_csv(tmp_path / "first.csv", answers(manifest, "S1", {1}))
    second = write_csv(tmp_path / "second.csv", answers(manifest, "S1", {2}))
    with pytest.raises(ResponseError, match="subject id 'S1' is used by 2 files") as err:
        scoring.read_all([second, first], page.pair_table(manifest))
    assert f"{first}, {second}" in str(err.value)


@pytest.mark.filterwarnings("ignore:The image decoding:DeprecationWarning")
def test_file_datasets_are_shown_as_the_networks_are_evaluated_on_them(tmp_path):
    from torchvision.io import decode_image

    from ddd.datasets import imagenet
    from ddd.datasets.prepare import prepare
    from tests.fakes import write_imagenet

    root = write_imagenet(tmp_path / "imagenet")
    data, manifest = tmp_path / "dataset.npz", tmp_path / "manifest.json"
    prepare({"kind": "imagenet", "path": str(root), "train_split": "train",
             "test_split": "val", "resize": 32, "crop": 24}, data, manifest)
    shown = stimuli.test_images(data, manifest)
    index = imagenet.load_index(data, "test")
    for image_id in range(len(index)):
        expected = imagenet.eval_transform(32, 24)(
            decode_image(str(Path(index.root) / index.paths[image_id]))).numpy()
        image = shown[image_id]
        assert image.shape == (3, 24, 24) and image.dtype == np.uint8
        assert np.abs(image.astype(int) - expected).mean() < 8  # PIL vs torchvision resize


@pytest.mark.filterwarnings("ignore:The set_bad function:PendingDeprecationWarning")
def test_figures_draw_pairs_and_scores_also_in_the_edge_cases(rng):
    import matplotlib.pyplot as plt

    from ddd.plots.experiment import example_pairs, human_scores

    image = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    fig = example_pairs([image] * 3, [image] * 3, ["pair 1", "pair 2", "pair 3"])
    assert len(fig.axes) == 6 and fig.axes[0].get_title() == "pair 1"
    assert "no pairs" in example_pairs([], [], []).axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="as many"):
        example_pairs([image], [], ["pair 1"])
    one = pd.DataFrame({"subject": ["s1"], "accuracy": [0.8]})
    fig = human_scores(one, pd.DataFrame(columns=["subject_a", "subject_b", "kappa"]), "t")
    assert "two subjects" in fig.axes[1].texts[0].get_text()
    two = pd.DataFrame({"subject": ["s1", "s2"], "accuracy": [0.8, 0.6]})
    kappa = pd.DataFrame({"subject_a": ["s1"], "subject_b": ["s2"], "kappa": [0.25]})
    heat = human_scores(two, kappa, "t").axes[1].collections[0].get_array()
    assert np.ma.masked_invalid(heat).compressed().tolist() == [0.25, 0.25]
    plt.close("all")
