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
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from ddd import flags
from ddd.analysis import scaling
from ddd.confusion import design
from ddd.given import readers
from ddd.io.textfile import read_text
from ddd.study import (
    Flags,
    GivenRun,
    GivenSource,
    Pretrained,
    Recipe,
    Reference,
    Run,
    Study,
    instance_changes,
    resolve_subset,
)

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
        at = ".".join(part for part in (where, path) if part) or "the config"
        raise ConfigError(f"config: {at}: {error.message}")


def recipe(values: dict[str, Any], where: str = "recipe") -> Recipe:
    """A recipe from config values: the schema's defaults for missing keys, every value
    checked (`where` names the place in errors)."""
    values = copy.deepcopy(values)
    _check(values, "recipe", where)
    out = Recipe(**values)
    late = [m for m in out.lr_milestones if m > out.total_epochs]
    if late:
        raise ConfigError(f"config: {where}.lr_milestones: {late} beyond the run's "
                          f"{out.total_epochs} epochs would never lower the learning rate; "
                          f"give milestones up to the number of epochs")
    return out


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
    def given_runs(self) -> set[str]:
        return {run for study in self.studies.values() for run in study.given_runs}

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


def read_file(path: str | os.PathLike) -> dict[str, Any]:
    """A config file as a dict; a YAML error names the file, line and column (Snakemake's
    own message for a --configfile names neither)."""
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    try:
        config = yaml.safe_load(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        lines = text.splitlines()
        line = lines[mark.line] if mark and mark.line < len(lines) else ""
        tab = (" (YAML indents with spaces, never tabs: replace the tab)"
               if mark and "\t" in line[:mark.column + 1] else "")
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        context = (f" ({err.context} that starts on line {err.context_mark.line + 1})"
                   if err.context and err.context_mark and err.problem_mark else "")
        raise ConfigError(f"{path}{where}: not valid YAML: {err.problem or err}{context}{tab}"
                          + (f"; the line reads {line.strip()!r}" if line.strip() else "")
                          ) from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: a config is a mapping of keys (studies:, train:, ...), "
                          f"this file holds {type(config).__name__}")
    return config


def load(config: dict[str, Any]) -> Plan:
    """Check the config (filling the schema's defaults in place) and resolve every study."""
    _check(config, None, "")
    studies = {name: _study(name, spec) for name, spec in config["studies"].items()}
    for name, spec in config["studies"].items():
        if "scaling" in spec:
            grid = scaling.grid_study(studies[name], spec["scaling"])
            if grid.name in studies:
                raise ConfigError(f"config: studies.{grid.name}: the name of study {name!r}'s "
                                  f"scaling runs; rename the study")
            studies[grid.name] = grid
    plan = Plan(studies)
    kinds = {"a trained run": plan.trained_runs, "a pretrained model": plan.inferred_runs,
             "a given run": plan.given_runs}
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
        runs = plan.studies[name].runs
        n = len({run.condition for run in runs}) if selection == "one_per_condition" \
            else len(runs)
        if n <= 2 * tolerance:
            raise ConfigError(
                f"config: studies.{name}: analysis.histogram_runs {selection} gives the "
                f"difficulty histogram {n} runs, but analysis.difficulty.{key} {tolerance} "
                f"needs more than {2 * tolerance}: add runs or conditions, set histogram_runs "
                f"to all, or lower the tolerance")


