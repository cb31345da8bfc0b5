"""The whole workflow on a tiny config: outputs, and reruns of exactly what changed."""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

from ddd import decisions, features
from ddd.analysis import datamaps
from ddd.plots import registry
from tests.workflow_runs import KNOWN_LABEL_ERRORS, ROOT, TINY, planned, snakemake

FIGURES = [name for name, fig in registry.figures().items()  # drawn for every tiny study
           if fig.applies(pretrained=False, dataset="gaussian", references=True)]
pytestmark = pytest.mark.workflow  # every test here runs Snakemake


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("tiny")
    (path / "known_label_errors.txt").write_text("\n".join(map(str, KNOWN_LABEL_ERRORS)))
    out = snakemake(path, TINY)
    assert out.returncode == 0, out.stdout + out.stderr
    return path


@pytest.fixture
def own_workdir(workdir: Path, tmp_path: Path) -> Path:
    """A copy of the finished tiny run (times and Snakemake's records kept) for a test that
    writes into it, so that no other test sees its changes."""
    copy_ = tmp_path / "tiny"
    shutil.copytree(workdir, copy_, symlinks=True)
    return copy_


def test_run_writes_tables_figures_and_summary(workdir):
    results = workdir / "results/tiny"
    run_ids = ["base-1", "learning_rate-1", "learning_rate-2", "architecture-1",
               "disjoint_data-1", "disjoint_data-2"]
    for run in run_ids:
        table = decisions.read(results / f"decisions/{run}.parquet")
        assert sorted(table["epoch"].unique()) == [0, 1, 2]
        assert table["image_id"].nunique() == 10 * 20
        assert decisions.read_metadata(results / f"decisions/{run}.parquet")["run"] == run
        log = (workdir / f"logs/tiny/train/{run}.log").read_text()
        epoch_line = r"epoch \d/2: train loss .* test accuracy .* s \(evaluation .* s\)\n"
        assert len(re.findall(epoch_line, log)) == 2
    runs = pd.read_parquet(results / "analysis/runs.parquet")
    assert runs["run"].tolist() == run_ids
    assert runs["accuracy"].mean() > 0.1  # chance: 10 classes
    pairs = pd.read_parquet(results / "analysis/kappa_pairs.parquet")
    assert (pairs["subset"] == "all").sum() == 15
    vs_base = pd.read_parquet(results / "analysis/kappa_vs_base.parquet")
    disjoint = vs_base[(vs_base.condition == "disjoint_data") & (vs_base.subset == "all")]
    assert disjoint[["run", "reference"]].values.tolist() == [["disjoint_data-1",
                                                               "disjoint_data-2"]]
    summary = (results / "summary.txt").read_text()
    assert "6 runs, 200 evaluation images" in summary and "trivial" in summary
    assert not list(results.rglob(".*.tmp")) and not list(results.glob("checkpoints/*"))


def test_data_maps_of_every_run_and_the_pooled_runs(workdir):
    results = workdir / "results/tiny"
    table = decisions.read(results / "decisions/base-1.parquet")
    assert decisions.has_confidence(table) and table["p_true"].between(0, 1).all()
    maps = pd.read_parquet(results / "analysis/datamaps.parquet")
    runs = pd.read_parquet(results / "analysis/runs.parquet")["run"].tolist()
    assert maps["run"].unique().tolist() == [*runs, datamaps.POOLED]
    pooled = maps[maps["run"] == datamaps.POOLED]
    assert pooled["evaluations"].unique().tolist() == [4 * 2]  # 4 histogram runs, 2 epochs
    images = pd.read_parquet(results / "analysis/images.parquet").set_index("image_id")
    assert (pooled.set_index("image_id")["category"] == images["category"]).all()
    regions = pd.read_csv(results / "tables/datamap_regions.csv")
    assert (regions.groupby("run")["images"].sum() == 200).all()
    auc = pd.read_csv(results / "tables/datamap_auc.csv")
    assert set(auc["run"]) == {*runs, datamaps.POOLED}
    assert auc["auc"].notna().any() and auc["auc"].dropna().between(0, 1).all()
    check_figure(results / "figures/fig_data_map.png")


