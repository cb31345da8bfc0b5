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
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ddd import flags, schema, training_sets
from ddd.analysis import acceptable, scaling
from ddd.confusion import design
from ddd.errors import ConfigError
from ddd.given import planning
from ddd.study import (
    Flags,
    Pretrained,
    Recipe,
    Reference,
    Run,
    Study,
    instance_changes,
    resolve_subset,
)

FILE_KINDS = ("imagenet", "image_folder")  # images stay files (ddd.datasets.prepare)


def recipe(values: dict[str, Any], where: str = "recipe",
           train_images: Callable[[Recipe], int | None] | None = None) -> Recipe:
    """A recipe from config values: the schema's defaults for missing keys, every value
    checked (`where` names the place in errors). `train_images`: the most training images
    a run of the recipe can have (None: unknown); a larger batch_size is an error unless
    the recipe's batch_exceeds_data says it is intended."""
    values = copy.deepcopy(values)
    if values.get("lr_schedule", "step") == "step" and "lr_warmup" in values:
        raise ConfigError(f"config: {where}.lr_warmup applies to lr_schedule: linear only; "
                          f"remove it or set lr_schedule: linear")
    schema.check(values, "recipe", where)
    full_batch = values.pop("batch_exceeds_data")
    out = Recipe(**values)
    if train_images is not None and not full_batch:
        training_sets.check_batch(out, train_images(out), where)
    late = [m for m in out.lr_milestones if m > out.total_epochs]
    if late:
        raise ConfigError(f"config: {where}.lr_milestones: {late} beyond the run's "
                          f"{out.total_epochs} epochs would never lower the learning rate; "
                          f"give milestones up to the number of epochs")
    if out.lr_schedule == "linear" and out.lr_milestones:
        raise ConfigError(f"config: {where}.lr_milestones: {list(out.lr_milestones)} with "
                          f"lr_schedule: linear, which has no milestones; remove them or set "
                          f"lr_schedule: step")
    return out


@dataclass(frozen=True)
class Plan:
    """Every study of a config, resolved, and the values several rules share."""

    studies: dict[str, Study]
    experiment_tolerance: int = 0  # of the experiment's trivial and impossible images

    @property
    def trained_ids(self) -> set[str]:
        return {run for study in self.studies.values() for run in study.trained_ids}

    @property
    def pretrained_ids(self) -> set[str]:
        return {run for study in self.studies.values() for run in study.pretrained_ids}

    @property
    def given_ids(self) -> set[str]:
        return {run for study in self.studies.values() for run in study.given_ids}

    @property
    def given_studies(self) -> list[str]:
        return [name for name, study in self.studies.items() if study.given]

    @property
    def main_studies(self) -> list[str]:
        """The configured studies (not the runs of a scaling grid)."""
        return [name for name, study in self.studies.items() if not study.scaling_of]

    @property
    def confusion_studies(self) -> list[str]:
        return [name for name, study in self.studies.items() if study.confusion]


def load(config: dict[str, Any]) -> Plan:
    """Check the config (filling the schema's defaults in place) and resolve every study."""
    schema.check(config, None, "")
    studies = {name: _study(name, spec) for name, spec in config["studies"].items()}
    for name, spec in config["studies"].items():
        if "scaling" in spec:
            base = spec.get("conditions", {}).get(studies[name].base_condition, {})
            full_batch = {**spec["recipe"], **base.get("changes", {})}.get("batch_exceeds_data")
            grid = _grid_study(studies[name], spec["scaling"], bool(full_batch))
            if grid.name in studies:
                raise ConfigError(f"config: studies.{grid.name}: the name of study {name!r}'s "
                                  f"scaling runs; rename the study")
            studies[grid.name] = grid
    own = config["experiment"]["tolerance"]  # null: the image table's
    plan = Plan(studies, config["analysis"]["difficulty"]["tolerance"] if own is None else own)
    kinds = {"a trained run": plan.trained_ids, "a pretrained model": plan.pretrained_ids,
             "a given run": plan.given_ids}
    for i, (kind, runs) in enumerate(kinds.items()):
        for other, other_runs in list(kinds.items())[i + 1:]:
            both = runs & other_runs
            if both:
                raise ConfigError(
                    f"config: {sorted(both)} name {kind} in one study and {other} in "
                    f"another; the rules that write decision tables tell their outputs apart "
                    f"by run id: rename the condition, model or given run")
    _check_histogram_runs(plan, config["analysis"])
    return plan


