"""Every figure function draws from small synthetic tables and saves PNG and PDF."""

from __future__ import annotations

import importlib
import inspect
import linecache
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import yaml

from ddd.confusion import design
from ddd.plots import base, classes, difficulty, epochs, kappa, registry

ROOT = Path(__file__).resolve().parents[1]
FIGURES = registry.figures()

CONDITIONS = ["base", "lr", "lr", "arch"]
RUNS = ["base-1", "lr-1", "lr-2", "arch-1"]


def saved(fig, tmp_path, name="figure", dpi=60) -> np.ndarray:
    """Save as PNG and PDF; return the PNG's pixels after checking both files."""
    png, pdf = tmp_path / f"{name}.png", tmp_path / f"{name}.pdf"
    base.save(fig, [png, pdf], dpi)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    pixels = matplotlib.image.imread(png)
    assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert pixels[..., :3].std() > 0.01  # not a blank canvas
    return pixels


def pair_stats(rng, rows: int) -> dict[str, np.ndarray]:
    kappa_values = rng.uniform(0.3, 0.8, rows)
    return {"kappa": kappa_values, "ci_low": kappa_values - 0.05,
            "ci_high": kappa_values + 0.05, "kappa_min": np.full(rows, -0.4),
            "kappa_max": np.full(rows, 0.95), "p_value": np.r_[0.5, np.zeros(rows - 1)]}


def test_kappa_vs_base_draws_intervals_and_reference(tmp_path, rng):
    table = pd.DataFrame({"condition": CONDITIONS[1:], "run": RUNS[1:],
                          "reference": "base-1", "subset": "all", **pair_stats(rng, 3)})
    fig = kappa.kappa_vs_base(table, "t", (-0.1, 1.0), difficulty_kappa=0.5)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lr", "arch"]
    assert any(line.get_ydata()[0] == 0.5 for line in ax.get_lines())  # DDD reference
    saved(fig, tmp_path)


def test_kappa_vs_base_datasets_orders_conditions_by_first_study(tmp_path, rng):
    tables = {
        study: pd.DataFrame({"condition": ["lr", "arch"], "run": ["lr-1", "arch-1"],
                             "reference": "base-1", "subset": "all", "kappa": values})
        for study, values in {"a": [0.2, 0.9], "b": [0.5, 0.6]}.items()}
    fig = kappa.kappa_vs_base_datasets(tables, "t")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["arch", "lr"]
    saved(fig, tmp_path)


def test_histogram_draws_references_and_flags(tmp_path):
    hist = pd.DataFrame({"n_correct": range(4), "observed": [0.3, 0.1, 0.0, 0.6],
                         "binomial": [0.1, 0.3, 0.4, 0.2], "poisson_binomial": [0.1] * 4,
                         "difficulty_mixture": [0.3, 0.05, 0.05, 0.6],
                         "flagged": [0.05, 0, 0, 0.01], "runs": 3, "mean_accuracy": 0.6})
    fig = difficulty.difficulty_histogram(hist, "t", flag_label="label errors")
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "label errors" in labels and len(labels) == 5
    saved(fig, tmp_path)


def test_decisions_over_epochs_are_one_raster_image(tmp_path, rng):
    correct = rng.random((10, 20_000)) < np.linspace(0.1, 0.9, 10)[:, None]
    order = np.argsort(-correct.mean(axis=0), kind="stable")
    fig = epochs.base_over_epochs(correct, np.arange(10), order, "t")
    assert len(fig.axes[0].get_images()) == 1
    saved(fig, tmp_path, "fig04")
    # 200,000 cells as vector rectangles would take megabytes.
    assert (tmp_path / "fig04.pdf").stat().st_size < 300_000
    share = correct.astype(np.float32)
    saved(epochs.runs_over_epochs(share, np.arange(10), order, 4, "t"), tmp_path, "fig05")


def test_decision_changes_draws_one_line_per_run(tmp_path):
    changes = pd.DataFrame({"run": np.repeat(RUNS[:2], 3), "epoch": [0, 1, 2] * 2,
                            "prediction_changed": [0.5, 0.2, 0.1] * 2,
                            "correctness_changed": [0.3, 0.1, 0.05] * 2})
    fig = epochs.decision_changes(changes, "t")
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]
    saved(fig, tmp_path)


def test_accuracy_figures(tmp_path, rng):
    table = pd.DataFrame({"run": np.repeat(RUNS, 5), "class": np.tile(range(5), 4),
                          "accuracy": rng.random(20)})
    fig = classes.class_accuracy(table, "base-1", "t")
    base_line = [line for line in fig.axes[0].get_lines() if line.get_label() == "base run"]
    assert np.all(np.diff(base_line[0].get_ydata()) <= 0)  # sorted, decreasing
    saved(fig, tmp_path, "fig06")
    runs = pd.DataFrame({"run": RUNS, "condition": CONDITIONS, "accuracy": rng.random(4)})
    saved(classes.accuracy_per_condition(runs, 0.1, "t"), tmp_path, "fig07")