def check_figure(png: Path) -> None:
    """A PNG of a readable size that is not blank, and its PDF twin."""
    pixels = matplotlib.image.imread(png)
    assert 300 <= pixels.shape[0] <= 2500 and 400 <= pixels.shape[1] <= 3000, pixels.shape
    assert pixels[..., :3].std() > 0.05
    assert png.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"


@pytest.mark.parametrize("fig", FIGURES)
def test_every_figure_is_built_as_png_and_pdf(workdir, fig):
    for study in ("tiny", "tiny_b"):
        check_figure(workdir / f"results/{study}/figures/{fig}.png")


def test_studies_side_by_side(workdir):
    for png in (path for path in registry.shared_targets() if path.endswith(".png")):
        check_figure(workdir / png)


def test_statistics_atlas_subset_and_class_table(workdir):
    analysis = workdir / "results/tiny/analysis"
    pairs = pd.read_parquet(analysis / "kappa_pairs.parquet")
    assert pairs[["ci_low", "ci_high", "p_value", "kappa_min", "kappa_max"]].notna().all().all()
    assert (pairs["ci_low"] <= pairs["kappa"]).all() and (pairs["kappa"] <= pairs["ci_high"]).all()
    assert (pairs["kappa_min"] <= pairs["kappa"]).all()
    assert (pairs["kappa"] <= pairs["kappa_max"] + 1e-12).all()
    hist = pd.read_parquet(analysis / "histogram.parquet")
    for column in ("observed", "binomial", "poisson_binomial", "difficulty_mixture"):
        assert hist[column].sum() == pytest.approx(1.0)
    reference = pd.read_parquet(analysis / "kappa_difficulty.parquet")
    assert set(reference["subset"]) <= {"all", "in_between"} and len(reference) >= 1
    atlas = pd.read_parquet(analysis / "atlas.parquet")
    assert len(atlas) == 200 and atlas["runs"].iloc[0] == 4  # one run per condition
    assert set(atlas["category"]) <= {"trivial", "impossible", "in_between"}
    learned = atlas["share_right"] > 0
    assert atlas.loc[learned, "first_learned_median"].between(0, 2).all()
    assert atlas.loc[~learned, "first_learned_median"].isna().all()
    subset = pd.read_parquet(analysis / "balanced_subset.parquet")
    counts, available = (t["n_correct"].value_counts() for t in (subset, atlas))
    assert set(counts.index) == set(available.index)  # every non-empty bin, flat
    assert (counts == available.min()).all()
    assert set(subset["image_id"]) <= set(atlas["image_id"])
    b8 = pd.read_csv(workdir / "results/tiny/tables/b8_easiest_hardest_classes.csv")
    assert len(b8) == 20 and set(b8["name"]) <= {f"sigma={1 + 8 * c}" for c in range(10)}
    changes = pd.read_parquet(analysis / "decision_changes.parquet")
    assert changes.groupby("run").size().to_dict() == dict.fromkeys(
        ["base-1", "learning_rate-2", "architecture-1", "disjoint_data-2"], 2)


def test_features_reproduce_the_final_decisions(workdir):
    results = workdir / "results/tiny"
    subset = None
    for run in ("base-1", "learning_rate-2", "architecture-1", "disjoint_data-1"):
        found = features.load(results / f"features/{run}.npz")
        final = decisions.read(results / f"decisions/{run}.parquet", epoch=-1)
        assert found.logits.dtype == np.float16 and found.logits.shape == (200, 10)
        # The final decision has the largest logit (float16 rounding may add ties).
        chosen = found.logits[np.arange(200), final["prediction"].to_numpy()]
        np.testing.assert_array_equal(chosen, found.logits.max(1))
        np.testing.assert_array_equal(found.labels, final["label"])
        assert found.activations.dtype == np.float16 and len(found.activations) == 120
        if subset is None:
            subset = found.rsa_image_ids
        np.testing.assert_array_equal(found.rsa_image_ids, subset)  # same images every run
    assert np.bincount(found.labels[subset]).tolist() == [12] * 10  # class-stratified
    assert features.load(results / "features/base-1.npz").activations.shape == (120, 256)
    assert "differs from the decision table's final epoch on 0 images" in (
        workdir / "logs/tiny/features/base-1.log").read_text()