def check_files(plan: Plan) -> None:
    """The per-image files the config names (image_flags, label_errors from a file) are there
    and readable: checked when the DAG is built, not first by a job at the end of a run."""
    for study in plan.studies.values():
        label_errors = study.label_errors or {}
        if (study.acceptable and study.acceptable.get("source") != "review"
                and not Path(study.acceptable["path"]).is_file()):
            raise ConfigError(f"config: study {study.name!r}: acceptable labels file "
                              f"{study.acceptable['path']} does not exist: fix "
                              f"acceptable_labels.path")
        try:
            if label_errors.get("source") == "file":
                flags.check_file(label_errors["path"], None, "label_errors")
            elif study.flags is not None and not label_errors:
                flags.check_file(study.flags.path, study.flags.column, "image_flags")
        except (ValueError, OSError) as err:
            raise ConfigError(f"config: study {study.name!r}: {err}") from None


def _check_histogram_runs(plan: Plan, analysis: dict[str, Any]) -> None:
    """Every configured study gives its difficulty histogram more than twice as many runs
    as the largest tolerance, so that trivial and impossible images do not overlap."""
    selection = analysis["histogram_runs"]
    keys = {key: analysis["difficulty"][key] for key in ("tolerance", "shares_all_but")}
    key, tolerance = max(keys.items(), key=lambda item: item[1])
    for name in plan.main_studies:
        n = len(plan.studies[name].histogram_runs(selection))
        if n <= 2 * tolerance:
            raise ConfigError(
                f"config: studies.{name}: analysis.histogram_runs {selection} gives the "
                f"difficulty histogram {n} runs, but analysis.difficulty.{key} {tolerance} "
                f"needs more than {2 * tolerance}: add runs or conditions, set histogram_runs "
                f"to all, or lower the tolerance")


def _study(name: str, spec: dict[str, Any]) -> Study:
    study = (planning.given_study(name, spec, _flags(name, spec)) if "given" in spec
             else _trained_study(name, spec))
    if "acceptable_labels" in spec:
        study = dataclasses.replace(study, acceptable=acceptable.resolve(
            study, spec["acceptable_labels"]))
    return study


def _trained_study(name: str, spec: dict[str, Any]) -> Study:
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
                                                  cond["instances"], f"config: {where}"):
            values = {**spec["recipe"], **changes}
            values["train_subset"] = resolve_subset(values.get("train_subset", "all"),
                                                    instance)
            run_recipe = recipe(values, f"{where}, condition {condition!r}, instance "
                                        f"{instance}, recipe",
                                lambda r: training_sets.run_images(dataset, r))
            if run_recipe.bn_recalibration and dataset["kind"] in FILE_KINDS:
                raise ConfigError(f"config: {where}, condition {condition!r}: "
                                  f"bn_recalibration needs in-memory data; set it to 0 for "
                                  f"{dataset['kind']}")
            if run_recipe.shortcut and "shortcut" not in dataset:
                raise ConfigError(f"config: {where}, condition {condition!r}: shortcut: true "
                                  f"trains on a planted cue; configure {where}.dataset."
                                  f"shortcut (docs/what-models-see.md) or remove it")
            runs.append(Run(name, condition, instance, run_recipe, cond["reference"]))
    for key, model in pretrained.items():
        runs.append(Run(name, key, 1, None, pretrained=Pretrained(**{"name": key, **model})))
    if "store" in dataset and not conditions:
        raise ConfigError(f"config: {where}.dataset.store: only trained runs read the image "
                          f"store (pretrained models read the files with their own resize) "
                          f"and the study has none; remove store")
    study = Study(name, dict(sorted(dataset.items())), base_condition, tuple(runs),
                  flags=_flags(name, spec), label_errors=spec.get("label_errors"),
                  references=_references(where, spec))
    if study.label_errors:
        _check_label_errors(study)
    if "confusion" in spec:
        try:
            spec_ = design.build_spec(spec["confusion"],
                                         design.dataset_classes(dataset))
        except ValueError as err:
            raise ConfigError(f"config: {where}.confusion: {err}") from None
        recipes = tuple(_confusion_recipe(where, spec["recipe"], spec_, repeat, dataset)
                        for repeat in range(1, spec_.repeats + 1))
        study = dataclasses.replace(study, confusion=spec_, confusion_recipes=recipes)
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


