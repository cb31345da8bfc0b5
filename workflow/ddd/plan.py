"""The study plan: the config checked against its schema, given the schema's defaults and
resolved into typed studies once, when the Snakefile is parsed.

Defaults live in the schema alone (workflow/schemas/config.schema.yaml). `load` fills them
into the config in place, so a rule's `params:` read plain values; every run's recipe (a
condition's instance, or a class-confusion repeat) is resolved here and validated exactly
once, and an error names the study, condition, instance and key. Rules ask the plan through
small input functions; scripts receive plain values and never resolve config again.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ddd import confusion
from ddd.study import Flags, Pretrained, Recipe, Run, Study, instance_changes, resolve_subset

FILE_KINDS = ("imagenet", "image_folder")  # images stay files (ddd.datasets.prepare)
SCHEMA = Path(__file__).resolve().parents[1] / "schemas/config.schema.yaml"


class ConfigError(ValueError):
    """A config value that the workflow cannot run with; the message names key and fix."""


def _filling_defaults(cls: type) -> type:
    """A validator class that sets each missing property's schema default before checking."""
    check_properties = cls.VALIDATORS["properties"]

    def properties(validator, props, instance, schema) -> Iterator[Any]:
        if isinstance(instance, dict):
            for key, sub in props.items():
                if "default" in sub:
                    instance.setdefault(key, copy.deepcopy(sub["default"]))
        yield from check_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(cls, {"properties": properties})


@cache
def _validator(definition: str | None = None) -> jsonschema.protocols.Validator:
    """The default-filling validator of the whole config or of one of its definitions."""
    schema = yaml.safe_load(SCHEMA.read_text())
    if definition is not None:
        schema = {"definitions": schema["definitions"], **schema["definitions"][definition]}
    return _filling_defaults(jsonschema.Draft202012Validator)(schema)


def _check(instance: Any, definition: str | None, where: str) -> None:
    """Fill defaults into `instance` and validate it; the first error names its key path."""
    error = jsonschema.exceptions.best_match(_validator(definition).iter_errors(instance))
    if error is not None:
        path = ".".join(str(p) for p in error.absolute_path)
        at = f"{where}.{path}" if path else where
        raise ConfigError(f"config: {at}: {error.message}")


def recipe(values: dict[str, Any], where: str = "recipe") -> Recipe:
    """A recipe from config values: the schema's defaults for missing keys, every value
    checked (`where` names the place in errors)."""
    values = copy.deepcopy(values)
    _check(values, "recipe", where)
    return Recipe(**values)


@dataclass(frozen=True)
class Plan:
    """Every study of a config, resolved."""

    studies: dict[str, Study]

    @property
    def trained_runs(self) -> set[str]:
        return {run for study in self.studies.values() for run in study.trained}

    @property
    def inferred_runs(self) -> set[str]:
        return {run for study in self.studies.values() for run in study.inferred}

    @property
    def confusion_studies(self) -> list[str]:
        return [name for name, study in self.studies.items() if study.confusion]



def load(config: dict[str, Any]) -> Plan:
    """Check the config (filling the schema's defaults in place) and resolve every study."""
    _check(config, None, "config")
    plan = Plan({name: _study(name, spec) for name, spec in config["studies"].items()})
    both = plan.trained_runs & plan.inferred_runs
    if both:
        raise ConfigError(
            f"config: {sorted(both)} name a trained run in one study and a pretrained model "
            f"in another; the train and infer rules tell their outputs apart by run id: "
            f"rename the condition or the model")
    return plan