@pytest.mark.parametrize("skip", [0, 3])
def test_kl_vs_accuracy_leaves_out_the_first_classes(tmp_path, skip):
    kl = np.linspace(1.0, 0.01, 9)
    fig = classes.kl_vs_accuracy(kl, np.linspace(1, 0, 9), skip, "t")
    assert len(fig.axes[2].collections[0].get_offsets()) == 9 - skip
    saved(fig, tmp_path)


def test_registry_lists_every_figure_once_with_its_caption():
    report = ROOT / "workflow/report"
    # Fig 12 is drawn with the experiment page, from the same stimuli.
    captioned = {p.stem for p in report.glob("fig*.rst")} - {"fig12_experiment_pairs"}
    assert set(FIGURES) == captioned | set(design.FIGURES)
    assert [f.name for f in FIGURES.values() if f.scope == "confusion"] == list(design.FIGURES)
    rules = [f.rule for f in FIGURES.values()]
    assert len(set(rules)) == len(rules)
    for fig in FIGURES.values():
        assert (ROOT / "workflow/rules" / fig.caption).resolve().is_file(), fig.name
        assert registry.by_rule(fig.rule) is fig


def test_a_name_registered_twice_is_an_error():
    with pytest.raises(ValueError, match="'fig03_histogram' is registered twice"):
        registry.figure("fig03_histogram", {})(lambda inputs, study: None)


def test_every_setting_is_in_the_config_and_in_the_drawing_functions_signature():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    for fig in FIGURES.values():
        for key in fig.config.values():
            value = config
            for part in key.split("."):
                value = value[part]
        arguments = list(inspect.signature(fig.draw).parameters)
        assert arguments == ["inputs", "study", *fig.config, *fig.plan], fig.name


def test_targets_follow_each_figures_scope():
    def names(paths):
        return {Path(p).stem for p in paths}

    trained = registry.study_targets("s", pretrained=False, dataset="gaussian",
                                     references=True)
    assert all(p.startswith("results/s/figures/") for p in trained)
    assert len(trained) == 2 * len(names(trained))  # PNG and PDF
    assert names(trained) == {f.name for f in FIGURES.values()
                              if f.scope not in ("studies", "confusion", "acceptable",
                                                 "confidence")}
    # studies that record confidence ask for these in workflow/rules/datamaps.smk
    assert [f.name for f in FIGURES.values() if f.scope == "confidence"] == ["fig_data_map"]
    pretrained = registry.study_targets("s", pretrained=True, dataset="imagenet")
    assert names(pretrained) == {f.name for f in FIGURES.values() if f.scope == "study"}
    no_reference = registry.study_targets("s", pretrained=False, dataset="gaussian")
    assert names(trained) - names(no_reference) == {"fig19_vs_reference"}
    assert registry.shared_targets() == ["results/figures/fig13_kappa_vs_base_datasets.png",
                                         "results/figures/fig13_kappa_vs_base_datasets.pdf"]


def test_input_paths_fill_in_the_study_and_plan_values():
    plan = {"base_run": "base-1"}.__getitem__
    assert FIGURES["fig04_base_over_epochs"].input_paths(["s"], plan) == {
        "table": "results/s/decisions/base-1.parquet"}
    assert FIGURES["fig13_kappa_vs_base_datasets"].input_paths(["a", "b"], plan) == {
        "tables": ["results/a/analysis/kappa_vs_base.parquet",
                   "results/b/analysis/kappa_vs_base.parquet"]}
    confused = FIGURES["confusion_effects"]
    assert confused.output("pdf") == "results/{study}/confusion/figures/confusion_effects.pdf"
    assert confused.subcategory == "class confusion"


def test_code_digest_changes_only_for_the_figure_whose_drawing_code_changed(tmp_path,
                                                                           monkeypatch):
    package = tmp_path / "digestpkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    helpers = package / "helpers.py"
    helpers.write_text("def a():\n    return 1\n\n\ndef b():\n    return 2\n")
    (package / "figs.py").write_text(
        "from digestpkg import helpers\n\n\ndef fa(inputs, study):\n    return helpers.a()\n"
        "\n\ndef fb(inputs, study):\n    return [helpers.b() for _ in inputs]\n")
    monkeypatch.syspath_prepend(tmp_path)

    def digests():
        for name in [m for m in sys.modules if m.startswith("digestpkg")]:
            del sys.modules[name]
        linecache.checkcache()
        figs = importlib.import_module("digestpkg.figs")
        return [registry.Figure(n, getattr(figs, n), {}).digest() for n in ("fa", "fb")]

    before = digests()
    assert before == digests()  # stable across imports
    helpers.write_text(helpers.read_text().replace("return 1", "return 10"))
    after = digests()
    assert after[0] != before[0] and after[1] == before[1]
    helpers.write_text(helpers.read_text().replace("return 2", "return 20"))
    assert digests()[1] != after[1]  # reached from inside a comprehension too