def _references(where: str, spec: dict[str, Any]) -> tuple[Reference, ...]:
    """The study's reference decision makers; a Gaussian study has its ideal observer
    unless `references` says otherwise."""
    kind = spec["dataset"]["kind"]
    default = {"ideal_observer": {"kind": "ideal_observer"}} if kind == "gaussian" else {}
    out = []
    for name, ref in spec.get("references", default).items():
        if ref["kind"] == "ideal_observer" and kind != "gaussian":
            raise ConfigError(f"config: {where}.references.{name}: the ideal observer needs "
                              f"a dataset whose generative model is known (gaussian), not "
                              f"{kind}: remove it from references")
        if name in spec.get("conditions", {}) or name in spec.get("pretrained", {}):
            raise ConfigError(f"config: {where}.references.{name}: also names a condition "
                              f"or pretrained model; rename the reference")
        out.append(Reference(name, ref["kind"]))
    return tuple(out)


def _check_label_errors(study: Study) -> None:
    spec = study.label_errors
    assert spec is not None, f"study {study.name!r} has no label_errors"
    if spec["source"] == "cleanlab" and study.pretrained_ids:
        raise ConfigError(f"config: study {study.name!r}: label_errors from cleanlab needs "
                          f"the logits of trained runs; with pretrained models give source: "
                          f"file")
    if spec["source"] == "file" and "path" not in spec:
        raise ConfigError(f"config: study {study.name!r}: label_errors with source 'file' "
                          f"needs path: a file of known label errors")


def _grid_study(study: Study, spec: dict[str, Any], full_batch: bool) -> Study:
    """The runs of `study`'s scaling grid (ddd.analysis.scaling) as a study of their own,
    each recipe checked as a condition's is (`full_batch`: the base's batch_exceeds_data)."""
    where = f"studies.{study.name}.scaling"
    base = study.run(study.base_run).recipe
    if base is None:
        raise ConfigError(f"config: {where}: needs a trained base condition")
    name = study.name + scaling.SUFFIX
    dataset = scaling.grid_dataset(study.dataset, spec)
    runs = tuple(Run(name, scaling.condition(*point), instance,
                     recipe({**values, "batch_exceeds_data": full_batch},
                            f"{where}, grid point train_per_class {point[0]}, epochs "
                            f"{point[1]}, instance {instance}, recipe",
                            lambda r: training_sets.run_images(dataset, r)),
                     grid=point)
                 for point, instance, values in scaling.grid(base, spec))
    return Study(name, dataset, runs[0].condition, runs, references=study.references,
                 scaling_of=study.name)


def _confusion_recipe(where: str, base: dict[str, Any], spec: design.ConfusionSpec,
                      repeat: int, dataset: dict[str, Any]) -> Recipe:
    """The study's recipe with the confusion section's changes and the repeat's seeds."""
    values = {**base, **spec.recipe_changes}
    defaults = schema.definition_defaults("recipe")
    seeds = {key: values.get(key, defaults[key]) for key in ("init_seed", "data_seed")}
    values.update(spec.repeat_seeds(seeds, repeat))
    return recipe(values, f"{where}.confusion, repeat {repeat}, recipe",
                  lambda _: training_sets.confusion_images(dataset, spec))