def test_rsa_tables(workdir):
    analysis = workdir / "results/tiny/analysis"
    pairs = pd.read_parquet(analysis / "rsa_pairs.parquet")
    assert len(pairs) == 15 and pairs["rsa"].between(-1, 1).all()
    assert (pairs["images"] == 120).all()
    vs_base = pd.read_parquet(analysis / "rsa_vs_base.parquet")
    assert vs_base[["run", "reference"]].values.tolist() == [
        ["learning_rate-1", "base-1"], ["learning_rate-2", "base-1"],
        ["architecture-1", "base-1"], ["disjoint_data-1", "disjoint_data-2"]]
    conditions = pd.read_parquet(analysis / "rsa_conditions.parquet")
    assert len(conditions) == 16 and conditions["rsa"].notna().all()


def test_mmd_critic_tables(workdir):
    analysis = workdir / "results/tiny/analysis"
    table = pd.read_parquet(analysis / "mmd_critic.parquet")
    assert set(table["run"]) == set(pd.read_parquet(analysis / "runs.parquet")["run"])
    assert set(table["mode"]) == {"label", "prediction"}
    label = table[(table["mode"] == "label") & (table["role"] == "prototype")]
    assert (label.groupby(["run", "class"]).size() == 4).all()  # 12 subset images a class
    enrichment = pd.read_csv(workdir / "results/tiny/tables/mmd_enrichment.csv")
    assert len(enrichment) == 12 and enrichment["p_value"].between(0, 1).all()
    tests = pd.read_parquet(analysis / "mmd_two_sample.parquet")
    assert len(tests) == 6


def test_prototype_count_reruns_only_mmd_critic_and_its_gallery(workdir):
    config = copy.deepcopy(TINY)
    config["analysis"]["mmd_critic"] = {"prototypes": 3}
    counts, trained = planned(workdir, config)
    assert counts == {"mmd_critic": 2, "fig_mmd_gallery": 2, "all": 1}
    assert trained == []


def test_explanation_sample_reruns_only_the_explanations(workdir):
    config = copy.deepcopy(TINY)
    config["analysis"]["explanations"] = {"per_category": 2}
    counts, _ = planned(workdir, config)  # no train job: the explained runs are kept
    assert counts == {"explain": 8, "explanation_pairs": 2, "explanation_figures": 2,
                      "all": 1}  # the first 4 runs of each of the 2 studies


def test_label_errors_feed_the_histogram_shares_and_summary(workdir):
    found = pd.read_parquet(workdir / "results/tiny/analysis/label_errors.parquet")
    assert len(found) == 200 and found["label_quality"].between(0, 1).all()
    known = pd.read_parquet(workdir / "results/tiny_b/analysis/label_errors.parquet")
    assert known.loc[known["label_error"], "image_id"].tolist() == KNOWN_LABEL_ERRORS
    for study, table in (("tiny", found), ("tiny_b", known)):
        analysis = workdir / f"results/{study}/analysis"
        hist = pd.read_parquet(analysis / "histogram.parquet")
        assert hist["flagged"].sum() == pytest.approx(table["label_error"].mean())
        shares = pd.read_parquet(analysis / "shares.parquet")
        assert (shares["flagged"] + shares["not_flagged"]).to_numpy() == pytest.approx(
            shares["share"].to_numpy())
    assert "impossible and not known label errors" in (
        workdir / "results/tiny_b/summary.txt").read_text()
    assert "impossible and not label errors (cleanlab)" in (
        workdir / "results/tiny/summary.txt").read_text()


