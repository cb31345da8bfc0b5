"""The study plan: the config checked once with the schema's defaults, every run's recipe
resolved and validated once, and errors that name study, condition, instance and key."""

import ast
import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from ddd import decisions, errors, plan, training_sets
from ddd.errors import ConfigError
from ddd.given import readers
from ddd.train import loop
from ddd.train.models import ARCHITECTURES

ROOT = Path(__file__).resolve().parents[1]
BASE = {"architecture": "tiny_resnet", "epochs": 3, "batch_size": 16, "lr": 0.1,
        "weight_decay": 0.0}
DATASET = {"kind": "gaussian", "classes": 10, "image_size": 8, "train_per_class": 4,
           "test_per_class": 2, "sigma_min": 1, "sigma_step": 1, "seed": 0}


def default_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def study(conditions, **extra):
    config = {"studies": {"s": {"dataset": dict(DATASET), "recipe": dict(BASE),
                                "conditions": conditions, **extra}}}
    return plan.load(config).studies["s"]


def test_conditions_resolve_per_instance_values():
    s = study({"base": {}, "lr": {"instances": 3, "changes": {"lr_scale": [1.48, 1.5, 1.52]}},
               "plus": {"changes": {"extra_epochs": 1}},
               "disjoint": {"instances": 2, "reference": "within",
                            "changes": {"train_subset": "disjoint"}}})
    assert s.run_ids == ["base-1", "lr-1", "lr-2", "lr-3", "plus-1", "disjoint-1",
                         "disjoint-2"]
    assert [s.run(f"lr-{i}").recipe.effective_lr for i in (1, 2, 3)] == pytest.approx(
        [0.148, 0.15, 0.152])
    assert s.run("plus-1").recipe.total_epochs == 4
    assert s.run("base-1").recipe.lr_scale == 1.0
    assert [s.run(f"disjoint-{i}").recipe.train_subset for i in (1, 2)] == ["half_a",
                                                                              "half_b"]
    assert s.run("disjoint-1").reference == "within"
    assert s.within_conditions == ["disjoint"] and s.base_run == "base-1"


def test_defaults_come_from_the_schema_alone():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    properties = schema["definitions"]["recipe"]["properties"]
    resolved = plan.recipe(BASE)
    recipe = resolved.as_dict()
    # left out at their defaults: earlier runs' params and hashes unchanged
    assert not {"shortcut", "lr_schedule", "lr_warmup"} & set(recipe)
    recipe.update(shortcut=resolved.shortcut, lr_schedule=resolved.lr_schedule,
                  lr_warmup=resolved.lr_warmup)
    assert set(recipe) == set(properties) - {"batch_exceeds_data"}  # read by the plan alone
    for key in recipe:
        spec = properties[key]
        assert recipe[key] == spec.get("default", BASE.get(key)), key
    config = default_config()
    plan.load(config)
    assert config["train"]["device"] == "auto"
    assert config["analysis"]["bootstrap"] == {"resamples": 1000, "seed": 0, "level": 0.95}


def test_every_resolved_recipe_is_checked_naming_study_condition_instance_key():
    with pytest.raises(ConfigError, match=r"studies.s, condition 'lr', instance 2, "
                                               r"recipe.lr_scale: -1 is less than or equal"):
        study({"base": {}, "lr": {"instances": 2, "changes": {"lr_scale": [1.5, -1]}}})
    with pytest.raises(ConfigError, match=r"condition 'x', instance 1, recipe.epochs: "
                                               r"'3' is not of type 'integer'"):
        study({"base": {}, "x": {"changes": {"epochs": "3"}}})


@pytest.mark.parametrize("subset", ["all", "half_a", "half_b"])
@pytest.mark.parametrize("per_class", [None, 1, 3, 6])
def test_training_images_of_a_generated_dataset_are_those_the_run_trains_on(subset,
                                                                             per_class):
    dataset = {**DATASET, "train_per_class": 7}
    labels = np.repeat(np.arange(dataset["classes"]), 7)
    recipe = plan.recipe({**BASE, "train_subset": subset, "train_per_class": per_class})
    try:
        trained = len(loop.subset_indices(labels, subset, per_class))
    except ValueError as err:  # half of one image per class
        assert "empty split" in str(err)
        trained = 0
    assert training_sets.run_images(dataset, recipe) == trained


