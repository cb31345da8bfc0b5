"""A study: one dataset, a base training recipe and named conditions that change it, and
pretrained models evaluated on the same images; or runs whose decisions are given (files
made elsewhere: ddd.given.readers), analysed without a dataset.

A condition changes some recipe fields and has a number of instances. A change is either
one value for every instance or a list with one value per instance (seeds, learning-rate
scales). The run table lists every (condition, instance) with its fully resolved recipe;
each pretrained model is a condition of one instance with no recipe. Defaults and value
checks live in the config schema alone; `ddd.plan` resolves and validates every recipe once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from ddd.confusion.design import ConfusionSpec
from ddd.errors import ConfigError

TrainSubset = Literal["all", "half", "disjoint", "half_a", "half_b"]


@dataclass(frozen=True)
class Recipe:
    """How one model is trained. Field names are the config's recipe keys; build one with
    `ddd.plan.recipe`, which gives it the schema's defaults and checks its values."""

    architecture: str
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    momentum: float
    nesterov: bool
    lr_scale: float
    lr_milestones: tuple[int, ...]
    lr_gamma: float
    extra_epochs: int
    batch_splits: int
    init_seed: int
    data_seed: int
    deterministic: bool
    train_subset: TrainSubset
    train_per_class: int | None  # only the first n training images of each class
    flip: bool
    label_smoothing: float
    bn_recalibration: int
    crop_padding: int  # random crops of the zero-padded image (CIFAR: 4)
    amp: bool  # bfloat16 autocast on CUDA
    compile: bool  # torch.compile on CUDA
    head_epochs: int  # the last epochs train only the classifier head on frozen features
    shortcut: bool = False  # train on the dataset's planted cue (ddd.datasets.shortcut)
    lr_schedule: Literal["step", "linear"] = "step"  # ddd.train.loop.lr_schedule
    lr_warmup: float = 0.2  # share of the steps with rising lr (linear schedule)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lr_milestones", tuple(self.lr_milestones))

    @property
    def total_epochs(self) -> int:
        return self.epochs + self.extra_epochs

    @property
    def effective_lr(self) -> float:
        return self.lr * self.lr_scale

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["lr_milestones"] = list(self.lr_milestones)
        if not self.shortcut:  # runs without the cue keep the params and hashes they had
            del out["shortcut"]
        if self.lr_schedule == "step":  # as for shortcut: step runs keep their hashes
            del out["lr_schedule"], out["lr_warmup"]
        return out


@dataclass(frozen=True)
class Pretrained:
    """A pretrained model: its name in `source` and an optional weight file."""

    name: str
    source: str
    checkpoint: str | None = None


@dataclass(frozen=True)
class GivenRun:
    """A given run: its name in its source and the file that holds its decisions (the
    matrix, or its observer's model-vs-human CSV)."""

    name: str
    path: str


@dataclass(frozen=True)
class GivenSource:
    """Where a given study's decisions come from. kind: runs (one file per run), matrix or
    mvh (path: the matrix or the folder; level: the analysed condition level); files: every
    input file; labels, epochs: whether every run gives labels and predictions, epochs;
    class_names (a list or a file) and classes as configured."""

    kind: Literal["runs", "matrix", "mvh"]
    files: tuple[str, ...]
    labels: bool
    epochs: bool
    path: str | None = None
    level: str | None = None
    run_names: tuple[str, ...] | None = None
    class_names: str | tuple[str, ...] | None = None
    classes: int | None = None

    @property
    def classes_known(self) -> bool:
        """Whether the class count is known (chance accuracy: Fig 7, the summary)."""
        return self.labels or self.classes is not None or self.class_names is not None

    def spec(self) -> dict[str, Any]:
        """Plain values for a rule's params."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Run:
    """One model: a trained condition's instance with its resolved recipe, a pretrained
    model (recipe None), or a given run (recipe None; its decisions read from a file)."""

    study: str
    condition: str
    instance: int
    recipe: Recipe | None
    reference: Literal["base", "within"] = "base"
    pretrained: Pretrained | None = None
    given: GivenRun | None = None
    grid: tuple[int, int] | None = None  # a scaling grid's (train_per_class, epochs)

    @property
    def run_id(self) -> str:
        return f"{self.condition}-{self.instance}"

    def info(self) -> dict[str, Any]:
        """Study, condition and instance: the run's identity in its decision table."""
        return {"study": self.study, "condition": self.condition, "instance": self.instance}


@dataclass(frozen=True)
class Flags:
    """Per-image flags drawn over the difficulty histogram: a file and its boolean column."""

    path: str
    column: str
    label: str
    format: str | None = None  # ids or mask, for an ambiguous 0/1 integer array


@dataclass(frozen=True)
class Reference:
    """A reference decision maker (ddd.analysis.references): today the dataset's ideal observer;
    human observers or runs made elsewhere are further kinds of the same mechanism."""

    name: str
    kind: Literal["ideal_observer"]