def test_report_is_one_self_contained_page(own_workdir):
    workdir = own_workdir
    out = snakemake(workdir, TINY, "--report", "report.html")
    assert out.returncode == 0, out.stderr
    html = (workdir / "report.html").read_text()
    assert "dichotomous data difficulty" in html and "Fig 16" in html
    assert "tiny_b" in html
    assert "Class confusion \\u2014 accuracy on T" in html  # captions are JSON-escaped


def test_second_run_without_change_runs_nothing(workdir):
    assert planned(workdir, TINY) == ({}, [])


def test_figure_setting_reruns_only_that_figure(workdir):
    config = copy.deepcopy(TINY)
    config["figures"]["histogram"] = {"title": "another title"}
    counts, trained = planned(workdir, config)
    assert counts == {"fig03_histogram": 2, "all": 1}
    assert trained == []


def test_figure_code_change_reruns_only_that_figure(workdir, tmp_path):
    """A copy of the workflow (times kept) whose Fig 10 drawing function differs."""
    for folder in ("workflow", "envs"):
        shutil.copytree(ROOT / folder, tmp_path / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "Snakefile", tmp_path / "Snakefile")
    code = tmp_path / "workflow/ddd/plots/kappa.py"
    code.write_text(code.read_text().replace("size = 0.45 * len(matrix) + 2.5",
                                             "size = 0.45 * len(matrix) + 2.6"))
    assert planned(workdir, TINY, root=tmp_path) == ({"fig10_kappa_matrix": 2, "all": 1}, [])


def test_loader_workers_rerun_nothing_for_in_memory_data(workdir):
    config = copy.deepcopy(TINY)
    config["train"] = {**TINY["train"], "workers": 3}
    assert planned(workdir, config) == ({}, [])


def test_learning_rate_change_reruns_that_condition_and_its_dependents(workdir):
    config = copy.deepcopy(TINY)
    config["studies"]["tiny"]["conditions"]["learning_rate"]["changes"]["lr_scale"] = [1.4, 1.6]
    counts, trained = planned(workdir, config)
    # train and features of the changed runs, of study tiny only; the attribution maps of
    # the explained runs (the first 4), whose image sample follows the image table
    assert trained == sorted(["learning_rate-1", "learning_rate-2"] * 3
                             + ["base-1", "architecture-1"])
    assert counts == {"train": 2, "features": 2, "rsa": 1, "label_errors": 1,
                      "explain": 4, "explanation_pairs": 1, "explanation_figures": 1,
                      "mmd_critic": 1,
                      "collect_decisions": 1, "image_table": 1, "vs_reference": 1,
                      "difficulty": 1, "kappa": 1,
                      "epoch_dynamics": 1, "balanced_subset": 1, "class_accuracy": 1,
                      "summary": 1, "impossible_causes": 1,
                      **dict.fromkeys(set(FIGURES) - {"fig04_base_over_epochs"}, 1),
                      "experiment_pairs": 1, "experiment_page": 1, "datamaps": 1,
                      "fig_data_map": 1, "fig13_kappa_vs_base_datasets": 1, "all": 1}
    # Fig 4 draws the base run only, so it is not among them.


def test_ideal_observer_is_a_reference_of_every_gaussian_study(workdir):
    for study in ("tiny", "tiny_b"):
        table = decisions.read(workdir / f"results/{study}/references/ideal_observer.parquet")
        correct = pd.read_parquet(workdir / f"results/{study}/analysis/correctness.parquet")
        assert table["image_id"].tolist() == correct.index.tolist()  # every image once
        runs = pd.read_parquet(workdir / f"results/{study}/analysis/runs.parquet")
        assert "ideal_observer" not in set(runs["condition"])  # a reference, not a run
        vs = pd.read_parquet(workdir / f"results/{study}/analysis/vs_reference.parquet")
        assert vs["run"].tolist() == runs["run"].tolist()
        assert vs["kappa"].between(-1, 1).all() and vs["errors_shared"].between(0, 1).all()
        assert vs["reference_accuracy"].iloc[0] == table["correct"].mean()
        summary = (workdir / f"results/{study}/summary.txt").read_text()
        assert "against ideal_observer (accuracy" in summary
        assert (workdir / f"results/{study}/figures/fig19_vs_reference.pdf").exists()


