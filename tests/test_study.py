import pytest

from ddd.study import Recipe, build_study

BASE = {"architecture": "tiny_resnet", "epochs": 3, "batch_size": 32, "lr": 0.1,
        "weight_decay": 0.0}


def study(conditions, **extra):
    return build_study("s", {"dataset": {"kind": "gaussian"}, "recipe": BASE,
                             "conditions": conditions, **extra})


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


def test_list_length_must_match_instances():
    with pytest.raises(ValueError, match="lists 2 values but the condition has 3"):
        study({"base": {}, "seed": {"instances": 3, "changes": {"init_seed": [1, 2]}}})


def test_unknown_recipe_key_names_valid_keys():
    with pytest.raises(ValueError, match="unknown recipe key.*'lr_sclae'.*valid keys"):
        study({"base": {}, "x": {"changes": {"lr_sclae": 2.0}}})


def test_missing_base_condition_lists_conditions():
    with pytest.raises(ValueError, match="base_condition 'base' is not one of"):
        study({"other": {}})


def test_recipe_round_trip():
    recipe = Recipe.from_mapping({**BASE, "lr_milestones": [2]})
    assert Recipe.from_mapping(recipe.as_dict()) == recipe