def test_a_release_bounds_its_training_images():
    recipe = plan.recipe({**BASE, "train_subset": "half_a", "train_per_class": 100})
    assert training_sets.run_images({"kind": "cifar100", "path": "x"}, recipe) == 5000
    assert training_sets.run_images({"kind": "mnist", "path": "x", "train_limit": 600},
                                recipe) == 300
    rng = np.random.default_rng(0)
    for _ in range(20):  # the bound holds however unevenly the classes are filled
        labels = rng.integers(0, 10, 600)
        for subset in ("half_a", "half_b"):
            limited = plan.recipe({**BASE, "train_subset": subset})
            assert len(loop.subset_indices(labels, subset)) <= training_sets.run_images(
                {"kind": "mnist", "path": "x", "train_limit": 600}, limited)
    assert training_sets.run_images({"kind": "image_folder", "path": "x"}, recipe) is None


def test_batch_larger_than_the_data_is_allowed_when_intended_and_trains_alike():
    full = study({"base": {}, "a": {}, "whole": {"changes": {"batch_size": 1000,
                                                             "batch_exceeds_data": True}}})
    assert full.run("whole-1").recipe == plan.recipe({**BASE, "batch_size": 1000})
    with pytest.raises(ConfigError, match=r"condition 'whole', instance 1, "
                                               r"recipe.batch_size: 1000 .* 40 training"):
        study({"base": {}, "a": {}, "whole": {"changes": {"batch_size": 1000}}})


def test_list_length_must_match_instances():
    with pytest.raises(ConfigError, match=r"studies.s, condition 'seed': change 'init_seed' "
                                          r"lists 2 values but the condition has 3"):
        study({"base": {}, "seed": {"instances": 3, "changes": {"init_seed": [1, 2]}}})


def test_missing_base_condition_lists_conditions():
    with pytest.raises(ConfigError, match="base_condition 'base' is not one of"):
        study({"other": {}})


def test_confusion_runs_are_typed_and_share_a_repeat_recipe():
    config = default_config()
    config["studies"]["gaussian"]["confusion"]["recipe"] = {"epochs": 2, "lr_milestones": [1]}
    s = plan.load(config).studies["gaussian"]
    assert len(s.confusion.pairs) == 9 and s.confusion.pairs[0] == (30, 33)
    assert len(s.confusion.decision_tables("gaussian")) == 40
    control, pair = s.confusion_recipe("control", 2), s.confusion_recipe("30-33", 2)
    assert control == pair and control.epochs == 2
    assert control.lr == config["studies"]["gaussian"]["recipe"]["lr"]  # the study's
    assert (control.init_seed, control.data_seed) == (2, 2)
    with pytest.raises(KeyError, match="no confusion run 30-36/1"):
        s.confusion_recipe("30-36", 1)
    with pytest.raises(KeyError, match=r"repeats 1\.\.4"):
        s.confusion_recipe("control", 5)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda c: c["studies"]["gaussian"]["recipe"].update(lr_milestone=[2]),
     r"'lr_milestone' is not one of \[.*'lr_milestones'"),
    (lambda c: c["analysis"]["difficulty"].update(tolerence=1),
     r"analysis.difficulty: 'tolerence' is not one of"),
    (lambda c: c["studies"]["gaussian"]["recipe"].update(architecture="resnet19"),
     r"condition 'base', instance 1, recipe.architecture: 'resnet19' is not one of \[.*"
     r"'tiny_resnet'"),
    (lambda c: c["studies"]["gaussian"]["dataset"].update(kind="svhn"),
     r"'svhn' is not one of \['gaussian', 'cifar10', 'cifar100', 'mnist', 'fashion_mnist', "
     r"'imagenet', 'image_folder'\]"),
    (lambda c: c["studies"]["gaussian"]["conditions"]["nesterov"].update(refrence="base"),
     r"'refrence' is not one of \['instances', 'changes', 'reference'\]"),
    (lambda c: c["studies"]["gaussian"]["confusion"].update(repeat=3),
     r"'repeat' is not one of \['classes', 'pairs', 'repeats'"),
    (lambda c: c["studies"]["gaussian"]["confusion"].update(pairs="neighbours"),
     r"'neighbours' is not valid"),
    (lambda c: c["studies"]["gaussian"]["confusion"].update(recipe={"epoch": 2}),
     r"'epoch' is not one of \[.*'epochs'"),
    (lambda c: c["studies"]["gaussian"]["confusion"].update(recipe={"epochs": 0}),
     r"confusion, repeat 1, recipe.epochs: 0 is less than the minimum of 1"),
    (lambda c: c["studies"]["gaussian"]["recipe"].update(lr_milestones=[4, 13]),
     r"instance 1, recipe.lr_milestones: \[13\] beyond the run's 12 epochs"),
    (lambda c: c["studies"]["gaussian"]["recipe"].update(lr_schedule="linear"),
     r"recipe.lr_milestones: \[6\] with lr_schedule: linear, which has no milestones"),
    (lambda c: c["studies"]["gaussian"]["recipe"].update(lr_warmup=0.1),
     r"recipe.lr_warmup applies to lr_schedule: linear only"),
    (lambda c: c["studies"]["gaussian"]["recipe"].update(lr_schedule="cosine"),
     r"recipe.lr_schedule: 'cosine' is not one of \['step', 'linear'\]"),
    (lambda c: c["studies"]["gaussian"].update(image_flags={"path": "f.csv"},
                                               label_errors={"source": "cleanlab"}),
     r"gives both image_flags and label_errors"),
])
def test_typos_and_bad_values_are_named_with_valid_values(edit, message):
    config = copy.deepcopy(default_config())
    edit(config)
    with pytest.raises(ConfigError, match=message):
        plan.load(config)