def _study(name: str, spec: dict[str, Any]) -> Study:
    where = f"studies.{name}"
    if "given" in spec:
        return _given_study(name, spec)
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
        recipes = tuple(_confusion_recipe(where, spec["recipe"], spec_, repeat)
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
    if spec["source"] == "cleanlab" and study.inferred:
        raise ConfigError(f"config: study {study.name!r}: label_errors from cleanlab needs "
                          f"the logits of trained runs; with pretrained models give source: "
                          f"file")
    if spec["source"] == "file" and "path" not in spec:
        raise ConfigError(f"config: study {study.name!r}: label_errors with source 'file' "
                          f"needs path: a file of known label errors")


def _confusion_recipe(where: str, base: dict[str, Any], spec: design.ConfusionSpec,
                      repeat: int) -> Recipe:
    """The study's recipe with the confusion section's changes and the repeat's seeds."""
    values = {**base, **spec.recipe_changes}
    defaults = _validator("recipe").schema["properties"]
    seeds = {key: values.get(key, defaults[key]["default"]) for key in ("init_seed", "data_seed")}
    values.update(spec.repeat_seeds(seeds, repeat))
    return recipe(values, f"{where}.confusion, repeat {repeat}, recipe")


def _given_study(name: str, spec: dict[str, Any]) -> Study:
    """A study of given decisions: its source, and one run per given run named
    (condition, instance) by given.conditions, a run's own condition and instance, or else
    its name made a condition (characters other than letters, digits and _ become _)."""
    where = f"studies.{name}.given"
    section = spec["given"]
    runs = section.get("runs", [])
    configured = [section.get("matrix"), section.get("mvh"), *(
        runs if isinstance(runs, list) else
        (v if isinstance(v, str) else v["path"] for v in runs.values()))]
    for path in filter(None, configured):
        if Path(path).parts[:1] == ("results",):
            raise ConfigError(f"config: {where}: {path} lies under results/, where the "
                              f"workflow writes; move the given file elsewhere")
    try:
        source, paths = _given_source(section)
    except (readers.GivenError, FileNotFoundError) as err:
        raise ConfigError(f"config: {where}: {err}") from None
    named = _given_names(where, section, list(paths))
    runs = tuple(Run(name, condition, instance, None, given=GivenRun(run, paths[run]))
                 for run, (condition, instance) in named.items())
    study = Study(name, {"kind": "given"}, spec["base_condition"], runs,
                  flags=_flags(name, spec), given=source)
    if study.base_condition not in {run.condition for run in runs}:
        raise ConfigError(f"config: studies.{name}: base_condition {study.base_condition!r} "
                          f"is not a condition of the given runs "
                          f"{sorted({run.condition for run in runs})}: set base_condition")
    return study


def _given_source(section: dict[str, Any]) -> tuple[GivenSource, dict[str, str]]:
    """The source of a given study and each given run's file (by run name)."""
    names = section.get("class_names")
    common = {"class_names": tuple(names) if isinstance(names, list) else names,
              "classes": section.get("classes")}
    if "matrix" in section:
        path = section["matrix"]
        run_names = section.get("run_names")
        runs = readers.read_matrix(path, run_names).runs
        files = [path] + ([str(Path(path).with_suffix(".txt"))]
                          if path.endswith(".npy") and run_names is None else [])
        return (GivenSource("matrix", tuple(files), False, False, path=path,
                            run_names=tuple(run_names) if run_names else None, **common),
                dict.fromkeys(runs, path))
    if "mvh" in section:
        folder = section["mvh"]
        level = section.get("condition")
        levels = readers.read_mvh(folder, None if level is None else str(level))
        if len(levels) > 1:
            raise readers.GivenError(f"{folder} holds condition levels {list(levels)}; choose "
                                   f"one with condition: (one study per level)")
        level, decisions = next(iter(levels.items()))
        files = tuple(str(path) for path in sorted(Path(folder).glob("*.csv")))
        return (GivenSource("mvh", files, True, False, path=folder, level=level, **common),
                dict.fromkeys(decisions.runs, folder))
    runs = section["runs"]
    if isinstance(runs, list):
        stems = [Path(path).stem for path in runs]
        if len(set(stems)) != len(stems):
            raise readers.GivenError(f"runs {runs} repeat file names; name the runs (run name "
                                   f"-> file)")
        paths = dict(zip(stems, runs, strict=True))
    else:
        paths = {run: value if isinstance(value, str) else value["path"]
                 for run, value in runs.items()}
    headers = [set(readers.columns(path)) for path in paths.values()]
    return (GivenSource("runs", tuple(dict.fromkeys(paths.values())),
                        all({"label", "prediction"} <= h for h in headers),
                        all("epoch" in h for h in headers), **common), paths)


def _given_names(where: str, section: dict[str, Any], runs: list[str]
                 ) -> dict[str, tuple[str, int]]:
    """(condition, instance) of each given run, in the runs' order."""
    named: dict[str, tuple[str, int]] = {}
    for condition, members in section.get("conditions", {}).items():
        for instance, run in enumerate(members, 1):
            if run not in runs:
                raise ConfigError(f"config: {where}.conditions.{condition}: no given run "
                                  f"{run!r}; runs: {runs}")
            if run in named:
                raise ConfigError(f"config: {where}.conditions: run {run!r} is listed twice")
            named[run] = (condition, instance)
    own = section["runs"] if isinstance(section.get("runs"), dict) else {}
    for run in runs:
        value = own.get(run)
        if not isinstance(value, dict) or "condition" not in value and "instance" not in value:
            continue
        if run in named:
            raise ConfigError(f"config: {where}: run {run!r} has a condition of its own and "
                              f"is listed in conditions; keep one")
        condition = value.get("condition", _condition_name(run))
        taken = {i for c, i in named.values() if c == condition}
        named[run] = (condition, value.get("instance", max(taken, default=0) + 1))
    for run in runs:
        named.setdefault(run, (_condition_name(run), 1))
    seen: dict[tuple[str, int], str] = {}
    for run in runs:
        if named[run] in seen:
            condition, instance = named[run]
            raise ConfigError(f"config: {where}: runs {seen[named[run]]!r} and {run!r} are "
                              f"both instance {instance} of condition {condition!r}; give "
                              f"them distinct conditions or instances")
        seen[named[run]] = run
    return {run: named[run] for run in runs}


def _condition_name(run: str) -> str:
    """A run name as a condition name: letters, digits and _, starting with a letter."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", run)
    return name if name[:1].isalpha() else f"r_{name}"
