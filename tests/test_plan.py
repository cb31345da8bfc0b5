"""The study plan: the config checked once with the schema's defaults, every run's recipe
resolved and validated once, and errors that name study, condition, instance and key."""

import copy
from pathlib import Path

import pytest
import yaml

from ddd import plan
from ddd.train.models import ARCHITECTURES

ROOT = Path(__file__).resolve().parents[1]
BASE = {"architecture": "tiny_resnet", "epochs": 3, "batch_size": 32, "lr": 0.1,
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
    assert "shortcut" not in recipe  # left out when false: earlier runs' params unchanged
    recipe["shortcut"] = resolved.shortcut
    assert set(recipe) == set(properties)
    for key, spec in properties.items():
        assert recipe[key] == spec.get("default", BASE.get(key)), key
    config = default_config()
    plan.load(config)
    assert config["train"]["device"] == "auto"
    assert config["analysis"]["bootstrap"] == {"resamples": 1000, "seed": 0, "level": 0.95}


def test_every_resolved_recipe_is_checked_naming_study_condition_instance_key():
    with pytest.raises(plan.ConfigError, match=r"studies.s, condition 'lr', instance 2, "
                                               r"recipe.lr_scale: -1 is less than or equal"):
        study({"base": {}, "lr": {"instances": 2, "changes": {"lr_scale": [1.5, -1]}}})
    with pytest.raises(plan.ConfigError, match=r"condition 'x', instance 1, recipe.epochs: "
                                               r"'3' is not of type 'integer'"):
        study({"base": {}, "x": {"changes": {"epochs": "3"}}})


def test_list_length_must_match_instances():
    with pytest.raises(ValueError, match="lists 2 values but the condition has 3"):
        study({"base": {}, "seed": {"instances": 3, "changes": {"init_seed": [1, 2]}}})


def test_missing_base_condition_lists_conditions():
    with pytest.raises(plan.ConfigError, match="base_condition 'base' is not one of"):
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
    with pytest.raises(ValueError, match="no confusion run 30-36/1"):
        s.confusion_recipe("30-36", 1)
    with pytest.raises(ValueError, match=r"repeats 1\.\.4"):
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
    (lambda c: c["studies"]["gaussian"].update(image_flags={"path": "f.csv"},
                                               label_errors={"source": "cleanlab"}),
     r"gives both image_flags and label_errors"),
])
def test_typos_and_bad_values_are_named_with_valid_values(edit, message):
    config = copy.deepcopy(default_config())
    edit(config)
    with pytest.raises(plan.ConfigError, match=message):
        plan.load(config)


def test_schema_architectures_match_the_model_registry():
    schema = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
    assert sorted(schema["definitions"]["architecture"]["enum"]) == sorted(ARCHITECTURES)


def test_tiny_config_is_valid():
    tiny = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())
    plan.load(tiny)
    assert tiny["analysis"]["bootstrap"] == {"resamples": 200, "seed": 0, "level": 0.95}
