"""The config schema: defaults, and clear errors for typos and unknown names."""

import copy
from pathlib import Path

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from ddd.models import ARCHITECTURES

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = str(ROOT / "workflow/schemas/config.schema.yaml")


def default_config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_default_and_tiny_configs_are_valid_and_get_defaults():
    validate(default_config(), SCHEMA)
    tiny = yaml.safe_load((ROOT / "tests/tiny_config.yaml").read_text())
    validate(tiny, SCHEMA)
    assert tiny["train"]["device"] == "auto"
    assert tiny["analysis"]["bootstrap"] == {"resamples": 200, "seed": 0, "level": 0.95}


@pytest.mark.parametrize(("edit", "message"), [
    (lambda c: c["studies"]["gaussian"]["recipe"].update(lr_milestone=[2]),
     r"'lr_milestone' is not one of \[.*'lr_milestones'"),
    (lambda c: c["analysis"]["difficulty"].update(tolerence=1),
     r"'tolerence' is not one of \[.*'tolerance'"),
    (lambda c: c["studies"]["gaussian"]["recipe"].update(architecture="resnet19"),
     r"'resnet19' is not one of \[.*'tiny_resnet'"),
    (lambda c: c["studies"]["gaussian"]["dataset"].update(kind="mnist"),
     r"'mnist' is not one of \['gaussian', 'cifar100', 'imagenet'\]"),
    (lambda c: c["studies"]["gaussian"]["conditions"]["nesterov"].update(refrence="base"),
     r"'refrence' is not one of \['instances', 'changes', 'reference'\]"),
])
def test_typos_and_unknown_names_are_named_with_valid_values(edit, message):
    config = copy.deepcopy(default_config())
    edit(config)
    with pytest.raises(WorkflowError, match=message):
        validate(config, SCHEMA)


def test_schema_architectures_match_the_model_registry():
    schema = yaml.safe_load(Path(SCHEMA).read_text())
    assert sorted(schema["definitions"]["architecture"]["enum"]) == sorted(ARCHITECTURES)
