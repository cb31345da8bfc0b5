"""A study: one dataset, a base training recipe and named conditions that change it, and
pretrained models evaluated on the same images.

A condition changes some recipe fields and has a number of instances. A change is either
one value for every instance or a list with one value per instance (seeds, learning-rate
scales). The run table lists every (condition, instance) with its fully resolved recipe;
each pretrained model is a condition of one instance with no recipe.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

TrainSubset = Literal["all", "half", "disjoint", "half_a", "half_b"]


@dataclass(frozen=True)
class Recipe:
    """How one model is trained. Field names are the config's recipe keys."""

    architecture: str
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    momentum: float = 0.9
    nesterov: bool = False
    lr_scale: float = 1.0
    lr_milestones: tuple[int, ...] = ()
    lr_gamma: float = 0.1
    extra_epochs: int = 0
    batch_splits: int = 1
    init_seed: int = 0
    data_seed: int = 0
    deterministic: bool = True
    train_subset: TrainSubset = "all"
    flip: bool = True
    label_smoothing: float = 0.0
    bn_recalibration: int = 0
    crop_padding: int = 0  # random crops of the zero-padded image (CIFAR: 4)
    amp: bool = False  # bfloat16 autocast on CUDA
    compile: bool = False  # torch.compile on CUDA
    head_epochs: int = 0  # the last epochs train only the classifier head on frozen features

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Recipe:
        """Build a recipe, naming unknown keys and listing the valid ones."""
        valid = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - valid)
        if unknown:
            raise ValueError(f"unknown recipe key(s) {unknown}; valid keys: {sorted(valid)}")
        values = dict(values)
        if "lr_milestones" in values:
            values["lr_milestones"] = tuple(values["lr_milestones"])
        return cls(**values)

    @property
    def total_epochs(self) -> int:
        return self.epochs + self.extra_epochs

    @property
    def effective_lr(self) -> float:
        return self.lr * self.lr_scale

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["lr_milestones"] = list(self.lr_milestones)
        return out


@dataclass(frozen=True)
class Pretrained:
    """A pretrained model: its name in `source` and an optional weight file."""

    name: str
    source: str = "torchvision"
    checkpoint: str | None = None


@dataclass(frozen=True)
class Run:
    """One model: a trained condition's instance with its resolved recipe, or a pretrained
    model (recipe None)."""

    study: str
    condition: str
    instance: int
    recipe: Recipe | None
    reference: Literal["base", "within"] = "base"
    pretrained: Pretrained | None = None

    @property
    def run_id(self) -> str:
        return f"{self.condition}-{self.instance}"


@dataclass(frozen=True)
class Study:
    name: str
    dataset: dict[str, Any]
    base_condition: str
    runs: tuple[Run, ...] = field(default_factory=tuple)

    def run(self, run_id: str) -> Run:
        for run in self.runs:
            if run.run_id == run_id:
                return run
        raise KeyError(f"study {self.name!r} has no run {run_id!r}; "
                       f"runs: {[r.run_id for r in self.runs]}")

    @property
    def run_ids(self) -> list[str]:
        return [run.run_id for run in self.runs]

    @property
    def trained(self) -> list[str]:
        """Run ids of the models trained by the workflow."""
        return [run.run_id for run in self.runs if run.pretrained is None]

    @property
    def inferred(self) -> list[str]:
        """Run ids of the pretrained models."""
        return [run.run_id for run in self.runs if run.pretrained is not None]


def _value_for(key: str, value: Any, instance: int, instances: int, condition: str) -> Any:
    if isinstance(value, list) and key != "lr_milestones":
        if len(value) != instances:
            raise ValueError(
                f"condition {condition!r}: change {key!r} lists {len(value)} values but the "
                f"condition has {instances} instances; give one value per instance")
        return value[instance - 1]
    return value


def _resolve_subset(subset: str, instance: int) -> str:
    if subset == "half":
        return "half_a"
    if subset == "disjoint":
        return "half_a" if instance % 2 == 1 else "half_b"
    return subset


DATASET_DEFAULTS = {"imagenet": {"train_split": "train", "test_split": "val", "resize": 256,
                                  "crop": 224}}


def build_study(name: str, spec: dict[str, Any]) -> Study:
    """Resolve a study's config into its run table."""
    base = spec.get("recipe", {})
    conditions = spec.get("conditions", {})
    pretrained = spec.get("pretrained", {})
    both = sorted(conditions.keys() & pretrained.keys())
    if both:
        raise ValueError(f"study {name!r}: {both} name both a condition and a pretrained "
                         f"model; rename one")
    base_condition = spec.get("base_condition", "base")
    if base_condition not in conditions and base_condition not in pretrained:
        raise ValueError(f"study {name!r}: base_condition {base_condition!r} is not one of "
                         f"the conditions or pretrained models "
                         f"{sorted([*conditions, *pretrained])}: set base_condition")
    runs = []
    for condition, cond in conditions.items():
        instances = cond.get("instances", 1)
        for instance in range(1, instances + 1):
            values = dict(base)
            for key, value in cond.get("changes", {}).items():
                values[key] = _value_for(key, value, instance, instances, condition)
            values["train_subset"] = _resolve_subset(values.get("train_subset", "all"), instance)
            try:
                recipe = Recipe.from_mapping(values)
            except (TypeError, ValueError) as err:
                raise ValueError(f"study {name!r}, condition {condition!r}: {err}") from err
            runs.append(Run(name, condition, instance, recipe, cond.get("reference", "base")))
    for key, model in pretrained.items():
        runs.append(Run(name, key, 1, None,
                        pretrained=Pretrained(**{"name": key, **model})))
    dataset = {**DATASET_DEFAULTS.get(spec["dataset"]["kind"], {}), **spec["dataset"]}
    return Study(name, dataset, base_condition, tuple(runs))


def config_hash(*parts: Any) -> str:
    """Short stable hash of JSON-serialisable parts (the run's recipe and dataset)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]