def test_sigma_change_reruns_the_ideal_observer_a_recipe_change_does_not(workdir):
    config = copy.deepcopy(TINY)
    config["studies"]["tiny_b"]["dataset"]["sigma_step"] = 9
    counts, _ = planned(workdir, config)
    assert counts["ideal_observer"] == 1 and counts["vs_reference"] == 1
    config = copy.deepcopy(TINY)
    config["studies"]["tiny_b"]["recipe"]["lr"] = 0.06
    counts, _ = planned(workdir, config)
    assert "ideal_observer" not in counts and counts["vs_reference"] == 1


def test_experiment_page_and_stimuli_are_built_by_default(workdir):
    for study in ("tiny", "tiny_b"):
        folder = workdir / f"results/{study}/experiment"
        manifest = json.loads((folder / "manifest.json").read_text())
        n_pairs = len(manifest["pairs"])
        assert 1 <= n_pairs <= 149 and manifest["display_size"] == 224
        images = [p[kind]["image_id"] for p in manifest["pairs"]
                  for kind in ("trivial", "impossible")]
        assert len(set(images)) == 2 * n_pairs
        assert sorted(p.name for p in (folder / "stimuli").glob("*.png")) == sorted(
            f"{i}.png" for i in images)
        assert matplotlib.image.imread(folder / "stimuli" / f"{images[0]}.png").shape[:2] == (
            224, 224)
        assert f'"pair":{n_pairs},' in (folder / "index.html").read_text()
        atlas = pd.read_parquet(workdir / f"results/{study}/analysis/atlas.parquet")
        share = atlas.set_index("image_id")["share_right"]
        assert all(share[p["trivial"]["image_id"]] == 1 and share[p["impossible"]["image_id"]]
                   == 0 for p in manifest["pairs"])
        check_figure(workdir / f"results/{study}/figures/fig12_experiment_pairs.png")


def answer_file(path: Path, manifest: dict, subject: str, right: int) -> None:
    """An answer file that picks the impossible image on the first `right` pairs."""
    rows = [",".join(manifest["csv_columns"])]
    for trial, pair in enumerate(manifest["pairs"], start=1):
        hard, easy = pair["impossible"]["image_id"], pair["trivial"]["image_id"]
        correct = trial <= right
        rows.append(f"{subject},{trial},{hard},{easy},{'left' if correct else 'right'},"
                    f"{int(correct)},{400 + trial}")
    path.write_text("\n".join(rows) + "\n")