def test_schema_architectures_match_the_model_registry():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert sorted(schema["definitions"]["architecture"]["enum"]) == sorted(ARCHITECTURES)


def test_tiny_config_is_valid():
    tiny = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())
    plan.load(tiny)
    assert tiny["analysis"]["bootstrap"] == {"resamples": 200, "seed": 0, "level": 0.95}


# The modules that run while the plan is resolved (the Snakefile's parse, `ddd check`).
PLAN_MODULES = ["plan.py", "study.py", "schema.py", "io/yamlfile.py", "analysis/scaling.py",
                "given/planning.py"]
USER_ERRORS = {"ConfigError", "GivenError", "DddError"}


@pytest.mark.parametrize("module", PLAN_MODULES)
def test_every_error_the_plan_raises_is_a_user_error(module):
    """A plain ValueError would reach `ddd check` and the Snakefile as a traceback; each
    raise in the plan's modules is a DddError (its message names the key and the fix)."""
    tree = ast.parse((ROOT / "workflow/ddd" / module).read_text())
    raised = {node.exc.func.attr if isinstance(node.exc.func, ast.Attribute)
              else node.exc.func.id
              for node in ast.walk(tree)
              if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)}
    assert raised <= USER_ERRORS | {"KeyError", "AssertionError"}, raised - USER_ERRORS


def test_user_errors_share_one_base():
    assert all(issubclass(getattr(errors, name), errors.DddError) if hasattr(errors, name)
               else True for name in USER_ERRORS)
    assert issubclass(readers.GivenError, errors.DddError)
    assert issubclass(decisions.DecisionTableError, errors.DddError)
    assert errors.rebuild("a/b.parquet", "c") == "snakemake --cores 1 --force a/b.parquet c"


def test_grid_points_are_checked_recipes_and_columns():
    config = default_config()
    config["studies"]["gaussian"]["scaling"] = {"train_per_class": [50], "epochs": [2]}
    grid = plan.load(config).studies["gaussian_scaling"]
    assert [row["train_per_class"] for row in grid.run_table()] == [50, 50]
    assert {row["epochs"] for row in grid.run_table()} == {2}
    config = default_config()
    recipe = config["studies"]["gaussian"]["recipe"]
    recipe.update(extra_epochs=4, lr_milestones=[recipe["epochs"] + 4])  # valid: in extra
    conditions = config["studies"]["gaussian"]["conditions"]
    config["studies"]["gaussian"]["conditions"] = {"base": conditions["base"]}
    config["studies"]["gaussian"]["scaling"] = {"train_per_class": [50], "epochs": [4]}
    with pytest.raises(ConfigError, match=r"studies.gaussian.scaling, grid point "
                                          r"train_per_class 50, epochs 4, instance 1, "
                                          r"recipe.lr_milestones"):
        plan.load(config)
