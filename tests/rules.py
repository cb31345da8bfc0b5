"""The workflow's rules as Snakemake loads them (rules generated in loops included): each
rule's conda env file, script and whether it asks for a GPU."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import (
    ConfigSettings,
    OutputSettings,
    ResourceSettings,
    StorageSettings,
)

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class RuleInfo:
    name: str
    conda: Path | None  # the env file
    script: Path | None
    gpu: bool


@functools.cache
def workflow_rules() -> dict[str, RuleInfo]:
    """Every rule of the Snakefile on the embedded default config, by name."""
    with tempfile.TemporaryDirectory() as workdir, SnakemakeApi(OutputSettings()) as api:
        workflow = api.workflow(
            resource_settings=ResourceSettings(), storage_settings=StorageSettings(),
            config_settings=ConfigSettings(configfiles=[ROOT / "config.yaml"]),
            snakefile=ROOT / "Snakefile", workdir=Path(workdir))._workflow
        rules = {}
        for rule in workflow.rules:
            base = Path(rule.basedir)
            gpu = getattr(rule.resources.get("gpu"), "value", None)
            rules[rule.name] = RuleInfo(
                rule.name,
                (base / rule.conda_env).resolve() if rule.conda_env else None,
                (base / rule.script).resolve() if rule.script else None,
                bool(gpu))
    return rules