def test_scoring_is_a_named_target_that_needs_answer_files(own_workdir):
    workdir = own_workdir
    out = snakemake(workdir, TINY, "score_experiment")
    assert out.returncode != 0
    assert "no answer files (*.csv) to score in results/tiny/experiment/responses/" in (
        out.stdout + out.stderr)
    folder = workdir / "results/tiny/experiment"
    manifest = json.loads((folder / "manifest.json").read_text())
    n_pairs = len(manifest["pairs"])
    (folder / "responses").mkdir()
    answer_file(folder / "responses/s1.csv", manifest, "s1", n_pairs)
    answer_file(folder / "responses/s2.csv", manifest, "s2", n_pairs // 2)
    out = snakemake(workdir, TINY, "score_experiment")
    assert out.returncode == 0, out.stdout + out.stderr
    scores = pd.read_csv(folder / "scores/subjects.csv")
    assert scores["accuracy"].tolist() == [1.0, (n_pairs // 2) / n_pairs]
    summary = (folder / "scores/summary.txt").read_text()
    assert f"2 subjects, {n_pairs} pairs" in summary
    check_figure(folder / "scores/scores.png")
    assert not (workdir / "results/tiny_b/experiment/scores").exists()
    (folder / "responses/s2.csv").unlink()  # a removed file reruns the scoring too
    out = snakemake(workdir, TINY, "--dry-run", "score_experiment")
    assert out.returncode == 0, out.stderr
    assert re.search(r"^experiment_scores\s+1$", out.stdout + out.stderr, re.M)
    answer_file(folder / "responses/s1_again.csv", manifest, "s1", 1)
    out = snakemake(workdir, TINY, "score_experiment")
    assert out.returncode != 0
    assert "subject id 's1' is used by 2 files" in (out.stdout + out.stderr)
    assert planned(workdir, TINY) == ({}, [])  # answer files do not touch the default run


def test_config_typo_stops_the_run_naming_key_and_valid_values(tmp_path):
    config = copy.deepcopy(TINY)
    config["studies"]["tiny"]["recipe"]["lr_sclae"] = 1.0
    out = snakemake(tmp_path, config, "--dry-run")
    text = out.stdout + out.stderr
    assert out.returncode != 0
    assert "'lr_sclae' is not one of" in text and "'lr_scale'" in text


def test_image_flags_and_label_errors_together_stop_the_run(tmp_path):
    config = copy.deepcopy(TINY)
    config["studies"]["tiny"]["image_flags"] = {"path": "flags.parquet"}
    out = snakemake(tmp_path, config, "--dry-run")
    assert out.returncode != 0
    assert "gives both image_flags and label_errors" in out.stdout + out.stderr


def test_confusion_runs_table_and_figures(workdir):
    """tiny: classes 4..7, pair 5 -> 6, 2 repeats and 2 controls, 20 training images each."""
    confusion = workdir / "results/tiny/confusion"
    for pair in ("control", "5-6"):
        for repeat in (1, 2):
            path = confusion / f"decisions/{pair}/{repeat}.parquet"
            table = decisions.read(path)
            meta = decisions.read_metadata(path)
            assert sorted(table["epoch"].unique()) == [0, 1]
            assert sorted(table["label"].unique()) == [4, 5, 6, 7]
            assert set(table["prediction"]) <= {4, 5, 6, 7}
            assert sorted(table["image_id"].unique()) == list(range(80, 160))  # 20 per class
            assert (meta["pair"], meta["repeat"], meta["train_images"]) == (pair, repeat, 80)
            assert meta["relabelled"] == (10 if pair == "5-6" else 0)  # half of 20
            assert meta["init_seed"] == repeat and meta["data_seed"] == repeat
    effects = pd.read_parquet(confusion / "effects.parquet")
    assert effects[["pair", "target", "role"]].values.tolist() == [
        ["5-6", 4, "other"], ["5-6", 5, "A"], ["5-6", 6, "B"], ["5-6", 7, "other"]]
    assert (effects[["n_confused", "n_control"]] == 2).all().all()
    scores = pd.read_parquet(confusion / "class_scores.parquet")
    assert len(scores) == 4 * 4 and scores["bits"].between(0, 1).all()
    table = pd.read_csv(confusion / "effects.csv")
    assert sorted(table["target"]) == ["sigma=33", "sigma=57"]
    assert set(table["confused"]) == {"sigma=41 -> sigma=49"}
    for fig in ("confusion_effects", "confusion_information"):
        check_figure(confusion / f"figures/{fig}.png")


def test_confusion_both_ways_reruns_only_the_confused_runs(workdir):
    config = copy.deepcopy(TINY)
    config["studies"]["tiny"]["confusion"]["both_ways"] = True
    counts, _ = planned(workdir, config)
    assert counts == {"confusion_train": 2, "confusion_effects": 1,
                      "confusion_fig_effects": 1, "confusion_fig_information": 1, "all": 1}