def _study(name: str, spec: dict[str, Any]) -> Study:
    where = f"studies.{name}"
    conditions = spec.get("conditions", {})
    pretrained = spec.get("pretrained", {})
    both = sorted(conditions.keys() & pretrained.keys())
    if both:
        raise ConfigError(f"config: {where}: {both} name both a condition and a pretrained "
                          f"model; rename one")
    base_condition = spec["base_condition"]
    if base_condition not in conditions and base_condition not in pretrained:
        raise ConfigError(f"config: {where}: base_condition {base_condition!r} is not one of "
                          f"the conditions or pretrained models "
                          f"{sorted([*conditions, *pretrained])}: set base_condition")
    dataset = spec["dataset"]
    if pretrained and dataset["kind"] != "imagenet":
        raise ConfigError(f"config: {where}: pretrained models are ImageNet classifiers; "
                          f"give the study an imagenet dataset")
    runs = []
    for condition, cond in conditions.items():
        for instance, changes in instance_changes(condition, cond["changes"],
                                                  cond["instances"]):
            values = {**spec["recipe"], **changes}
            values["train_subset"] = resolve_subset(values.get("train_subset", "all"),
                                                    instance)
            run_recipe = recipe(values, f"{where}, condition {condition!r}, instance "
                                        f"{instance}, recipe")
            if run_recipe.bn_recalibration and dataset["kind"] in FILE_KINDS:
                raise ConfigError(f"config: {where}, condition {condition!r}: "
                                  f"bn_recalibration needs in-memory data; set it to 0 for "
                                  f"{dataset['kind']}")
            runs.append(Run(name, condition, instance, run_recipe, cond["reference"]))
    for key, model in pretrained.items():
        runs.append(Run(name, key, 1, None, pretrained=Pretrained(**{"name": key, **model})))
    study = Study(name, dict(sorted(dataset.items())), base_condition, tuple(runs),
                  flags=_flags(name, spec), label_errors=spec.get("label_errors"))
    if study.label_errors:
        _check_label_errors(study)
    if "confusion" in spec:
        try:
            spec_ = confusion.build_spec(spec["confusion"],
                                         confusion.dataset_classes(dataset))
        except ValueError as err:
            raise ConfigError(f"config: {where}.confusion: {err}") from None
        recipes = tuple(_confusion_recipe(where, spec["recipe"], spec_, repeat)
                        for repeat in range(1, spec_.repeats + 1))
        study = Study(**{**study.__dict__, "confusion": spec_, "confusion_recipes": recipes})
    return study


def _flags(name: str, spec: dict[str, Any]) -> Flags | None:
    """A study's image flags: the configured image_flags file, or its label errors."""
    if "image_flags" in spec and "label_errors" in spec:
        raise ConfigError(f"config: study {name!r} gives both image_flags and label_errors; "
                          f"Fig 3 draws one kind of flags: remove one of them")
    if "label_errors" in spec:
        source = spec["label_errors"]["source"]
        default = "label errors (cleanlab)" if source == "cleanlab" else "known label errors"
        return Flags(f"results/{name}/analysis/label_errors.parquet", "label_error",
                     spec["label_errors"].get("label", default))
    if "image_flags" in spec:
        return Flags(**spec["image_flags"])
    return None


def _check_label_errors(study: Study) -> None:
    spec = study.label_errors
    if spec["source"] == "cleanlab" and study.inferred:
        raise ConfigError(f"config: study {study.name!r}: label_errors from cleanlab needs "
                          f"the logits of trained runs; with pretrained models give source: "
                          f"file")
    if spec["source"] == "file" and "path" not in spec:
        raise ConfigError(f"config: study {study.name!r}: label_errors with source 'file' "
                          f"needs path: a file of known label errors")


def _confusion_recipe(where: str, base: dict[str, Any], spec: confusion.ConfusionSpec,
                      repeat: int) -> Recipe:
    """The study's recipe with the confusion section's changes and the repeat's seeds."""
    values = {**base, **spec.recipe_changes}
    defaults = _validator("recipe").schema["properties"]
    seeds = {key: values.get(key, defaults[key]["default"]) for key in ("init_seed", "data_seed")}
    values.update(spec.repeat_seeds(seeds, repeat))
    return recipe(values, f"{where}.confusion, repeat {repeat}, recipe")