@dataclass(frozen=True)
class Study:
    """A resolved study: its dataset settings (with the schema's defaults), its runs, and
    the optional image flags, label-error source and class-confusion experiment."""

    name: str
    dataset: dict[str, Any]
    base_condition: str
    runs: tuple[Run, ...]
    flags: Flags | None = None
    label_errors: dict[str, Any] | None = None
    confusion: ConfusionSpec | None = None
    confusion_recipes: tuple[Recipe, ...] = ()  # one per confusion repeat
    references: tuple[Reference, ...] = ()
    scaling_of: str | None = None  # the study whose scaling grid this study's runs are
    given: GivenSource | None = None  # a study of given decisions (dataset kind "given")
    acceptable: dict[str, Any] | None = None  # acceptable_labels: path and format

    def confusion_recipe(self, pair: str, repeat: int) -> Recipe:
        """The recipe of class-confusion run (pair, repeat): repeat r's (1-based) recipe,
        which the control and every pair share."""
        pairs = self.confusion.pair_ids if self.confusion else []
        if pair not in pairs or not 1 <= repeat <= len(self.confusion_recipes):
            raise KeyError(f"study {self.name!r} has no confusion run {pair}/{repeat}; "
                             f"pairs {pairs}, repeats 1..{len(self.confusion_recipes)}")
        return self.confusion_recipes[repeat - 1]

    def run(self, run_id: str) -> Run:
        for run in self.runs:
            if run.run_id == run_id:
                return run
        raise KeyError(f"study {self.name!r} has no run {run_id!r}; "
                       f"runs: {[r.run_id for r in self.runs]}")

    @property
    def kind(self) -> str:
        return self.dataset["kind"]

    @property
    def run_ids(self) -> list[str]:
        return [run.run_id for run in self.runs]

    @property
    def trained_ids(self) -> list[str]:
        """Run ids of the models trained by the workflow."""
        return [run.run_id for run in self.runs
                if run.pretrained is None and run.given is None]

    @property
    def pretrained_ids(self) -> list[str]:
        """Run ids of the pretrained models."""
        return [run.run_id for run in self.runs if run.pretrained is not None]

    @property
    def given_ids(self) -> list[str]:
        """Run ids of the runs whose decisions are given."""
        return [run.run_id for run in self.runs if run.given is not None]

    @property
    def base_run(self) -> str:
        """The base condition's first instance: the reference of Fig 2 and Fig 4."""
        return next(r.run_id for r in self.runs if r.condition == self.base_condition)

    @property
    def within_conditions(self) -> list[str]:
        """Conditions compared among their own instances (disjoint data), not against base."""
        return sorted({run.condition for run in self.runs if run.reference == "within"})

    def histogram_runs(self, selection: str) -> list[str]:
        """Run ids entering the per-image statistics (config analysis.histogram_runs), in
        run order: all, or the last instance of each condition (the paper's Fig 14)."""
        if selection == "all":
            return self.run_ids
        if selection != "one_per_condition":
            raise ConfigError(f"config: analysis.histogram_runs: unknown selection "
                              f"{selection!r}; valid: all, one_per_condition")
        last: dict[str, Run] = {}
        for run in self.runs:
            if run.condition not in last or run.instance >= last[run.condition].instance:
                last[run.condition] = run
        chosen = {run.run_id for run in last.values()}
        return [run_id for run_id in self.run_ids if run_id in chosen]

    def run_table(self) -> list[dict[str, Any]]:
        """Run, condition and instance of every run, in run order; a scaling grid's runs
        also give their grid point (train_per_class, epochs)."""
        return [{"run": r.run_id, "condition": r.condition, "instance": r.instance,
                 **({"train_per_class": r.grid[0], "epochs": r.grid[1]} if r.grid else {})}
                for r in self.runs]


def instance_changes(condition: str, changes: dict[str, Any], instances: int,
                     where: str = "config") -> Iterator[tuple[int, dict[str, Any]]]:
    """(instance, changes) of each instance of a condition: a list value gives one value
    per instance (lr_milestones is a list value itself); `train_subset` half means half_a,
    disjoint alternates half_a and half_b."""
    for instance in range(1, instances + 1):
        values = {}
        for key, value in changes.items():
            if isinstance(value, list) and key != "lr_milestones":
                if len(value) != instances:
                    raise ConfigError(
                        f"{where}, condition {condition!r}: change {key!r} lists "
                        f"{len(value)} values but the condition has {instances} instances; "
                        f"give one value per instance")
                value = value[instance - 1]
            values[key] = value
        yield instance, values


def resolve_subset(subset: str, instance: int) -> str:
    """The fixed half an instance trains on: half is half_a, disjoint alternates."""
    if subset == "half":
        return "half_a"
    if subset == "disjoint":
        return "half_a" if instance % 2 == 1 else "half_b"
    return subset


def config_hash(*parts: Any) -> str:
    """Short stable hash of JSON-serialisable parts (the run's recipe and dataset)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
